"""Events in the order Slack made them, whatever order they arrive in (issue [8], items 4-5).

Slack retries an event it thinks was missed, and the listener pool works on several at once:
a reaction made before an edit can be handled after it, an edit can arrive before the message
it changes. A reaction counts only for the version that was on the card when it was made; an
edit that arrives early waits (bounded) for its message and is not lost.
"""

from __future__ import annotations

from bot.domain.posts import DeliveryStatus, PostStatus
from bot.emulators.slack import delete_event, edit_event, message_event, new_ts, reaction_event
from bot.slack.listeners.ordering import EARLY_EDIT_WAIT
from tests.bot.slack.test_images import jpeg
from tests.bot.slack.test_real_messages import original_of, real, replay
from tests.conftest import ALICE, BOB, CAROL, PROPOSALS, REVIEW, wait_until

V1 = "Our food bank opens late on Thursday: bring a bag."
V2 = "Our food bank opens late on Friday: bring two bags."
APPROVE, REJECT = "white_check_mark", "x"
FIXTURE_APPROVER = "U234BCD567"  # the approver in the reaction fixtures, BOB here


def live(h, post) -> list:
    return [
        d
        for d in h.store.deliveries_for(post.id)
        if d.status not in (DeliveryStatus.CANCELLED, DeliveryStatus.TAKEN_DOWN)
    ]


def told(h, user: str) -> list[str]:
    return [e["text"] for e in h.slack.ephemerals(user)]


# -- item 4: a reaction counts only for the version on the card when it was made ---------------


def test_an_approval_made_before_an_edit_but_handled_after_it_approves_nothing(harness):
    h = harness
    ts = h.propose(ALICE, V1)
    post = h.post_for(ts)
    card_ts = h.card(post)["ts"]
    approval = reaction_event(BOB, APPROVE, REVIEW, card_ts)  # BOB approves what he sees: V1
    h.edit(ALICE, ts, V2)  # ALICE edits after that; Slack delivers the approval late
    assert h.event(approval).status_code == 200

    post = h.store.get_post(post.id)
    assert post.text == V2 and post.version == 2
    assert post.status is PostStatus.IN_REVIEW and post.approvers == ()
    assert live(h, post) == []
    [refusal] = told(h, BOB)
    assert "version 1" in refusal and "now version 2" in refusal and "add it again" in refusal

    # Looking again, BOB removes his ✅ and adds it again: now it counts, for version 2.
    h.event(reaction_event(BOB, APPROVE, REVIEW, card_ts, removed=True))
    h.react(BOB, APPROVE, card_ts)
    post = h.store.get_post(post.id)
    assert post.status is PostStatus.APPROVED and post.approvers == (BOB,)
    assert {d.content_hash for d in live(h, post)} == {post.content_hash}


def test_a_rejection_made_before_an_edit_but_handled_after_it_rejects_nothing(harness):
    h = harness
    ts = h.propose(ALICE, V1)
    post = h.post_for(ts)
    rejection = reaction_event(BOB, REJECT, REVIEW, h.card(post)["ts"])
    h.edit(ALICE, ts, V2)
    h.event(rejection)
    post = h.store.get_post(post.id)
    assert post.status is PostStatus.IN_REVIEW and post.version == 2
    assert any("version 1" in t for t in told(h, BOB))


def test_removing_an_approval_before_an_edit_handled_late_keeps_the_new_approval(harness):
    h = harness
    ts = h.propose(ALICE, V1)
    post = h.post_for(ts)
    card_ts = h.card(post)["ts"]
    h.react(BOB, APPROVE, card_ts)
    removal = reaction_event(BOB, APPROVE, REVIEW, card_ts, removed=True)  # made on version 1
    h.edit(ALICE, ts, V2)
    h.react(BOB, APPROVE, card_ts)  # BOB approves version 2
    assert h.store.get_post(post.id).status is PostStatus.APPROVED
    h.event(removal)  # the removal of his version-1 ✅, delivered late, withdraws nothing
    post = h.store.get_post(post.id)
    assert post.status is PostStatus.APPROVED and post.approvers == (BOB,)
    assert {d.content_hash for d in live(h, post)} == {post.content_hash}


def test_an_approval_made_after_the_edit_counts(harness):
    h = harness
    ts = h.propose(ALICE, V1)
    post = h.post_for(ts)
    h.edit(ALICE, ts, V2)
    h.react(BOB, APPROVE, h.card(post)["ts"])
    post = h.store.get_post(post.id)
    assert post.status is PostStatus.APPROVED and post.version == 2 and told(h, BOB) == []


def test_a_real_approval_made_before_a_real_edit_and_delivered_after_it_is_refused(harness):
    h = harness
    change = real("message_changed_edit")
    approval = real("reaction_added_before_edit")
    approval["user"] = BOB
    replay(h, original_of(change))
    post = h.post_for(change["message"]["ts"])
    replay(h, change)  # the edit, made after the ✅ but delivered first
    replay(h, approval)
    post = h.store.get_post(post.id)
    assert post.version == 2 and post.text == "Fish & chips night on Friday 🐟"
    assert post.status is PostStatus.IN_REVIEW and live(h, post) == []
    assert any("version 1" in t for t in told(h, BOB))


def test_a_real_removal_made_before_a_real_edit_withdraws_no_later_approval(harness):
    h = harness
    change = real("message_changed_edit")
    approval, removal = real("reaction_added_before_edit"), real("reaction_removed_before_edit")
    approval["user"] = removal["user"] = BOB
    replay(h, original_of(change))
    post = h.post_for(change["message"]["ts"])
    replay(h, approval)  # on version 1, in order
    assert h.store.get_post(post.id).status is PostStatus.APPROVED
    replay(h, change)
    h.react(BOB, APPROVE, change["message"]["ts"], channel=PROPOSALS)  # version 2, now
    replay(h, removal)  # made before the edit, delivered last
    post = h.store.get_post(post.id)
    assert post.status is PostStatus.APPROVED and post.approvers == (BOB,) and post.version == 2


# -- item 5: events about one message in the order Slack made them -----------------------------


def test_an_edit_that_arrives_before_its_message_is_not_lost(harness):
    h = harness
    ts = new_ts()
    original = message_event(PROPOSALS, CAROL, V1, ts)
    edit = edit_event(PROPOSALS, CAROL, ts, V2, old_text=V1)
    assert h.event(edit, event_id="Ev0EDIT").status_code == 200  # Slack's retry of the message
    assert h.store.post_for_message(PROPOSALS, ts) is None
    assert [e for e, _ in h.store.unfinished_events()] == ["Ev0EDIT"]  # kept, not dropped
    h.event(original, event_id="Ev0MESSAGE")
    post = h.post_for(ts)
    assert post.text == V2 and post.version == 2
    assert h.store.unfinished_events() == []
    # Approving it approves what the proposer wrote last.
    h.react(BOB, APPROVE, h.card(post)["ts"])
    post = h.store.get_post(post.id)
    assert post.status is PostStatus.APPROVED and post.text == V2


def test_several_early_edits_are_applied_in_the_order_they_were_made(harness):
    h = harness
    ts = new_ts()
    first = edit_event(PROPOSALS, CAROL, ts, "Our food bank opens late on Friday.")
    second = edit_event(PROPOSALS, CAROL, ts, V2)
    h.event(second, event_id="Ev0SECOND")  # made last, delivered first
    h.event(first, event_id="Ev0FIRST")
    h.event(message_event(PROPOSALS, CAROL, V1, ts))
    post = h.post_for(ts)
    assert post.text == V2 and post.version == 3
    assert h.store.unfinished_events() == []


def test_a_deletion_that_arrives_before_its_message_withdraws_it(harness):
    h = harness
    ts = new_ts()
    h.event(delete_event(PROPOSALS, ts, user=CAROL, text=V1), event_id="Ev0DELETE")
    h.event(message_event(PROPOSALS, CAROL, V1, ts))
    post = h.post_for(ts)
    assert post.status is PostStatus.WITHDRAWN
    h.react(BOB, APPROVE, h.card(post)["ts"])
    assert live(h, h.store.get_post(post.id)) == []


def test_an_edit_whose_message_never_comes_waits_a_bounded_time(harness):
    h = harness
    ts = new_ts()
    h.event(edit_event(PROPOSALS, CAROL, ts, V2), event_id="Ev0ORPHAN")
    assert [e for e, _ in h.store.unfinished_events()] == ["Ev0ORPHAN"]
    h.clock.advance(seconds=EARLY_EDIT_WAIT.total_seconds() - 1)
    h.propose(ALICE, V1)  # any event: it is still waiting
    assert [e for e, _ in h.store.unfinished_events()] == ["Ev0ORPHAN"]
    h.clock.advance(seconds=2)
    h.propose(ALICE, "Our choir sings on Sunday.")
    assert h.store.unfinished_events() == []  # let go: nothing waits forever
    assert h.store.post_for_message(PROPOSALS, ts) is None


def test_an_edit_handled_while_its_message_is_still_being_checked_waits_for_it(harness):
    h = harness
    picture = h.slack.add_file("bag.jpg", jpeg())
    held = h.slack.hold(r"/files-pri/")  # the proposal's picture downloads slowly
    ts = new_ts()
    h.sender.event(message_event(PROPOSALS, CAROL, V1, ts, files=[picture]))
    wait_until(lambda: h.slack.calls_to(r"/files-pri/"))  # a worker is on the proposal
    # Two edits arrive meanwhile; other workers are free to take them.
    h.sender.event(edit_event(PROPOSALS, CAROL, ts, "Our food bank opens late on Friday."))
    h.sender.event(edit_event(PROPOSALS, CAROL, ts, V2))
    held.set()
    h.executor.drain()
    post = h.post_for(ts)
    assert post.text == V2 and post.version == 3 and len(post.images) == 1
    assert h.store.unfinished_events() == []


def test_events_about_different_messages_still_run_side_by_side(harness):
    h = harness
    picture = h.slack.add_file("bag.jpg", jpeg())
    held = h.slack.hold(r"/files-pri/")
    slow = new_ts()
    h.sender.event(message_event(PROPOSALS, CAROL, V1, slow, files=[picture]))
    wait_until(lambda: h.slack.calls_to(r"/files-pri/"))
    try:
        other = new_ts()
        h.sender.event(message_event(PROPOSALS, ALICE, "Our choir sings on Sunday.", other))
        wait_until(lambda: h.store.post_for_message(PROPOSALS, other))  # not behind the slow one
    finally:
        held.set()
    h.executor.drain()
    assert h.post_for(slow).text == V1


def test_an_early_edit_survives_a_restart(tmp_path):
    from tests.conftest import close_harness, make_harness

    h = make_harness(tmp_path)
    ts = new_ts()
    h.event(edit_event(PROPOSALS, CAROL, ts, V2, old_text=V1), event_id="Ev0EARLY")
    close_harness(h, keep_emulators=True)
    h2 = make_harness(tmp_path, restart_of=h)
    try:
        assert [e for e, _ in h2.store.unfinished_events()] == ["Ev0EARLY"]
        h2.event(message_event(PROPOSALS, CAROL, V1, ts))
        post = h2.post_for(ts)
        assert post.text == V2 and post.version == 2
        assert h2.store.unfinished_events() == []
    finally:
        close_harness(h2)


def test_a_failed_event_does_not_stop_the_events_behind_it_on_its_message():
    from concurrent.futures import ThreadPoolExecutor

    from bot.slack.listeners.ordering import Lanes

    ran: list[int] = []

    def fail() -> None:
        raise RuntimeError("boom")

    with ThreadPoolExecutor(max_workers=3) as pool:
        lanes = Lanes(pool)
        lanes.submit(("C1", "1.0"), fail)
        for n in range(20):
            lanes.submit(("C1", "1.0"), lambda n=n: ran.append(n))
    assert ran == list(range(20)) and lanes.busy() == 0
