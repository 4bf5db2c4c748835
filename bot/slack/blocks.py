"""Block Kit for the thread report and the review card (plain dicts, Slack's limits kept)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.checks.platform_fit import x_weighted_length
from bot.domain.findings import Finding, Severity, Verdict, verdict
from bot.domain.posts import PLATFORM_NAMES, UNSCHEDULED, Delivery, DeliveryStatus, Post, PostStatus
from bot.domain.rewrite import has_suggestions
from bot.media import file_name_where
from bot.slack.markup import Mrkdwn, escape

SECTION_LIMIT = 3000
MAX_FINDINGS_SHOWN = 20
_ICON = {
    Severity.BLOCK: ":no_entry:",
    Severity.WARN: ":warning:",
    Severity.INFO: ":information_source:",
}
_VERDICT = {
    Verdict.PASS: ":large_green_circle: Checks passed",
    Verdict.WARN: (
        ":large_yellow_circle: Checks passed with warnings — read them before approving"
    ),
    Verdict.BLOCK: ":red_circle: Blocked by the checks",
}
_STATUS = {
    PostStatus.IN_REVIEW: (
        ":hourglass_flowing_sand: Waiting for an approver — react :white_check_mark: to "
        "approve or :x: to reject"
    ),
    PostStatus.BLOCKED: ":red_circle: Blocked by the checks — the proposer must edit it",
    PostStatus.APPROVED: ":white_check_mark: Approved",
    PostStatus.REJECTED: ":x: Rejected",
    PostStatus.WITHDRAWN: ":wastebasket: Withdrawn by the proposer",
    PostStatus.TAKEN_DOWN: ":no_entry: Taken down by an admin — the proposer can edit it",
}
Block = dict[str, Any]
APPROVE_ACTION = "review_approve"
REJECT_ACTION = "review_reject"
REJECT_VIEW = "review_reject_reason"
SUGGEST_ACTION = "proposal_use_suggestions"
EDIT_ACTION = "proposal_edit"
WITHDRAW_ACTION = "proposal_withdraw"
EDIT_VIEW = "proposal_edit_text"
PROPOSE_VIEW = "proposal_new"
PROPOSE_SHORTCUT = "countersign_propose"
PROPOSE_TYPED = "proposal_text_typed"
PROPOSE_X_TYPED = "proposal_x_text_typed"
FULL_TEXT_ACTION = "card_full_text"


def truncate(text: str, limit: int = SECTION_LIMIT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


_USER_MENTION = re.compile(r"&lt;@([UW][A-Z0-9]{2,20})&gt;")


def _quote(text: str) -> str:
    quoted = "\n".join("> " + line for line in escape(text).splitlines())
    return truncate(quoted, SECTION_LIMIT - 50)


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text)}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": truncate(text)}]}


def finding_line(
    finding: Finding, *, show_excerpt: bool, withheld: Mapping[str, str] | None = None
) -> str:
    """``withheld``: file names not to show, each with what to say instead."""

    def shown(text: str) -> str:
        for name, instead in (withheld or {}).items():
            text = text.replace(name, instead)
        return escape(text)

    where = f" on {PLATFORM_NAMES[finding.platform]}" if finding.platform else ""
    excerpt = f" “{shown(finding.excerpt)}”" if show_excerpt and finding.excerpt else ""
    line = (
        f"{_ICON[finding.severity]} *{finding.rule.replace('_', ' ')}*{where}:{excerpt} — "
        f"{shown(finding.message)}"
    )
    if finding.suggestion:
        line += f"\n      _{shown(finding.suggestion)}_"
    return line


def _findings(
    findings: tuple[Finding, ...],
    *,
    show_excerpts: bool,
    withheld: Mapping[str, str] | None = None,
) -> list[Block]:
    if not findings:
        return []
    shown = findings[:MAX_FINDINGS_SHOWN]
    lines = [
        finding_line(
            f, show_excerpt=show_excerpts or f.check != "confidentiality", withheld=withheld
        )
        for f in shown
    ]
    if len(findings) > len(shown):
        lines.append(f"…and {len(findings) - len(shown)} more.")
    blocks, chunk = [], ""
    for line in lines:
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    blocks.append(_section(chunk))
    return blocks


def report_text(post: Post) -> str:
    return f"{post.ref}: {_VERDICT[verdict(list(post.findings))].split(' ', 1)[1]}"


def report_blocks(post: Post, review_channel: str | None) -> list[Block]:
    """The report in the proposal's thread, where the text was written: excerpts are fine here."""
    result = verdict(list(post.findings))
    blocks: list[Block] = [_section(f"*{post.ref}* · {_VERDICT[result]}")]
    blocks += _findings(post.findings, show_excerpts=True)
    if result is Verdict.BLOCK:
        blocks.append(_context("Edit your message to fix it; the checks run again on every edit."))
    elif review_channel:
        blocks.append(
            _context(
                f"Sent for review in <#{review_channel}>. An approver other than "
                "you will approve or reject it."
            )
        )
    value = f"{post.id}:{post.content_hash}"
    buttons: list[Block] = []
    if has_suggestions(post.findings):
        buttons.append(
            {
                "type": "button",
                "action_id": SUGGEST_ACTION,
                "style": "primary",
                "text": {"type": "plain_text", "text": "Use suggested wording"},
                "value": value,
            }
        )
    buttons.append(
        {
            "type": "button",
            "action_id": EDIT_ACTION,
            "text": {"type": "plain_text", "text": "Edit"},
            "value": value,
        }
    )
    buttons.append(
        {
            "type": "button",
            "action_id": WITHDRAW_ACTION,
            "text": {"type": "plain_text", "text": "Withdraw"},
            "value": value,
            "confirm": {
                "title": {"type": "plain_text", "text": f"Withdraw {post.ref}?"},
                "text": {"type": "plain_text", "text": "It will not be reviewed or published."},
                "confirm": {"type": "plain_text", "text": "Withdraw"},
                "deny": {"type": "plain_text", "text": "Keep it"},
            },
        }
    )
    blocks.append({"type": "actions", "block_id": "proposal", "elements": buttons})
    return blocks


def edit_modal(post: Post) -> dict[str, Any]:
    """The proposer's own edit: the checks run again and any approval is void."""
    return {
        "type": "modal",
        "callback_id": EDIT_VIEW,
        "private_metadata": f"{post.id}:{post.content_hash}",
        "title": {"type": "plain_text", "text": f"Edit {post.ref}"},
        "submit": {"type": "plain_text", "text": "Check and save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "label": {"type": "plain_text", "text": "The post"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "initial_value": post.text[:3000],
                    "max_length": 3000,
                },
            },
        ],
    }


def card_text(post: Post) -> str:
    return f"{post.ref} from <@{post.proposer}>: {_STATUS[post.status].split(' — ')[0]}"


def words_withheld(post: Post) -> bool:
    """True when the checks block the post's newest version: its words, pictures' names and
    descriptions, and what the checks saw stay in the proposer's thread, where they were
    written. Whatever its state since (withdrawn, rejected), the words are still those."""
    return verdict(list(post.findings)) is Verdict.BLOCK


def card_blocks(
    post: Post, deliveries: list[Delivery], zone: ZoneInfo, *, paused: str | None = None
) -> list[Block]:
    """The review card: what exactly would go out, where, what the checks said, and its state."""
    if words_withheld(post):
        return _withheld_card(post, deliveries, zone)
    platforms = []
    for platform in post.platforms:
        label = PLATFORM_NAMES[platform]
        if platform == "x":
            label += f" ({x_weighted_length(post.text_for('x'))}/280)"
        platforms.append(label)
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text", "text": f"{post.ref} for review"}},
        _section(_quote(post.text)),
        *_show_all(post),
        *[
            _section(f"*Its own words on {PLATFORM_NAMES[p]}:*\n{_quote(words)}")
            for p, words in sorted(post.variants.items())
        ],
        _context(
            f"Proposed by <@{post.proposer}> · to {', '.join(platforms)} · "
            f"version {post.version} · content `{post.content_hash[:12]}`"
        ),
    ]
    if post.requested_at is not None:
        blocks.append(_context(f":alarm_clock: Requested for {_local(post.requested_at, zone)}"))
    withheld = withheld_file_names(post)
    if post.images:
        # The descriptions are published with the pictures: the approvers see them too.
        names = ", ".join(
            withheld.get(a.name, escape(a.name))
            + (f" — described as “{escape(a.alt_text)}”" if a.alt_text else "")
            for a in post.images
        )
        blocks.append(
            _context(
                f":frame_with_picture: {len(post.images)} image"
                f"{'s' if len(post.images) != 1 else ''}: {names} (location and camera data "
                "removed before publishing)"
                + (
                    "; a file name the checks flagged is not shown here, its proposer was told"
                    if withheld
                    else ""
                )
            )
        )
    if post.findings:
        blocks += _findings(post.findings, show_excerpts=False, withheld=withheld)
    blocks.append({"type": "divider"})
    blocks.append(_section(state_line(post, deliveries, zone)))
    if paused and any(d.status is DeliveryStatus.QUEUED for d in deliveries):
        blocks.append(_context(f":double_vertical_bar: Publishing is paused: {escape(paused)}"))
    if post.status is PostStatus.IN_REVIEW:
        # The value names the version: a click on a card drawn before an edit approves nothing.
        value = f"{post.id}:{post.content_hash}"
        blocks.append(
            {
                "type": "actions",
                "block_id": "review",
                "elements": [
                    {
                        "type": "button",
                        "action_id": APPROVE_ACTION,
                        "style": "primary",
                        "text": {"type": "plain_text", "text": "Approve"},
                        "value": value,
                    },
                    {
                        "type": "button",
                        "action_id": REJECT_ACTION,
                        "style": "danger",
                        "text": {"type": "plain_text", "text": "Reject…"},
                        "value": value,
                    },
                ],
            }
        )
    return blocks


def withheld_file_names(post: Post) -> dict[str, str]:
    """Pictures' file names the checks said anything about, each with what the card shows
    instead ("picture 2"). A file name is never published, but on the card the whole review
    channel reads it: it is shown only when the checks found nothing in it."""
    withheld: dict[str, str] = {}
    for number, attachment in enumerate(post.images, start=1):
        said = f"in {file_name_where(number)}:"
        if any(f.message.startswith(said) for f in post.findings):
            withheld[attachment.name] = f"picture {number}"
    return withheld


def _withheld_card(post: Post, deliveries: list[Delivery], zone: ZoneInfo) -> list[Block]:
    """A blocked version on the review card: that it is blocked, by which rules, and where the
    proposer was told — none of its words, which would put what the checks caught in front of
    the whole review channel."""
    rules = ", ".join(
        dict.fromkeys(
            f.rule.replace("_", " ") for f in post.findings if f.severity is Severity.BLOCK
        )
    )
    return [
        {"type": "header", "text": {"type": "plain_text", "text": f"{post.ref} is blocked"}},
        _section(
            f":red_circle: *Version {post.version} of {post.ref} is blocked by the checks* "
            f"({rules}). Its words are not shown here: <@{post.proposer}> was told what the "
            f"checks found in the thread of their message in <#{post.source_channel}>. When "
            "an edit passes the checks, it comes back here for review."
        ),
        _context(
            f"Proposed by <@{post.proposer}> · to "
            f"{', '.join(PLATFORM_NAMES[p] for p in post.platforms)} · version {post.version}"
        ),
        {"type": "divider"},
        _section(state_line(post, deliveries, zone)),
    ]


def _show_all(post: Post) -> list[Block]:
    """A long post is previewed on the card; the whole text is one click away."""
    if len(_quote(post.text)) < SECTION_LIMIT - 51:
        return []
    return [
        {
            "type": "actions",
            "block_id": "full_text",
            "elements": [
                {
                    "type": "button",
                    "action_id": FULL_TEXT_ACTION,
                    "text": {"type": "plain_text", "text": "Show the whole post"},
                    "value": str(post.id),
                }
            ],
        }
    ]


def full_text_modal(post: Post) -> dict[str, Any]:
    """The whole post, in as many sections as it takes (a modal holds 100 blocks)."""
    escaped = escape(post.text)
    step = SECTION_LIMIT - 100
    chunks = [escaped[i : i + step] for i in range(0, len(escaped), step)][:99] or [" "]
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": f"{post.ref} in full"},
        "close": {"type": "plain_text", "text": "Close"},
        "blocks": [_section(chunk) for chunk in chunks],
    }


def reject_modal(post: Post) -> dict[str, Any]:
    """Asks the approver why: the reason goes to the proposer in the thread."""
    return {
        "type": "modal",
        "callback_id": REJECT_VIEW,
        "private_metadata": f"{post.id}:{post.content_hash}",
        "title": {"type": "plain_text", "text": f"Reject {post.ref}"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            _section(_quote(truncate(post.text, 500))),
            {
                "type": "input",
                "block_id": "reason",
                "label": {"type": "plain_text", "text": "Why? The proposer will see this."},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "text",
                    "multiline": True,
                    "max_length": 1000,
                },
            },
        ],
    }


def state_line(post: Post, deliveries: list[Delivery], zone: ZoneInfo) -> str:
    lines = [_STATUS[post.status]]
    if post.approvers and post.status is PostStatus.APPROVED:
        lines[0] += " by " + ", ".join(f"<@{a}>" for a in post.approvers)
    for d in deliveries:
        if d.status is DeliveryStatus.CANCELLED:
            continue
        lines.append(delivery_line(d, zone))
    return "\n".join(lines)


def delivery_line(d: Delivery, zone: ZoneInfo) -> str:
    name = PLATFORM_NAMES[d.platform]
    if d.status is DeliveryStatus.QUEUED and d.due_at == UNSCHEDULED:
        return f":calendar: {name}: no free slot in the schedule — an admin can publish it now"
    if d.status is DeliveryStatus.QUEUED and d.last_error:
        return f":repeat: {name}: will try again {_local(d.due_at, zone)} — {escape(d.last_error)}"
    if d.status is DeliveryStatus.QUEUED:
        return f":calendar: {name}: scheduled for {_local(d.due_at, zone)}"
    if d.status is DeliveryStatus.TAKEN_DOWN:
        return f":wastebasket: {name}: taken down"
    if d.status is DeliveryStatus.PUBLISHING:
        return f":arrows_counterclockwise: {name}: publishing…"
    if d.status is DeliveryStatus.PUBLISHED:
        link = f"<{d.url}|link>" if d.url and d.url.startswith("http") else f"`{d.url}`"
        return f":rocket: {name}: published {_local(d.published_at, zone)} — {link}"
    if d.status is DeliveryStatus.FAILED:
        return f":warning: {name}: failed — {escape(d.last_error or 'no reason given')}"
    if d.status is DeliveryStatus.UNCONFIRMED:
        return (
            f":grey_question: {name}: unconfirmed — {escape(d.last_error or '')} "
            "An admin must check the account."
        )
    return f"{name}: {d.status.value}"


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z") if moment else "?"


def alert_markup(text: str) -> str:
    """An alert's text as Slack shows it, in its blocks and its fallback alike. Mrkdwn is
    used as it is (its writer escaped the words people typed: a reason); anything else is
    escaped (a platform's error message could say <!channel>), except the people it names."""
    return text if isinstance(text, Mrkdwn) else _USER_MENTION.sub(r"<@\1>", escape(text))


def alert_blocks(
    text: str, actions: list[tuple[str, str, str]], *, mention: str = ""
) -> list[Block]:
    """An alert for the admins, with buttons when a decision is theirs to make."""
    shown = alert_markup(text)
    blocks: list[Block] = [
        _section(f":rotating_light: {shown}" + (f"\n{mention}" if mention else ""))
    ]
    if actions:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": action_id,
                        "text": {"type": "plain_text", "text": label},
                        "value": value,
                    }
                    for action_id, label, value in actions
                ],
            }
        )
    return blocks


def propose_modal(
    platforms: tuple[str, ...], *, hint: str = "", requested_times: bool = True
) -> dict[str, Any]:
    """`/countersign propose`: the words, where they go, when, and pictures."""
    options = [
        {"text": {"type": "plain_text", "text": PLATFORM_NAMES[p]}, "value": p} for p in platforms
    ]
    when = [
        {"text": {"type": "plain_text", "text": "The next free slot"}, "value": "slot"},
        {"text": {"type": "plain_text", "text": "A date and time I choose"}, "value": "at"},
    ]
    timing: list[Block] = (
        [
            {
                "type": "input",
                "block_id": "when",
                "label": {"type": "plain_text", "text": "When"},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": when,
                    "initial_option": when[0],
                },
            },
            {
                "type": "input",
                "block_id": "at",
                "optional": True,
                "label": {"type": "plain_text", "text": "Date and time (if you chose one)"},
                "element": {"type": "datetimepicker", "action_id": "value"},
            },
        ]
        if requested_times
        else []
    )
    return {
        "type": "modal",
        "callback_id": PROPOSE_VIEW,
        "title": {"type": "plain_text", "text": "Propose a post"},
        "submit": {"type": "plain_text", "text": "Check and propose"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {
                "type": "input",
                "block_id": "text",
                "dispatch_action": True,
                "label": {"type": "plain_text", "text": "The post"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": PROPOSE_TYPED,
                    "multiline": True,
                    "max_length": 3000,
                    "dispatch_action_config": {"trigger_actions_on": ["on_character_entered"]},
                },
                "hint": {"type": "plain_text", "text": hint or "X counts up to 280."},
            },
            {
                "type": "input",
                "block_id": "platforms",
                "label": {"type": "plain_text", "text": "Where"},
                "element": {
                    "type": "checkboxes",
                    "action_id": "value",
                    "options": options,
                    "initial_options": options,
                },
            },
            *timing,
            *(
                [
                    {
                        "type": "input",
                        "block_id": "x_text",
                        "optional": True,
                        "dispatch_action": True,
                        "label": {"type": "plain_text", "text": "Its own words for X (optional)"},
                        "element": {
                            "type": "plain_text_input",
                            "action_id": PROPOSE_X_TYPED,
                            "multiline": True,
                            "max_length": 1000,
                            "dispatch_action_config": {
                                "trigger_actions_on": ["on_character_entered"]
                            },
                        },
                        "hint": {
                            "type": "plain_text",
                            "text": "Leave empty to post the same words everywhere.",
                        },
                    }
                ]
                if "x" in platforms and len(platforms) > 1
                else []
            ),
            {
                "type": "input",
                "block_id": "images",
                "optional": True,
                "label": {"type": "plain_text", "text": "Pictures"},
                "element": {
                    "type": "file_input",
                    "action_id": "value",
                    "filetypes": ["jpg", "jpeg", "png", "gif", "webp"],
                    "max_files": 10,
                },
            },
            {
                "type": "input",
                "block_id": "alt",
                "optional": True,
                "label": {"type": "plain_text", "text": "Describe each picture (alt text)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": 3000,
                },
                "hint": {
                    "type": "plain_text",
                    "text": "One line per picture, in order: read "
                    "aloud to people who cannot see it.",
                },
            },
        ],
    }
