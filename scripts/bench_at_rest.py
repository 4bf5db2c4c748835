"""What encrypting stored text costs: the store's own steps of a post's life (propose, read,
approve and queue, claim, publish), on a real SQLite file, with and without a key.

Run: python scripts/bench_at_rest.py [--posts 500]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.domain.findings import Finding, Severity
from bot.domain.posts import PostStatus
from bot.domain.review import Decision
from bot.storage import open_store
from bot.storage.crypto import Keyring

TEXT = (
    "Our winter appeal starts today: every coat, scarf and pair of gloves you bring to the "
    "centre on Mill Lane keeps someone warm this year. Open 9 to 5, Monday to Saturday. "
    "Thank you to every volunteer who sorts them!"
)[:280]
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def run(posts: int, keys: Keyring | None) -> dict[str, float]:
    timings: dict[str, list[float]] = {
        "propose": [],
        "read": [],
        "approve+queue": [],
        "claim": [],
        "publish": [],
    }

    def timed(step: str, work: Callable[[], object]) -> object:
        start = time.perf_counter()
        result = work()
        timings[step].append(time.perf_counter() - start)
        return result

    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "bench.db", keys)
        finding = Finding("voice", "first_person", Severity.WARN, 0, 3, "Our", "a message")
        for i in range(posts):
            post, _ = timed(  # type: ignore[misc]
                "propose",
                lambda i=i: store.create_post(
                    source_channel="C1",
                    source_ts=f"{i}.0",
                    proposer="U1",
                    text=TEXT,
                    platforms=("x",),
                    content_hash=f"h{i}",
                    findings=[finding],
                    status=PostStatus.IN_REVIEW,
                    at=NOW,
                ),
            )
            timed("read", lambda post=post: store.get_post(post.id))
            due = NOW + timedelta(minutes=i)
            timed(
                "approve+queue",
                lambda post=post, due=due: store.set_status(
                    post.id,
                    PostStatus.APPROVED,
                    actor="U2",
                    action="approved",
                    at=NOW,
                    review=Decision.APPROVE,
                    queue={"x": due},
                ),
            )
            delivery = store.deliveries_for(post.id)[0]
            timed("claim", lambda d=delivery, due=due: store.claim(d.id, at=due))
            timed(
                "publish",
                lambda d=delivery, due=due: store.mark_published(
                    d.id, remote_id="1", url="https://x.com/i/1", at=due
                ),
            )
        store.close()
    return {step: statistics.median(values) * 1e6 for step, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=500)
    args = parser.parse_args()
    plain = run(args.posts, None)
    sealed = run(args.posts, Keyring("bench-secret-key-0123456789"))
    print(f"median µs per step over {args.posts} posts (280 characters, one finding)")
    print(f"{'step':<15}{'plain':>10}{'encrypted':>12}{'overhead':>10}")
    for step in plain:
        extra = sealed[step] - plain[step]
        print(f"{step:<15}{plain[step]:>10.0f}{sealed[step]:>12.0f}{extra:>+10.0f}")


if __name__ == "__main__":
    main()
