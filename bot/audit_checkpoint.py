"""Audit checkpoints outside the database: in the review channel, and beside each backup.

Someone who can write the database can delete its newest audit records or put an older copy
back, and the chain alone still holds. A checkpoint — the record count and the newest MAC,
posted by the bot in Slack or written next to a backup — is out of their reach, so `audit
verify` can tell that the log no longer reaches it. Checkpoints carry no words of any post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.storage import Store
from bot.storage.audit_chain import Checkpoint, against, parse_checkpoint

log = logging.getLogger(__name__)

# How far back `audit verify` looks for the bot's newest checkpoint (pages of 200 messages).
HISTORY_PAGES = 10
CHECKPOINT_SUFFIX = ".checkpoint"


def take(store: Store, at: datetime) -> Checkpoint:
    head = store.audit_head()
    return Checkpoint(head.count, head.mac, at)


class Checkpoints:
    """Posts the head of the chain to the review channel: daily, and after every takedown or
    pause (bot/runtime.py wires both). A failure to post is logged, never raised: it must not
    undo or hold up the takedown or pause it follows."""

    def __init__(
        self,
        store: Store,
        client: WebClient,
        channel: str | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.store, self.client, self.channel, self.clock = store, client, channel, clock

    def post(self, why: str) -> None:
        if not self.channel:
            return
        checkpoint = take(self.store, self.clock())
        text = f"{checkpoint.text()} ({why})"
        behind = self._behind_the_last()
        if behind:
            # Said where the admins look, at once: otherwise this checkpoint, the newest, would
            # quietly vouch for a log that lost records (a restore, a deletion).
            text += f"\n:warning: The audit log does not reach the previous checkpoint: {behind}."
            log.warning("the audit log does not reach the previous checkpoint")
        try:
            self.client.chat_postMessage(channel=self.channel, text=text)
        except SlackApiError as exc:
            log.warning("audit checkpoint not posted: %s", exc.response.get("error"))
            return
        except Exception:
            log.exception("audit checkpoint not posted")
            return
        log.info("audit checkpoint posted: %s records (%s)", checkpoint.count, why)

    def _behind_the_last(self) -> str | None:
        assert self.channel
        try:
            previous = newest_in_slack(self.client, self.channel)
        except Exception as exc:  # unreadable history (a missing scope): it still goes out
            log.warning("the previous audit checkpoint could not be read (%s)", type(exc).__name__)
            return None
        return None if previous is None else against(self.store.audit_log(), previous)


def newest_in_slack(client: WebClient, channel: str) -> Checkpoint | None:
    """The newest checkpoint the bot itself posted in ``channel``; anyone else's message that
    looks like one is ignored. conversations.history answers newest first, a page at a time
    (https://docs.slack.dev/reference/methods/conversations.history; slack_sdk's
    WebClient.conversations_history). The bot's messages carry its user id and bot id
    (auth.test names both)."""
    me = client.auth_test()
    mine = {me.get("user_id"), me.get("bot_id")} - {None}
    cursor: str | None = None
    for _ in range(HISTORY_PAGES):
        page = client.conversations_history(channel=channel, limit=200, cursor=cursor)
        for message in page.get("messages") or []:
            if message.get("subtype") not in (None, "bot_message"):
                continue
            if not {message.get("user"), message.get("bot_id")} & mine:
                continue
            found = parse_checkpoint(message.get("text") or "")
            if found is not None:
                return found
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None
    return None


def beside(backup: Path) -> Path:
    return backup.with_name(backup.name + CHECKPOINT_SUFFIX)


def write_file(path: Path, checkpoint: Checkpoint) -> None:
    path.write_text(checkpoint.text() + "\n", encoding="utf-8")


def read_file(path: Path) -> Checkpoint | None:
    return parse_checkpoint(path.read_text(encoding="utf-8"))
