"""The daily upkeep of what the database keeps: forget what never went out, and move stored
text onto the current key (after a rotation) without waiting for `countersign rekey`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.storage.store import Store

log = logging.getLogger(__name__)


class Retention:
    def __init__(self, store: Store, *, days: int, clock: Callable[[], datetime]) -> None:
        self.store = store
        self.days = days
        self.clock = clock

    def run(self) -> list[int]:
        """One pass; returns the ids of the posts whose words were erased. Logs counts and
        ids, never words."""
        now = self.clock()
        erased = self.store.erase_unpublished(before=now - timedelta(days=self.days), at=now)
        if erased:
            log.info(
                "retention: erased the words of %s post(s) never published and older than "
                "%s days: %s",
                len(erased),
                self.days,
                ", ".join(f"#{i}" for i in erased),
            )
        resealed = self.store.reseal()
        if resealed:
            log.info(
                "re-encrypted %s stored value(s) under the current key: %s",
                sum(resealed.values()),
                ", ".join(f"{k} {v}" for k, v in sorted(resealed.items())),
            )
        if erased or resealed:
            self.store.checkpoint()  # the old pages leave the -wal file as well
        return erased

    def run_logged(self) -> None:
        try:
            self.run()
        except Exception:
            log.exception("the daily retention job failed; it runs again tomorrow")
