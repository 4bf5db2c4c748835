"""Approvals arrive together (Slack delivers reactions in parallel): each approved post still
gets a slot of its own on each platform."""

from __future__ import annotations

from collections import Counter

from bot.emulators.slack import reaction_event
from tests.conftest import BOB, CAROL, REVIEW


def test_simultaneous_approvals_never_share_a_slot(harness):
    posts = []
    for n in range(24):
        ts = harness.propose(CAROL, f"Our drop-in is open late on day {n} of the appeal.")
        posts.append(harness.post_for(ts))
    cards = [harness.card(p)["ts"] for p in posts]
    for card_ts in cards:  # all sent before any is worked on: the pool runs them side by side
        assert harness.sender.event(reaction_event(BOB, "white_check_mark", REVIEW, card_ts))
    harness.executor.drain()
    deliveries = [d for p in posts for d in harness.store.deliveries_for(p.id)]
    assert len(deliveries) == 2 * len(posts)
    per_slot = Counter((d.platform, d.due_at) for d in deliveries)
    assert max(per_slot.values()) == 1, [k for k, v in per_slot.items() if v > 1]
