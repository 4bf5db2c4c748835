from bot.domain.findings import Finding, Severity
from bot.domain.posts import DeliveryStatus, Post, PostStatus, content_hash
from bot.domain.review import Decision, edit, review, status_after_checks, withdraw


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


def test_proposer_cannot_approve_even_as_approver():
    outcome = review(make_post(), "UP", Decision.APPROVE, is_approver=True, approvals_required=1)
    assert outcome.refused and "#12" in outcome.refusal and outcome.status is None


def test_non_approver_refused():
    outcome = review(make_post(), "US", Decision.APPROVE, is_approver=False, approvals_required=1)
    assert outcome.refused and "approvers" in outcome.refusal


def test_blocked_post_cannot_be_reviewed():
    for decision in Decision:
        outcome = review(
            make_post(PostStatus.BLOCKED), "UA", decision, is_approver=True, approvals_required=1
        )
        assert outcome.refused and "blocked" in outcome.refusal


def test_approver_approves_and_rejects():
    approve = review(make_post(), "UA", Decision.APPROVE, is_approver=True, approvals_required=1)
    assert approve.status is PostStatus.APPROVED and approve.record
    reject = review(make_post(), "UA", Decision.REJECT, is_approver=True, approvals_required=1)
    assert reject.status is PostStatus.REJECTED


def test_two_approvals_required_never_counts_proposer():
    first = review(make_post(), "UA", Decision.APPROVE, is_approver=True, approvals_required=2)
    assert first.record and first.status is None
    second = review(
        make_post(approvers=["UA"]), "UB", Decision.APPROVE, is_approver=True, approvals_required=2
    )
    assert second.status is PostStatus.APPROVED
    # the same approver twice is still one approval
    again = review(
        make_post(approvers=["UA"]), "UA", Decision.APPROVE, is_approver=True, approvals_required=2
    )
    assert again.status is None


def test_reject_after_approval_only_before_publication():
    approved = make_post(PostStatus.APPROVED, approvers=["UA"])
    ok = review(
        approved,
        "UB",
        Decision.REJECT,
        is_approver=True,
        approvals_required=1,
        delivery_states=[DeliveryStatus.QUEUED],
    )
    assert ok.status is PostStatus.REJECTED and ok.cancel_queued
    late = review(
        approved,
        "UB",
        Decision.REJECT,
        is_approver=True,
        approvals_required=1,
        delivery_states=[DeliveryStatus.PUBLISHED],
    )
    assert late.refused


def test_edit_voids_approval_and_rechecks():
    approved = make_post(PostStatus.APPROVED, approvers=["UA"])
    new_text = "Hello again"
    outcome = edit(approved, content_hash(new_text, ("x",)), [], [DeliveryStatus.QUEUED])
    assert outcome.status is PostStatus.IN_REVIEW and outcome.cancel_queued
    block = Finding("confidentiality", "phone_number", Severity.BLOCK, 0, 3, "x", "m")
    blocked = edit(approved, content_hash("call", ("x",)), [block], [])
    assert blocked.status is PostStatus.BLOCKED


def test_edit_with_same_words_changes_nothing():
    post = make_post(PostStatus.APPROVED, approvers=["UA"])
    assert edit(post, post.content_hash, [], []).status is None


def test_edit_after_publication_is_refused():
    post = make_post(PostStatus.APPROVED)
    outcome = edit(post, "other", [], [DeliveryStatus.PUBLISHED])
    assert outcome.refused and outcome.status is None


def test_withdraw():
    assert withdraw(make_post(), []).status is PostStatus.WITHDRAWN
    assert withdraw(make_post(PostStatus.APPROVED), [DeliveryStatus.PUBLISHED]).refused
    assert withdraw(make_post(PostStatus.WITHDRAWN), []).status is None


def test_content_hash_binds_words_and_platforms():
    assert content_hash("a", ("x",)) != content_hash("a ", ("x",))
    assert content_hash("a", ("x", "facebook")) == content_hash("a", ("facebook", "x"))
    assert content_hash("a", ("x",)) != content_hash("a", ("facebook",))


def test_status_after_checks():
    warn = Finding("voice", "first_person_singular", Severity.WARN, 0, 1, "I", "m")
    assert status_after_checks([warn]) is PostStatus.IN_REVIEW
