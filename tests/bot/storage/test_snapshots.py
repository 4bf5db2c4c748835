"""[8] A delivery is a snapshot; claiming re-checks everything; every later step moves only a
delivery still in the state it expects. Enforced by the store's transactions, so that no
caller can forget them."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.domain.posts import Attachment, DeliveryStatus, PostStatus
from bot.domain.review import Decision
from bot.storage import open_store
from bot.storage.migrations import NO_SNAPSHOT, migrations
from bot.storage.store import NotClaimed, StaleVersion

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
PICTURE = b"\xff\xd8 stripped jpeg bytes"
ATTACHMENT = Attachment(
    "door.jpg",
    hashlib.sha256(PICTURE).hexdigest(),
    "image/jpeg",
    len(PICTURE),
    alt_text="The front door, painted blue",
)


@pytest.fixture
def store(tmp_path):
    s = open_store(tmp_path / "c.db")
    yield s
    s.close()


def proposed(store, ts="1.1", *, text="Open day on Saturday", content_hash="v1"):
    post, _ = store.create_post(
        source_channel="C1",
        source_ts=ts,
        proposer="U1",
        text=text,
        platforms=("x", "facebook"),
        content_hash=content_hash,
        findings=[],
        status=PostStatus.IN_REVIEW,
        at=NOW,
        images=[(ATTACHMENT, PICTURE)],
        variants={"x": "Open day Sat!"},
    )
    return post


def approve(store, post, reviewer="U2", *, queue=True):
    # One post per platform per slot: each post's deliveries get their own minute.
    slot = NOW + timedelta(minutes=post.id - 1)
    return store.set_status(
        post.id,
        PostStatus.APPROVED,
        actor=reviewer,
        action="approved",
        at=NOW,
        review=Decision.APPROVE,
        queue={"x": slot, "facebook": slot} if queue else None,
    )


def x_of(store, post):
    return next(d for d in store.deliveries_for(post.id) if d.platform == "x")


def test_a_delivery_holds_the_words_pictures_and_descriptions_approved_for_its_platform(store):
    post = approve(store, proposed(store))
    by_platform = {d.platform: store.snapshot(d.id) for d in store.deliveries_for(post.id)}
    assert by_platform["x"].words == "Open day Sat!"  # X's own words
    assert by_platform["facebook"].words == "Open day on Saturday"
    for snapshot in by_platform.values():
        assert snapshot.content_hash == "v1"
        assert snapshot.images == ((ATTACHMENT, PICTURE),)  # bytes, sha256 and alt text


def test_the_snapshot_is_what_was_approved_whatever_the_post_says_now(store):
    post = approve(store, proposed(store))
    x = x_of(store, post)
    store.claim(x.id, at=NOW)  # in flight: the edit below does not cancel it
    store.revise(
        post.id,
        text="Something else entirely",
        content_hash="v2",
        findings=[],
        status=PostStatus.IN_REVIEW,
        actor="U1",
        at=NOW,
    )
    assert store.snapshot(x.id).words == "Open day Sat!"
    assert store.snapshot(x.id).images == ((ATTACHMENT, PICTURE),)


def test_queueing_a_version_the_post_no_longer_has_queues_nothing(store):
    post = proposed(store)
    stale = store.get_post(post.id)
    store.revise(
        post.id,
        text="Edited",
        content_hash="v2",
        findings=[],
        status=PostStatus.APPROVED,
        actor="U1",
        at=NOW,
    )
    with pytest.raises(StaleVersion):
        store.queue_deliveries(stale, {"x": NOW}, actor="U2", at=NOW)
    assert store.deliveries_for(post.id) == []


def test_a_snapshot_whose_pictures_are_gone_cannot_go_out(store):
    post = approve(store, proposed(store))
    store.db.execute("DELETE FROM post_images")
    assert store.snapshot(x_of(store, post).id) is None


# -- the claim -----------------------------------------------------------------------------------


def refused(store, delivery, **kw) -> NotClaimed:
    with pytest.raises(NotClaimed) as caught:
        store.claim(delivery.id, at=NOW, **kw)
    return caught.value


@pytest.mark.parametrize(
    "status", [PostStatus.TAKEN_DOWN, PostStatus.WITHDRAWN, PostStatus.REJECTED]
)
def test_the_claim_refuses_a_post_no_longer_approved_even_if_its_queue_was_left(store, status):
    post = approve(store, proposed(store))
    # A caller that changes the status and forgets the queue (cancel_queued=False).
    store.set_status(post.id, status, actor="U3", action="changed", at=NOW)
    x = x_of(store, post)
    why = refused(store, x)
    assert not why.held and status.value.replace("_", " ") in why.reason
    after = store.get_delivery(x.id)
    assert after.status is DeliveryStatus.CANCELLED and after.last_error == why.reason
    assert "not_claimed" in [r["action"] for r in store.audit_log(post.id)]


def test_the_claim_refuses_a_delivery_of_a_version_that_is_no_longer_the_post(store):
    post = approve(store, proposed(store))
    # The words changed by a path that forgot to cancel the queue.
    store.db.execute("UPDATE posts SET content_hash = 'v2' WHERE id = ?", [post.id])
    why = refused(store, x_of(store, post))
    assert "edited after this version was approved" in why.reason
    assert x_of(store, post).status is DeliveryStatus.CANCELLED


def test_the_claim_counts_approvals_at_the_delivery_hash_by_people_other_than_the_proposer(store):
    post = approve(store, proposed(store), reviewer="U2")
    x = x_of(store, post)
    assert "1 of the 2 approvals" in refused(store, x, approvals_required=2).reason
    other = approve(store, proposed(store, ts="2.2", content_hash="w1"), reviewer="U1")
    # U1 proposed it: their own approval does not count.
    assert "0 of the 1 approvals" in refused(store, x_of(store, other)).reason


def test_the_claim_refuses_a_delivery_without_a_snapshot(store):
    post = approve(store, proposed(store))
    store.db.execute("UPDATE deliveries SET words = NULL")
    x = x_of(store, post)
    assert refused(store, x).reason == NO_SNAPSHOT
    assert store.get_delivery(x.id).status is DeliveryStatus.FAILED


@pytest.mark.parametrize("stop", ["all", "platform", "blackout"])
def test_a_pause_or_a_blackout_holds_the_delivery_queued(store, stop):
    post = approve(store, proposed(store))
    if stop == "all":
        store.pause_all(reason="checking", actor="U3", at=NOW)
    elif stop == "platform":
        store.pause_platform("x", reason="credentials rejected", at=NOW)
    else:
        store.add_blackout(NOW, NOW + timedelta(hours=1), reason="", actor="U3", at=NOW)
    x = x_of(store, post)
    assert refused(store, x).held
    assert store.get_delivery(x.id).status is DeliveryStatus.QUEUED
    if stop == "platform":  # Facebook is not paused
        fb = next(d for d in store.deliveries_for(post.id) if d.platform == "facebook")
        assert store.claim(fb.id, at=NOW) is not None


def test_a_blackout_ends_at_its_end(store):
    post = approve(store, proposed(store))
    store.add_blackout(NOW - timedelta(hours=1), NOW, reason="", actor="U3", at=NOW)
    assert store.claim(x_of(store, post).id, at=NOW) is not None


# -- every later step ----------------------------------------------------------------------------


def in_flight_then_taken_down(store):
    post = approve(store, proposed(store))
    x = x_of(store, post)
    assert store.claim(x.id, at=NOW) is not None
    taken, cancelled, in_flight = store.take_down(post.id, actor="U3", at=NOW)
    assert taken.status is PostStatus.TAKEN_DOWN
    assert [d.platform for d in cancelled] == ["facebook"]
    assert [d.id for d in in_flight] == [x.id]
    assert in_flight[0].status is DeliveryStatus.UNCONFIRMED
    return x


@pytest.mark.parametrize(
    "step",
    [
        lambda s, d: s.mark_published(d.id, remote_id="1", url="u", at=NOW),
        lambda s, d: s.mark_failed(d.id, error="e", at=NOW),
        lambda s, d: s.mark_unconfirmed(d.id, error="e", at=NOW),
        lambda s, d: s.reschedule(d.id, at=NOW, error="e", now=NOW),
        lambda s, d: s.mark_taken_down(d.id, actor="U3", at=NOW),
    ],
    ids=["published", "failed", "unconfirmed", "retry", "taken_down"],
)
def test_a_step_after_a_takedown_mid_call_does_not_overwrite_it(store, step):
    x = in_flight_then_taken_down(store)
    before = store.get_delivery(x.id)
    audited = len(store.audit_log())
    assert step(store, x) is None
    assert store.get_delivery(x.id) == before
    assert len(store.audit_log()) == audited


def test_a_retry_moves_only_a_delivery_in_flight_and_refunds_a_rate_limit(store):
    post = approve(store, proposed(store))
    x = x_of(store, post)
    store.claim(x.id, at=NOW)
    later = NOW + timedelta(minutes=5)
    again = store.reschedule(x.id, at=later, error="slow down", now=NOW, refund=True)
    assert again.status is DeliveryStatus.QUEUED and again.due_at == later
    assert again.attempts == 0 and again.last_error == "slow down"
    assert store.reschedule(x.id, at=later, error="twice", now=NOW) is None


# -- m013: deliveries from before snapshots ------------------------------------------------------


def test_the_migration_snapshots_what_it_can_and_stops_the_rest(tmp_path):
    from sqlite_utils import Database

    path = tmp_path / "old.db"
    db = Database(str(path))
    migrations.apply(db, stop_before="m013_delivery_snapshots")
    at = NOW.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for post_id, current in ((1, "v1"), (2, "v2")):
        db.execute(
            "INSERT INTO posts (id, source_channel, source_ts, proposer, text, platforms, "
            "content_hash, status, created_at, updated_at, variants) "
            "VALUES (?, 'C1', ?, 'U1', 'Main words', '[\"x\", \"facebook\"]', ?, 'approved', "
            "?, ?, ?)",
            [post_id, f"{post_id}.1", current, at, at, json.dumps({"x": "X words"})],
        )
    db.execute(
        "INSERT INTO post_images (post_id, content_hash, position, name, sha256, mime_type, "
        "size, data, alt_text) VALUES (1, 'v1', 0, ?, ?, ?, ?, ?, ?)",
        [
            ATTACHMENT.name,
            ATTACHMENT.sha256,
            ATTACHMENT.mime_type,
            ATTACHMENT.size,
            PICTURE,
            ATTACHMENT.alt_text,
        ],
    )
    rows = [
        (1, 1, "x", "v1", "queued"),  # its post is still at v1: snapshotted
        (2, 1, "facebook", "v1", "published"),
        (3, 2, "x", "v1", "queued"),  # its post moved on to v2: cannot go out
        (4, 2, "facebook", "v1", "published"),  # history: left alone
    ]
    for row in rows:
        db.execute(
            "INSERT INTO deliveries (id, post_id, platform, content_hash, status, due_at, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [*row, at, at, at],
        )
    db.close()

    store = open_store(path)
    try:
        assert store.snapshot(1).words == "X words"
        assert store.snapshot(1).images == ((ATTACHMENT, PICTURE),)
        assert store.snapshot(2).words == "Main words"
        assert store.snapshot(3) is None
        stopped = store.get_delivery(3)
        assert stopped.status is DeliveryStatus.FAILED and stopped.last_error == NO_SNAPSHOT
        assert store.get_delivery(4).status is DeliveryStatus.PUBLISHED
        assert [d.id for d in store.unsnapshotted()] == [3]
        store.unsnapshotted_reported()
        assert store.unsnapshotted() == []
    finally:
        store.close()
