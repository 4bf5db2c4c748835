"""Slots missed while Countersign was down: late within the grace period, else re-queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import REVIEW, close_harness, make_harness


def x_delivery(h, post):
    return next(d for d in h.store.deliveries_for(post.id) if d.platform == "x")


def test_missed_long_ago_moves_to_the_next_free_slot_and_is_reported(tmp_path):
    h = make_harness(tmp_path)
    post, _ = h.approved_post("Our winter appeal starts today.")
    assert x_delivery(h, post).due_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    close_harness(h, keep_emulators=True)
    h2 = make_harness(tmp_path, restart_of=h, now=datetime(2026, 11, 23, 11, 0, tzinfo=UTC))
    try:
        assert x_delivery(h2, post).due_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
        assert any(
            "was not running when these were due" in m["text"] and f"#{post.id}" in m["text"]
            for m in h2.slack.messages(REVIEW)
        )
    finally:
        close_harness(h2)


def test_missed_within_the_grace_period_is_published_late(tmp_path):
    h = make_harness(tmp_path)
    post, _ = h.approved_post("Our winter appeal starts today.")
    close_harness(h, keep_emulators=True)
    late = datetime(2026, 11, 23, 9, 30, tzinfo=UTC) + timedelta(minutes=10)
    h2 = make_harness(tmp_path, restart_of=h, now=late)
    try:
        assert x_delivery(h2, post).due_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
        h2.runtime.delivery.publish_due()
        assert [t["text"] for t in h2.x.tweets] == ["Our winter appeal starts today."]
    finally:
        close_harness(h2)


def test_slots_only_ignores_a_requested_time(harness):
    from bot.domain.posts import PostStatus
    from tests.conftest import BOB, CAROL

    harness.service.requested_times = False
    ts = harness.propose(CAROL, "Our carol concert is on Wednesday.")
    post = harness.post_for(ts)
    with harness.store._tx() as db:  # as if the proposer had asked for a time
        db.execute(
            "UPDATE posts SET requested_at = ? WHERE id = ?",
            ["2026-11-25T18:30:00.000000Z", post.id],
        )
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    assert harness.post_for(ts).status is PostStatus.APPROVED
    assert x_delivery(harness, post).due_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
