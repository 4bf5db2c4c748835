"""Who may approve and administer: user ids and Slack user groups, cached and refreshed."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class SlackDirectory:
    """Group membership is re-read after ``ttl`` seconds: a changed group needs no restart."""

    def __init__(
        self,
        client: WebClient,
        *,
        approvers: Iterable[str],
        admins: Iterable[str],
        ttl: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.approvers = tuple(approvers)
        self.admins = tuple(admins)
        self.ttl = ttl
        self._monotonic = monotonic
        self._groups: dict[str, tuple[float, frozenset[str]]] = {}
        self._lock = threading.Lock()

    def is_approver(self, user: str) -> bool:
        return self._member(user, self.approvers)

    def is_admin(self, user: str) -> bool:
        return self._member(user, self.admins)

    def _member(self, user: str, entries: tuple[str, ...]) -> bool:
        if user in entries:
            return True
        return any(user in self._group(e) for e in entries if e.startswith("S"))

    def _group(self, group_id: str) -> frozenset[str]:
        now = self._monotonic()
        with self._lock:
            cached = self._groups.get(group_id)
            if cached and now - cached[0] < self.ttl:
                return cached[1]
        try:
            response = self.client.usergroups_users_list(usergroup=group_id)
            members = frozenset(response.get("users") or [])
        except SlackApiError as exc:
            log.error("cannot read user group %s: %s", group_id, exc.response.get("error"))
            # Keep the last known members rather than locking everyone out on a blip.
            return cached[1] if cached else frozenset()
        with self._lock:
            self._groups[group_id] = (now, members)
        return members
