"""Reading what Slack sent: payload fields, modal forms, button values, Slack's timestamps."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from slack_bolt import BoltRequest

from bot.domain.posts import Post
from bot.slack.blocks import PROPOSE_TYPED, PROPOSE_X_TYPED
from bot.storage import Store


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
        at_raw = field(view, "at").get("selected_date_time")
        when = field(view, "when").get("selected_option")
        return cls(
            text=str(field(view, "text", PROPOSE_TYPED).get("value") or ""),
            platforms=[
                str(o.get("value")) for o in objects(field(view, "platforms"), "selected_options")
            ],
            when=str(when.get("value", "slot")) if isinstance(when, dict) else "slot",
            requested=instant(at_raw),
            files=objects(field(view, "images"), "files"),
            x_text=str(field(view, "x_text", PROPOSE_X_TYPED).get("value") or ""),
            alt_texts=str(field(view, "alt").get("value") or "").splitlines(),
        )


def field(view: dict[str, Any], block_id: str, action_id: str = "value") -> dict[str, Any]:
    """One input's state in a submitted modal (an empty dict when it is missing)."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    block = values.get(block_id) if isinstance(values, dict) else None
    found = block.get(action_id) if isinstance(block, dict) else None
    return found if isinstance(found, dict) else {}


def objects(container: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The objects in a list a payload holds under ``key`` (none when it holds anything else)."""
    found = container.get(key)
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []


def instant(value: object) -> datetime | None:
    """A datetimepicker's Unix time; None when it is missing or not a time at all."""
    try:
        return datetime.fromtimestamp(int(str(value)), UTC)
    except (ValueError, OverflowError, OSError):
        return None


def user_of(body: dict[str, Any]) -> str:
    return str((body.get("user") or {}).get("id", ""))


def channel_of(body: dict[str, Any]) -> str:
    return str((body.get("channel") or {}).get("id", ""))


def version(value: str) -> tuple[int, str] | None:
    """A button's "post_id:content_hash"."""
    post_id, _, content = value.partition(":")
    # ASCII digits, few enough for SQLite's INTEGER: isdigit() also takes "²" and "١", and
    # twenty nines overflow the query (found by the forms fuzz test).
    if not re.fullmatch(r"[0-9]{1,15}", post_id) or not content:
        return None
    return int(post_id), content


def versioned(store: Store, value: str) -> tuple[Post, str] | None:
    """The post and content hash a button's value or a modal's metadata names."""
    target = version(value)
    post = store.get_post(target[0]) if target else None
    return (post, target[1]) if post is not None and target is not None else None


def clicked_post(
    store: Store, body: dict[str, Any], action: dict[str, Any]
) -> tuple[str, str, Post, str] | None:
    """Who clicked, where, on which post, and which version of it the button showed."""
    found = versioned(store, str(action.get("value", "")))
    if found is None:
        return None
    return user_of(body), channel_of(body), *found


def sent_by_slack(request: BoltRequest) -> str | None:
    """When Slack sent a form or a click, in Slack's time: a change made with it exists by then.
    The signed request timestamp counts whole seconds, so the next second is taken (a reaction
    in the same second is read as made before the change: refused, never wrongly counted).
    None over Socket Mode, which has no such header: our clock is used instead."""
    sent = (request.headers.get("x-slack-request-timestamp") or [""])[0]
    return f"{int(sent) + 1}.000000" if sent.isdigit() else None


def latest(*times: object) -> str | None:
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


def files(message: dict[str, Any]) -> list[dict[str, Any]]:
    return objects(message, "files")


def file_ids(message: dict[str, Any]) -> list[str]:
    return [str(f.get("id")) for f in files(message)]


def is_reply(message: dict[str, Any]) -> bool:
    thread_ts = message.get("thread_ts")
    return bool(thread_ts) and thread_ts != message.get("ts")
