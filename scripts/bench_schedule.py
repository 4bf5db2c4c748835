"""Scheduling benchmark: 10,000 queued deliveries — start-up rebuild, next-slot assignment,
memory — and how soon after its slot a due delivery is published.

Run: python scripts/bench_schedule.py [--queued 10000]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app.checking import Checker
from bot.app.delivery import Deliverer
from bot.app.signals import QueueSignal
from bot.config.policy_file import load_policy
from bot.domain.posts import Post, PostStatus, content_hash
from bot.domain.review import Decision
from bot.publishers.outbox import OutboxPublisher
from bot.scheduler import PublishingScheduler
from bot.scheduling.slots import Schedule, next_free_slot, weekly_slots
from bot.services import Countersign
from bot.storage import open_store
from bot.storage.store import iso

ZONE = ZoneInfo("Europe/London")
SCHEDULE = Schedule(
    tuple(
        weekly_slots(
            "x", "mon-fri", ["08:00", "09:30", "11:00", "12:30", "14:00", "15:30", "17:00", "18:30"]
        )
        + weekly_slots("x", "sat,sun", ["10:00", "16:00"])
        + weekly_slots("facebook", "daily", ["08:30", "10:30", "12:30", "14:30", "16:30", "19:00"])
    )
)


class Quiet:
    def thread_note(self, post: Post, text: str) -> None: ...
    def update_card(self, post: Post, deliveries: list) -> None: ...  # type: ignore[type-arg]
    def alert(self, text: str, actions: object = None) -> None: ...


def fill(db_path: Path, queued: int, now: datetime) -> None:
    """Posts approved and queued slot after slot, as a long backlog would be."""
    store = open_store(db_path)
    per_platform = queued // 2
    slots = {}
    for platform in ("x", "facebook"):
        taken: list[datetime] = []
        at = now
        for _ in range(per_platform):
            slot = next_free_slot(SCHEDULE.for_platform(platform), ZONE, at)
            assert slot is not None
            taken.append(slot)
            at = slot
        slots[platform] = taken
    with store._tx() as db:
        for i in range(per_platform):
            text = f"Backlog post {i}"
            db.execute(
                "INSERT INTO posts (source_channel, source_ts, proposer, text, platforms, "
                "content_hash, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    "C1",
                    f"{i}.0",
                    "U1",
                    text,
                    '["x", "facebook"]',
                    content_hash(text, ("x", "facebook")),
                    "approved",
                    iso(now),
                    iso(now),
                ],
            )
            for platform in ("x", "facebook"):
                due = iso(slots[platform][i])
                db.execute(
                    "INSERT INTO deliveries (post_id, platform, content_hash, status, due_at, "
                    "slot_at, created_at, updated_at) VALUES (?, ?, ?, 'queued', ?, ?, ?, ?)",
                    [
                        i + 1,
                        platform,
                        content_hash(text, ("x", "facebook")),
                        due,
                        due,
                        iso(now),
                        iso(now),
                    ],
                )
    store.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--queued", type=int, default=10_000)
    parser.add_argument("--due-runs", type=int, default=10)
    args = parser.parse_args(argv)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory() as tmp:
        db_path = Path(tmp) / "bench.db"
        fill(db_path, args.queued, now)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        # Start-up: open (migrations), recover (missed slots, interrupted deliveries), arm.
        started = time.perf_counter()
        store = open_store(db_path)
        queue = QueueSignal()
        deliverer = Deliverer(
            store,
            Quiet(),
            {
                "x": OutboxPublisher("x", Path(tmp) / "o"),  # type: ignore[arg-type]
                "facebook": OutboxPublisher("facebook", Path(tmp) / "o"),
            },
            clock=lambda: datetime.now(UTC),
            queue=queue,
        )
        deliverer.recover()
        scheduler = PublishingScheduler(
            deliverer.publish_due, store, clock=lambda: datetime.now(UTC), queue=queue
        )
        scheduler.start()
        startup = time.perf_counter() - started

        # Next-slot assignment for one more approved post, behind the whole backlog.
        service = Countersign(
            store=store,
            notifier=Quiet(),
            directory=None,  # type: ignore[arg-type]
            publishers={},
            schedule=SCHEDULE,
            zone_name=ZONE.key,
            platforms=("x", "facebook"),
            clock=lambda: datetime.now(UTC),
            checker=Checker(
                policy=load_policy(None),
                zone_name=ZONE.key,
                platforms=("x", "facebook"),
                clock=lambda: datetime.now(UTC),
                register=lambda: None,
            ),
            delivery=deliverer,
            queue=queue,
            attachments=None,  # type: ignore[arg-type]
            later=lambda work: work(),
            checkpoint=lambda why: None,
        )
        store.seed_slots(SCHEDULE.slots, at=now)
        timings = []
        for _ in range(50):
            t0 = time.perf_counter()
            for platform in ("x", "facebook"):
                service.next_slot(platform, datetime.now(UTC))
            timings.append((time.perf_counter() - t0) * 1000)
        # and the full walk, for the case of a gap in the backlog
        walk = []
        for _ in range(10):
            t0 = time.perf_counter()
            for platform in ("x", "facebook"):
                next_free_slot(
                    SCHEDULE.for_platform(platform),
                    ZONE,
                    datetime.now(UTC),
                    store.taken_slots(platform, datetime.now(UTC)),
                )
            walk.append((time.perf_counter() - t0) * 1000)

        # How soon after its due time is a delivery published (the real scheduler and clock)?
        lags = []
        for i in range(args.due_runs):
            text = f"Due soon {i}"
            post, _ = store.create_post(
                source_channel="C2",
                source_ts=f"due{i}",
                proposer="U1",
                text=text,
                platforms=("x",),
                content_hash=content_hash(text, ("x",)),
                findings=[],
                status=PostStatus.IN_REVIEW,
                at=datetime.now(UTC),
            )
            due = datetime.now(UTC) + timedelta(milliseconds=700)
            store.set_status(
                post.id,
                PostStatus.APPROVED,
                actor="U2",
                action="approved",
                at=datetime.now(UTC),
                review=Decision.APPROVE,
                queue={"x": due},
            )
            scheduler.rearm()
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                [d] = store.deliveries_for(post.id)
                if d.published_at is not None:
                    lags.append((d.published_at - due).total_seconds())
                    break
                time.sleep(0.01)
        scheduler.shutdown()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        store.close()

    timings.sort()
    print(
        f"Scheduling with {args.queued:,} queued deliveries (2 platforms, "
        f"{len(SCHEDULE.slots)} weekly slots).\n"
    )
    print("| measure | result | target |\n|---|---|---|")
    print(
        f"| start-up: open, migrate, recover, rebuild the wake-up | {startup * 1000:.0f} ms "
        "| < 1 s |"
    )
    print(
        f"| next-slot assignment (both platforms), median / p99 | "
        f"{statistics.median(timings):.1f} / {timings[int(len(timings) * 0.99) - 1]:.1f} ms "
        "| < 5 ms |"
    )
    print(
        f"| the full walk (the fallback when the backlog has a gap), median | "
        f"{statistics.median(walk):.1f} ms | |"
    )
    print(
        f"| due → published (outbox), max over {len(lags)} | "
        f"{max(lags) * 1000:.0f} ms (median {statistics.median(lags) * 1000:.0f} ms) | < 2 s |"
    )
    print(
        f"| peak memory (RSS) after filling / at the end | {rss_before:.0f} / "
        f"{rss_after:.0f} MB | |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
