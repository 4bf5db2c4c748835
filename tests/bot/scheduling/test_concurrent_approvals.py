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


def test_two_approvers_at_the_same_instant_approve_and_queue_once(harness):
    from tests.conftest import ALICE

    posts = [
        harness.post_for(harness.propose(CAROL, f"Our clothes bank needs coats, week {n}."))
        for n in range(12)
    ]
    for post in posts:  # both approvers react together; one approval is all it takes
        card_ts = harness.card(post)["ts"]
        for approver in (ALICE, BOB):
            harness.sender.event(reaction_event(approver, "white_check_mark", REVIEW, card_ts))
    harness.executor.drain()
    for post in posts:  # as if they had reacted one after the other
        actions = Counter(r["action"] for r in harness.store.audit_log(post.id))
        assert actions["approved"] == 2 and actions["queued"] == 1, (post.id, actions)
        notes = [t for t in harness.thread_texts(post.source_ts) if "was approved by" in t]
        assert len(notes) == 1, (post.id, notes)


def test_an_edit_landing_while_an_approver_decides_is_not_approved(harness):
    post = harness.post_for(harness.propose(CAROL, "Our open day is on Saturday."))
    service = harness.service
    choose_slots = service._slots_for

    def edited_meanwhile(p):  # the proposer's edit is saved while the approval is under way
        service.new_version(p, user=CAROL, text="I think our open day is on Saturday.")
        return choose_slots(p)

    service._slots_for = edited_meanwhile
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    edited = harness.store.get_post(post.id)
    assert edited.version == 2 and edited.status.value == "in_review"
    assert edited.approvers == ()
    assert harness.store.deliveries_for(post.id) == []
    told = [e["text"] for e in harness.slack.ephemerals() if e["user"] == BOB]
    assert any("was edited while you were deciding" in t for t in told)
