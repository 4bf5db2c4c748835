"""The scenario harness: the real app over HTTP, signed requests, emulators on 127.0.0.1.

Only the clock is faked (the service's notion of "now"); Slack, X and Facebook are real HTTP
servers reached through the real clients.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import load_settings
from bot.emulators.graph import GraphEmulator
from bot.emulators.slack import (
    SlackEmulator,
    SlackEventSender,
    delete_event,
    edit_event,
    message_event,
    new_ts,
    reaction_event,
)
from bot.emulators.x import XEmulator
from bot.runtime import Runtime, build_runtime
from bot.server import HttpServer

PROPOSALS, REVIEW = "C0PROPOSALS", "C0REVIEW"
ALICE, BOB, CAROL, DANA, EVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DANA", "U0EVE"
SECRET = "test-signing-secret"
SCHEDULE = """\
x:
  - days: mon-fri
    times: ["09:30", "17:00"]
facebook:
  - days: mon-fri
    times: ["10:00"]
"""
# Monday 23 November 2026, 08:00 in London (GMT = UTC).
MONDAY_8AM = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

# Bolt and pydantic-settings read these from the environment: keep a developer's .env out.
for name in list(os.environ):
    if name.startswith(("SLACK_", "X_", "FACEBOOK_", "COUNTERSIGN_")):
        del os.environ[name]


class FakeClock:
    def __init__(self, now: datetime) -> None:
        self.now = now
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        with self._lock:
            return self.now

    def advance(self, **delta: float) -> datetime:
        with self._lock:
            self.now += timedelta(**delta)
            return self.now


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt runs listeners after the ack; tests wait for them instead of sleeping."""

    def __init__(self) -> None:
        super().__init__(max_workers=4)
        self.futures: list[Any] = []

    def submit(self, fn, /, *args, **kwargs):  # type: ignore[no-untyped-def,override]
        future = super().submit(fn, *args, **kwargs)
        self.futures.append(future)
        return future

    def crash(self) -> None:
        """From now on, work handed over is lost, as when the process dies after answering."""
        self.submit = lambda fn, /, *args, **kwargs: None  # type: ignore[method-assign,assignment]

    def drain(self, timeout: float = 10.0) -> None:
        pending = list(self.futures)
        done, not_done = wait(pending, timeout=timeout)
        assert not not_done, "a listener did not finish"
        for f in done:
            f.result()


@dataclass
class Harness:
    slack: SlackEmulator
    x: XEmulator
    graph: GraphEmulator
    runtime: Runtime
    server: HttpServer
    sender: SlackEventSender
    clock: FakeClock
    executor: TrackingExecutor
    tmp: Path
    sent: list[Any] = field(default_factory=list)

    @property
    def store(self):
        return self.runtime.store

    @property
    def service(self):
        return self.runtime.service

    def event(self, event: dict[str, Any], **kw: Any) -> Any:
        response = self.sender.event(event, **kw)
        self.executor.drain()
        return response

    def propose(self, user: str, text: str) -> str:
        ts = new_ts()
        response = self.event(message_event(PROPOSALS, user, text, ts))
        assert response.status_code == 200
        return ts

    def react(self, user: str, reaction: str, ts: str, channel: str = REVIEW) -> Any:
        return self.event(reaction_event(user, reaction, channel, ts))

    def edit(self, user: str, ts: str, text: str) -> Any:
        return self.event(edit_event(PROPOSALS, user, ts, text))

    def delete(self, ts: str) -> Any:
        return self.event(delete_event(PROPOSALS, ts))

    def command(self, text: str, user: str) -> Any:
        response = self.sender.command(text, user_id=user, channel_id=REVIEW)
        self.executor.drain()
        return response

    def post_for(self, ts: str):
        post = self.store.post_for_message(PROPOSALS, ts)
        assert post is not None
        return post

    def card(self, post) -> dict[str, Any]:
        post = self.store.get_post(post.id)
        assert post.card_ts, "no review card"
        card = self.slack.message(REVIEW, post.card_ts)
        assert card is not None
        return card

    def thread_texts(self, ts: str) -> list[str]:
        return [m["text"] for m in self.slack.thread(PROPOSALS, ts)]

    def approved_post(self, text: str = "Our winter appeal starts today.") -> Any:
        ts = self.propose(ALICE, text)
        post = self.post_for(ts)
        self.react(BOB, "white_check_mark", self.card(post)["ts"])
        return self.store.get_post(post.id), ts


def card_text(card: dict[str, Any]) -> str:
    """Everything a person sees on a card: fallback text and every block's text."""
    parts = [card.get("text") or ""]
    for block in card.get("blocks") or []:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text.get("text", ""))
        for element in block.get("elements", []) or []:
            if isinstance(element, dict):
                text = element.get("text", "")
                parts.append(text.get("text", "") if isinstance(text, dict) else text)
    return "\n".join(parts)


def make_harness(
    tmp_path: Path,
    *,
    x_and_facebook: bool = True,
    restart_of: Harness | None = None,
    now: datetime = MONDAY_8AM,
) -> Harness:
    """A fresh app on ``tmp_path``; ``restart_of`` keeps that harness's emulators (a restart
    of the process, not of the world)."""
    if restart_of is not None:
        slack, x, graph = restart_of.slack, restart_of.x, restart_of.graph
        slack.reset()  # what the restarted app says is what the test looks at
    else:
        slack = SlackEmulator(token="xoxb-test").start()
        x = XEmulator(consumer_key="x-ck", access_token="x-at").start()
        graph = GraphEmulator(page_id="1000", page_token="fb-page-token").start()
    config = tmp_path / "config"
    config.mkdir(exist_ok=True)
    (config / "schedule.yaml").write_text(SCHEDULE)
    (config / "policy.yaml").write_text("country: GB\n")
    overrides = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "COUNTERSIGN_DB": str(tmp_path / "countersign.db"),
        "COUNTERSIGN_CONFIG_DIR": str(config),
        "COUNTERSIGN_DATA_DIR": str(tmp_path / "data"),
        "COUNTERSIGN_PROPOSALS_CHANNEL": PROPOSALS,
        "COUNTERSIGN_REVIEW_CHANNEL": REVIEW,
        "COUNTERSIGN_APPROVERS": f"{ALICE},{BOB},S0APPROVERS",
        "COUNTERSIGN_ADMINS": DANA,
        "COUNTERSIGN_TIMEZONE": "Europe/London",
        "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
    }
    if x_and_facebook:
        overrides |= {
            "X_CONSUMER_KEY": "x-ck",
            "X_CONSUMER_SECRET": "x-cs",
            "X_ACCESS_TOKEN": "x-at",
            "X_ACCESS_TOKEN_SECRET": "x-ats",
            "X_API_URL": x.url,
            "X_UPLOAD_URL": x.url,
            "FACEBOOK_PAGE_ID": "1000",
            "FACEBOOK_PAGE_TOKEN": "fb-page-token",
            "FACEBOOK_GRAPH_URL": graph.url,
        }
    settings = load_settings(isolated=True, overrides=overrides)
    clock = FakeClock(now)
    # The platforms stamp posts with the same (fake) time the service reads, as in real life
    # where both follow the wall clock: settling compares the two.
    x.clock = graph.clock = lambda: clock().timestamp()
    executor = TrackingExecutor()
    runtime = build_runtime(settings, clock=clock, executor=executor)
    runtime.recover()
    server = HttpServer(runtime.app, SECRET, host="127.0.0.1", port=0).start()
    sender = SlackEventSender(server.url(), SECRET, response_url=slack.response_url())
    return Harness(slack, x, graph, runtime, server, sender, clock, executor, tmp_path)


def close_harness(h: Harness, *, keep_emulators: bool = False) -> None:
    h.server.stop()
    h.executor.shutdown(wait=True)
    h.runtime.close()
    if not keep_emulators:
        for emulator in (h.slack, h.x, h.graph):
            emulator.stop()


@pytest.fixture
def harness(tmp_path: Path):
    h = make_harness(tmp_path)
    yield h
    close_harness(h)


def wait_until(probe, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")
