"""Forget what never went out: the words of posts never published are erased after
COUNTERSIGN_RETENTION_DAYS; hashes, rule ids and the audit trail stay (issue [10])."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

import pytest

from bot.config.settings import load_settings
from bot.config.yamlfile import ConfigError
from bot.domain.posts import DeliveryStatus, PostStatus
from bot.storage import open_store
from bot.storage.retention import Retention
from tests.bot.storage.test_store import NOW
from tests.conftest import ALICE, BOB, DANA

BLOCKED = "Call Maisie Tregarthen on 07700 900123 about her hearing."
REJECTED = "Our Wrenfield quiz night is on Friday."
WITHDRAWN = "Our Ashcombe bake sale is on Sunday."
PUBLISHED = "Our Lowmoor open day is on Saturday."


def _posts(h):
    blocked = h.post_for(h.propose(ALICE, BLOCKED))
    rejected = h.post_for(h.propose(ALICE, REJECTED))
    h.react(BOB, "x", h.card(rejected)["ts"])
    withdrawn_ts = h.propose(ALICE, WITHDRAWN)
    h.delete(withdrawn_ts)
    withdrawn = h.post_for(withdrawn_ts)
    published, _ = h.approved_post(PUBLISHED)
    h.command(f"now {published.id}", DANA)
    assert h.store.get_post(blocked.id).status is PostStatus.BLOCKED
    assert h.store.get_post(rejected.id).status is PostStatus.REJECTED
    assert withdrawn.status is PostStatus.WITHDRAWN
    assert {d.status for d in h.store.deliveries_for(published.id)} == {DeliveryStatus.PUBLISHED}
    return tuple(h.store.get_post(p.id) for p in (blocked, rejected, withdrawn, published))


def test_words_of_posts_never_published_are_erased_after_the_retention_days(harness, caplog):
    h = harness
    blocked, rejected, withdrawn, published = _posts(h)
    retention = Retention(h.store, days=30, clock=h.clock)

    h.clock.advance(days=29, hours=23)
    assert retention.run() == []
    assert h.store.get_post(blocked.id).text == BLOCKED

    h.clock.advance(hours=2)
    with caplog.at_level(logging.INFO, logger="bot.storage.retention"):
        erased = retention.run()
    assert erased == [blocked.id, rejected.id, withdrawn.id]
    for before in (blocked, rejected, withdrawn):
        after = h.store.get_post(before.id)
        assert after.text == "" and after.content_hash == before.content_hash
        assert after.status is before.status
        # The rule ids stay, the words they saw do not.
        assert [f.rule for f in after.findings] == [f.rule for f in before.findings]
        assert all(f.excerpt == "" and not f.suggestion for f in after.findings)
    assert {f.rule for f in h.store.get_post(blocked.id).findings}
    assert h.store.get_post(published.id).text == PUBLISHED  # public already: kept

    # Logged by count and id, never by word; recorded in the audit trail, which still verifies.
    logged = caplog.text
    assert "3 post(s)" in logged and f"#{blocked.id}" in logged
    assert "Maisie" not in logged and "Wrenfield" not in logged
    erased_records = [r for r in h.store.audit_log() if r["action"] == "words_erased"]
    assert [r["post_id"] for r in erased_records] == erased
    assert h.store.verify_audit()[1] is None
    assert [r["action"] for r in h.store.audit_log(blocked.id)][:2] == ["proposed", "checked"]

    # Once is enough: a second run finds nothing more.
    h.clock.advance(days=1)
    assert retention.run() == []


def test_erased_words_leave_the_file_and_its_wal(tmp_path):
    # Without a key the words are stored plain: erasing must still leave no copy behind in
    # free pages or in older frames of the -wal file (secure_delete, then a checkpoint).
    path = tmp_path / "c.db"
    store = open_store(path)
    post, _ = store.create_post(
        source_channel="C1",
        source_ts="1.1",
        proposer="U1",
        text=BLOCKED,
        platforms=("x",),
        content_hash="h1",
        findings=[],
        status=PostStatus.BLOCKED,
        at=NOW,
    )
    wal = Path(f"{path}-wal")
    assert b"Tregarthen" in path.read_bytes() + wal.read_bytes()
    later = NOW + timedelta(days=31)
    assert Retention(store, days=30, clock=lambda: later).run() == [post.id]
    assert b"Tregarthen" not in path.read_bytes() + wal.read_bytes()
    assert store.get_post(post.id).text == ""
    store.close()


def test_the_daily_job_is_scheduled_with_the_setting(harness):
    scheduler = harness.runtime.scheduler
    scheduler.start()
    try:
        job = scheduler.scheduler.get_job("retention")
        assert job is not None and job.trigger.interval.days == 1
    finally:
        scheduler.shutdown()


def test_retention_days_setting(tmp_path):
    assert load_settings(isolated=True, overrides={}).retention_days == 30
    assert (
        load_settings(isolated=True, overrides={"COUNTERSIGN_RETENTION_DAYS": "7"}).retention_days
        == 7
    )
    with pytest.raises(ConfigError, match="at least 1"):
        load_settings(isolated=True, overrides={"COUNTERSIGN_RETENTION_DAYS": "0"})
