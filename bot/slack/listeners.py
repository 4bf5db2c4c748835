"""Bolt listeners: parse what Slack sent, call a use case, answer. No rules live here."""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse, Respond
from slack_bolt.error import BoltUnhandledRequestError
from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError

from bot.app.delivery import AGAIN, CONFIRM, TAKEDOWN, Deliverer
from bot.checks.platform_fit import x_weighted_length
from bot.domain.posts import PLATFORM_NAMES, Post
from bot.domain.review import Decision
from bot.people_commands import Answer, UsageError, run_slack_text
from bot.schedule_commands import run_blackout, run_queue, run_schedule
from bot.services import Countersign
from bot.slack.blocks import (
    APPROVE_ACTION,
    EDIT_ACTION,
    EDIT_VIEW,
    FULL_TEXT_ACTION,
    PROPOSE_SHORTCUT,
    PROPOSE_TYPED,
    PROPOSE_VIEW,
    PROPOSE_X_TYPED,
    REJECT_ACTION,
    REJECT_VIEW,
    SUGGEST_ACTION,
    WITHDRAW_ACTION,
    edit_modal,
    full_text_modal,
    propose_modal,
    reject_modal,
    words_withheld,
)
from bot.slack.home import RESUME_PLATFORM, home_view
from bot.slack.markup import escape, message_words, unescape
from bot.slack.ordering import Lanes, Waiting
from bot.storage import Store

log = logging.getLogger(__name__)

COMMAND = "/countersign"
# Keys an acknowledging function leaves in the context for the work that follows it.
ACCEPTED = "countersign_form_accepted"
LATER = "countersign_later"

# What each admin-only word lets an admin do, for the refusal everyone else gets.
ADMIN_VERBS = {
    "now": "publish a post at once",
    "takedown": "take a post down",
    "pause": "pause publishing",
    "resume": "resume publishing",
    "schedule": "see or change the schedule",
    "queue": "see or change the queue",
    "blackout": "see or change blackouts",
    "people": "see or change the register of people we support",
}
HELP_ALL = (
    "`/countersign propose` — propose a post in a form (or post in the proposals channel)\n"
    "`/countersign help` — what you can do"
)
HELP_ADMIN = (
    "`/countersign now <id>` — publish an approved post at once\n"
    "`/countersign takedown <id>` — delete a published post on every platform\n"
    "`/countersign schedule [add|remove|clear …]` — the weekly posting slots\n"
    "`/countersign queue [front|move|unschedule <id> …]` — what goes out when\n"
    "`/countersign blackout list|add <from> <to> [reason]|remove <id>` — nothing publishes "
    "in a blackout\n"
    "`/countersign pause [reason]` — stop all publishing at once (an emergency stop)\n"
    "`/countersign resume` — continue after a pause; `resume x|facebook` — a platform "
    "paused for its credentials\n"
    "`/countersign people list|add|consent|remove …` — the register of people we support "
    "(names are never shown, only labels)"
)


@dataclass(frozen=True)
class ProposalForm:
    """What the propose modal's fields say."""

    text: str
    platforms: list[str]
    when: str
    requested: datetime | None
    files: list[dict[str, Any]]
    x_text: str
    alt_texts: list[str]

    @classmethod
    def read(cls, view: dict[str, Any]) -> ProposalForm:
        at_raw = _field(view, "at").get("selected_date_time")
        when = _field(view, "when").get("selected_option")
        return cls(
            text=str(_field(view, "text", PROPOSE_TYPED).get("value") or ""),
            platforms=[
                str(o.get("value")) for o in _objects(_field(view, "platforms"), "selected_options")
            ],
            when=str(when.get("value", "slot")) if isinstance(when, dict) else "slot",
            requested=_instant(at_raw),
            files=_objects(_field(view, "images"), "files"),
            x_text=str(_field(view, "x_text", PROPOSE_X_TYPED).get("value") or ""),
            alt_texts=str(_field(view, "alt").get("value") or "").splitlines(),
        )


@dataclass(frozen=True)
class Registered:
    """What the app listens to; the Slack app manifest must ask for exactly this."""

    events: tuple[str, ...]
    commands: tuple[str, ...]
    actions: tuple[str, ...] = ()
    shortcuts: tuple[str, ...] = ()
    replay: Callable[[], int] = lambda: 0


def register(
    app: App,
    service: Countersign,
    store: Store,
    delivery: Deliverer,
    *,
    proposals_channel: str | None,
    clock: Callable[[], datetime],
    work: Executor,
    secret_key: str | None = None,
) -> Registered:
    @app.middleware
    def once_per_event(body: dict[str, Any], next: Callable[[], BoltResponse]) -> Any:
        """Slack retries an event it thinks we missed; the second copy changes nothing. The
        first copy is kept until its work is done (see ``replay``)."""
        event_id = body.get("event_id") if isinstance(body, dict) else None
        if event_id and not store.first_sighting(str(event_id), clock(), json.dumps(body)):
            log.info("event %s already processed; ignoring the retry", event_id)
            return BoltResponse(status=200, body="")
        return next()

    waiting = Waiting()
    lanes = Lanes(work)

    def on_message(event: dict[str, Any], event_id: str = "") -> bool:
        """A proposal, its edit or its deletion. True: an edit or deletion of a message not
        proposed yet, kept to run once it is (its event stays unfinished meanwhile)."""
        if not proposals_channel or event.get("channel") != proposals_channel:
            return False
        subtype = event.get("subtype")
        if subtype == "message_changed":
            message = event.get("message") or {}
            ts = str(message.get("ts", ""))
            if message.get("subtype") == "tombstone":
                # A message with thread replies (every proposal has its report) is deleted
                # this way, not with message_deleted: Slack leaves a tombstone in its place.
                # Sources: hackclub/toriel#238; Slack's message_changed event reference.
                if early(event_id, event, ts):
                    return True
                log.info("proposal message %s deleted (tombstone)", message.get("ts"))
                service.withdraw(channel=event["channel"], ts=ts)
                return False
            if message.get("bot_id") or _is_reply(message):
                return False
            if early(event_id, event, ts):
                return True
            before = _file_ids(event.get("previous_message") or {})
            words = message_words(message)
            edited = message.get("edited") or {}
            service.revise(
                channel=event["channel"],
                ts=ts,
                # Who made this change: ``edited.user`` names the editor, ``user`` the author.
                user=str(edited.get("user") or message.get("user", "")),
                text=words.text,
                # Only a change of attachments costs new downloads.
                files=None if _file_ids(message) == before else _files(message),
                markup=words.findings(),
                # When the edit was made (Slack's time): reactions made before it were on the
                # version before it. The later of the two times Slack gives, to be safe.
                made_ts=_latest(edited.get("ts"), event.get("event_ts")),
            )
        elif subtype == "message_deleted":
            previous = event.get("previous_message") or {}
            deleted = str(event.get("deleted_ts") or previous.get("ts") or "")
            if not deleted or previous.get("bot_id") or _is_reply(previous):
                return False
            if early(event_id, event, deleted):
                return True
            service.withdraw(channel=event["channel"], ts=deleted)
        elif subtype in (None, "file_share"):
            if event.get("bot_id") or _is_reply(event) or not event.get("user"):
                return False
            words = message_words(event)
            post = service.propose(
                channel=event["channel"],
                ts=str(event["ts"]),
                user=str(event["user"]),
                text=words.text,
                files=_files(event),
                markup=words.findings(),
            )
            if post is not None:
                # Edits and deletions that arrived before this message, in Slack's order.
                for later_id, later in waiting.take((str(event["channel"]), str(event["ts"]))):
                    log.info("event %s: its message is proposed now; running it", later_id)
                    run_event(later_id, later)
        return False

    def early(event_id: str, event: dict[str, Any], ts: str) -> bool:
        """An edit or deletion of a message that is not a post (yet) waits for it, bounded:
        Slack may deliver the message after its edit (a retry), or a worker may still be on
        it. Only an event we can finish later (it has an id) waits."""
        channel = str(event.get("channel", ""))
        if not event_id or store.post_for_message(channel, ts) is not None:
            return False
        if waiting.keep((channel, ts), event_id, event, now=clock()):
            log.info("event %s: message %s is not proposed yet; it waits for it", event_id, ts)
            return True
        log.warning("event %s: too many early edits wait already; letting it go", event_id)
        return False

    def on_reaction(*, removed: bool) -> Callable[[dict[str, Any]], None]:
        """A reaction added (an approval or rejection) or removed (an approval withdrawn)."""

        def listener(event: dict[str, Any]) -> None:
            item = event.get("item") or {}
            if item.get("type") != "message" or not event.get("user"):
                return
            (service.unreact if removed else service.react)(
                user=str(event["user"]),
                reaction=str(event.get("reaction", "")),
                channel=str(item.get("channel", "")),
                ts=str(item.get("ts", "")),
                # When it was made, in Slack's time: it counts only for the version then shown.
                made_ts=str(event.get("event_ts") or "") or None,
            )

        return listener

    def on_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        # Whether or not Slack sends a command's &, < and > as entities, the words are kept
        # as typed and escaped again on the way out, so a reason never pings and never shows
        # "&lt;".
        text = unescape(str(command.get("text") or ""))
        words = text.split()
        user = str(command.get("user_id", ""))
        verb = words[0].lower() if words else "help"
        if verb == "help":
            lines = [HELP_ALL] + ([HELP_ADMIN] if service.directory.is_admin(user) else [])
            ack(text="What you can do with Countersign:\n" + "\n".join(lines))
            return
        if verb in ADMIN_VERBS and not service.directory.is_admin(user):
            ack(text=f"Only admins can {ADMIN_VERBS[verb]} (`/countersign {verb}`).")
            return
        if verb in ("now", "takedown"):
            post_id = _post_id(words[1:])
            if post_id is None:
                ack(text=f"Usage: `/countersign {verb} <id>`, e.g. `/countersign {verb} 12`.")
                return
            ack(text=f"{'Publishing' if verb == 'now' else 'Taking down'} #{post_id} now…")
            context[LATER] = [verb, post_id]
            return
        if verb == "propose":
            ack()
            open_propose(str(command.get("trigger_id", "")))
            return
        if verb in ("pause", "resume"):
            if verb == "pause":
                reason = text.strip()[len("pause") :].strip()
                # The answer can quote the reason of a pause already on: escaped, as typed.
                ack(text=escape(service.pause(actor=user, reason=reason)))
                return
            if len(words) == 1:
                ack(text=service.resume(actor=user))
                return
            platform = words[1].lower() if len(words) == 2 else ""
            if platform not in PLATFORM_NAMES:
                ack(
                    text="Usage: `/countersign resume` (after a pause), or `/countersign resume "
                    "x|facebook` (a platform paused for its credentials)."
                )
                return
            resumed = delivery.resume(platform, actor=user)
            ack(
                text=f"{PLATFORM_NAMES[platform]} resumed."
                if resumed
                else f"{PLATFORM_NAMES[platform]} was not paused."
            )
            return
        if verb == "schedule":
            changed, said = run_schedule(
                words[1:],
                store,
                actor=user,
                now=clock(),
                zone=ZoneInfo(service.zone_name),
                platforms=service.platforms,
            )
            ack(text=escape(said))
            if changed:
                service.on_queue_changed()
            return
        if verb in ("queue", "blackout"):
            run = run_queue if verb == "queue" else run_blackout
            with service.slot_lock:  # moving a delivery picks a free slot, like an approval
                said = run(
                    words[1:],
                    service,
                    store,
                    actor=user,
                    now=clock(),
                    zone=ZoneInfo(service.zone_name),
                )
            # Plain words for the command line too: blackout reasons as typed, "<id>" in a
            # usage line. Escaped here, for Slack only.
            ack(text=escape(said))
            return
        if verb == "people":
            rest = text.strip()[len("people") :]
            try:
                answer = run_slack_text(
                    rest, store, secret_key, actor=user, clock=clock, today=service.today()
                )
            except UsageError as exc:
                ack(text=escape(str(exc)))  # it can quote what was typed
                return
            # Labels are typed by admins; "<id>" in a hint is words too.
            ack(text=escape(answer.text), blocks=_people_blocks(answer))
            return
        ack(text=f"Unknown command `{escape(verb)}`. Try `/countersign help`.")

    def on_command_later(command: dict[str, Any], context: BoltContext, respond: Respond) -> None:
        """What a command's answer promised: publishing or taking down, which takes a while."""
        if not context.get(LATER):
            return
        verb, post_id = context[LATER]
        act = delivery.publish_now if verb == "now" else delivery.takedown
        user = str(command.get("user_id", ""))
        respond(text=act(post_id, actor=user).message, response_type="ephemeral")

    def on_decision(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        """The admins' buttons: settle an unconfirmed delivery, or take a post down."""
        ack()
        user = _user(body)
        channel = str((body.get("channel") or {}).get("id", ""))
        if not service.directory.is_admin(user):
            service.notifier.tell(channel, user, "Only admins can decide this.")
            return
        try:
            target = int(str(action.get("value", "")))
        except ValueError:
            return
        action_id = action.get("action_id")
        if action_id == CONFIRM:
            outcome = delivery.confirm_published(target, actor=user)
        elif action_id == AGAIN:
            outcome = delivery.publish_again(target, actor=user)
        else:
            outcome = delivery.takedown(target, actor=user)
        respond(
            text=f"<@{user}>: {outcome.message}", response_type="in_channel", replace_original=False
        )

    def clicked_post(
        body: dict[str, Any], action: dict[str, Any]
    ) -> tuple[str, str, Post, str] | None:
        """Who clicked, where, on which post, and which version of it the button showed."""
        found = versioned(str(action.get("value", "")))
        if found is None:
            return None
        return _user(body), str((body.get("channel") or {}).get("id", "")), *found

    def versioned(value: str) -> tuple[Post, str] | None:
        """The post and content hash a button's value or a modal's metadata names."""
        target = _version(value)
        post = store.get_post(target[0]) if target else None
        return (post, target[1]) if post is not None and target is not None else None

    def on_review_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        """Approve / Reject… on the review card, bound to the version the card shows."""
        ack()
        clicked = clicked_post(body, action)
        if clicked is None:
            return
        user, channel, post, content = clicked
        if action.get("action_id") == APPROVE_ACTION:
            service.decide(post, user, Decision.APPROVE, channel=channel, content=content)
            return
        refusal = service.refusal(post, user, Decision.REJECT)
        if refusal or content != post.content_hash:
            service.notifier.tell(
                channel,
                user,
                refusal
                or f"{post.ref} was edited after that "
                "card was drawn; review the current version on the card.",
            )
            return
        _show(
            client.views_open, trigger_id=str(body.get("trigger_id") or ""), view=reject_modal(post)
        )

    def reject_form_errors(view: dict[str, Any]) -> dict[str, str]:
        if not str(_field(view, "reason", "text").get("value") or "").strip():
            return {"reason": "Say why, for the proposer."}
        return {}

    def on_reject_reason(body: dict[str, Any], view: dict[str, Any], context: BoltContext) -> None:
        if not context.get(ACCEPTED):
            return
        reason = str(_field(view, "reason", "text").get("value") or "").strip()
        found = versioned(str(view.get("private_metadata", "")))
        if found is None:
            return
        post, content = found
        service.decide(
            post,
            _user(body),
            Decision.REJECT,
            channel=post.card_channel or "",
            content=content,
            reason=reason,
        )

    def on_proposal_button(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        request: BoltRequest,
    ) -> None:
        """The proposer's buttons under the report: suggested wording, Edit, Withdraw."""
        ack()
        clicked = clicked_post(body, action)
        if clicked is None:
            return
        user, channel, post, content = clicked
        if user != post.proposer:
            service.notifier.tell(channel, user, f"Only the proposer of {post.ref} can do that.")
            return
        action_id = action.get("action_id")
        if action_id == WITHDRAW_ACTION:
            service.withdraw_post(post, user=user)
            return
        if content != post.content_hash:
            service.notifier.tell(
                channel,
                user,
                f"{post.ref} has changed since that report; use the buttons under the newest one.",
            )
            return
        if action_id == SUGGEST_ACTION:
            service.use_suggestions(post, user=user, made_ts=_sent_by_slack(request))
        else:
            _show(
                client.views_open,
                trigger_id=str(body.get("trigger_id") or ""),
                view=edit_modal(post),
            )

    def edit_form_errors(view: dict[str, Any]) -> dict[str, str]:
        if not str(_field(view, "text", "text").get("value") or "").strip():
            return {"text": "A post needs words."}
        return {}

    def on_edit_submitted(
        body: dict[str, Any], view: dict[str, Any], context: BoltContext, request: BoltRequest
    ) -> None:
        if not context.get(ACCEPTED):
            return
        text = str(_field(view, "text", "text").get("value") or "").strip()
        user = _user(body)
        found = versioned(str(view.get("private_metadata", "")))
        if found is None or user != found[0].proposer:
            return
        service.new_version(found[0], user=user, text=text, made_ts=_sent_by_slack(request))

    def on_home_opened(event: dict[str, Any]) -> None:
        if event.get("tab", "home") == "home" and event.get("user"):
            publish_home(app.client, str(event["user"]))

    def publish_home(client: WebClient, user: str) -> None:
        view = home_view(
            user,
            is_approver=service.directory.is_approver(user),
            is_admin=service.directory.is_admin(user),
            store=store,
            schedule=service.schedule,
            zone=ZoneInfo(service.zone_name),
            platforms=service.platforms,
            now=clock(),
        )
        client.views_publish(user_id=user, view=view)

    def on_resume_button(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        user = _user(body)
        platform = str(action.get("value", ""))
        if service.directory.is_admin(user) and platform in PLATFORM_NAMES:
            delivery.resume(platform, actor=user)
        publish_home(client, user)  # the Home tab does not refresh by itself

    def open_propose(trigger_id: str) -> None:
        _show(
            app.client.views_open,
            trigger_id=trigger_id,
            view=propose_modal(service.platforms, requested_times=service.requested_times),
        )

    def on_propose_shortcut(ack: Ack, shortcut: dict[str, Any]) -> None:
        ack()
        open_propose(str(shortcut.get("trigger_id", "")))

    def on_propose_typing(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        """The live hint: X's weighted count while the proposer types."""
        ack()
        view = body.get("view") or {}
        if not view.get("id"):
            return  # not typed in one of our modals: nothing to update
        # X gets its own words when there are some, otherwise the main ones.
        own = str(_field(view, "x_text", PROPOSE_X_TYPED).get("value") or "")
        main = str(_field(view, "text", PROPOSE_TYPED).get("value") or "")
        if action.get("action_id") == PROPOSE_X_TYPED:
            own = str(action.get("value") or "")
        else:
            main = str(action.get("value") or "")
        length = x_weighted_length(own if own.strip() else main)
        which = "its own words for X" if own.strip() else "this"
        hint = f"X counts {which} as {length}/280" + (" — too long for X." if length > 280 else ".")
        _show(
            client.views_update,
            view_id=view.get("id"),
            hash=view.get("hash"),
            view=propose_modal(
                service.platforms, hint=hint, requested_times=service.requested_times
            ),
        )

    def propose_form_errors(view: dict[str, Any]) -> dict[str, str]:
        form = ProposalForm.read(view)
        errors: dict[str, str] = {}
        if not form.text.strip() and not form.files:
            errors["text"] = "A post needs words or pictures."
        if not form.platforms:
            errors["platforms"] = "Choose at least one platform."
        if form.when == "at":
            if form.requested is None:
                errors["at"] = "Choose the date and time."
            elif form.requested <= clock():
                errors["at"] = "That time has passed; choose a later one."
        return errors

    def on_propose_submitted(
        body: dict[str, Any], view: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        if not context.get(ACCEPTED) or not proposals_channel:
            return
        form = ProposalForm.read(view)
        user = _user(body)
        # The form's words are plain text: escaped, so that "&" or "<!here>" typed there is
        # shown as typed rather than read as Slack markup (a ping to the whole channel).
        shown = "\n".join("> " + escape(line) for line in form.text.strip().splitlines())
        shown = shown or "> (pictures)"
        posted = client.chat_postMessage(
            channel=proposals_channel, text=f"Proposed by <@{user}>:\n{shown}"
        )
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

    def on_full_text(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        value = str(action.get("value", ""))
        # ASCII digits only: isdigit() also takes "²", which int() refuses.
        post = store.get_post(int(value)) if re.fullmatch(r"[0-9]{1,15}", value) else None
        if post is None:
            return
        user, channel = _user(body), str((body.get("channel") or {}).get("id", ""))
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
        _show(client.views_open, trigger_id=str(body.get("trigger_id") or ""), view=view)

    # Slack waits 3 seconds for an acknowledgement, whatever else the app is doing. Bolt runs
    # with process_before_response, so the first function of each entry below runs on the
    # request's own thread and answers Slack; the work behind it ("later") runs in the listener
    # pool. Only what must happen inside those 3 seconds runs first: a form's validation, a
    # command's answer, a modal opened with the click's trigger_id (which expires).
    events: dict[str, Callable[[dict[str, Any]], object]] = {
        "message": on_message,
        "reaction_added": on_reaction(removed=False),
        "reaction_removed": on_reaction(removed=True),
        "app_home_opened": on_home_opened,
    }
    quick: dict[str, Callable[..., None]] = {
        REJECT_ACTION: on_review_button,
        EDIT_ACTION: on_proposal_button,
        FULL_TEXT_ACTION: on_full_text,
    }
    later: dict[str, Callable[..., None]] = {
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
    views: dict[str, tuple[Callable[[dict[str, Any]], dict[str, str]], Callable[..., None]]] = {
        REJECT_VIEW: (reject_form_errors, on_reject_reason),
        EDIT_VIEW: (edit_form_errors, on_edit_submitted),
        PROPOSE_VIEW: (propose_form_errors, on_propose_submitted),
    }
    shortcuts: dict[str, Callable[..., None]] = {PROPOSE_SHORTCUT: on_propose_shortcut}

    def run_event(event_id: str, event: dict[str, Any]) -> None:
        if event.get("type") == "message":
            if on_message(event, event_id):
                return  # it waits for its message: finished when it runs, or is let go
        else:
            handler = events.get(str(event.get("type", "")))
            if handler is not None:
                handler(event)
        if event_id:
            store.event_done(event_id, clock())

    def let_go_of_early_edits() -> None:
        """Early edits whose message never came: finished without effect (the cost of waiting
        is bounded; the message, if it ever comes, is proposed as it then reads)."""
        for event_id in waiting.expired(clock()):
            log.warning("event %s: its message never came; it changes nothing", event_id)
            store.event_done(event_id, clock())

    def message_of(event: dict[str, Any]) -> tuple[str, str] | None:
        """The Slack message an event is about, for handling its events in order: a proposal
        (its edits, deletion and reactions too), or a review card's proposal."""
        kind = event.get("type")
        if kind == "message":
            inner = event.get("message") or event.get("previous_message") or {}
            subtype = event.get("subtype")
            ts = (
                inner.get("ts")
                if subtype == "message_changed"
                else (event.get("deleted_ts") or inner.get("ts"))
                if subtype == "message_deleted"
                else event.get("ts")
            )
            channel = event.get("channel")
        elif kind in ("reaction_added", "reaction_removed"):
            item = event.get("item") or {}
            channel, ts = item.get("channel"), item.get("ts")
            if channel and ts:
                return store.source_of(str(channel), str(ts)) or (str(channel), str(ts))
        else:
            return None
        return (str(channel), str(ts)) if channel and ts else None

    def event_later(body: dict[str, Any]) -> None:
        event = body.get("event")
        if isinstance(event, dict):
            run_event(str(body.get("event_id") or ""), event)

    logged_event = logged(event_later)

    def queue_event(ack: Ack, body: dict[str, Any]) -> None:
        # Events are most of the traffic: hand the body straight to the pool rather than as a
        # lazy listener, which deep-copies the whole request (its WebClient included) first.
        ack()
        let_go_of_early_edits()
        event = body.get("event")
        # Events about one message are handled one at a time, in the order they came.
        key = message_of(event) if isinstance(event, dict) else None
        lanes.submit(key, functools.partial(logged_event, body=body))

    def replay() -> int:
        """Finish the events acknowledged before a crash and never worked on; returns how many."""
        let_go_of_early_edits()
        finished = 0
        for event_id, raw in store.unfinished_events():
            try:
                event = json.loads(raw).get("event")
            except (ValueError, AttributeError):
                event = None
            if not isinstance(event, dict):
                store.event_done(event_id, clock())
                continue
            log.info("event %s: finishing it after a restart", event_id)
            try:
                run_event(event_id, event)
                finished += 1
            except Exception:
                log.exception("event %s: could not finish it; will try at the next start", event_id)
        return finished

    app.error(answer_despite_error)
    for name in events:
        app.event(name)(queue_event)
    app.command(COMMAND)(ack=on_command, lazy=[logged(on_command_later)])
    for name, listener in quick.items():
        app.action(name)(listener)
    for name, listener in later.items():
        app.action(name)(ack=acknowledge, lazy=[logged(listener)])
    for name, (errors, listener) in views.items():
        app.view(name)(ack=form_ack(errors), lazy=[logged(listener)])
    for name, listener in shortcuts.items():
        app.shortcut(name)(listener)
    return Registered(
        events=tuple(events),
        commands=(COMMAND,),
        actions=(*quick, *later, *views),
        shortcuts=tuple(shortcuts),
        replay=replay,
    )


def acknowledge(ack: Ack) -> None:
    ack()


def logged(work: Callable[..., None]) -> Callable[..., None]:
    """Work after the acknowledgement fails where nobody waits for it: keep its traceback
    (Bolt logs only the message). An event's work stays unfinished, for ``replay``."""

    @functools.wraps(work)  # Bolt reads the arguments to pass from the wrapped function
    def run(**kwargs: Any) -> None:
        try:
            work(**kwargs)
        except Exception:
            log.exception("%s failed after Slack was answered", work.__name__)

    return run


def answer_despite_error(
    error: Exception, request: BoltRequest, logger: logging.Logger
) -> BoltResponse:
    """A listener failed on the request's thread: log it, and give Slack the answer already
    made (or a plain one) — a 500 makes Slack retry an event or show the user a vague error.
    What nothing listens to (an event type or a button we do not know) is quietly
    acknowledged: Slack counts a 404 as a failure, retries it and warns the user."""
    if isinstance(error, BoltUnhandledRequestError):
        log.info("ignored a Slack request nothing here handles (%s)", _kind(request.body))
        return BoltResponse(status=200, body="")
    logger.error("a Slack listener failed: %r", error, exc_info=error)
    acked = request.context.ack.response if request.context.ack else None
    if acked is not None:
        return acked
    if request.body.get("event_id"):
        # Not recorded (the database failed before the answer): a 500 makes Slack send it
        # again, which is the only way it is not lost.
        return BoltResponse(status=500, body="")
    if request.body.get("command"):
        return BoltResponse(
            status=200, body="Countersign could not do that: an internal error, now in its log."
        )
    return BoltResponse(status=200, body="")


def form_ack(
    errors_of: Callable[[dict[str, Any]], dict[str, str]],
) -> Callable[[Ack, dict[str, Any], BoltContext], None]:
    """A modal's acknowledgement: its mistakes go back to the form; a good form is marked
    accepted for the work that follows."""

    def ack_form(ack: Ack, view: dict[str, Any], context: BoltContext) -> None:
        errors = errors_of(view)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        context[ACCEPTED] = True
        ack()

    return ack_form


def _kind(body: dict[str, Any]) -> str:
    event = body.get("event")
    if isinstance(event, dict):
        return f"event {str(event.get('type'))[:40]}"
    return str(body.get("type") or body.get("command") or "unknown")[:40]


def _instant(value: object) -> datetime | None:
    """A datetimepicker's Unix time; None when it is missing or not a time at all."""
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def _show(call: Callable[..., Any], **kwargs: Any) -> None:
    """Open or update a view. Slack refusing (an expired trigger, a modal closed while its words
    were typed, a view without an id) is for the person to try again, not a failure of the app."""
    try:
        call(**kwargs)
    except SlackClientError as exc:
        log.warning("Slack refused %s: %s", getattr(call, "__name__", "a view"), exc)


def _user(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def _field(view: dict[str, Any], block_id: str, action_id: str = "value") -> dict[str, Any]:
    """One input's state in a submitted modal (an empty dict when it is missing)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(block_id) if isinstance(values, dict) else None
    found = block.get(action_id) if isinstance(block, dict) else None
    return found if isinstance(found, dict) else {}


def _version(value: str) -> tuple[int, str] | None:
    """A button's "post_id:content_hash"."""
    post_id, _, content = value.partition(":")
    # ASCII digits, few enough for SQLite's INTEGER: isdigit() also takes "²" and "١", and
    # twenty nines overflow the query (found by the forms fuzz test).
    if not re.fullmatch(r"[0-9]{1,15}", post_id) or not content:
        return None
    return int(post_id), content


def _sent_by_slack(request: BoltRequest) -> str | None:
    """When Slack sent a form or a click, in Slack's time: a change made with it exists by then.
    The signed request timestamp counts whole seconds, so the next second is taken (a reaction
    in the same second is read as made before the change: refused, never wrongly counted).
    None over Socket Mode, which has no such header: our clock is used instead."""
    sent = (request.headers.get("x-slack-request-timestamp") or [""])[0]
    return f"{int(sent) + 1}.000000" if sent.isdigit() else None


def _latest(*times: object) -> str | None:
    """The latest of some Slack timestamps ("seconds.micro"), ignoring what is not one."""
    found: list[tuple[Decimal, str]] = []
    for ts in times:
        try:
            value = Decimal(str(ts))
        except ArithmeticError:
            continue
        if value.is_finite():
            found.append((value, str(ts)))
    return max(found)[1] if found else None


def _files(message: dict[str, Any]) -> list[dict[str, Any]]:
    return _objects(message, "files")


def _objects(container: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The objects in a list a payload holds under ``key`` (none when it holds anything else)."""
    found = container.get(key)
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []


def _file_ids(message: dict[str, Any]) -> list[str]:
    return [str(f.get("id")) for f in _files(message)]


def _is_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts")


def _post_id(words: list[str]) -> int | None:
    if len(words) != 1:
        return None
    m = re.fullmatch(r"#?(\d{1,9})", words[0])
    return int(m.group(1)) if m else None


def _people_blocks(answer: Answer) -> list[dict[str, Any]]:
    """Withdrawn consent comes with the published posts that name the person, to take down."""
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": escape(answer.text[:2900])[:3000]}}
    ]
    if answer.mentions:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": TAKEDOWN,
                        "style": "danger",
                        "text": {"type": "plain_text", "text": f"Take down #{post_id}"},
                        "value": str(post_id),
                    }
                    for post_id in answer.mentions[:25]
                ],
            }
        )
    return blocks
