"""`schedule …`: the same words on the command line and in Slack (`/countersign schedule …`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from bot.domain.posts import PLATFORM_NAMES, PLATFORMS, UNSCHEDULED, Delivery, DeliveryStatus
from bot.scheduling.slots import (
    Schedule,
    ScheduleError,
    Slot,
    next_free_slot,
    parse_moment,
    upcoming,
    weekly_slots,
)
from bot.services import Countersign
from bot.slack.home import weekly
from bot.storage import Store
from bot.storage.store import SlotTaken

USAGE = (
    "schedule · schedule add <x|facebook|all> <days> <HH:MM>[,HH:MM…] · schedule remove "
    "<x|facebook|all> <days> <HH:MM>[,HH:MM…] · schedule clear <x|facebook|all> — days like "
    "mon-fri, sat,sun, daily"
)


def current(store: Store) -> Schedule:
    return Schedule(tuple(store.slots() or ()))


def describe(
    schedule: Schedule, store: Store, zone: ZoneInfo, now: datetime, platforms: tuple[str, ...]
) -> str:
    lines = [f"The weekly schedule ({zone.key}):"]
    for platform in platforms:
        slots = schedule.for_platform(platform)
        name = PLATFORM_NAMES[platform]
        if not slots:
            lines.append(f"• {name}: no slots (approved posts wait for `/countersign now`)")
            continue
        taken = set(store.taken_slots(platform, now))
        free = []
        for instant in upcoming(slots, zone, now):
            if instant not in taken:
                free.append(instant.astimezone(zone).strftime("%a %d %b %H:%M"))
            if len(free) == 3:
                break
        lines.append(f"• {name}: {weekly(slots)} — next free: {', '.join(free)}")
    return "\n".join(lines)


def calendar(store: Store, platforms: tuple[str, ...], *, now: datetime) -> bytes:
    """An iCalendar feed of what is queued, for people who live in their calendar.

    Overdue deliveries are in it too: during a pause they are still waiting to go out, and a
    calendar that silently dropped them would tell the admins the queue is empty.
    """
    feed = icalendar.Calendar()
    feed.add("prodid", "-//Countersign//scheduled posts//EN")
    feed.add("version", "2.0")
    feed.add("x-wr-calname", "Countersign: scheduled posts")
    for platform in platforms:
        for d in store.queued(platform):
            if d.due_at is None or d.due_at == UNSCHEDULED:
                continue
            post = store.get_post(d.post_id)
            text = post.text if post else ""
            event = icalendar.Event()
            event.add("uid", f"delivery-{d.id}@countersign")
            event.add("dtstamp", now)
            event.add("dtstart", d.due_at)
            event.add("dtend", d.due_at + timedelta(minutes=15))
            event.add(
                "summary",
                f"#{d.post_id} on {PLATFORM_NAMES[platform]}: "
                f"{text[:60]}{'…' if len(text) > 60 else ''}",
            )
            event.add("description", text)
            feed.add_component(event)
    return bytes(feed.to_ical())


def run_schedule(
    words: list[str],
    store: Store,
    *,
    actor: str,
    now: datetime,
    zone: ZoneInfo,
    platforms: tuple[str, ...],
) -> tuple[bool, str]:
    """Carry out `schedule …` (the words after "schedule"); (changed, answer)."""
    if not words:
        return False, describe(current(store), store, zone, now, platforms)
    verb, rest = words[0].lower(), words[1:]
    try:
        if verb == "clear" and len(rest) == 1:
            targets = _platforms(rest[0], platforms)
            removed = sum(store.clear_slots(p, actor=actor, at=now) for p in targets)
            return True, f"Removed {removed} slot{'s' if removed != 1 else ''}."
        if verb in ("add", "remove") and len(rest) == 3:
            targets = _platforms(rest[0], platforms)
            slots: list[Slot] = []
            for platform in targets:
                slots += weekly_slots(platform, rest[1], rest[2].split(","))
            if verb == "add":
                added = store.add_slots(slots, actor=actor, at=now)
                return True, f"Added {added} slot{'s' if added != 1 else ''}.\n" + describe(
                    current(store), store, zone, now, platforms
                )
            removed = store.remove_slots(slots, actor=actor, at=now)
            return True, f"Removed {removed} slot{'s' if removed != 1 else ''}.\n" + describe(
                current(store), store, zone, now, platforms
            )
    except ScheduleError as exc:
        return False, f"{exc}. Usage: {USAGE}"
    return False, f"Usage: {USAGE}"


BLACKOUT_USAGE = (
    "blackout list · blackout add <from> <to> [reason] · blackout remove <id> — from and to "
    "as YYYY-MM-DD (whole days) or YYYY-MM-DDTHH:MM, in the organisation's time zone"
)


def run_blackout(
    words: list[str],
    service: Countersign,
    store: Store,
    *,
    actor: str,
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """`blackout …`: periods when nothing is published."""
    verb = words[0].lower() if words else "list"
    if verb == "list":
        found = store.blackouts(ending_after=now)
        if not found:
            return "No blackouts ahead."
        return "\n".join(
            f"• {b['id']}: {b['starts'].astimezone(zone):%a %d %b %Y %H:%M} → "
            f"{b['ends'].astimezone(zone):%a %d %b %Y %H:%M}"
            + (f" — {b['reason']}" if b["reason"] else "")
            for b in found
        )
    try:
        if verb == "add" and len(words) >= 3:
            starts = parse_moment(words[1], zone)
            ends = parse_moment(words[2], zone, end_of_day=True)
            return service.blackout(starts, ends, reason=" ".join(words[3:]), actor=actor)
        if verb == "remove" and len(words) == 2 and words[1].isdigit():
            if store.remove_blackout(int(words[1]), actor=actor, at=now):
                service.on_queue_changed()
                return f"Blackout {words[1]} removed."
            return f"There is no blackout {words[1]}."
    except ScheduleError as exc:
        return f"{exc}. Usage: {BLACKOUT_USAGE}"
    return f"Usage: {BLACKOUT_USAGE}"


QUEUE_USAGE = (
    "queue · queue front <id> · queue move <id> <YYYY-MM-DDTHH:MM> · queue unschedule <id>"
)


def run_queue(
    words: list[str],
    service: Countersign,
    store: Store,
    *,
    actor: str,
    now: datetime,
    zone: ZoneInfo,
) -> str:
    """`queue …`: what will be published when, and the admins' hand on it."""
    if not words:
        lines = []
        for platform in service.platforms:
            queued = store.queued_between(
                platform, datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)
            )
            lines.append(f"*{PLATFORM_NAMES[platform]}*" + ("" if queued else ": nothing queued"))
            for d in queued[:20]:
                when = (
                    "no slot — waits for `now`"
                    if d.due_at == UNSCHEDULED
                    else f"{d.due_at.astimezone(zone):%a %d %b %H:%M}"
                    if d.due_at
                    else "?"
                )
                lines.append(f"• #{d.post_id} — {when}")
            if len(queued) > 20:
                lines.append(f"…and {len(queued) - 20} more")
        return "\n".join(lines)
    verb, rest = words[0].lower(), words[1:]
    post_id = int(rest[0].lstrip("#")) if rest and rest[0].lstrip("#").isdigit() else None
    if verb not in ("front", "move", "unschedule") or post_id is None:
        return f"Usage: {QUEUE_USAGE}"
    if store.get_post(post_id) is None:
        return f"There is no post #{post_id}."
    queued = [d for d in store.deliveries_for(post_id) if d.status is DeliveryStatus.QUEUED]
    if not queued:
        return f"#{post_id} has nothing queued."
    try:
        if verb == "front" and len(rest) == 1:
            for d in queued:
                _to_front(service, store, d, actor=actor, now=now, zone=zone)
            service.on_queue_changed()
            return f"#{post_id} moved to the front of the queue."
        if verb == "move" and len(rest) == 2:
            target = parse_moment(rest[1], zone)
            if target <= now:
                return "That time has passed; choose a later one."
            for d in queued:
                holder = store.slot_holder(d.platform, target)
                if holder is not None and holder != post_id:
                    return _slot_taken(d.platform, target, holder, zone)
            try:
                for d in queued:
                    store.move_delivery(d.id, to=target, actor=actor, at=now)
            except SlotTaken as taken:  # booked by another process between the look and now
                return _slot_taken(taken.platform, taken.slot, taken.holder, zone)
            service.on_queue_changed()
            return f"#{post_id} will be published at {target.astimezone(zone):%a %d %b %H:%M}."
        if verb == "unschedule" and len(rest) == 1:
            for d in queued:
                store.move_delivery(d.id, to=UNSCHEDULED, actor=actor, at=now)
            service.on_queue_changed()
            return (
                f"#{post_id} is unscheduled: it waits for `/countersign now {post_id}` or "
                f"`/countersign queue move {post_id} <time>`."
            )
    except ScheduleError as exc:
        return f"{exc}. Usage: {QUEUE_USAGE}"
    return f"Usage: {QUEUE_USAGE}"


def _to_front(
    service: Countersign,
    store: Store,
    delivery: Delivery,
    *,
    actor: str,
    now: datetime,
    zone: ZoneInfo,
) -> None:
    """It takes the first queued time; everything that was ahead moves back one place."""
    line = [
        q
        for q in store.queued_between(delivery.platform, now, datetime.max.replace(tzinfo=UTC))
        if q.due_at is not None and q.due_at != UNSCHEDULED
    ]
    ahead = [
        q
        for q in line
        if q.id != delivery.id
        and q.due_at is not None
        and (delivery.due_at is None or q.due_at <= delivery.due_at)
    ]
    if not ahead:
        return  # already first
    times = [q.due_at for q in ahead]
    if delivery.due_at is not None and delivery.due_at != UNSCHEDULED:
        times.append(delivery.due_at)
    else:  # an unscheduled post joins the line: one more slot is needed at the end
        extra = next_free_slot(
            service.current_schedule().for_platform(delivery.platform),
            zone,
            now,
            store.taken_slots(delivery.platform, now),
            store.blackout_spans(ending_after=now),
        )
        times.append(extra or UNSCHEDULED)
    order = [delivery, *ahead]
    store.move_deliveries(
        [
            (moved.id, at)
            for moved, at in zip(order, times, strict=True)
            if moved.due_at != at and at is not None
        ],
        actor=actor,
        at=now,
    )


def _slot_taken(platform: str, slot: datetime, holder: int | None, zone: ZoneInfo) -> str:
    held = f"#{holder}" if holder is not None else "another post"
    return (
        f"That slot is taken: {held} goes out on {PLATFORM_NAMES[platform]} at "
        f"{slot.astimezone(zone):%a %d %b %H:%M}. One post per platform per slot: choose "
        "another time, or `queue front` to swap places."
    )


def _platforms(word: str, enabled: tuple[str, ...]) -> list[str]:
    if word.lower() == "all":
        return list(enabled)
    chosen = [p.strip().lower() for p in word.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PLATFORMS]
    if unknown or not chosen:
        raise ScheduleError(f'"{word}" is not a platform: use x, facebook or all')
    return chosen
