"""Buttons and inputs that act as they change: the review card's, the proposer's under the
report, the admins' decisions, the Home tab's, and the propose modal's live X count."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, BoltRequest, Respond
from slack_sdk import WebClient

from bot.app.delivery import AGAIN, CONFIRM, TAKEDOWN
from bot.checks.platform_fit import x_weighted_length
from bot.domain.posts import PLATFORM_NAMES
from bot.domain.review import Decision
from bot.slack.blocks import (
    APPROVE_ACTION,
    EDIT_ACTION,
    FULL_TEXT_ACTION,
    PROPOSE_TYPED,
    PROPOSE_X_TYPED,
    REJECT_ACTION,
    SUGGEST_ACTION,
    WITHDRAW_ACTION,
    edit_modal,
    full_text_modal,
    propose_modal,
    reject_modal,
    words_withheld,
)
from bot.slack.home import RESUME_PLATFORM
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.listeners.events import publish_home
from bot.slack.listeners.payloads import channel_of, clicked_post, field, sent_by_slack, user_of
from bot.slack.listeners.running import acknowledge, bind, logged, show


def on_decision(
    deps: ListenerDeps, ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
) -> None:
    """The admins' buttons: settle an unconfirmed delivery, or take a post down."""
    ack()
    user, channel = user_of(body), channel_of(body)
    if not deps.service.directory.is_admin(user):
        deps.service.notifier.tell(channel, user, "Only admins can decide this.")
        return
    try:
        target = int(str(action.get("value", "")))
    except ValueError:
        return
    action_id = action.get("action_id")
    if action_id == CONFIRM:
        outcome = deps.delivery.confirm_published(target, actor=user)
    elif action_id == AGAIN:
        outcome = deps.delivery.publish_again(target, actor=user)
    else:
        outcome = deps.delivery.takedown(target, actor=user)
    respond(
        text=f"<@{user}>: {outcome.message}", response_type="in_channel", replace_original=False
    )


def on_review_button(
    deps: ListenerDeps, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    """Approve / Reject… on the review card, bound to the version the card shows."""
    ack()
    clicked = clicked_post(deps.store, body, action)
    if clicked is None:
        return
    user, channel, post, content = clicked
    if action.get("action_id") == APPROVE_ACTION:
        deps.service.decide(post, user, Decision.APPROVE, channel=channel, content=content)
        return
    refusal = deps.service.refusal(post, user, Decision.REJECT)
    if refusal or content != post.content_hash:
        deps.service.notifier.tell(
            channel,
            user,
            refusal
            or f"{post.ref} was edited after that "
            "card was drawn; review the current version on the card.",
        )
        return
    show(client.views_open, trigger_id=str(body.get("trigger_id") or ""), view=reject_modal(post))


def on_proposal_button(
    deps: ListenerDeps,
    ack: Ack,
    body: dict[str, Any],
    action: dict[str, Any],
    client: WebClient,
    request: BoltRequest,
) -> None:
    """The proposer's buttons under the report: suggested wording, Edit, Withdraw."""
    ack()
    clicked = clicked_post(deps.store, body, action)
    if clicked is None:
        return
    user, channel, post, content = clicked
    if user != post.proposer:
        deps.service.notifier.tell(channel, user, f"Only the proposer of {post.ref} can do that.")
        return
    action_id = action.get("action_id")
    if action_id == WITHDRAW_ACTION:
        deps.service.withdraw_post(post, user=user)
        return
    if content != post.content_hash:
        deps.service.notifier.tell(
            channel,
            user,
            f"{post.ref} has changed since that report; use the buttons under the newest one.",
        )
        return
    if action_id == SUGGEST_ACTION:
        deps.service.use_suggestions(post, user=user, made_ts=sent_by_slack(request))
    else:
        show(
            client.views_open,
            trigger_id=str(body.get("trigger_id") or ""),
            view=edit_modal(post),
        )


def on_full_text(
    deps: ListenerDeps, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    ack()
    value = str(action.get("value", ""))
    # ASCII digits only: isdigit() also takes "²", which int() refuses.
    post = deps.store.get_post(int(value)) if re.fullmatch(r"[0-9]{1,15}", value) else None
    if post is None:
        return
    user, channel = user_of(body), channel_of(body)
    service = deps.service
    # Anyone in the review channel can click; the words are for the people who decide.
    if not (
        user == post.proposer
        or service.directory.is_approver(user)
        or service.directory.is_admin(user)
    ):
        service.notifier.tell(
            channel,
            user,
            f"Only the proposer of {post.ref}, approvers and admins can see its whole text.",
        )
        return
    if words_withheld(post) and user != post.proposer:
        # The button was drawn before an edit the checks block: the words it would show
        # now stay in the proposer's thread.
        service.notifier.tell(
            channel,
            user,
            f"{post.ref} is blocked by the checks, so its words are not shown here; its "
            "proposer was told what the checks found in their thread.",
        )
        return
    view = full_text_modal(post)
    show(client.views_open, trigger_id=str(body.get("trigger_id") or ""), view=view)


def on_resume_button(
    deps: ListenerDeps, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    ack()
    user = user_of(body)
    platform = str(action.get("value", ""))
    if deps.service.directory.is_admin(user) and platform in PLATFORM_NAMES:
        deps.delivery.resume(platform, actor=user)
    publish_home(deps, client, user)  # the Home tab does not refresh by itself


def on_propose_typing(
    deps: ListenerDeps, ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
) -> None:
    """The live hint: X's weighted count while the proposer types."""
    ack()
    view = body.get("view") or {}
    if not view.get("id"):
        return  # not typed in one of our modals: nothing to update
    # X gets its own words when there are some, otherwise the main ones.
    own = str(field(view, "x_text", PROPOSE_X_TYPED).get("value") or "")
    main = str(field(view, "text", PROPOSE_TYPED).get("value") or "")
    if action.get("action_id") == PROPOSE_X_TYPED:
        own = str(action.get("value") or "")
    else:
        main = str(action.get("value") or "")
    length = x_weighted_length(own if own.strip() else main)
    which = "its own words for X" if own.strip() else "this"
    hint = f"X counts {which} as {length}/280" + (" — too long for X." if length > 280 else ".")
    service = deps.service
    show(
        client.views_update,
        view_id=view.get("id"),
        hash=view.get("hash"),
        view=propose_modal(service.platforms, hint=hint, requested_times=service.requested_times),
    )


# Handled on the request's thread: each opens a modal with the click's trigger_id, which
# expires (see ``running``).
QUICK: dict[str, Callable[..., None]] = {
    REJECT_ACTION: on_review_button,
    EDIT_ACTION: on_proposal_button,
    FULL_TEXT_ACTION: on_full_text,
}
# Acknowledged at once, worked on in the listener pool.
LATER: dict[str, Callable[..., None]] = {
    CONFIRM: on_decision,
    AGAIN: on_decision,
    TAKEDOWN: on_decision,
    APPROVE_ACTION: on_review_button,
    SUGGEST_ACTION: on_proposal_button,
    WITHDRAW_ACTION: on_proposal_button,
    RESUME_PLATFORM: on_resume_button,
    # The live count is X's own counting: bounded, but never worth holding Slack's 3 s.
    PROPOSE_TYPED: on_propose_typing,
    PROPOSE_X_TYPED: on_propose_typing,
}
ACTIONS = (*QUICK, *LATER)


def register(app: App, deps: ListenerDeps) -> None:
    for name, listener in QUICK.items():
        app.action(name)(bind(listener, deps))
    for name, listener in LATER.items():
        app.action(name)(ack=acknowledge, lazy=[logged(bind(listener, deps))])
