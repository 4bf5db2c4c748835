"""Modal submissions: a rejection's reason, an edited post, a proposal made in the form. Each
form is checked while Slack waits (its mistakes go back to it); the work follows."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest
from slack_sdk import WebClient

from bot.domain.review import Decision
from bot.slack.blocks import EDIT_VIEW, PROPOSE_VIEW, REJECT_VIEW
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.listeners.payloads import ProposalForm, field, sent_by_slack, user_of, versioned
from bot.slack.listeners.running import ACCEPTED, bind, check_form, logged
from bot.slack.markup import escape


def reject_form_errors(deps: ListenerDeps, view: dict[str, Any]) -> dict[str, str]:
    if not str(field(view, "reason", "text").get("value") or "").strip():
        return {"reason": "Say why, for the proposer."}
    return {}


def on_reject_reason(
    deps: ListenerDeps, body: dict[str, Any], view: dict[str, Any], context: BoltContext
) -> None:
    if not context.get(ACCEPTED):
        return
    reason = str(field(view, "reason", "text").get("value") or "").strip()
    found = versioned(deps.store, str(view.get("private_metadata", "")))
    if found is None:
        return
    post, content = found
    deps.service.decide(
        post,
        user_of(body),
        Decision.REJECT,
        channel=post.card_channel or "",
        content=content,
        reason=reason,
    )


def edit_form_errors(deps: ListenerDeps, view: dict[str, Any]) -> dict[str, str]:
    if not str(field(view, "text", "text").get("value") or "").strip():
        return {"text": "A post needs words."}
    return {}


def on_edit_submitted(
    deps: ListenerDeps,
    body: dict[str, Any],
    view: dict[str, Any],
    context: BoltContext,
    request: BoltRequest,
) -> None:
    if not context.get(ACCEPTED):
        return
    text = str(field(view, "text", "text").get("value") or "").strip()
    user = user_of(body)
    found = versioned(deps.store, str(view.get("private_metadata", "")))
    if found is None or user != found[0].proposer:
        return
    deps.service.new_version(found[0], user=user, text=text, made_ts=sent_by_slack(request))


def propose_form_errors(deps: ListenerDeps, view: dict[str, Any]) -> dict[str, str]:
    form = ProposalForm.read(view)
    errors: dict[str, str] = {}
    if not form.text.strip() and not form.files:
        errors["text"] = "A post needs words or pictures."
    if not form.platforms:
        errors["platforms"] = "Choose at least one platform."
    if form.when == "at":
        if form.requested is None:
            errors["at"] = "Choose the date and time."
        elif form.requested <= deps.clock():
            errors["at"] = "That time has passed; choose a later one."
    return errors


def on_propose_submitted(
    deps: ListenerDeps,
    body: dict[str, Any],
    view: dict[str, Any],
    client: WebClient,
    context: BoltContext,
) -> None:
    proposals_channel = deps.proposals_channel
    if not context.get(ACCEPTED) or not proposals_channel:
        return
    form = ProposalForm.read(view)
    user = user_of(body)
    # The form's words are plain text: escaped, so that "&" or "<!here>" typed there is
    # shown as typed rather than read as Slack markup (a ping to the whole channel).
    shown = "\n".join("> " + escape(line) for line in form.text.strip().splitlines())
    shown = shown or "> (pictures)"
    posted = client.chat_postMessage(
        channel=proposals_channel, text=f"Proposed by <@{user}>:\n{shown}"
    )
    service = deps.service
    service.propose(
        channel=proposals_channel,
        ts=str(posted["ts"]),
        user=user,
        text=form.text,
        files=form.files,
        platforms=tuple(p for p in service.platforms if p in form.platforms),
        requested_at=form.requested if form.when == "at" else None,
        variants={"x": form.x_text} if form.x_text.strip() else None,
        alt_texts=form.alt_texts,
    )


# Each modal: what is wrong with a submitted form (checked while Slack waits), and the work.
FORMS: dict[str, tuple[Callable[..., dict[str, str]], Callable[..., None]]] = {
    REJECT_VIEW: (reject_form_errors, on_reject_reason),
    EDIT_VIEW: (edit_form_errors, on_edit_submitted),
    PROPOSE_VIEW: (propose_form_errors, on_propose_submitted),
}
VIEWS = tuple(FORMS)


def register(app: App, deps: ListenerDeps) -> None:
    for name, (errors, listener) in FORMS.items():
        app.view(name)(
            ack=partial(check_form, partial(errors, deps)), lazy=[logged(bind(listener, deps))]
        )
