"""The process is killed with SIGKILL while X holds a publish request; restarted on the same
database, the post reaches X at most once and the delivery ends published or reported."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.domain.posts import DeliveryStatus
from bot.emulators.process import REGISTER_KEY, product_env
from bot.storage import open_store
from bot.storage.crypto import Keyring
from tests.conftest import REVIEW, close_harness, make_harness, wait_until

TEXT = "Our winter appeal starts today: every coat helps."
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def env_for(h, tmp_path: Path) -> dict[str, str]:
    # The product runs in its own process on the real clock: the platforms stamp posts by it.
    h.x.clock = h.graph.clock = time.time
    return product_env(
        h.slack,
        h.x,
        h.graph,
        tmp_path,
        proposals="C0PROPOSALS",
        review=REVIEW,
        approvers="U0ALICE,U0BOB",
        admins="U0DANA",
    )


def x_delivery(tmp_path: Path, post_id: int):
    store = open_store(tmp_path / "countersign.db", Keyring(REGISTER_KEY))
    try:
        return next(d for d in store.deliveries_for(post_id) if d.platform == "x")
    finally:
        store.close()


def kill_mid_publish(h, tmp_path: Path, env: dict[str, str], post_id: int):
    held = h.x.hold(r"^/2/tweets$")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "now", str(post_id)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until(lambda: h.x.calls_to(r"^/2/tweets$", method="POST"), timeout=30)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    assert x_delivery(tmp_path, post_id).status is DeliveryStatus.PUBLISHING
    return held


def restart(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "serve", "--http"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def test_killed_after_x_accepted_the_post_settles_as_published(tmp_path):
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post(TEXT)
        env = env_for(h, tmp_path)
        held = kill_mid_publish(h, tmp_path, env, post.id)
        held.set()  # X goes on and creates the post, though nobody hears the answer
        wait_until(lambda: h.x.tweets, timeout=10)
        server = restart(env)
        try:
            wait_until(
                lambda: x_delivery(tmp_path, post.id).status is DeliveryStatus.PUBLISHED, timeout=30
            )
        finally:
            stop(server)
        assert len(h.x.tweets) == 1
        assert x_delivery(tmp_path, post.id).remote_id == h.x.tweets[0]["id"]
    finally:
        close_harness(h)


def test_killed_before_x_answered_is_reported_and_never_resent(tmp_path):
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post(TEXT)
        env = env_for(h, tmp_path)
        held = kill_mid_publish(h, tmp_path, env, post.id)
        server = restart(env)  # X has not created it (yet): nobody can tell
        try:
            wait_until(
                lambda: x_delivery(tmp_path, post.id).status is DeliveryStatus.UNCONFIRMED,
                timeout=30,
            )
            wait_until(
                lambda: any(
                    "cannot tell whether it went out" in m["text"] for m in h.slack.messages(REVIEW)
                ),
                timeout=10,
            )
            held.set()  # the held request finally lands
            time.sleep(1.0)
        finally:
            stop(server)
        assert len(h.x.tweets) <= 1
        assert len(h.x.calls_to(r"^/2/tweets$", method="POST")) == 1  # never re-sent
        assert x_delivery(tmp_path, post.id).status is DeliveryStatus.UNCONFIRMED
    finally:
        close_harness(h)


# -- crashes between recording an outcome and telling people (found by the crash soak) ---------


def unconfirmed_alerts(h, post_id: int) -> list[str]:
    wanted = f"#{post_id}: Countersign cannot tell whether it went out on X"
    return [m["text"] for m in h.slack.messages(REVIEW) if wanted in m["text"]]


def test_unconfirmed_recorded_but_never_reported_is_reported_at_the_next_start(tmp_path):
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post(TEXT)
        delivery = x_delivery(tmp_path, post.id)
        # The process recorded "unconfirmed" and died before its alert reached Slack.
        h.store.claim(delivery.id, at=h.clock())
        h.store.mark_unconfirmed(delivery.id, error="X's answer was lost", at=h.clock())
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        assert len(unconfirmed_alerts(h, post.id)) == 1
        assert x_delivery(tmp_path, post.id).status is DeliveryStatus.UNCONFIRMED
        assert not h.x.calls_to(r"^/2/tweets$", method="POST")  # never re-sent blindly
        # It reached X after all: the next start finds it there and records it as published.
        tweet = h.x.create_tweet_directly(TEXT)
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        found = x_delivery(tmp_path, post.id)
        assert found.status is DeliveryStatus.PUBLISHED and found.remote_id == tweet["id"]
        assert not unconfirmed_alerts(h, post.id)
        assert len(h.x.tweets) == 1
    finally:
        close_harness(h)


def test_a_failure_is_told_before_it_is_recorded(tmp_path, monkeypatch):
    h = make_harness(tmp_path)
    try:
        post, ts = h.approved_post(TEXT)
        h.x.inject(r"^/2/tweets$", method="POST", status=400, body={"title": "Invalid Request"})

        def crash(*args, **kwargs):
            raise SystemExit("killed")  # the process dies as it records the failure

        monkeypatch.setattr(h.store, "mark_failed", crash)
        with pytest.raises(SystemExit):
            h.runtime.delivery.publish_now(post.id, actor="U0DANA")
        assert any(f"{post.ref} could not be published on X" in t for t in h.thread_texts(ts))
        monkeypatch.undo()
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        # Left mid-call: settled at the start, and the admins decide.
        assert x_delivery(tmp_path, post.id).status is DeliveryStatus.UNCONFIRMED
        assert len(unconfirmed_alerts(h, post.id)) == 1
        assert len(h.x.calls_to(r"^/2/tweets$", method="POST")) == 1
    finally:
        close_harness(h)
