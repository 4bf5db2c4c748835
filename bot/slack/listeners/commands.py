"""The slash command: `/countersign <verb> …`, answered within Slack's 3 seconds; publishing
and taking down (which take longer) answered afterwards."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App, BoltContext, Respond

from bot.app.delivery import TAKEDOWN
from bot.domain.posts import PLATFORM_NAMES
from bot.people_commands import Answer, UsageError, run_slack_text
from bot.schedule_commands import run_blackout, run_queue, run_schedule
from bot.slack.listeners.deps import ListenerDeps
from bot.slack.listeners.running import LATER, bind, logged
from bot.slack.listeners.shortcuts import open_propose
from bot.slack.markup import escape, unescape

COMMAND = "/countersign"
COMMANDS = (COMMAND,)

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


def register(app: App, deps: ListenerDeps) -> None:
    app.command(COMMAND)(ack=bind(on_command, deps), lazy=[logged(bind(on_command_later, deps))])


def on_command(deps: ListenerDeps, ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
    service, delivery, store, clock = deps.service, deps.delivery, deps.store, deps.clock
    # Whether or not Slack sends a command's &, < and > as entities, the words are kept
    # as typed and escaped again on the way out, so a reason never pings and never shows
    # "&lt;".
    text = unescape(str(command.get("text") or ""))
    words = text.split()
    user = str(command.get("user_id", ""))
    verb = words[0].lower() if words else "help"
    if verb == "help":
        lines = [HELP_ALL] + ([HELP_ADMIN] if service.directory.is_admin(user) else [])
        # "<id>" and "<from>" are words here: unescaped, Slack reads them as links and shows
        # nothing of them.
        ack(text=escape("What you can do with Countersign:\n" + "\n".join(lines)))
        return
    if verb in ADMIN_VERBS and not service.directory.is_admin(user):
        ack(text=f"Only admins can {ADMIN_VERBS[verb]} (`/countersign {verb}`).")
        return
    if verb in ("now", "takedown"):
        post_id = _post_id(words[1:])
        if post_id is None:
            ack(text=escape(f"Usage: `/countersign {verb} <id>`, e.g. `/countersign {verb} 12`."))
            return
        ack(text=f"{'Publishing' if verb == 'now' else 'Taking down'} #{post_id} now…")
        context[LATER] = [verb, post_id]
        return
    if verb == "propose":
        ack()
        open_propose(deps, str(command.get("trigger_id", "")))
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
                rest, store, deps.secret_key, actor=user, clock=clock, today=service.today()
            )
        except UsageError as exc:
            ack(text=escape(str(exc)))  # it can quote what was typed
            return
        # Labels are typed by admins; "<id>" in a hint is words too.
        ack(text=escape(answer.text), blocks=_people_blocks(answer))
        return
    ack(text=f"Unknown command `{escape(verb)}`. Try `/countersign help`.")


def on_command_later(
    deps: ListenerDeps, command: dict[str, Any], context: BoltContext, respond: Respond
) -> None:
    """What a command's answer promised: publishing or taking down, which takes a while."""
    if not context.get(LATER):
        return
    verb, post_id = context[LATER]
    act = deps.delivery.publish_now if verb == "now" else deps.delivery.takedown
    user = str(command.get("user_id", ""))
    respond(text=act(post_id, actor=user).message, response_type="ephemeral")


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
