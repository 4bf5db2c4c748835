"""Soak: N approved posts due at once, against emulators with latency and injected failures.

Every post must end published exactly once on each platform. Prints the time to drain the
queue and the peak memory, as Markdown. Run: python scripts/soak_publish.py [--posts 500]
"""

from __future__ import annotations

import argparse
import logging
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app.delivery import Deliverer
from bot.domain.posts import Delivery, DeliveryStatus, Post, PostStatus, content_hash
from bot.domain.review import Decision
from bot.emulators.graph import GraphEmulator
from bot.emulators.x import XEmulator
from bot.publishers.facebook import FacebookPublisher
from bot.publishers.x import XPublisher
from bot.storage import open_store


class QuietNotifier:
    """Counts what people would have been told."""

    def __init__(self) -> None:
        self.told: Counter[str] = Counter()

    def thread_note(self, post: Post, text: str) -> None:
        self.told["thread"] += 1

    def update_card(self, post: Post, deliveries: list[Delivery]) -> None:
        self.told["card"] += 1

    def alert(self, text: str, actions: list[tuple[str, str, str]] | None = None) -> None:
        self.told["alert"] += 1


def now() -> datetime:
    return datetime.now(UTC)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--posts", type=int, default=500)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per emulator call")
    parser.add_argument("--failure-rate", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    logging.getLogger("bot").setLevel(logging.ERROR)  # retries are expected here

    with (
        tempfile.TemporaryDirectory() as tmp,
        XEmulator(consumer_key="ck", access_token="at", latency=args.latency) as x,
        GraphEmulator(page_id="1000", page_token="pt", latency=args.latency) as graph,
    ):
        x.chaos(
            r"^/2/tweets$",
            rate=args.failure_rate,
            status=503,
            body={"title": "Service Unavailable"},
            seed=args.seed,
            # X and Graph have answered 5xx with the post made: each must be settled from the
            # account (found, recorded once), never re-sent.
            acted=True,
            method="POST",
        )
        graph.chaos(
            r"/feed$",
            rate=args.failure_rate,
            status=500,
            seed=args.seed + 1,
            acted=True,
            method="POST",
            body={
                "error": {
                    "message": "An unexpected error has occurred.",
                    "type": "OAuthException",
                    "code": 2,
                    "fbtrace_id": "soak",
                }
            },
        )
        store = open_store(Path(tmp) / "soak.db")
        start_at = now()
        for i in range(args.posts):
            text = f"Soak post {i}: our drop-in is open today from 10am, everyone welcome."
            post, _ = store.create_post(
                source_channel="C1",
                source_ts=f"{i}.0",
                proposer="U1",
                text=text,
                platforms=("x", "facebook"),
                content_hash=content_hash(text, ("x", "facebook")),
                findings=[],
                status=PostStatus.IN_REVIEW,
                at=start_at,
            )
            store.set_status(
                post.id,
                PostStatus.APPROVED,
                actor="U2",
                action="approved",
                at=start_at,
                review=Decision.APPROVE,
                queue={"x": start_at, "facebook": start_at},
            )
        publishers = {
            "x": XPublisher(
                consumer_key="ck",
                consumer_secret="cs",
                access_token="at",
                access_token_secret="ats",
                api_url=x.url,
                upload_url=x.url,
            ),
            "facebook": FacebookPublisher(page_id="1000", page_token="pt", graph_url=graph.url),
        }
        notifier = QuietNotifier()
        deliverer = Deliverer(
            store,
            notifier,
            publishers,
            clock=now,  # type: ignore[arg-type]
            backoff_base=timedelta(milliseconds=200),
        )
        started = time.perf_counter()
        while True:
            deliverer.publish_due()
            waiting = store.next_due_at()
            if waiting is None:
                break
            time.sleep(min(1.0, max(0.01, (waiting - now()).total_seconds())))
        drained = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        statuses = Counter(
            d.status for p in range(1, args.posts + 1) for d in store.deliveries_for(p)
        )
        texts = Counter(t["text"] for t in x.tweets)
        messages = Counter(p["message"] for p in graph.posts)
        x_calls = len(x.calls_to(r"^/2/tweets$", method="POST"))
        fb_calls = len(graph.calls_to(r"/feed$", method="POST"))
        ok = (
            statuses == Counter({DeliveryStatus.PUBLISHED: 2 * args.posts})
            and len(texts) == args.posts
            and max(texts.values()) == 1
            and len(messages) == args.posts
            and max(messages.values()) == 1
        )
        print(
            f"Soak: {args.posts} approved posts due at once on X and Facebook; emulators with "
            f"{args.latency * 1000:.0f} ms latency and {args.failure_rate:.0%} injected "
            "failures.\n"
        )
        print("| measure | result |\n|---|---|")
        print(
            f"| deliveries published | {statuses[DeliveryStatus.PUBLISHED]} of {2 * args.posts} |"
        )
        print(
            f"| posts on X / on Facebook (each text once) | {len(x.tweets)} / {len(graph.posts)} |"
        )
        print(f"| publish calls (X / Facebook), retries included | {x_calls} / {fb_calls} |")
        lookups = len(x.calls_to(r"/tweets$", method="GET")) + len(
            graph.calls_to(r"/feed$", method="GET")
        )
        print(f"| 5xx injected after the post was made, each settled by a look-up | {lookups} |")
        print(f"| time to drain | {drained:.1f} s |")
        print(f"| throughput | {2 * args.posts / drained:.1f} deliveries/s |")
        print(f"| peak memory (RSS) | {peak_mb:.0f} MB |")
        print(f"| exactly once | {'yes' if ok else 'NO'} |")
        store.close()
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
