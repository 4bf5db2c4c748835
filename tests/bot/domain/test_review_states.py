"""Every state a review, an edit, a withdrawal or a withdrawn approval can meet, with the words
the person is told (mutation testing found these unguarded: docs/mutation-testing.md)."""

from __future__ import annotations

import pytest

from bot.domain.posts import OUT_IN_THE_WORLD, DeliveryStatus, Post, PostStatus, content_hash
from bot.domain.review import Decision, Outcome, edit, review, withdraw, withdraw_approval

# The states in which a delivery may already be visible to the public, and the others.
PUBLIC = (DeliveryStatus.PUBLISHING, DeliveryStatus.PUBLISHED, DeliveryStatus.UNCONFIRMED)
NOT_YET = (
    DeliveryStatus.QUEUED,
    DeliveryStatus.FAILED,
    DeliveryStatus.CANCELLED,
    DeliveryStatus.TAKEN_DOWN,
)


def make_post(status=PostStatus.IN_REVIEW, approvers=(), text="Hello"):
    return Post(
        id=12,
        proposer="UP",
        text=text,
        platforms=("x",),
        content_hash=content_hash(text, ("x",)),
        status=status,
        version=1,
        approvers=tuple(approvers),
    )


def decide(post, user="UA", decision=Decision.APPROVE, *, required=1, states=(), approver=True):
    return review(
        post,
        user,
        decision,
        is_approver=approver,
        approvals_required=required,
        delivery_states=states,
    )


def test_the_public_states_are_exactly_those_that_may_have_gone_out():
    assert frozenset(PUBLIC) == OUT_IN_THE_WORLD
    assert set(PUBLIC) | set(NOT_YET) == set(DeliveryStatus)


def test_refusals_say_why_in_the_users_words():
    assert decide(make_post(), "UP").refusal == (
        "You proposed #12, so someone else has to review it: every post needs a second pair "
        "of eyes."
    )
    assert decide(make_post(), "US", approver=False).refusal == (
        "Only approvers can approve or reject posts, so your reaction on #12 changed nothing. "
        "An admin can add you to COUNTERSIGN_APPROVERS."
    )
    assert decide(make_post(PostStatus.BLOCKED)).refusal == (
        "#12 is blocked by its checks and can't be reviewed until the proposer edits it."
    )


@pytest.mark.parametrize(
    "status,refusal",
    [
        (PostStatus.WITHDRAWN, "#12 was withdrawn by its proposer."),
        (PostStatus.REJECTED, "#12 was already rejected; the proposer can edit it to ask again."),
        (
            PostStatus.TAKEN_DOWN,
            "#12 was taken down by an admin; the proposer can edit it to ask again.",
        ),
    ],
)
@pytest.mark.parametrize("decision", list(Decision))
def test_a_withdrawn_rejected_or_taken_down_post_cannot_be_reviewed(status, refusal, decision):
    outcome = decide(make_post(status, approvers=["UB"]), decision=decision)
    assert outcome == Outcome(refusal=refusal)
    assert not outcome.record and outcome.status is None


@pytest.mark.parametrize("state", PUBLIC)
def test_rejecting_an_approved_post_that_may_be_out_is_refused(state):
    outcome = decide(make_post(PostStatus.APPROVED, ["UA"]), "UB", Decision.REJECT, states=[state])
    assert outcome == Outcome(
        refusal="#12 is already published (or being published); an admin can take it down."
    )


@pytest.mark.parametrize("state", NOT_YET)
def test_rejecting_an_approved_post_not_yet_out_records_it_and_cancels(state):
    outcome = decide(make_post(PostStatus.APPROVED, ["UA"]), "UB", Decision.REJECT, states=[state])
    assert outcome == Outcome(status=PostStatus.REJECTED, record=True, cancel_queued=True)


def test_rejecting_in_review_is_recorded_and_has_nothing_to_cancel():
    outcome = decide(make_post(), decision=Decision.REJECT)
    assert outcome == Outcome(status=PostStatus.REJECTED, record=True)


def test_approving_an_approved_post_again_records_only_a_new_approver():
    approved = make_post(PostStatus.APPROVED, ["UA"])
    assert decide(approved, "UA") == Outcome(record=False)
    assert decide(approved, "UB") == Outcome(record=True)


def test_the_proposer_never_counts_even_when_stored_among_the_approvers():
    # An approval the proposer somehow holds (an older version's rules) is not a second pair of
    # eyes: with two required, one other approver is not enough.
    post = make_post(approvers=["UP"])
    assert decide(post, "UA", required=2) == Outcome(record=True)
    assert decide(make_post(approvers=["UB"]), "UA", required=2) == Outcome(
        status=PostStatus.APPROVED, record=True
    )


@pytest.mark.parametrize("state", PUBLIC)
def test_an_edit_after_the_post_may_be_out_is_refused(state):
    outcome = edit(make_post(PostStatus.APPROVED, ["UA"]), "other", [], [state])
    assert outcome == Outcome(
        refusal="#12 is already published, so this edit changes nothing that went out. "
        "Propose a new post, or ask an admin to take this one down."
    )


def test_an_edit_of_a_withdrawn_post_is_refused():
    outcome = edit(make_post(PostStatus.WITHDRAWN), "other", [], [])
    assert outcome == Outcome(refusal="#12 was withdrawn; post a new message to propose again.")


def test_an_edit_of_a_taken_down_post_is_refused_and_never_reopens_review():
    outcome = edit(make_post(PostStatus.TAKEN_DOWN), "other", [], [DeliveryStatus.TAKEN_DOWN])
    assert outcome == Outcome(
        refusal="#12 was taken down by an admin, so an edit does not bring it back. "
        "If it should go out again, post it as a new proposal."
    )


def test_an_edit_reopens_review_and_cancels_what_waits():
    outcome = edit(make_post(PostStatus.APPROVED, ["UA"]), "other", [], [DeliveryStatus.QUEUED])
    assert outcome == Outcome(status=PostStatus.IN_REVIEW, cancel_queued=True)


@pytest.mark.parametrize("state", PUBLIC)
def test_withdrawing_a_post_that_may_be_out_is_refused(state):
    assert withdraw(make_post(PostStatus.APPROVED), [state]) == Outcome(
        refusal="#12 is already published, so deleting the proposal does not remove it. "
        "Ask an admin to take it down."
    )


def test_withdrawing_cancels_what_waits():
    expected = Outcome(status=PostStatus.WITHDRAWN, cancel_queued=True)
    assert withdraw(make_post(PostStatus.APPROVED), [DeliveryStatus.QUEUED]) == expected


def take_back(post, user="UA", *, required=1, states=()):
    return withdraw_approval(post, user, approvals_required=required, delivery_states=states)


@pytest.mark.parametrize("state", PUBLIC)
def test_withdrawing_an_approval_after_the_post_may_be_out_is_refused(state):
    assert take_back(make_post(PostStatus.APPROVED, ["UA"]), states=[state]) == Outcome(
        refusal="#12 is already published (or being published), so removing your reaction "
        "changes nothing. An admin can take it down."
    )


def test_withdrawing_the_approval_that_made_it_approved_puts_it_back_in_review():
    approved = make_post(PostStatus.APPROVED, ["UA"])
    expected = Outcome(status=PostStatus.IN_REVIEW, cancel_queued=True)
    assert take_back(approved, states=[DeliveryStatus.QUEUED]) == expected
    # Two required, two given: one taken back leaves too few.
    assert take_back(make_post(PostStatus.APPROVED, ["UA", "UB"]), required=2) == expected


def test_withdrawing_one_of_more_approvals_than_needed_changes_nothing():
    assert take_back(make_post(PostStatus.APPROVED, ["UA", "UB"]), required=1) == Outcome()


def test_withdrawing_an_approval_of_a_post_still_in_review_changes_only_the_count():
    assert take_back(make_post(PostStatus.IN_REVIEW, ["UA"]), required=2) == Outcome()
