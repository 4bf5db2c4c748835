"""The process is killed with SIGKILL while X holds a publish request; restarted on the same
database, the post reaches X at most once and the delivery ends published or reported."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.domain.posts import DeliveryStatus
from bot.storage import open_store
from tests.conftest import REVIEW, close_harness, make_harness, wait_until

TEXT = "Our winter appeal starts today: every coat helps."
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


def env_for(h, tmp_path: Path) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "X_", "FACEBOOK_", "COUNTERSIGN_"))
    }
    return clean | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "test-signing-secret",
        "SLACK_API_URL": h.slack.api_url,
        "X_CONSUMER_KEY": "x-ck",
        "X_CONSUMER_SECRET": "x-cs",
        "X_ACCESS_TOKEN": "x-at",
        "X_ACCESS_TOKEN_SECRET": "x-ats",
        "X_API_URL": h.x.url,
        "X_UPLOAD_URL": h.x.url,
        "FACEBOOK_PAGE_ID": "1000",
        "FACEBOOK_PAGE_TOKEN": "fb-page-token",
        "FACEBOOK_GRAPH_URL": h.graph.url,
        "COUNTERSIGN_DB": str(tmp_path / "countersign.db"),
        "COUNTERSIGN_CONFIG_DIR": str(tmp_path / "config"),
        "COUNTERSIGN_DATA_DIR": str(tmp_path / "data"),
        "COUNTERSIGN_PROPOSALS_CHANNEL": "C0PROPOSALS",
        "COUNTERSIGN_REVIEW_CHANNEL": REVIEW,
        "COUNTERSIGN_APPROVERS": "U0ALICE,U0BOB",
        "COUNTERSIGN_ADMINS": "U0DANA",
        "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
        "PORT": str(_free_port()),
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def x_delivery(tmp_path: Path, post_id: int):
    store = open_store(tmp_path / "countersign.db")
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
