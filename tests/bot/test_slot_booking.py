"""One post per platform per slot, whoever books it: the server, the command line (another
process), a requested time — a unique index on the deliveries, and one lock for all of them."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlite_utils import Database

from bot.domain.posts import UNSCHEDULED
from bot.storage import migrations, open_store
from bot.storage.store import SlotTaken
from tests.conftest import DANA

ROOT = Path(__file__).resolve().parents[2]
# Far beyond any day the suite runs on (CI moves the wall clock by up to two years): the
# command line reads the real clock and refuses a time that has passed.
FAR = "2090-06-01T10:00"
FAR_UTC = datetime(2090, 6, 1, 9, 0, tzinfo=UTC)  # London summer time


def cli_env(h) -> dict[str, str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "X_", "FACEBOOK_", "COUNTERSIGN_"))
    }
    return clean | {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": h.slack.api_url,
        "COUNTERSIGN_DB": str(h.tmp / "countersign.db"),
        "COUNTERSIGN_CONFIG_DIR": str(h.tmp / "config"),
        "COUNTERSIGN_REVIEW_CHANNEL": "C0REVIEW",
        "COUNTERSIGN_TIMEZONE": "Europe/London",
        "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
        "X_CONSUMER_KEY": "x-ck",
        "X_CONSUMER_SECRET": "x-cs",
        "X_ACCESS_TOKEN": "x-at",
        "X_ACCESS_TOKEN_SECRET": "x-ats",
        "X_API_URL": h.x.url,
        "FACEBOOK_PAGE_ID": "1000",
        "FACEBOOK_PAGE_TOKEN": "fb-page-token",
        "FACEBOOK_GRAPH_URL": h.graph.url,
    }


def cli(h, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=cli_env(h),
        timeout=60,
        cwd=ROOT,
    )


def held(h) -> Counter[tuple[str, datetime | None]]:
    rows = h.store.db.query(
        "SELECT platform, slot_at FROM deliveries WHERE status IN "
        "('queued', 'publishing', 'published', 'unconfirmed', 'failed') AND slot_at IS NOT NULL"
    )
    return Counter((r["platform"], r["slot_at"]) for r in rows)


def has_open(pid: int, path: Path) -> bool:
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
        return any(os.path.realpath(f"/proc/{pid}/fd/{fd}") == str(path.resolve()) for fd in fds)
    except FileNotFoundError:  # it has just exited
        return False


def x_delivery(h, post):
    return next(d for d in h.store.deliveries_for(post.id) if d.platform == "x")


def test_the_cli_cannot_move_a_post_into_a_slot_the_server_gave_another(harness):
    first, _ = harness.approved_post("Our coat drive starts on Monday.")
    second, _ = harness.approved_post("Our food bank is open late on Thursday.")
    assert "will be published" in harness.command(f"queue move {first.id} {FAR}", DANA).text
    assert x_delivery(harness, first).due_at == FAR_UTC

    result = cli(harness, "queue", "move", str(second.id), FAR)

    assert result.returncode == 2, result.stdout
    assert f"That slot is taken: #{first.id} goes out on X" in result.stderr
    assert x_delivery(harness, second).due_at != FAR_UTC  # it kept its own slot
    assert max(held(harness).values()) == 1


def test_the_index_refuses_a_second_post_in_a_slot_whoever_asks(harness):
    first, _ = harness.approved_post("Our coat drive starts on Monday.")
    second, _ = harness.approved_post("Our food bank is open late on Thursday.")
    slot = x_delivery(harness, first).due_at
    with pytest.raises(SlotTaken) as taken:
        harness.store.move_delivery(
            x_delivery(harness, second).id, to=slot, actor="test", at=harness.clock()
        )
    assert taken.value.holder == first.id
    with pytest.raises(sqlite3.IntegrityError):  # not even raw SQL gets past it
        harness.store.db.execute(
            "UPDATE deliveries SET slot_at = (SELECT slot_at FROM deliveries WHERE id = ?) "
            "WHERE id = ?",
            [x_delivery(harness, first).id, x_delivery(harness, second).id],
        )
    # Waiting for `now` is no slot: any number of posts may wait so.
    for post in (first, second):
        harness.store.move_delivery(
            x_delivery(harness, post).id, to=UNSCHEDULED, actor="test", at=harness.clock()
        )


def test_a_cli_booking_waits_for_the_servers_lock(harness):
    """`countersign blackout add` (another process) moves queued posts to free slots: it must
    wait while the server is choosing and taking a slot, or both take the same one."""
    harness.approved_post("Our coat drive starts on Monday.")
    lock_file = Path(f"{harness.tmp / 'countersign.db'}.slots.lock")
    with harness.service.slot_lock:  # the server is booking a slot
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "blackout", "add", "2090-06-01", "2090-06-02", "test"],
            env=cli_env(harness),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            if has_open(process.pid, lock_file):  # the command has reached the lock
                break
            time.sleep(0.05)
        time.sleep(0.5)  # had it not waited, it would have added its blackout by now
        assert process.poll() is None, process.communicate()
        assert harness.store.blackouts(ending_after=harness.clock()) == []
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Blackout" in out and "added" in out
    assert len(harness.store.blackouts(ending_after=harness.clock())) == 1


def test_queue_front_trades_slots_without_sharing_one(harness):
    posts = [harness.approved_post(f"Post {n}: our week of events.")[0] for n in range(3)]
    before = [x_delivery(harness, p).due_at for p in posts]
    assert "front of the queue" in harness.command(f"queue front {posts[2].id}", DANA).text
    after = [x_delivery(harness, p).due_at for p in (posts[2], posts[0], posts[1])]
    assert after == before
    assert max(held(harness).values()) == 1


def test_a_requested_time_someone_holds_gives_way_to_the_next_free_slot(harness):
    first, _ = harness.approved_post("Our coat drive starts on Monday.")
    slot = x_delivery(harness, first).due_at
    service = harness.service
    post, _ = harness.approved_post("Our food bank is open late on Thursday.")
    asked = post.__class__(**{**post.__dict__, "requested_at": slot})
    due = service._slots_for(asked)
    assert due["x"] > slot
    assert harness.store.slot_holder("x", due["x"]) in (None, post.id)


def test_slots_shared_before_the_index_are_resolved_and_nothing_is_lost(tmp_path):
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(str(path)))
    migrations.migrations.apply(db, stop_before="m015_one_post_per_platform_per_slot")
    db.execute(
        "INSERT INTO posts (id, source_channel, source_ts, proposer, text, platforms, "
        "content_hash, status, created_at, updated_at) VALUES "
        "(1, 'C', '1.0', 'U', 'a', '[\"x\"]', 'h1', 'approved', 't', 't'), "
        "(2, 'C', '2.0', 'U', 'b', '[\"x\"]', 'h2', 'approved', 't', 't'), "
        "(3, 'C', '3.0', 'U', 'c', '[\"x\"]', 'h3', 'approved', 't', 't')"
    )
    slot = "2026-11-23T09:30:00.000000Z"
    nxt = "2026-11-23T09:31:00.000000Z"
    for post_id, status in ((3, "queued"), (2, "queued"), (1, "published")):
        db.execute(
            "INSERT INTO deliveries (post_id, platform, content_hash, status, due_at, slot_at, "
            "created_at, updated_at) VALUES (?, 'x', ?, ?, ?, ?, 't', 't')",
            [post_id, f"h{post_id}", status, slot, slot],
        )
    db.conn.commit()
    db.close()

    store = open_store(path)
    rows = {r["post_id"]: r for r in store.db.query("SELECT * FROM deliveries")}
    assert rows[1]["slot_at"] == slot  # the one already out keeps its slot
    assert rows[3]["slot_at"] == nxt and rows[3]["due_at"] == nxt  # the older queued one next
    assert rows[2]["slot_at"] == "2026-11-23T09:32:00.000000Z"
    assert {r["status"] for r in rows.values()} == {"queued", "published"}
    moved = [r for r in store.audit_log() if r["action"] == "requeued"]
    assert sorted(r["post_id"] for r in moved) == [2, 3]
    assert store.verify_audit()[1] is None  # the audit chain still holds
    store.close()
