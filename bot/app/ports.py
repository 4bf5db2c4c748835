"""What the use cases need from the world outside, and nothing more: whoever implements these
(Slack in production, recording fakes in tests) is given to them at construction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from bot.domain.posts import Delivery, Post
from bot.publishers.base import Publisher

__all__ = ["Directory", "Download", "FileSource", "Notifier", "Publisher"]


class Notifier(Protocol):
    """Where people hear about posts (Slack in production)."""

    def post_report(self, post: Post) -> str | None: ...
    def post_card(self, post: Post, deliveries: list[Delivery]) -> tuple[str, str] | None: ...
    def refresh_card(self, post_id: int) -> None: ...
    def thread_note(self, post: Post, text: str) -> None: ...
    def tell(self, channel: str, user: str, text: str) -> None: ...
    def alert(self, text: str, actions: list[tuple[str, str, str]] | None = None) -> None: ...


@dataclass(frozen=True)
class Download:
    name: str
    data: bytes | None
    problem: str | None = None  # why it could not be fetched, said to the proposer


class FileSource(Protocol):
    """Where attached files come from (Slack's file downloads in production)."""

    def fetch(self, file: dict[str, Any]) -> Download: ...


class Directory(Protocol):
    """Who may review and who may administer (Slack user groups in production)."""

    def is_approver(self, user: str) -> bool: ...
    def is_admin(self, user: str) -> bool: ...
