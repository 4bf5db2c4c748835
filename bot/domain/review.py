"""The four-eyes rule and every transition a review, an edit or a withdrawal can make."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from bot.domain.findings import Finding, Verdict, verdict
from bot.domain.posts import OUT_IN_THE_WORLD, DeliveryStatus, Post, PostStatus


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


REACTIONS = {"white_check_mark": Decision.APPROVE, "x": Decision.REJECT}


@dataclass(frozen=True)
class Outcome:
    """What an action does: a refusal (with the reason for the person who tried) or a change."""

    refusal: str | None = None
    status: PostStatus | None = None  # the new status, None when it stays
    record: bool = False  # whether the review itself is recorded
    cancel_queued: bool = False

    @property
    def refused(self) -> bool:
        return self.refusal is not None


def review(
    post: Post,
    user: str,
    decision: Decision,
    *,
    is_approver: bool,
    approvals_required: int,
    delivery_states: Iterable[DeliveryStatus] = (),
) -> Outcome:
    """Decide what a reviewer's approve or reject does to ``post``."""
    if user == post.proposer:
        return Outcome(
            refusal=f"You proposed {post.ref}, so someone else has to review it: "
            "every post needs a second pair of eyes."
        )
    if not is_approver:
        return Outcome(
            refusal=f"Only approvers can approve or reject posts, so your reaction on {post.ref} "
            "changed nothing. An admin can add you to COUNTERSIGN_APPROVERS."
        )
    if post.status is PostStatus.BLOCKED:
        return Outcome(
            refusal=f"{post.ref} is blocked by its checks and can't be reviewed until the "
            "proposer edits it."
        )
    if post.status is PostStatus.WITHDRAWN:
        return Outcome(refusal=f"{post.ref} was withdrawn by its proposer.")
    if post.status is PostStatus.REJECTED:
        return Outcome(
            refusal=f"{post.ref} was already rejected; the proposer can edit it to ask again."
        )
    if post.status is PostStatus.TAKEN_DOWN:
        return Outcome(
            refusal=f"{post.ref} was taken down by an admin; the proposer can edit it to ask again."
        )
    if post.status is PostStatus.APPROVED:
        if decision is Decision.APPROVE:
            return Outcome(record=user not in post.approvers)
        if any(s in OUT_IN_THE_WORLD for s in delivery_states):
            return Outcome(
                refusal=f"{post.ref} is already published (or being published); "
                "an admin can take it down."
            )
        return Outcome(status=PostStatus.REJECTED, record=True, cancel_queued=True)
    if decision is Decision.REJECT:
        return Outcome(status=PostStatus.REJECTED, record=True)
    approvers = set(post.approvers) | {user}
    approvers.discard(post.proposer)
    if len(approvers) >= approvals_required:
        return Outcome(status=PostStatus.APPROVED, record=True)
    return Outcome(record=True)


def status_after_checks(findings: Iterable[Finding]) -> PostStatus:
    return PostStatus.BLOCKED if verdict(list(findings)) is Verdict.BLOCK else PostStatus.IN_REVIEW


def edit(
    post: Post,
    new_hash: str,
    findings: Iterable[Finding],
    delivery_states: Iterable[DeliveryStatus],
) -> Outcome:
    """An edit re-opens the review: approvals were for the old words."""
    if new_hash == post.content_hash:
        # Slack also sends message_changed for unfurls and attachments; the words are the same.
        return Outcome()
    if post.status is PostStatus.WITHDRAWN:
        return Outcome(refusal=f"{post.ref} was withdrawn; post a new message to propose again.")
    if post.status is PostStatus.TAKEN_DOWN:
        # An admin's takedown is final: an edit must not send the post back to review, where
        # a new approval would publish it again.
        return Outcome(
            refusal=f"{post.ref} was taken down by an admin, so an edit does not bring it back. "
            "If it should go out again, post it as a new proposal."
        )
    if any(s in OUT_IN_THE_WORLD for s in delivery_states):
        return Outcome(
            refusal=f"{post.ref} is already published, so this edit changes nothing that went "
            "out. Propose a new post, or ask an admin to take this one down."
        )
    return Outcome(status=status_after_checks(findings), cancel_queued=True)


def withdraw(post: Post, delivery_states: Iterable[DeliveryStatus]) -> Outcome:
    if post.status is PostStatus.WITHDRAWN:
        return Outcome()
    if any(s in OUT_IN_THE_WORLD for s in delivery_states):
        return Outcome(
            refusal=f"{post.ref} is already published, so deleting the proposal does not "
            "remove it. Ask an admin to take it down."
        )
    return Outcome(status=PostStatus.WITHDRAWN, cancel_queued=True)


def withdraw_approval(
    post: Post,
    user: str,
    *,
    approvals_required: int,
    delivery_states: Iterable[DeliveryStatus],
) -> Outcome:
    """An approver changes their mind before publication: the post waits for review again."""
    if any(s in OUT_IN_THE_WORLD for s in delivery_states):
        return Outcome(
            refusal=f"{post.ref} is already published (or being published), so removing your "
            "reaction changes nothing. An admin can take it down."
        )
    remaining = len(set(post.approvers) - {user})
    if post.status is PostStatus.APPROVED and remaining < approvals_required:
        return Outcome(status=PostStatus.IN_REVIEW, cancel_queued=True)
    return Outcome()
