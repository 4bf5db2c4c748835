"""Slack as the place people hear about posts: the thread, the review card, ephemerals."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.posts import Delivery, Post
from bot.slack.blocks import (
    alert_blocks,
    alert_markup,
    card_blocks,
    card_text,
    report_blocks,
    report_text,
)

log = logging.getLogger(__name__)

_CARD_LOCK_STRIPES = 64


def mention(who: str) -> str:
    """Slack's mention of a user id (U…, W…) or a user group id (S…)."""
    return f"<!subteam^{who}>" if who.startswith("S") else f"<@{who}>"


class SlackNotifier:
    """A failed Slack call is logged and never undoes the state change that caused it."""

    def __init__(
        self,
        client: WebClient,
        *,
        review_channel: str | None,
        zone: ZoneInfo,
        paused: Callable[[], str | None] = lambda: None,
        admins: Sequence[str] = (),
        current: Callable[[int], tuple[Post, list[Delivery]] | None] | None = None,
    ) -> None:
        self.paused = paused
        self.current = current
        # One lock per card (striped): a card's state is read and sent under it, so that two
        # threads redrawing one card (X published, Facebook failed) cannot land out of order and
        # leave the older picture on the card.
        self._card_locks = tuple(threading.Lock() for _ in range(_CARD_LOCK_STRIPES))
        # Alerts name the admins so that Slack notifies them; a channel message alone is easy
        # to miss in an incident.
        self.mention = " ".join(mention(a) for a in admins)
        self.client = client
        self.review_channel = review_channel
        self.zone = zone

    def post_report(self, post: Post) -> str | None:
        response = self._call(
            "chat.postMessage",
            channel=post.source_channel,
            thread_ts=post.source_ts,
            text=report_text(post),
            blocks=report_blocks(post, self.review_channel),
        )
        return str(response["ts"]) if response else None

    def post_card(self, post: Post, deliveries: list[Delivery]) -> tuple[str, str] | None:
        if not self.review_channel:
            return None
        response = self._call(
            "chat.postMessage",
            channel=self.review_channel,
            text=card_text(post),
            blocks=card_blocks(post, deliveries, self.zone, paused=self.paused()),
        )
        return (str(response["channel"]), str(response["ts"])) if response else None

    def refresh_card(self, post_id: int) -> None:
        """Redraw a post's review card from what the store holds now."""
        if self.current is None:
            raise RuntimeError("SlackNotifier was made without a way to read the current post")
        with self._card_locks[post_id % _CARD_LOCK_STRIPES]:
            found = self.current(post_id)
            if found is not None:
                self.update_card(*found)

    def update_card(self, post: Post, deliveries: list[Delivery]) -> None:
        if post.card_channel and post.card_ts:
            self._call(
                "chat.update",
                channel=post.card_channel,
                ts=post.card_ts,
                text=card_text(post),
                blocks=card_blocks(post, deliveries, self.zone, paused=self.paused()),
            )

    def thread_note(self, post: Post, text: str) -> None:
        self._call(
            "chat.postMessage", channel=post.source_channel, thread_ts=post.source_ts, text=text
        )

    def tell(self, channel: str, user: str, text: str) -> None:
        self._call("chat.postEphemeral", channel=channel, user=user, text=text)

    def alert(self, text: str, actions: list[tuple[str, str, str]] | None = None) -> None:
        if self.review_channel:
            self._call(
                "chat.postMessage",
                channel=self.review_channel,
                # The fallback is parsed as markup too (notifications show it): the same text.
                text=f":rotating_light: {alert_markup(text)}"
                + (f" ({self.mention})" if self.mention else ""),
                blocks=alert_blocks(text, actions or [], mention=self.mention),
            )

        else:
            # Its text can quote a reason that names people: never logged.
            log.warning("no review channel: an alert of %d characters was not sent", len(text))

    def _call(self, method: str, **kwargs: object) -> dict[str, object] | None:
        try:
            response = self.client.api_call(method, json=kwargs)
        except SlackApiError as exc:
            log.error("Slack %s failed: %s", method, exc.response.get("error"))
            return None
        except OSError as exc:
            log.error("Slack %s unreachable: %s", method, type(exc).__name__)
            return None
        return response.data if isinstance(response.data, dict) else None
