"""Blackouts: nothing publishes inside one; queued posts move past it; new ones avoid it."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.conftest import BOB, DANA, REVIEW


def x_delivery(harness, post):
    return next(d for d in harness.store.deliveries_for(post.id) if d.platform == "x")


def test_queued_posts_move_past_a_new_blackout_and_new_posts_avoid_it(harness):
    first, _ = harness.approved_post("First: our winter appeal.")
    second, _ = harness.approved_post("Second: volunteers wanted.")
    assert x_delivery(harness, first).due_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert "Only admins" in harness.command("blackout list", BOB).text
    answer = harness.command("blackout add 2026-11-23 2026-11-23 day of mourning", DANA).text
    assert "moved past it" in answer
    # Monday is blacked out (whole day, London time): Tuesday's slots, in the same order
    assert x_delivery(harness, first).due_at == datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    assert x_delivery(harness, second).due_at == datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    assert any("day of mourning" in m["text"] for m in harness.slack.messages(REVIEW))
    third, _ = harness.approved_post("Third: the food bank is open.")
    assert x_delivery(harness, third).due_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    listing = harness.command("blackout list", DANA).text
    assert "Mon 23 Nov 2026 00:00 → Tue 24 Nov 2026 00:00 — day of mourning" in listing


def test_nothing_publishes_inside_a_blackout(harness):
    post, _ = harness.approved_post("Our open day is on Saturday.")
    harness.command("blackout add 2026-11-23T09:00 2026-11-23T12:00", DANA)
    harness.clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert harness.runtime.delivery.publish_due() == 0
    harness.command(f"now {post.id}", DANA)
    assert "blackout is on" in harness.slack.responses()[-1]["text"]
    assert harness.x.tweets == [] and harness.graph.posts == []


def test_blackout_mistakes_and_removal(harness):
    assert "not a date" in harness.command("blackout add tomorrow never", DANA).text
    assert (
        "end after it starts"
        in harness.command("blackout add 2026-12-02T10:00 2026-12-01T10:00", DANA).text
    )
    assert "already over" in harness.command("blackout add 2026-01-01 2026-01-02", DANA).text
    harness.command("blackout add 2026-12-24 2026-12-26 Christmas", DANA)
    assert "Blackout 1 removed" in harness.command("blackout remove 1", DANA).text
    assert "No blackouts ahead" in harness.command("blackout list", DANA).text
    assert "There is no blackout 7" in harness.command("blackout remove 7", DANA).text
