"""`countersign demo`: the real app, in-process, against local emulators — narrated."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bot.config.settings import load_settings
from bot.emulators.graph import GraphEmulator
from bot.emulators.slack import (
    SlackEmulator,
    SlackEventSender,
    message_event,
    reaction_event,
)
from bot.emulators.x import XEmulator
from bot.runtime import build_runtime
from bot.server import HttpServer

T = TypeVar("T")

PROPOSALS, REVIEW = "C0PROPOSALS", "C0REVIEW"
ALICE, BOB, CAROL, DANA = "U0ALICE", "U0BOB", "U0CAROL", "U0DANA"
SIGNING_SECRET = "demo-signing-secret"

SCHEDULE = """\
x:
  - days: daily
    times: ["09:30", "17:00"]
facebook:
  - days: daily
    times: ["10:00"]
"""


class DemoFailed(Exception):
    pass


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = 10.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.02)
    raise DemoFailed(f"gave up waiting for {what}")


def run_demo(say: Callable[[str], None] = print) -> int:
    with (
        tempfile.TemporaryDirectory(prefix="countersign-demo-") as tmp,
        SlackEmulator(token="xoxb-demo") as slack,
        XEmulator(consumer_key="demo-ck", access_token="demo-at") as x,
        GraphEmulator(page_id="1000", page_token="demo-page-token") as graph,
    ):
        config = Path(tmp) / "config"
        config.mkdir()
        (config / "schedule.yaml").write_text(SCHEDULE, encoding="utf-8")
        (config / "policy.yaml").write_text("country: GB\n", encoding="utf-8")
        settings = load_settings(
            isolated=True,
            overrides={
                "SLACK_BOT_TOKEN": "xoxb-demo",
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": slack.api_url,
                "X_CONSUMER_KEY": "demo-ck",
                "X_CONSUMER_SECRET": "demo-cs",
                "X_ACCESS_TOKEN": "demo-at",
                "X_ACCESS_TOKEN_SECRET": "demo-ats",
                "X_API_URL": x.url,
                "FACEBOOK_PAGE_ID": "1000",
                "FACEBOOK_PAGE_TOKEN": "demo-page-token",
                "FACEBOOK_GRAPH_URL": graph.url,
                "COUNTERSIGN_DB": str(Path(tmp) / "countersign.db"),
                "COUNTERSIGN_CONFIG_DIR": str(config),
                "COUNTERSIGN_PROPOSALS_CHANNEL": PROPOSALS,
                "COUNTERSIGN_REVIEW_CHANNEL": REVIEW,
                "COUNTERSIGN_APPROVERS": f"{ALICE},{BOB}",
                "COUNTERSIGN_ADMINS": DANA,
                "COUNTERSIGN_TIMEZONE": "Europe/London",
                "COUNTERSIGN_SECRET_KEY": "demo-register-key-0123456789",
            },
        )
        runtime = build_runtime(settings)
        runtime.start()
        server = HttpServer(runtime.app, SIGNING_SECRET, host="127.0.0.1", port=0).start()
        try:
            _story(
                say,
                slack,
                x,
                graph,
                SlackEventSender(server.url(), SIGNING_SECRET, response_url=slack.response_url()),
            )
        except DemoFailed as exc:
            say(f"\nThe demo failed: {exc}")
            return 1
        finally:
            server.stop()
            runtime.close()
    return 0


def _story(
    say: Callable[[str], None],
    slack: SlackEmulator,
    x: XEmulator,
    graph: GraphEmulator,
    sender: SlackEventSender,
) -> None:
    say(
        "Countersign demo: the real app against local emulators of Slack, X and Facebook.\n"
        "Alice and Bob are approvers, Dana is an admin, Carol is staff.\n"
    )

    text = (
        "Our new drop-in centre opens on Monday at 10am. Everyone is welcome: tea, "
        "advice and a warm space."
    )
    say(f"1. Alice proposes a post in #proposals:\n   “{text}”")
    _ok(sender.event(message_event(PROPOSALS, ALICE, text, "1700000001.000100")))
    report = wait_for(
        "the report in the proposal's thread", lambda: slack.thread(PROPOSALS, "1700000001.000100")
    )
    say(f"   Countersign replies in the thread: {report[0]['text']}")
    card = wait_for("the review card", lambda: slack.messages(REVIEW))[0]
    say(f"   and posts a review card in #review: {card['text']}")

    say("\n2. Alice reacts :white_check_mark: on her own card.")
    _ok(sender.event(reaction_event(ALICE, "white_check_mark", REVIEW, card["ts"])))
    refusal = wait_for("the refusal", lambda: slack.ephemerals(ALICE))[0]
    say(f"   Refused, privately: {refusal['text']}")

    say("\n3. Bob, an approver, reacts :white_check_mark:.")
    _ok(sender.event(reaction_event(BOB, "white_check_mark", REVIEW, card["ts"])))
    note = wait_for("the approval note", lambda: _thread_with(slack, "was approved"))
    say(f"   {_plain(note)}")

    say("\n4. Dana, an admin, runs `/countersign now 1` instead of waiting for the slot.")
    response = sender.command("now 1", user_id=DANA, channel_id=REVIEW)
    _ok(response)
    wait_for("X and Facebook to receive the post", lambda: x.tweets and graph.posts)
    wait_for("the published notes", lambda: len(_published(slack)) >= 2)
    for line in _published(slack):
        say(f"   {_plain(line)}")
    say(f"   The X emulator holds: {x.tweets[0]['text']!r}")
    say(f"   The Facebook emulator holds: {graph.posts[0]['message']!r}")

    blocked = "Met Sarah at the hostel today, you can reach her on 07700 900123."
    say(f"\n5. Carol proposes:\n   “{blocked}”")
    _ok(sender.event(message_event(PROPOSALS, CAROL, blocked, "1700000002.000100")))
    report = wait_for("the blocked report", lambda: slack.thread(PROPOSALS, "1700000002.000100"))
    say(f"   Countersign replies in the thread: {report[0]['text']}")
    time.sleep(0.3)
    cards = [m for m in slack.messages(REVIEW) if "#2" in (m.get("text") or "")]
    if cards:
        raise DemoFailed("a blocked post reached the review channel")
    say("   No review card: a blocked post never reaches the approvers.")
    say(
        "\nDone: one post published once on each platform, one self-approval refused, "
        "one post blocked."
    )


def _ok(response: Any) -> None:
    if response.status_code != 200:
        raise DemoFailed(f"the app answered {response.status_code}: {response.text[:200]}")


def _thread_with(slack: SlackEmulator, needle: str) -> str | None:
    for m in slack.thread(PROPOSALS, "1700000001.000100"):
        if needle in (m.get("text") or ""):
            return str(m["text"])
    return None


def _published(slack: SlackEmulator) -> list[str]:
    return [
        str(m["text"])
        for m in slack.thread(PROPOSALS, "1700000001.000100")
        if "was published on" in (m.get("text") or "")
    ]


def _plain(text: str) -> str:
    """Slack mentions read better in a terminal as names."""
    for user, name in ((ALICE, "Alice"), (BOB, "Bob"), (CAROL, "Carol"), (DANA, "Dana")):
        text = text.replace(f"<@{user}>", f"@{name}")
    return text
