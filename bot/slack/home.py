"""The App Home: your proposals; for approvers, what waits for them; for admins, the queue, the
schedule, each platform's state and the controls."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.findings import Severity
from bot.domain.posts import PLATFORM_NAMES, UNSCHEDULED, DeliveryStatus, Post, PostStatus
from bot.scheduling.slots import DAYS, Schedule, Slot, next_free_slot
from bot.slack.blocks import (
    _STATUS,
    SECTION_LIMIT,
    Block,
    _context,
    _section,
    delivery_line,
    truncate,
    words_withheld,
)
from bot.slack.markup import escape
from bot.storage import Store
from bot.storage.queries import Proposal, Queued, proposals_by, queued, waiting_for

RESUME_PLATFORM = "resume_platform"
MAX_BLOCKS = 100
PROPOSALS_SHOWN = 10
WAITING_SHOWN = 10
QUEUE_SHOWN = 15
EXCERPT_LIMIT = 80
ERROR_LIMIT = 120
HELP = "`/countersign help` — what you can do"
ADMIN_COMMANDS = (
    "`/countersign now <id>` publish an approved post at once · `/countersign takedown <id>` "
    "delete a published post everywhere · `/countersign resume x|facebook` resume a paused "
    "platform · `/countersign people list|add|consent|remove …` the consent register"
)


def home_view(
    user: str,
    *,
    is_approver: bool,
    is_admin: bool,
    store: Store,
    schedule: Schedule,
    zone: ZoneInfo,
    platforms: tuple[str, ...],
    now: datetime,
) -> dict[str, Any]:
    """The Home tab as ``user`` sees it, for ``views.publish``."""
    blocks: list[Block] = [_header("Countersign")]
    paused = store.paused_reason()
    if paused:
        blocks.append(
            _section(
                f":double_vertical_bar: *All publishing is paused:* "
                f"{escape(paused)}. Nothing goes out until an admin resumes."
            )
        )
    blocks += _proposals(user, store, zone)
    if is_approver:
        blocks += _waiting(user, store)
    if is_admin:
        blocks += _queue(store, zone, platforms, now)
        blocks += _schedule(store, schedule, zone, platforms, now)
        blocks += _platforms(store, zone, platforms, now)
        blocks += _controls(store, platforms)
    blocks.append({"type": "divider"})
    blocks.append(_context(f"{HELP} · as of {_when(now, zone)} ({zone.key})"))
    if len(blocks) > MAX_BLOCKS:
        # Slack refuses the whole view past the limit; a shortened home beats an empty one.
        blocks = [*blocks[: MAX_BLOCKS - 1], blocks[-1]]
    return {"type": "home", "blocks": blocks}


# -- everyone --------------------------------------------------------------------------------


def _proposals(user: str, store: Store, zone: ZoneInfo) -> list[Block]:
    page = proposals_by(store, user, limit=PROPOSALS_SHOWN)
    blocks = [_header("Your proposals")]
    if not page.items:
        blocks.append(
            _context(
                "You have not proposed anything yet: write a top-level message in the proposals "
                "channel and Countersign checks it and sends it for review."
            )
        )
        return blocks
    blocks += [_section(_proposal_text(p, zone)) for p in page.items]
    if page.more:
        blocks.append(_context(f"…and {page.more} more, older."))
    return blocks


def _proposal_text(proposal: Proposal, zone: ZoneInfo) -> str:
    post = proposal.post
    # The card's status words minus its instructions to approvers, which the proposer can't use.
    status = _STATUS[post.status].split(" — ")[0]
    if post.status is PostStatus.BLOCKED:
        status += " — edit your message to fix it"
    if post.approvers and post.status in (PostStatus.IN_REVIEW, PostStatus.APPROVED):
        so_far = " so far" if post.status is PostStatus.IN_REVIEW else ""
        status += f" by {', '.join(f'<@{a}>' for a in post.approvers)}{so_far}"
    lines = [f"*{post.ref}* · {status}{_version(post)}", _excerpt(post.text)]
    lines += [
        delivery_line(d, zone)
        for d in proposal.deliveries
        if d.status is not DeliveryStatus.CANCELLED
    ]
    return "\n".join(lines)


# -- approvers -------------------------------------------------------------------------------


def _waiting(user: str, store: Store) -> list[Block]:
    page = waiting_for(store, user, limit=WAITING_SHOWN)
    blocks = [{"type": "divider"}, _header("Waiting for your review")]
    if not page.items:
        blocks.append(_context("Nothing waits for you."))
        return blocks
    blocks.append(
        _context(
            f"{page.total} post{_s(page.total)}, oldest first. Approve or reject each on its "
            "review card in the review channel."
        )
    )
    for post in page.items:
        warnings = sum(1 for f in post.findings if f.severity is Severity.WARN)
        counted = f"{warnings} warning{_s(warnings)}" if warnings else "no warnings"
        blocks.append(
            _section(
                f"*{post.ref}* from <@{post.proposer}> · {counted}{_version(post)}\n"
                # Blocked words stay in the proposer's thread (see blocks.words_withheld).
                f"{'(blocked by the checks)' if words_withheld(post) else _excerpt(post.text)}"
            )
        )
    if page.more:
        blocks.append(_context(f"…and {page.more} more waiting."))
    return blocks


# -- admins ----------------------------------------------------------------------------------


def _queue(store: Store, zone: ZoneInfo, platforms: tuple[str, ...], now: datetime) -> list[Block]:
    blocks = [{"type": "divider"}, _header("Queue")]
    for platform in platforms:
        page = queued(store, platform, limit=QUEUE_SHOWN)
        name = PLATFORM_NAMES[platform]
        if not page.items:
            blocks.append(_section(f"*{name}* · nothing queued"))
            continue
        lines = [f"*{name}* · {page.total} queued"]
        lines += [_queued_line(q, zone, now) for q in page.items]
        if page.more:
            lines.append(f"…and {page.more} more")
        blocks += _sections(lines)
    return blocks


def _queued_line(item: Queued, zone: ZoneInfo, now: datetime) -> str:
    d = item.delivery
    ref = f"*#{d.post_id}*"
    if d.due_at == UNSCHEDULED:
        when = f"no free slot (`/countersign now {d.post_id}`)"
    elif d.due_at is not None and d.due_at <= now:
        when = f"{_when(d.due_at, zone)} (overdue)"
    else:
        when = _when(d.due_at, zone)
    line = f"• {when} · {ref} {_excerpt(item.text)}"
    if d.last_error:
        line += f" · retrying after: {escape(truncate(d.last_error, ERROR_LIMIT))}"
    return line


def _schedule(
    store: Store,
    schedule: Schedule,
    zone: ZoneInfo,
    platforms: tuple[str, ...],
    now: datetime,
) -> list[Block]:
    lines = []
    for platform in platforms:
        slots = schedule.for_platform(platform)
        name = PLATFORM_NAMES[platform]
        if not slots:
            lines.append(
                f"*{name}*: no slots — approved posts wait for `/countersign now {escape('<id>')}`"
            )
            continue
        free = next_free_slot(slots, zone, now, store.taken_slots(platform, now))
        after = f" · next free slot {_when(free, zone)}" if free else ""
        lines.append(f"*{name}*: {weekly(slots)}{after}")
    return [
        {"type": "divider"},
        _header("Schedule"),
        *_sections(lines),
        _context(f"Times of day in {zone.key}; one post per platform per slot."),
    ]


def weekly(slots: Iterable[Slot]) -> str:
    """'Mon–Fri 09:30, 12:30; Sat–Sun 11:00': days sharing the same times are named together."""
    by_day: dict[int, set[time]] = {}
    for slot in slots:
        by_day.setdefault(slot.weekday, set()).add(slot.at)
    groups: dict[tuple[time, ...], list[int]] = {}
    for day in sorted(by_day):
        groups.setdefault(tuple(sorted(by_day[day])), []).append(day)
    return "; ".join(
        f"{_days(days)} {', '.join(t.strftime('%H:%M') for t in times)}"
        for times, days in groups.items()
    )


def _days(days: list[int]) -> str:
    if len(days) == len(DAYS):
        return "Every day"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    names = [DAYS[d].capitalize() for d in range(len(DAYS))]
    return ", ".join(
        names[run[0]] if len(run) == 1 else f"{names[run[0]]}–{names[run[-1]]}" for run in runs
    )


def _platforms(
    store: Store, zone: ZoneInfo, platforms: tuple[str, ...], now: datetime
) -> list[Block]:
    lines = []
    for platform in platforms:
        state = store.platform_state(platform)
        name = PLATFORM_NAMES[platform]
        hold = state["hold_until"]
        if state["paused_reason"] and state["paused_kind"] == "account":
            reason = escape(truncate(str(state["paused_reason"]), ERROR_LIMIT))
            lines.append(
                f":double_vertical_bar: *{name}*: paused — it refuses posts from this account "
                f"({reason}). Its queue is kept; fix the account on {name}, then resume it."
            )
        elif state["paused_reason"]:
            reason = escape(truncate(str(state["paused_reason"]), ERROR_LIMIT))
            lines.append(
                f":double_vertical_bar: *{name}*: paused — it rejected Countersign's credentials "
                f"({reason}). Its queue is kept; renew the tokens, then resume it. Countersign "
                "also retries by itself."
            )
        elif hold is not None and hold > now:
            lines.append(f":hourglass: *{name}*: rate-limited until {_until(hold, zone, now)}")
        else:
            lines.append(f":large_green_circle: *{name}*: publishing")
    return [{"type": "divider"}, _header("Platforms"), *_sections(lines)]


def _controls(store: Store, platforms: tuple[str, ...]) -> list[Block]:
    blocks: list[Block] = [{"type": "divider"}, _header("Controls")]
    # One actions block per button: an action_id must be unique within its block, and every
    # button carries the same one so that a single listener handles them all.
    for platform in platforms:
        if store.platform_state(platform)["paused_reason"]:
            blocks.append(
                {
                    "type": "actions",
                    "block_id": f"{RESUME_PLATFORM}_{platform}",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": RESUME_PLATFORM,
                            "text": {
                                "type": "plain_text",
                                "text": f"Resume {PLATFORM_NAMES[platform]}",
                            },
                            "style": "primary",
                            "value": platform,
                        }
                    ],
                }
            )
    blocks.append(_context(escape(ADMIN_COMMANDS)))  # "<id>" is words, not a link
    return blocks


# -- shared ----------------------------------------------------------------------------------


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": text}}


def _sections(lines: list[str]) -> list[Block]:
    """Lines packed into as few sections as Slack's text limit allows, never split mid-line."""
    blocks, chunk = [], ""
    for line in lines:
        if chunk and len(chunk) + len(line) + 1 > SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = ""
        chunk = f"{chunk}\n{line}" if chunk else line
    if chunk:
        blocks.append(_section(chunk))
    return blocks


def _excerpt(text: str) -> str:
    # Truncated before escaping so that an entity is never cut in half; one line, so a
    # newline in the post cannot break the list apart.
    return f"“{escape(truncate(' '.join(text.split()), EXCERPT_LIMIT))}”"


def _version(post: Post) -> str:
    return f" · version {post.version}" if post.version > 1 else ""


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %d %b %H:%M") if moment else "?"


def _until(moment: datetime, zone: ZoneInfo, now: datetime) -> str:
    local = moment.astimezone(zone)
    same_day = local.date() == now.astimezone(zone).date()
    return local.strftime("%H:%M") if same_day else local.strftime("%a %d %b %H:%M")


def _s(count: int) -> str:
    return "" if count == 1 else "s"
