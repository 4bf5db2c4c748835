"""`people …`: the same words on the command line and in Slack (`/countersign people …`)."""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from bot.people import (
    add_person,
    import_csv,
    list_people,
    posts_mentioning,
    remove_person,
    set_consent,
)
from bot.storage import Store
from bot.storage.people import ON_PREVIOUS_KEY, RegisterError, on_previous_key

USAGE = (
    "people list | people add NAME --consent yes|no [--alias A]... [--expires YYYY-MM-DD] "
    "[--platform x|facebook]... [--label L] | people consent LABEL yes|no [--expires D] "
    "[--platform P]... | people remove LABEL"
)


@dataclass(frozen=True)
class Answer:
    ok: bool
    text: str
    mentions: tuple[int, ...] = ()  # published posts naming someone whose consent went


class UsageError(Exception):
    """A mistyped people command; the message says how to type it."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}. Usage: {USAGE}")


def add_arguments(people: argparse.ArgumentParser, *, with_import: bool) -> None:
    sub = people.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    if with_import:
        imp = sub.add_parser(
            "import",
            help="add or update everyone in a CSV file (all or nothing)",
            description="Columns: name, aliases (separated by ;), "
            "consent (yes/no), consent_expires (YYYY-MM-DD or empty), optional "
            "platforms (x;facebook) and label.",
        )
        imp.add_argument("file", metavar="FILE.csv")
    sub.add_parser("list", help="everyone in the register, by label (never by name)")
    add = sub.add_parser("add", help="add one person (or replace the entry with that label)")
    add.add_argument("name", help="the person's name, in quotes if it has spaces")
    add.add_argument("--alias", action="append", default=[], help="another name; repeatable")
    add.add_argument("--consent", required=True, choices=["yes", "no"])
    add.add_argument("--expires", help="when consent ends, YYYY-MM-DD")
    add.add_argument(
        "--platform",
        action="append",
        choices=["x", "facebook"],
        help="a platform the consent covers; repeatable (default: all)",
    )
    add.add_argument("--label", help="what admins will see instead of the name")
    consent = sub.add_parser("consent", help="change or withdraw someone's consent by label")
    consent.add_argument("label")
    consent.add_argument("consent", choices=["yes", "no"])
    consent.add_argument("--expires", help="when consent ends, YYYY-MM-DD")
    consent.add_argument("--platform", action="append", choices=["x", "facebook"])
    remove = sub.add_parser("remove", help="forget someone entirely, by label")
    remove.add_argument("label")


def run(
    args: argparse.Namespace,
    store: Store,
    key: str | None,
    *,
    actor: str,
    at: datetime,
    today: date,
) -> Answer:
    """Carry out a parsed people command; the answer names people by label only."""
    command = args.people_command
    try:
        if command == "list":
            people = list_people(store)
            if not people:
                return Answer(True, "The register is empty.")
            listed = "\n".join(p.describe(today) for p in people)
            if on_previous_key(store, key):
                listed = f"{ON_PREVIOUS_KEY}\n{listed}"
            return Answer(True, listed)
        if command == "import":
            result = import_csv(store, key, args.file, actor=actor, at=at)
            return Answer(True, "Imported: " + result.describe())
        if command == "add":
            result = add_person(
                store,
                key,
                name=args.name,
                aliases=args.alias,
                consent=args.consent,
                expires=args.expires,
                platforms=args.platform,
                label=args.label,
                actor=actor,
                at=at,
            )
            return Answer(True, "Saved: " + result.describe())
        if command == "consent":
            set_consent(
                store,
                args.label,
                consent=args.consent,
                expires=args.expires,
                platforms=args.platform,
                actor=actor,
                at=at,
            )
            text = f"Consent for {args.label} is now {args.consent}."
            if args.consent == "yes":
                return Answer(True, text)
            mentions = tuple(posts_mentioning(store, key, args.label))
            if not mentions:
                return Answer(True, text + " No published post names them.")
            listed = ", ".join(f"#{m}" for m in mentions)
            return Answer(
                True,
                f"{text} Published posts that name them: {listed}. Take each "
                "down with `takedown <id>` (or the buttons below, in Slack).",
                mentions,
            )
        if command == "remove":
            if remove_person(store, args.label, actor, at):
                return Answer(True, f"Removed {args.label} from the register.")
            return Answer(False, f"There is no {args.label} in the register.")
    except RegisterError as exc:
        return Answer(False, str(exc))
    except OSError as exc:
        return Answer(False, f"Cannot read {getattr(exc, 'filename', '')}: {exc.strerror}")
    raise UsageError(f"unknown action {command!r}. Usage: {USAGE}")


def run_slack_text(
    text: str,
    store: Store,
    key: str | None,
    *,
    actor: str,
    clock: Callable[[], datetime],
    today: date,
) -> Answer:
    """`/countersign people …`: parsed exactly like the command line (no import in Slack)."""
    parser = _Parser(prog="/countersign people", add_help=False)
    add_arguments(parser, with_import=False)
    try:
        words = shlex.split(text)
        args = parser.parse_args(words)
    except ValueError as exc:  # unbalanced quotes
        raise UsageError(f"{exc}. Usage: {USAGE}") from exc
    except SystemExit as exc:  # argparse's own --help
        raise UsageError(f"Usage: {USAGE}") from exc
    return run(args, store, key, actor=actor, at=clock(), today=today)
