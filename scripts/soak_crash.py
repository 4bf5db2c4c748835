"""Crash soak: `countersign serve --http` killed with SIGKILL at random moments, over and over.

Usage: python scripts/soak_crash.py [--cycles 50] [--seed 1] [--keep]

The Slack, X and Graph emulators run in this process; the product runs as a subprocess on one
database for the whole soak. Each cycle starts `python -m bot serve --http`, drives it with signed
Slack requests (staff proposals, approvers' :white_check_mark: on review cards, an admin's
`/countersign now <id>`, the odd repeated event) while the schedule has a slot every minute and the
X and Graph emulators add random latency and 503s; then the process is killed with SIGKILL — at a
random moment, while the emulator holds a publish request (the platform then creates the post, or
fails it, after the process died), or during start-up (recovery). A request whose connection died
before an answer is sent again to the next process with X-Slack-Retry-Num, as Slack does. A last,
clean run drains the queue (`now` for every approved post) and is stopped with SIGTERM. Then the
invariants are checked against the database and the emulators' records:

- no post published twice on a platform (the emulators' records, counted by post), nothing
  published that is not an approved post, and nothing on a platform that the database still
  holds as queued or failed;
- every approved post's delivery on each platform is published (and on the platform), queued, or
  failed / unconfirmed with a report a person sees in Slack (a note in the proposal's thread or
  an alert in the review channel);
- every proposal and approval Slack saw acknowledged (HTTP 200, perhaps on a retry) is in the
  database;
- `countersign audit verify` passes, and the audit log has a record for each proposal,
  approval, queueing and publication the database shows.

Prints Markdown; exit 1 when an invariant is broken. Not a test: timings depend on the machine
(tests/bot/test_crash_soak.py runs a shorter soak in the suite).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from bot.emulators.graph import GraphEmulator
from bot.emulators.process import (
    PAGE_ID,
    REGISTER_KEY,
    SIGNING_SECRET,
    product_env,
    start_emulators,
)
from bot.emulators.slack import (
    SlackEmulator,
    SlackEventSender,
    event_callback,
    message_event,
    new_ts,
    reaction_event,
    slash_command,
)
from bot.emulators.x import XEmulator
from bot.storage import open_store
from bot.storage.crypto import Keyring

PROPOSALS, REVIEW = "C0PROPOSALS", "C0REVIEW"
ALICE, BOB, CAROL, DANA, EVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DANA", "U0EVE"
APPROVERS, STAFF = (ALICE, BOB), (CAROL, EVE, ALICE, BOB)
PLATFORM_NAMES = {"x": "X", "facebook": "Facebook"}
X_CREATE, FB_CREATE = r"^/2/tweets$", rf"/{PAGE_ID}/feed$"
# A slot every minute of every day on both platforms: the scheduler publishes during the soak.
SCHEDULE = "all:\n  - days: daily\n    times: [{}]\n".format(
    ", ".join(f'"{h:02d}:{m:02d}"' for h in range(24) for m in range(60))
)
TEXTS = (
    "Drop-in update {n}: the community hall is open on Thursday from 10am with hot food.",
    "Volunteer news {n}: our volunteers served 120 meals this week. Thank you all.",
    "Reminder {n}: the clinic is closed on Friday; walk-in testing moves to Saturday.",
    "Case note {n}: call Sarah on 07700 900123 about her housing.",  # blocked by the checks
)
TEXT_WEIGHTS = (0.3, 0.3, 0.3, 0.1)
MAX_SLACK_RETRIES = 3  # Slack gives up on an event after three retries
JSON, FORM = "application/json", "application/x-www-form-urlencoded"
MODES = ("random", "held", "startup", "ack")  # when a cycle's SIGKILL comes


# -- what was sent, and what Slack saw acknowledged --------------------------------------------


@dataclass
class Request:
    kind: str  # proposal | reaction | now | repeat
    body: str
    content_type: str
    ts: str = ""  # a proposal's message ts
    post_id: int = 0  # the post a reaction or `now` is about
    user: str = ""
    attempts: int = 0
    acked: bool = False


@dataclass
class Figures:
    cycles: int = 0
    kills: int = 0
    kills_held: int = 0  # while the emulator held a publish request
    kills_startup: int = 0  # before the process answered /healthz (during recovery)
    kills_after_ack: int = 0  # the moment a request was answered 200
    held_landed: int = 0  # the held request then created the post
    held_failed: int = 0  # the held request then failed
    requests: Counter[str] = field(default_factory=Counter)
    retries_sent: int = 0
    gave_up: int = 0  # requests Slack would have stopped retrying
    start_seconds: list[float] = field(default_factory=list)
    wall: float = 0.0
    final_exit: int | None = None


@dataclass
class Snapshot:
    """Everything the invariants are checked against (plain data, so a test can plant faults)."""

    posts: list[dict[str, Any]]
    deliveries: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    on_platform: dict[str, list[dict[str, str]]]  # platform → [{"id", "text"}] created posts
    slack_texts: list[tuple[str, str | None, str]]  # (channel, thread_ts, text) of bot messages
    acked_proposals: list[str]  # message ts of proposals answered 200
    acked_approvals: list[tuple[int, str]]  # (post id, approver) of ✅ answered 200
    audit_verify_exit: int


# -- the process under test --------------------------------------------------------------------


class Product:
    """`python -m bot serve --http` on the soak's database; a new port for each start."""

    def __init__(self, folder: Path, emulators: tuple[SlackEmulator, XEmulator, GraphEmulator]):
        self.folder = folder
        self.emulators = emulators
        self.log = (folder / "server.log").open("ab")
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""

    def env(self) -> dict[str, str]:
        return product_env(
            *self.emulators,
            self.folder,
            proposals=PROPOSALS,
            review=REVIEW,
            approvers=f"{ALICE},{BOB}",
            admins=DANA,
            COUNTERSIGN_LOG_LEVEL="INFO",
        )

    def start(self) -> None:
        env = self.env()
        self.url = f"http://127.0.0.1:{env['PORT']}"
        self.log.write(f"\n===== start {time.strftime('%H:%M:%S')} =====\n".encode())
        self.log.flush()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--http"],
            env=env,
            cwd=self.folder,  # no developer's .env is read from here
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def healthy(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def wait_healthy(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        assert self.process is not None
        while not self.healthy():
            if self.process.poll() is not None:
                raise RuntimeError(f"the product exited ({self.process.returncode}) at start-up")
            if time.monotonic() > deadline:
                raise RuntimeError("the product did not answer /healthz")
            time.sleep(0.05)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, as a platform stops a process; SIGKILL only if it does not stop."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
            return None

    def cli(self, *args: str) -> int:
        return subprocess.run(  # noqa: S603 - this interpreter, our own arguments
            [sys.executable, "-m", "bot", *args],
            env=self.env(),
            cwd=self.folder,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode

    def close(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
        self.log.close()


def query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    """A short read of the product's database (WAL: the product may be writing meanwhile)."""
    conn = sqlite3.connect(str(db), timeout=10)
    try:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


# -- the soak ----------------------------------------------------------------------------------


class Soak:
    def __init__(self, folder: Path, seed: int, *, say: Any = None) -> None:
        self.folder = folder
        self.db = folder / "countersign.db"
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible soak, not secrets
        self.say = say or (lambda text: None)
        config = folder / "config"
        config.mkdir(parents=True, exist_ok=True)
        (config / "schedule.yaml").write_text(SCHEDULE)
        (config / "policy.yaml").write_text("country: GB\n")
        self.slack, self.x, self.graph = start_emulators()
        # A second post of the same words must show.
        self.x.reject_duplicates = self.graph.reject_duplicates = False
        self.x.chaos(
            X_CREATE, rate=0.1, status=503, body={"title": "Service Unavailable"}, seed=seed
        )
        self.graph.chaos(
            FB_CREATE,
            rate=0.1,
            status=500,
            seed=seed + 1,
            body={"error": {"message": "An unexpected error has occurred.", "code": 2}},
        )
        self.product = Product(folder, (self.slack, self.x, self.graph))
        self.sent: list[Request] = []
        self.pending: list[Request] = []  # not answered: Slack sends them again
        self.figures = Figures()
        self.seq = 0
        self._lock = threading.Lock()

    def close(self) -> None:
        self.product.close()
        for emulator in (self.slack, self.x, self.graph):
            emulator.stop()

    # -- requests ---------------------------------------------------------------------------

    def _event(self, event: dict[str, Any]) -> str:
        return json.dumps(event_callback(event, event_id="Ev" + uuid.uuid4().hex[:12].upper()))

    def proposal(self) -> Request:
        self.seq += 1
        template = self.rng.choices(TEXTS, weights=TEXT_WEIGHTS)[0]
        text = template.format(n=f"{self.seq}") + f" [{uuid.uuid4().hex[:6]}]"
        user, ts = self.rng.choice(STAFF), new_ts()
        body = self._event(message_event(PROPOSALS, user, text, ts))
        return Request("proposal", body, JSON, ts=ts, user=user)

    def reaction(self) -> Request | None:
        """An approver's ✅ on the review card of a post waiting for review (sometimes on the
        proposal message itself)."""
        waiting = query(
            self.db,
            "SELECT id, proposer, source_ts, card_ts FROM posts WHERE status = 'in_review' "
            "AND card_ts IS NOT NULL ORDER BY id",
        )
        if not waiting:
            return None
        post = self.rng.choice(waiting[:5])
        approver = self.rng.choice([a for a in APPROVERS if a != post["proposer"]])
        on_card = self.rng.random() < 0.8
        channel, ts = (REVIEW, post["card_ts"]) if on_card else (PROPOSALS, post["source_ts"])
        event = reaction_event(
            approver, "white_check_mark", channel, ts, item_user=post["proposer"]
        )
        return Request("reaction", self._event(event), JSON, post_id=post["id"], user=approver)

    def publish_now(self, platform: str | None = None) -> Request | None:
        """An admin's `/countersign now <id>` for an approved post with something queued."""
        ready = query(
            self.db,
            "SELECT DISTINCT p.id FROM posts p JOIN deliveries d ON d.post_id = p.id "
            "WHERE p.status = 'approved' AND d.status = 'queued' "
            "AND (? IS NULL OR d.platform = ?) ORDER BY p.id",
            (platform, platform),
        )
        if not ready:
            return None
        post_id = int(self.rng.choice(ready[:5])["id"])
        return self.now_request(post_id)

    def now_request(self, post_id: int) -> Request:
        fields = slash_command(
            f"now {post_id}",
            user_id=DANA,
            channel_id=REVIEW,
            response_url=self.slack.response_url("soak"),
        )
        return Request("now", urlencode(fields), FORM, post_id=post_id, user=DANA)

    def send(self, request: Request, session: requests.Session) -> None:
        """An unanswered request (the process died) is Slack's to send again, up to a point."""
        sender = SlackEventSender(self.product.url + "/slack/events", SIGNING_SECRET)
        headers = sender.signed_headers(request.body, content_type=request.content_type)
        if request.attempts:
            headers |= {
                "X-Slack-Retry-Num": str(request.attempts),
                "X-Slack-Retry-Reason": "http_error",
            }
            self.figures.retries_sent += 1
        request.attempts += 1
        try:
            answer = session.post(
                sender.url, data=request.body.encode(), headers=headers, timeout=5
            )
        except requests.RequestException:
            with self._lock:
                if request.attempts <= MAX_SLACK_RETRIES:
                    self.pending.append(request)
                else:
                    self.figures.gave_up += 1
            return
        request.acked = answer.status_code == 200

    def dispatch(self, request: Request, session: requests.Session) -> None:
        with self._lock:
            self.sent.append(request)
            self.figures.requests[request.kind] += 1
        self.send(request, session)

    def any(self) -> Request | None:
        """A proposal, a ✅, a `now` or an event sent again, by the load's proportions."""
        roll = self.rng.random()
        if roll < 0.4:
            return self.proposal()
        if roll < 0.75:
            return self.reaction()
        if roll < 0.9:
            return self.publish_now()
        if self.sent:
            # Slack delivers at least once: an event already answered, sent again.
            old = self.rng.choice(self.sent[-20:])
            if old.content_type == JSON:
                return Request("repeat", old.body, JSON, attempts=1)
        return None

    def load(self, stop: threading.Event) -> None:
        """Requests at a human-ish but brisk pace until told to stop (or the process dies)."""
        session = requests.Session()
        try:
            while not stop.is_set():
                request = self.any()
                if request is not None:
                    self.dispatch(request, session)
                stop.wait(self.rng.uniform(0.02, 0.15))
        except sqlite3.Error:
            pass  # the product was killed mid-write; the next cycle goes on
        finally:
            session.close()

    def resend_pending(self) -> None:
        with self._lock:
            pending, self.pending = self.pending, []
        session = requests.Session()
        for request in pending:
            self.send(request, session)
        session.close()

    # -- one cycle --------------------------------------------------------------------------

    def cycle(self) -> None:
        x_latency = self.rng.uniform(0.0, 0.25)
        self.x.latency, self.graph.latency = x_latency, self.rng.uniform(0.0, 0.25)
        mode = self.rng.choices(MODES, weights=(0.4, 0.33, 0.12, 0.15))[0]
        started = time.monotonic()
        self.product.start()
        if mode == "startup" and self.figures.start_seconds:
            # Killed before it answers: while it recovers what the last crash interrupted.
            typical = sorted(self.figures.start_seconds)[len(self.figures.start_seconds) // 2]
            time.sleep(self.rng.uniform(0.3, typical))
            if not self.product.healthy():
                self.product.kill()
                self.figures.kills += 1
                self.figures.kills_startup += 1
                self.figures.cycles += 1
                return
        self.product.wait_healthy()
        self.figures.start_seconds.append(time.monotonic() - started)
        self.resend_pending()
        stop = threading.Event()
        loader = threading.Thread(target=self.load, args=(stop,), name="soak-load")
        loader.start()
        release: threading.Event | None = None
        try:
            if mode == "held":
                time.sleep(self.rng.uniform(0.2, 1.0))
                release = self.held_publish()
            if mode == "ack":
                # Killed the moment Slack has its 200: the work behind the ack is under way.
                time.sleep(self.rng.uniform(0.2, 1.5))
                request = self.proposal() if self.rng.random() < 0.6 else self.any()
                session = requests.Session()
                self.dispatch(request or self.proposal(), session)
                session.close()
                self.figures.kills_after_ack += 1
            elif release is None:
                time.sleep(self.rng.uniform(0.2, 3.0))
            else:
                time.sleep(self.rng.uniform(0.0, 0.2))
            self.product.kill()
        finally:
            stop.set()
            loader.join()
        self.figures.kills += 1
        self.figures.cycles += 1
        if release is not None:
            self.figures.kills_held += 1
            self.end_hold(release)

    def held_publish(self) -> threading.Event | None:
        """`now` for a post while its platform holds the publish request; None when there is
        nothing to publish or the call never came."""
        platform = self.rng.choice(("x", "facebook"))
        request = self.publish_now(platform)
        if request is None:
            return None
        emulator, pattern = (self.x, X_CREATE) if platform == "x" else (self.graph, FB_CREATE)
        before = len(emulator.calls_to(pattern, method="POST"))
        self._held = (emulator, pattern)
        release = emulator.hold(pattern, method="POST")
        session = requests.Session()
        self.dispatch(request, session)
        session.close()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if len(emulator.calls_to(pattern, method="POST")) > before:
                return release
            time.sleep(0.02)
        release.set()
        return None

    def end_hold(self, release: threading.Event) -> None:
        """After the kill the platform either creates the held post (its answer lost) or fails
        it, now or only once the next process has started."""
        emulator, pattern = self._held
        if self.rng.random() < 0.35:
            emulator.inject(pattern, method="POST", status=503, body={"title": "injected"})
            self.figures.held_failed += 1
        else:
            self.figures.held_landed += 1
        if self.rng.random() < 0.5:
            release.set()
        else:
            threading.Timer(self.rng.uniform(0.5, 3.0), release.set).start()

    # -- the end ----------------------------------------------------------------------------

    def drain(self) -> None:
        """A clean last run: no faults, every approved post published now, then SIGTERM."""
        time.sleep(3.2)  # every delayed release has happened
        self.x.chaos(X_CREATE, rate=0.0)
        self.graph.chaos(FB_CREATE, rate=0.0)
        self.x.latency = self.graph.latency = 0.0
        self.product.start()
        self.product.wait_healthy()
        self.resend_pending()
        session = requests.Session()
        ready = query(
            self.db,
            "SELECT DISTINCT p.id FROM posts p JOIN deliveries d ON d.post_id = p.id "
            "WHERE p.status = 'approved' AND d.status = 'queued' ORDER BY p.id",
        )
        for row in ready:
            self.dispatch(self.now_request(int(row["id"])), session)
        session.close()
        deadline = time.monotonic() + 60
        quiet_since, last = time.monotonic(), len(self.slack.calls)
        while time.monotonic() < deadline:
            busy = query(
                self.db, "SELECT COUNT(*) AS n FROM deliveries WHERE status = 'publishing'"
            )
            calls = len(self.slack.calls)
            if calls != last:
                quiet_since, last = time.monotonic(), calls
            if busy[0]["n"] == 0 and time.monotonic() - quiet_since > 1.5:
                break
            time.sleep(0.2)
        self.figures.final_exit = self.product.stop()

    def snapshot(self) -> Snapshot:
        def created(emulator: XEmulator | GraphEmulator) -> list[dict[str, str]]:
            if isinstance(emulator, XEmulator):
                return [{"id": t["id"], "text": t["sent_text"]} for t in emulator.tweets]
            return [{"id": p["id"], "text": p["message"]} for p in emulator.posts]

        # Words are encrypted at rest: read them back with the product's key, as it would.
        store = open_store(self.db, Keyring(REGISTER_KEY))
        try:
            posts = [
                store.readable_row("posts", r)
                for r in query(self.db, "SELECT * FROM posts ORDER BY id")
            ]
            deliveries = [
                store.readable_row("deliveries", r)
                for r in query(self.db, "SELECT * FROM deliveries ORDER BY id")
            ]
        finally:
            store.close()
        return Snapshot(
            posts=posts,
            deliveries=deliveries,
            reviews=query(self.db, "SELECT * FROM reviews ORDER BY id"),
            audit=query(self.db, "SELECT * FROM audit ORDER BY id"),
            on_platform={"x": created(self.x), "facebook": created(self.graph)},
            slack_texts=[
                (m["channel"], m["thread_ts"], m["text"] or "") for m in self.slack.messages()
            ],
            acked_proposals=[r.ts for r in self.sent if r.kind == "proposal" and r.acked],
            acked_approvals=[
                (r.post_id, r.user) for r in self.sent if r.kind == "reaction" and r.acked
            ],
            audit_verify_exit=self.product.cli("audit", "verify"),
        )

    def run(self, cycles: int) -> tuple[Snapshot, list[str]]:
        started = time.monotonic()
        for number in range(1, cycles + 1):
            self.cycle()
            self.say(f"cycle {number}/{cycles}: {self.figures.kills} kills")
        self.drain()
        self.figures.wall = time.monotonic() - started
        snapshot = self.snapshot()
        return snapshot, check(snapshot)


# -- the invariants ----------------------------------------------------------------------------


def _post_of(snapshot: Snapshot) -> dict[str, int]:
    """The words each post publishes → its id (every soak post's words are unique)."""
    found: dict[str, int] = {}
    for post in snapshot.posts:
        variants = json.loads(post.get("variants") or "{}")
        for words in (post["text"], *variants.values()):
            found[words] = post["id"]
    return found


def check(snapshot: Snapshot) -> list[str]:
    """Every broken invariant, in words; empty when all hold."""
    broken: list[str] = []
    post_of = _post_of(snapshot)
    posts = {p["id"]: p for p in snapshot.posts}

    # 1. Nothing published twice on a platform; nothing there that is not an approved post.
    on: dict[tuple[int, str], list[str]] = {}
    for platform, created in snapshot.on_platform.items():
        for item in created:
            post_id = post_of.get(item["text"])
            if post_id is None:
                broken.append(f"{platform}: {item['id']} matches no post: {item['text'][:60]!r}")
                continue
            on.setdefault((post_id, platform), []).append(item["id"])
    for (post_id, platform), ids in sorted(on.items()):
        if len(ids) > 1:
            broken.append(f"#{post_id} was published {len(ids)} times on {platform}: {ids}")
        if posts[post_id]["status"] != "approved":
            broken.append(f"#{post_id} is {posts[post_id]['status']} but is on {platform}")

    # 2. Every approved post: published, queued, or reported to a person.
    said = snapshot.slack_texts
    current = {
        (d["post_id"], d["platform"]): d
        for d in snapshot.deliveries
        if d["content_hash"] == posts[d["post_id"]]["content_hash"]
    }
    for post in snapshot.posts:
        if post["status"] != "approved":
            continue
        for platform in json.loads(post["platforms"]):
            delivery = current.get((post["id"], platform))
            where = f"#{post['id']} on {platform}"
            there = on.get((post["id"], platform), [])
            if delivery is None:
                broken.append(f"{where}: approved but no delivery (lost)")
                continue
            status = delivery["status"]
            if status == "published":
                if delivery["remote_id"] and delivery["remote_id"] not in there:
                    broken.append(f"{where}: published as {delivery['remote_id']}, not there")
            elif status == "queued":
                if there:
                    broken.append(f"{where}: queued to publish again, but already there {there}")
            elif status in ("failed", "unconfirmed"):
                if status == "failed" and there:
                    broken.append(f"{where}: failed in the database, but there {there}")
                if not _reported(post, platform, status, said):
                    broken.append(f"{where}: {status} and nobody was told")
            else:
                broken.append(f"{where}: left {status}")

    # 3. Every acknowledged proposal and approval is in the database.
    by_ts = {p["source_ts"] for p in snapshot.posts}
    lost = [ts for ts in snapshot.acked_proposals if ts not in by_ts]
    if lost:
        broken.append(f"{len(lost)} acknowledged proposals have no post: {lost[:5]}")
    approvals = {(r["post_id"], r["reviewer"]) for r in snapshot.reviews if r["decision"]}
    unrecorded = sorted(set(snapshot.acked_approvals) - approvals)
    if unrecorded:
        broken.append(
            f"{len(unrecorded)} acknowledged approvals are not recorded: {unrecorded[:5]}"
        )

    # 4. The audit chain verifies, and it has a record for everything the database shows.
    if snapshot.audit_verify_exit != 0:
        broken.append(f"`countersign audit verify` exited {snapshot.audit_verify_exit}")
    recorded: set[tuple[Any, ...]] = set()
    for record in snapshot.audit:
        detail = json.loads(record["detail"] or "{}")
        recorded.add((record["action"], record["post_id"]))
        recorded.add((record["action"], record["post_id"], record["actor"]))
        recorded.add((record["action"], record["post_id"], detail.get("platform")))
    for post in snapshot.posts:
        if ("proposed", post["id"], post["proposer"]) not in recorded:
            broken.append(f"#{post['id']}: no audit record of its proposal")
    for review in snapshot.reviews:
        action = "approved" if review["decision"] == "approve" else "rejected"
        if (action, review["post_id"], review["reviewer"]) not in recorded:
            broken.append(f"#{review['post_id']}: no audit record of {review['reviewer']}'s review")
    for d in snapshot.deliveries:
        post_id, platform, status = d["post_id"], d["platform"], d["status"]
        if ("queued", post_id) not in recorded:
            broken.append(f"#{post_id}: no audit record of its queueing")
        wanted = {
            "published": ("published", "confirmed_published"),
            "failed": ("failed",),
            "unconfirmed": ("unconfirmed",),
        }.get(status, ())
        if wanted and not any((a, post_id, platform) in recorded for a in wanted):
            broken.append(f"#{post_id} on {platform}: {status} without an audit record")
    return broken


def _reported(post: dict[str, Any], platform: str, status: str, said: list[Any]) -> bool:
    name = PLATFORM_NAMES[platform]
    ref = f"#{post['id']}"
    if status == "unconfirmed":
        wanted = f"{ref}: Countersign cannot tell whether it went out on {name}"
        return any(channel == REVIEW and wanted in text for channel, _, text in said)
    wanted = f"{ref} could not be published on {name}"
    return any(thread == post["source_ts"] and wanted in text for channel, thread, text in said)


# -- the report --------------------------------------------------------------------------------


def report(soak: Soak, snapshot: Snapshot, broken: list[str], seed: int) -> str:
    f = soak.figures
    statuses = Counter((d["platform"], d["status"]) for d in snapshot.deliveries)
    posts = Counter(p["status"] for p in snapshot.posts)
    starts = sorted(f.start_seconds)
    median = starts[len(starts) // 2] if starts else float("nan")

    def per(status: str) -> str:
        return f"{statuses[('x', status)]} / {statuses[('facebook', status)]}"

    unconfirmed = [d for d in snapshot.deliveries if d["status"] == "unconfirmed"]
    lines = [
        f"## Crash soak: {f.cycles} SIGKILLs of `countersign serve --http`, seed {seed}",
        "",
        "| measure | value |",
        "|---|---|",
        f"| cycles (process started, driven, killed with SIGKILL) | {f.cycles} |",
        "| kills: at a random moment / while a publish request was held / during start-up / "
        f"right after an ack | {f.kills - f.kills_held - f.kills_startup - f.kills_after_ack} / "
        f"{f.kills_held} / {f.kills_startup} / {f.kills_after_ack} |",
        f"| held requests that then created the post / failed | {f.held_landed} / "
        f"{f.held_failed} |",
        "| requests sent (proposals, ✅ reactions, `now`, repeated events) | "
        f"{f.requests['proposal']}, {f.requests['reaction']}, {f.requests['now']}, "
        f"{f.requests['repeat']} |",
        f"| requests unanswered (process killed) and sent again by 'Slack' | {f.retries_sent} "
        f"(given up after {MAX_SLACK_RETRIES} retries: {f.gave_up}) |",
        f"| posts: proposed / approved / blocked / in review | {len(snapshot.posts)} / "
        f"{posts['approved']} / {posts['blocked']} / {posts['in_review']} |",
        f"| deliveries published (X / Facebook) | {per('published')} |",
        f"| deliveries queued (X / Facebook) | {per('queued')} |",
        f"| deliveries unconfirmed, each reported to the admins (X / Facebook) | "
        f"{per('unconfirmed')} |",
        f"| deliveries failed, each reported in the thread (X / Facebook) | {per('failed')} |",
        f"| posts on X / on Facebook | {len(snapshot.on_platform['x'])} / "
        f"{len(snapshot.on_platform['facebook'])} |",
        f"| audit records (`audit verify`: exit {snapshot.audit_verify_exit}) | "
        f"{len(snapshot.audit)} |",
        f"| start-up to /healthz, median | {median:.2f} s |",
        f"| final clean stop (SIGTERM) | exit {f.final_exit} |",
        f"| wall time | {f.wall:.0f} s |",
        "",
    ]
    if unconfirmed:
        lines.append(
            "Unconfirmed deliveries (each with an alert and its two buttons): "
            + ", ".join(f"#{d['post_id']} {d['platform']}" for d in unconfirmed)
        )
        lines.append("")
    if broken:
        lines.append("**FAIL**:")
        lines.extend(f"- {b}" for b in broken)
    else:
        lines.append(
            "**PASS**: no post twice on a platform, every approved post published, queued or "
            "reported, every acknowledged proposal and approval recorded, the audit log "
            "complete and intact."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--cycles", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the folder (database, log)")
    parser.add_argument("--quiet", action="store_true", help="no progress on standard error")
    args = parser.parse_args(argv)
    if args.cycles < 1:
        parser.error("--cycles must be at least 1")
    folder = Path(tempfile.mkdtemp(prefix="soak-crash-"))
    say = (lambda text: None) if args.quiet else (lambda text: print(text, file=sys.stderr))
    soak = Soak(folder, args.seed, say=say)
    try:
        snapshot, broken = soak.run(args.cycles)
    finally:
        soak.close()
    print(report(soak, snapshot, broken, args.seed))
    if args.keep or broken:
        print(f"\n(kept {folder}: server.log, countersign.db)")
    else:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if broken else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
