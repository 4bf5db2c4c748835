"""`countersign` (= `python -m bot`): serve, demo, check, now."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from bot import __version__
from bot.config.policy_file import load_policy
from bot.config.settings import Settings, load_settings, missing_for_serve
from bot.config.yamlfile import ConfigError
from bot.domain.posts import PLATFORMS
from bot.logs import configure
from bot.people_commands import add_arguments as add_people_arguments
from bot.storage import Store
from bot.storage.audit_chain import Checkpoint
from bot.storage.crypto import StoredTextError
from bot.storage.people import RegisterError

SECRET_FIELDS = (
    "slack_bot_token",
    "slack_signing_secret",
    "slack_app_token",
    "x_consumer_key",
    "x_consumer_secret",
    "x_access_token",
    "x_access_token_secret",
    "facebook_page_token",
    "secret_key",
    "previous_secret_keys",
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="countersign",
        description="Moderated organisational posting from Slack. With no command: serve when "
        "Slack is configured (SLACK_BOT_TOKEN), otherwise run the demo.",
    )
    p.add_argument("--version", action="version", version=f"countersign {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    serve = sub.add_parser(
        "serve",
        help="run the Slack app and the publishing scheduler",
        description="Run the Slack app and the publishing scheduler in one "
        "process: Socket Mode when SLACK_APP_TOKEN is set, otherwise HTTP.",
    )
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--http", action="store_true", help="HTTP mode: POST /slack/events")
    mode.add_argument("--socket", action="store_true", help="Socket Mode (needs SLACK_APP_TOKEN)")
    serve.add_argument("--port", type=int, help="HTTP port (default: $PORT or 3000)")

    sub.add_parser(
        "demo",
        help="run the whole flow against local emulators and narrate it",
        description="Run the real app against local emulators of Slack, X and "
        "Facebook with a temporary database, narrating each step.",
    )

    check = sub.add_parser(
        "check",
        help="run the checks on a text",
        description="Run the checks on TEXT (or standard input with -). "
        "Exit status: 0 when nothing blocks, 1 when a finding blocks, 2 for a usage error. "
        "Registered names are checked against the register in COUNTERSIGN_DB.",
    )
    check.add_argument("text", nargs="?", default="-", metavar="TEXT|-")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.add_argument(
        "--jsonl",
        metavar="FILE|-",
        help='check many posts: one {"id", "text", "platforms"?} per line in, one result '
        "per line out, in order",
    )
    check.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="PATH",
        help="an image attached to the post; repeat for several",
    )
    check.add_argument(
        "--platform",
        action="append",
        choices=PLATFORMS,
        dest="platforms",
        help="a platform to check for; repeat for several (default: the configured ones)",
    )

    people = sub.add_parser(
        "people",
        help="the register of people served and their consent",
        description="The register of people the organisation serves and their consent. Names "
        "are stored only as keyed hashes (COUNTERSIGN_SECRET_KEY) and shown only by label.",
    )
    add_people_arguments(people, with_import=True)

    now = sub.add_parser(
        "now",
        help="publish an approved post at once",
        description="Publish the approved post POST_ID at once on every "
        "platform it is still queued for.",
    )
    now.add_argument("post_id", metavar="POST_ID", help="the post's number, e.g. 12 or #12")

    schedule = sub.add_parser(
        "schedule",
        help="show or change the weekly posting slots",
        description="With no words: the weekly slots per platform and the next free ones. "
        "`schedule add <x|facebook|all> <days> <HH:MM>[,HH:MM…]`, `schedule remove …`, "
        "`schedule clear <platform|all>`; days like mon-fri, sat,sun, daily. "
        "`schedule ics [FILE]` writes an iCalendar feed of the queued posts.",
    )
    schedule.add_argument("words", nargs="*", metavar="WORDS")

    queue = sub.add_parser(
        "queue",
        help="what will be published when, per platform; move or unschedule a post",
        description="`queue`, `queue front <id>`, `queue move <id> <YYYY-MM-DDTHH:MM>`, "
        "`queue unschedule <id>`.",
    )
    queue.add_argument("words", nargs="*", metavar="WORDS")

    blackout = sub.add_parser(
        "blackout",
        help="periods when nothing is published",
        description="`blackout list`, `blackout add <from> <to> [reason]` (YYYY-MM-DD or "
        "YYYY-MM-DDTHH:MM, organisation time), `blackout remove <id>`. Queued posts inside a "
        "new blackout move past it.",
    )
    blackout.add_argument("words", nargs="*", metavar="WORDS")

    pause = sub.add_parser(
        "pause",
        help="stop all publishing at once (an emergency stop)",
        description="Stop all publishing at once; nothing is lost. `resume` continues.",
    )
    pause.add_argument("reason", nargs="*", help="why, for the admins and the review cards")
    resume = sub.add_parser(
        "resume",
        help="continue after a pause, or resume a platform paused for its credentials",
        description="With no PLATFORM: end a pause; what missed its slot takes the next free "
        "slots. With x or facebook: resume that platform after its credentials were fixed.",
    )
    resume.add_argument("platform", nargs="?", choices=PLATFORMS)

    audit = sub.add_parser(
        "audit",
        help="verify or export the tamper-evident audit log",
        description="`audit verify [--checkpoint FILE]` checks that no record was changed or "
        "removed, and that the log still reaches the newest audit checkpoint (from the review "
        "channel, or FILE); "
        "`audit export [--csv|--json] [--since YYYY-MM-DD]` prints the full history of who "
        "proposed, checked, approved and published what.",
    )
    audit.add_argument("action", choices=["verify", "export"])
    kind = audit.add_mutually_exclusive_group()
    kind.add_argument("--csv", action="store_true", help="CSV with a header row")
    kind.add_argument("--json", action="store_true", help="one JSON object per line (default)")
    audit.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD")
    audit.add_argument(
        "--checkpoint",
        metavar="FILE",
        help="verify against this checkpoint file (e.g. the one beside a backup) instead of "
        "the newest checkpoint in the review channel",
    )

    sub.add_parser(
        "rekey",
        help="re-encrypt the database's stored text under the current COUNTERSIGN_SECRET_KEY",
        description="After a key rotation (the old key moved to "
        "COUNTERSIGN_PREVIOUS_SECRET_KEYS), re-encrypt every stored text under the current "
        "key now, rather than at the next start or the daily job. Safe while Countersign runs.",
    )

    backup = sub.add_parser(
        "backup",
        help="a consistent copy of the database, while Countersign runs",
        description="Copy the database to PATH with SQLite's online backup; see README for "
        "restoring.",
    )
    backup.add_argument("path", metavar="PATH")

    takedown = sub.add_parser(
        "takedown",
        help="delete a published post on every platform",
        description="Delete the published post POST_ID on every platform it reached, and "
        "record it in the audit log.",
    )
    takedown.add_argument("post_id", metavar="POST_ID", help="the post's number, e.g. 12")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "demo":
            from bot.demo import run_demo

            return run_demo()
        settings = load_settings()
        # Each former key on its own too: the setting is a comma-separated list of them.
        former = settings.secret("previous_secret_keys").split(",")
        configure(
            settings.log_level,
            [settings.secret(f) for f in SECRET_FIELDS] + [k.strip() for k in former],
        )
        if args.command is None:
            if settings.slack_bot_token is None:
                print(
                    "Slack is not configured (no SLACK_BOT_TOKEN): running the demo.\n"
                    "See README.md, 'Connect your workspace', to run it for real.\n"
                )
                from bot.demo import run_demo

                return run_demo()
            return serve(settings, socket=None, port=None)
        if args.command == "serve":
            return serve(
                settings,
                socket=True if args.socket else False if args.http else None,
                port=args.port,
            )
        if args.command == "check":
            return check(settings, args)
        if args.command in ("audit", "backup"):
            return audit_or_backup(settings, args)
        if args.command == "rekey":
            return rekey(settings)
        if args.command == "schedule":
            return schedule_command(settings, args.words)
        if args.command in ("blackout", "queue"):
            return blackout_command(settings, args.words, command=args.command)
        if args.command in ("pause", "resume"):
            return pause_or_resume(settings, args)
        if args.command in ("now", "takedown"):
            return on_post(settings, args.command, args.post_id)
        if args.command == "people":
            return people(settings, args)
    except (ConfigError, RegisterError, StoredTextError) as exc:
        print(f"countersign: {exc}", file=sys.stderr)
        return 2
    return 0


def check(settings: Settings, args: argparse.Namespace) -> int:
    from bot.check_command import check_jsonl, check_text, make_checker

    checker = make_checker(settings, load_policy(settings.config_dir))
    if args.jsonl:
        if args.image or args.platforms or args.json:
            print(
                "countersign check: --jsonl takes no TEXT options (platforms go in each line)",
                file=sys.stderr,
            )
            return 2
        if args.jsonl == "-":
            return check_jsonl(checker, sys.stdin, sys.stdout)
        try:
            with open(args.jsonl, encoding="utf-8") as lines:
                return check_jsonl(checker, lines, sys.stdout)
        except OSError as exc:
            print(f"countersign check: cannot read {args.jsonl}: {exc.strerror}", file=sys.stderr)
            return 2
    images = []
    for path in args.image:
        from bot.checks.images import ImageInput

        try:
            with open(path, "rb") as f:
                images.append(ImageInput(name=os.path.basename(path), data=f.read()))
        except OSError as exc:
            print(f"countersign check: cannot read image {path}: {exc.strerror}", file=sys.stderr)
            return 2
    text = sys.stdin.read() if args.text == "-" else args.text
    return check_text(
        checker,
        text,
        as_json=args.json,
        platforms=tuple(args.platforms or settings.platforms),
        images=images,
    )


def open_database(settings: Settings) -> Store:
    """The database, created when missing — said out loud, because a mistyped COUNTERSIGN_DB
    would otherwise quietly send the change somewhere the server never reads."""
    from datetime import UTC, datetime

    from bot.storage import AuditKeys, open_store

    new = not settings.db.exists()
    settings.db.parent.mkdir(parents=True, exist_ok=True)
    audit = AuditKeys(
        settings.secret("secret_key") or None, settings.previous_keys(), seal_at=datetime.now(UTC)
    )
    store = open_store(settings.db, settings.keyring(), audit)
    if new:
        print(f"countersign: created a new, empty database at {settings.db}", file=sys.stderr)
    return store


def people(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot.people_commands import run

    store = open_database(settings)
    try:
        now = datetime.now(UTC)
        answer = run(
            args,
            store,
            settings.secret("secret_key") or None,
            actor="cli",
            at=now,
            today=now.astimezone(settings.zone).date(),
        )
    finally:
        store.close()
    print(answer.text, file=sys.stdout if answer.ok else sys.stderr)
    return 0 if answer.ok else 1


def rekey(settings: Settings) -> int:
    """`countersign rekey`: every stored text under the current key, and the count said."""
    from bot.storage import open_store

    if not settings.secret("secret_key"):
        print(
            "countersign: COUNTERSIGN_SECRET_KEY is not set: nothing to encrypt with",
            file=sys.stderr,
        )
        return 2
    if not Path(settings.db).exists():
        print(f"countersign: there is no database at {settings.db}", file=sys.stderr)
        return 2
    keys = settings.keyring()
    store = open_store(settings.db, keys)  # opening re-encrypts (Store.reseal)
    try:
        done = sum(store.resealed.values()) + sum(store.reseal().values())
        store.checkpoint()
    finally:
        store.close()
    print(
        f"Re-encrypted {done} stored value(s); all stored text is now under the current key "
        f"({keys.current_id}). The consent register is separate: `people list` says whether it "
        "still needs a re-import."
    )
    return 0


def audit_or_backup(settings: Settings, args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from bot import audit_commands
    from bot.storage import AuditKeys, open_store

    if not Path(settings.db).exists():
        print(f"countersign: there is no database at {settings.db}", file=sys.stderr)
        return 2
    secret = settings.secret("secret_key") or None
    # no `seal_at`: verify and backup write nothing to the database
    store = open_store(settings.db, settings.keyring(), AuditKeys(secret, settings.previous_keys()))
    try:
        if args.command == "backup":
            return audit_commands.backup(store, Path(args.path), datetime.now(UTC))
        if args.action == "verify":
            read = read_checkpoint(settings, args.checkpoint)
            if isinstance(read, int):
                return read
            checkpoint, source = read
            return audit_commands.verify(store, checkpoint, source=source, keyed=secret is not None)
        return audit_commands.export(store, as_csv=args.csv, since=args.since)
    finally:
        store.close()


def read_checkpoint(
    settings: Settings, path: str | None
) -> tuple[Checkpoint | None, str | None] | int:
    """The newest checkpoint `audit verify` can read, and where from: the file named, else the
    review channel when Slack is configured, else none. An int: the exit code of a refusal."""
    from bot import audit_checkpoint

    if path:
        try:
            found = audit_checkpoint.read_file(Path(path))
        except (OSError, UnicodeDecodeError) as exc:
            print(
                f"countersign audit: cannot read {path}: {getattr(exc, 'strerror', exc)}",
                file=sys.stderr,
            )
            return 2
        if found is None:
            print(
                f"countersign audit: {path} holds no audit checkpoint (a line starting "
                "'Audit checkpoint:', as `countersign backup` writes beside each backup)",
                file=sys.stderr,
            )
            return 2
        return found, path
    token, channel = settings.secret("slack_bot_token"), settings.review_channel
    if not token or not channel:
        return None, None
    from slack_sdk.errors import SlackApiError

    from bot.slack.app import web_client

    try:
        found = audit_checkpoint.newest_in_slack(web_client(token, settings.slack_api_url), channel)
    except SlackApiError as exc:
        print(
            "countersign audit: cannot read the review channel's history "
            f"({exc.response.get('error')}): the app needs the channels:history scope (or "
            "groups:history for a private channel), or pass --checkpoint FILE",
            file=sys.stderr,
        )
        return 2
    return found, f"the review channel ({channel})"


def schedule_command(settings: Settings, words: list[str]) -> int:
    from datetime import UTC, datetime

    from bot.config.schedule_file import load_schedule
    from bot.schedule_commands import USAGE, run_schedule

    store = open_database(settings)
    try:
        now = datetime.now(UTC)
        store.seed_slots(load_schedule(settings.config_dir).slots, at=now)
        if words[:1] == ["ics"]:
            from bot.schedule_commands import calendar

            feed = calendar(store, tuple(settings.platforms), now=now)
            if len(words) == 2:
                Path(words[1]).write_bytes(feed)
                print(f"Wrote {words[1]}.")
            else:
                sys.stdout.write(feed.decode("utf-8"))
            return 0
        _, answer = run_schedule(
            words,
            store,
            actor="cli",
            now=now,
            zone=settings.zone,
            platforms=tuple(settings.platforms),
        )
    finally:
        store.close()
    failed = answer.startswith("Usage") or f"Usage: {USAGE}" in answer
    print(answer, file=sys.stderr if failed else sys.stdout)
    return 2 if failed else 0


def blackout_command(settings: Settings, words: list[str], *, command: str) -> int:
    """`blackout …` and `queue …`: the admins' words, on the command line."""
    from datetime import UTC, datetime

    from bot.runtime import build_runtime
    from bot.schedule_commands import run_blackout, run_queue

    runtime = build_runtime(settings, serving=False)
    run = run_blackout if command == "blackout" else run_queue
    try:
        # The server's slot lock (a file beside the database): a slot chosen here cannot be
        # taken by an approval at the same moment, nor the other way round.
        with runtime.service.slot_lock:
            answer = run(
                words,
                runtime.service,
                runtime.store,
                actor="cli",
                now=datetime.now(UTC),
                zone=settings.zone,
            )
    finally:
        runtime.store.close()
    failed = "Usage:" in answer or answer.startswith(
        ("A blackout", "That blackout", "There is no", "That time", "That slot")
    )
    print(answer, file=sys.stderr if failed else sys.stdout)
    return 2 if failed else 0


def pause_or_resume(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime import build_runtime

    runtime = build_runtime(settings, serving=False)
    try:
        if args.command == "pause":
            print(runtime.service.pause(actor="cli", reason=" ".join(args.reason)))
        elif args.platform:
            resumed = runtime.delivery.resume(args.platform, actor="cli")
            print(f"{args.platform} resumed." if resumed else f"{args.platform} was not paused.")
        else:
            print(runtime.service.resume(actor="cli"))
    finally:
        runtime.store.close()
    return 0


def on_post(settings: Settings, command: str, post_id: str) -> int:
    """`now` and `takedown`: the same use cases the admins have in Slack."""
    from bot.runtime import build_runtime

    digits = post_id.lstrip("#")
    if not digits.isdigit():
        print(f"countersign {command}: {post_id!r} is not a post number, e.g. 12", file=sys.stderr)
        return 2
    runtime = build_runtime(settings, serving=False)
    try:
        delivery = runtime.delivery
        act = delivery.publish_now if command == "now" else delivery.takedown
        result = act(int(digits), actor="cli")
    finally:
        runtime.store.close()
    print(result.message)
    return 0 if result.ok else 1


def serve(settings: Settings, *, socket: bool | None, port: int | None) -> int:
    from bot.runtime import build_runtime

    socket_mode = settings.slack_app_token is not None if socket is None else socket
    missing = missing_for_serve(settings, socket_mode=socket_mode)
    if missing:
        raise ConfigError("cannot start; these settings are missing:\n  " + "\n  ".join(missing))
    from slack_bolt.error import BoltError

    try:
        runtime = build_runtime(settings)
    except BoltError as exc:  # Bolt's auth.test at start
        raise ConfigError(f"cannot start: Slack did not accept SLACK_BOT_TOKEN ({exc})") from None
    except OSError as exc:
        raise ConfigError(
            f"cannot start: Slack cannot be reached at {settings.slack_api_url} ({exc})"
        ) from None
    runtime.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        if socket_mode:
            from slack_bolt.adapter.socket_mode import SocketModeHandler
            from slack_sdk.errors import SlackApiError

            handler = SocketModeHandler(runtime.app, settings.secret("slack_app_token"))
            try:
                handler.connect()
            except SlackApiError as exc:  # apps.connections.open said no
                handler.close()
                raise ConfigError(socket_mode_refused(str(exc.response.get("error")))) from exc
            print("countersign: connected to Slack in Socket Mode", file=sys.stderr)
            stop.wait()
            handler.close()
        else:
            from bot.server import HttpServer

            server = HttpServer(
                runtime.app,
                settings.secret("slack_signing_secret"),
                host=settings.host,
                port=port or settings.port,
            ).start()
            print(
                f"countersign: listening on port {server.port} (POST /slack/events, GET /healthz)",
                file=sys.stderr,
            )
            try:
                stop.wait()
            finally:
                server.stop()
    except KeyboardInterrupt:
        pass
    finally:
        runtime.close()
    return 0


def socket_mode_refused(error: str) -> str:
    """A ConfigError's words for apps.connections.open refusing SLACK_APP_TOKEN."""
    if error == "not_allowed_token_type":
        why = "is not an app-level token (it must start with xapp-)"
    elif error in ("invalid_auth", "not_authed", "token_revoked", "token_expired"):
        why = "was refused"
    else:
        why = "could not open a connection"
    return (
        f"cannot start in Socket Mode: SLACK_APP_TOKEN {why}; Slack said {error}. "
        "Use an app-level token with the connections:write scope (the app's Basic "
        "Information page, App-Level Tokens), and turn Socket Mode on for the app."
    )
