"""Each platform's state: paused, held for a rate limit, last checked; the emergency stop."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.storage.base import (
    ALL,
    StoreBase,
    iso,
    parse_iso,
)


class Platforms(StoreBase):
    """Pauses, holds and the moves they cause."""

    # -- platforms ---------------------------------------------------------------------------

    def platform_state(self, platform: str) -> dict[str, Any]:
        rows = self._rows("SELECT * FROM platform_state WHERE platform = ?", [platform])
        state = rows[0] if rows else {"platform": platform}
        return {
            "platform": platform,
            "paused_reason": self._open(
                state.get("paused_reason"), "platform_state", "paused_reason", platform
            ),
            "paused_kind": state.get("paused_kind") or "credentials",
            "hold_until": parse_iso(state.get("hold_until")),
            "checked_at": parse_iso(state.get("checked_at")),
        }

    def _upsert_platform(self, platform: str, **values: Any) -> None:
        self.db.execute("INSERT OR IGNORE INTO platform_state (platform) VALUES (?)", [platform])
        if values.get("paused_reason"):
            values["paused_reason"] = self._seal(
                values["paused_reason"], "platform_state", "paused_reason", platform
            )
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"UPDATE platform_state SET {sets} WHERE platform = ?",  # noqa: S608
            [*values.values(), platform],
        )

    def pause_platform(
        self, platform: str, *, reason: str, at: datetime, kind: str = "credentials"
    ) -> bool:
        """True when this call paused it (so that admins are told once, not per post)."""
        with self._tx(durable=True):
            if self.platform_state(platform)["paused_reason"]:
                return False
            self._upsert_platform(
                platform,
                paused_reason=reason,
                paused_kind=kind,
                paused_at=iso(at),
                checked_at=iso(at),
            )
            self._audit(
                at,
                "countersign",
                "platform_paused",
                platform=platform,
                reason=self._seal_reason(reason, "platform_paused", None),
            )
            return True

    def resume_platform(self, platform: str, *, actor: str, at: datetime) -> bool:
        with self._tx(durable=True):
            if not self.platform_state(platform)["paused_reason"]:
                return False
            self._upsert_platform(platform, paused_reason=None, paused_at=None)
            self._audit(at, actor, "platform_resumed", platform=platform)
            return True

    def pause_all(self, *, reason: str, actor: str, at: datetime) -> bool:
        """The emergency stop: nothing is published until an admin resumes."""
        with self._tx(durable=True):
            if self.platform_state(ALL)["paused_reason"]:
                return False
            self._upsert_platform(ALL, paused_reason=reason or "no reason given", paused_at=iso(at))
            self._audit(
                at,
                actor,
                "publishing_paused",
                reason=self._seal_reason(reason, "publishing_paused", None),
            )
            return True

    def resume_all(self, *, actor: str, at: datetime) -> bool:
        with self._tx(durable=True):
            if not self.platform_state(ALL)["paused_reason"]:
                return False
            self._upsert_platform(ALL, paused_reason=None, paused_at=None)
            self._audit(at, actor, "publishing_resumed")
            return True

    def paused_reason(self) -> str | None:
        return self.platform_state(ALL)["paused_reason"]

    def hold_platform(self, platform: str, *, until: datetime) -> None:
        with self._tx():
            self._upsert_platform(platform, hold_until=iso(until))

    def platform_checked(self, platform: str, *, at: datetime) -> None:
        with self._tx():
            self._upsert_platform(platform, checked_at=iso(at))
