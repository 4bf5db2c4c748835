"""APScheduler 3.x wakes the publisher at the next due delivery; the slots are not its business."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from bot.app.signals import QueueSignal
from bot.storage import Store

log = logging.getLogger(__name__)


class PublishingScheduler:
    """One wake-up job at the earliest due delivery, re-armed whenever the queue changes,
    plus a periodic sweep in case a wake-up was missed (a clock jump, a change by the CLI)."""

    def __init__(
        self,
        publish_due: Callable[[], object],
        store: Store,
        *,
        clock: Callable[[], datetime],
        queue: QueueSignal | None = None,
        sweep_seconds: float = 30.0,
    ) -> None:
        """``queue``: said whenever the service or the deliverer changes the queue."""
        self.publish_due = publish_due
        self.store = store
        self.clock = clock
        self.sweep_seconds = sweep_seconds
        self.scheduler = BackgroundScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._running = threading.Lock()
        self._daily: list[tuple[str, Callable[[], object]]] = []
        if queue is not None:
            queue.subscribe(self.rearm)

    def daily(self, job_id: str, work: Callable[[], object], *, hour: int | None = None) -> None:
        """Run ``work`` once a day beside the publishing. At ``hour`` (UTC), fixed, so that
        restarts neither skip nor repeat it (the audit checkpoint); without, the first time a
        minute after start, so that a restart does not put it off by a day (retention)."""
        if hour is None:
            self._daily.append((job_id, work))
            return
        # Added before start, it begins with it.
        self.scheduler.add_job(work, "cron", hour=hour, minute=0, id=job_id, replace_existing=True)

    def start(self) -> None:
        self.scheduler.start()
        self.scheduler.add_job(
            self.run_due, "interval", seconds=self.sweep_seconds, id="sweep", replace_existing=True
        )
        for job_id, work in self._daily:
            self.scheduler.add_job(
                work,
                "interval",
                days=1,
                id=job_id,
                replace_existing=True,
                next_run_time=datetime.now(UTC) + timedelta(minutes=1),
            )
        self.rearm()

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)

    def rearm(self) -> None:
        """Point the wake-up job at the earliest queued delivery."""
        if not self.scheduler.running:
            return
        due = self.store.next_due_at()
        if due is None:
            if self.scheduler.get_job("wake"):
                self.scheduler.remove_job("wake")
            return
        run_at = max(due, self.clock() + timedelta(milliseconds=10))
        self.scheduler.add_job(
            self.run_due, "date", run_date=run_at, id="wake", replace_existing=True
        )

    def run_due(self) -> None:
        if not self._running.acquire(blocking=False):
            return  # a run is under way; it will re-arm when done
        try:
            self.publish_due()
        except Exception:
            log.exception("publishing due deliveries failed; will try again at the next sweep")
        finally:
            self._running.release()
            self.rearm()
