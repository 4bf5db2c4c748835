"""`queue`: what goes out when; admins move a post to the front, to a time, or unschedule it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import BOB, DANA


def x_due(harness, post):
    return next(d.due_at for d in harness.store.deliveries_for(post.id) if d.platform == "x")


def three_posts(harness):
    return [harness.approved_post(f"Post {n}: our week of events.")[0] for n in range(3)]


def test_queue_lists_per_platform(harness):
    posts = three_posts(harness)
    assert "Only admins" in harness.command("queue", BOB).text
    listing = harness.command("queue", DANA).text
    assert f"#{posts[0].id} — Mon 23 Nov 09:30" in listing
    assert f"#{posts[2].id} — Tue 24 Nov 09:30" in listing and "*Facebook*" in listing


def test_front_takes_the_first_slot_and_the_rest_move_back_in_order(harness):
    posts = three_posts(harness)
    before = [x_due(harness, p) for p in posts]
    assert "front of the queue" in harness.command(f"queue front {posts[2].id}", DANA).text
    assert [x_due(harness, p) for p in (posts[2], posts[0], posts[1])] == before


def test_move_to_a_time_and_unschedule(harness):
    posts = three_posts(harness)
    assert "passed" in harness.command(f"queue move {posts[0].id} 2026-01-01T10:00", DANA).text
    harness.command(f"queue move {posts[0].id} 2026-12-01T18:15", DANA)
    assert x_due(harness, posts[0]) == datetime(2026, 12, 1, 18, 15, tzinfo=UTC)
    assert "unscheduled" in harness.command(f"queue unschedule {posts[1].id}", DANA).text
    harness.clock.now = datetime(2026, 12, 31, tzinfo=UTC)
    harness.runtime.delivery.publish_due()
    texts = [t["text"] for t in harness.x.tweets]
    assert "Post 1: our week of events." not in texts and len(texts) == 2
    assert "Usage" in harness.command("queue front", DANA).text
    assert "Usage" in harness.command("queue shuffle 1", DANA).text
