"""Benchmark: how fast `countersign serve --http` acknowledges signed Slack requests.

Usage: python scripts/bench_ack.py [--rate 200] [--seconds 60] [--mix proposals,reactions,commands]

Slack gives an app 3 seconds to acknowledge a request, whatever work it starts (issue [4]). This
starts the Slack, X and Graph emulators in this process and the real product as a subprocess
(`python -m bot serve --http`, temporary config and database, everything on 127.0.0.1), then sends
signed requests open-loop at a steady rate from a small pool of client threads: each request is
due at its planned time, so a slow server cannot slow the load down. Latency is measured from the
planned time and from the actual send. The mix: proposal messages (clean, with warnings, blocked),
approvers' :white_check_mark: reactions on earlier proposals, a few slash commands
(`/countersign help`, `/countersign now <id>` by an admin) and a few deliberate retries of earlier
event ids (X-Slack-Retry-Num). Afterwards it waits for the work behind the acks and checks that
every proposal got exactly one report. Prints Markdown. Exit 1 on any non-200 answer or connection
error, a p99 at or above --p99-ms, or a proposal not processed exactly once. Not a test: timings
depend on the machine.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import os
import platform
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import requests

from bot.emulators.graph import GraphEmulator
from bot.emulators.process import REGISTER_KEY, SIGNING_SECRET, product_env, start_emulators
from bot.emulators.slack import (
    BOT_USER_ID,
    TEAM_ID,
    SlackEmulator,
    SlackEventSender,
    message_event,
    new_ts,
    reaction_event,
)
from bot.emulators.x import XEmulator

PROPOSALS, REVIEW = "C0PROPOSALS", "C0REVIEW"
ALICE, BOB, CAROL, DANA, EVE = "U0ALICE", "U0BOB", "U0CAROL", "U0DANA", "U0EVE"
APPROVERS, PROPOSERS = (ALICE, BOB), (CAROL, EVE, ALICE)
# Made-up credentials shared by the emulators and the server under test.
SCHEDULE = """\
x:
  - days: mon-fri
    times: ["09:30", "17:00"]
facebook:
  - days: mon-fri
    times: ["10:00"]
"""
MIXES = ("proposals", "reactions", "commands")
# Shares of the load when every kind is on; a command is help four times out of five.
WEIGHTS = {"proposals": 0.62, "reactions": 0.33, "commands": 0.05}
NOW_SHARE_OF_COMMANDS = 0.2
# What a proposal says: (kind, template); {n} keeps every text unique (X refuses duplicates).
TEXTS = (
    (
        "clean",
        "Drop-in update {n}: the community hall is open on Thursday from 10am, with hot "
        "food, showers and advice for everyone who needs it.",
    ),
    (
        "clean",
        "Volunteer news {n}: our volunteers served 120 meals this week. Thank you to "
        "everyone who gave their time.",
    ),
    (
        "clean",
        "Reminder {n}: the clinic is closed on Friday; walk-in testing moves to Saturday "
        "morning at the usual place.",
    ),
    ("warn", "Weekly note {n}: I think our new advice service is the best in the city, honestly."),
    ("block", "Case note {n}: call Sarah on 07700 900123 about her housing."),
)
TEXT_WEIGHTS = (0.25, 0.25, 0.2, 0.2, 0.1)
REACT_AFTER_S = 3.0  # an approver reacts to a proposal at least this long after it was sent
RETRY_AFTER_S = 1.0  # a retry repeats an event sent at least this long before
REPORT = re.compile(r"^#(\d+): ")  # the report in a proposal's thread: "#12: ..."
APPROVED = re.compile(r"#(\d+) was approved by ")
MAX_REQUESTS = 200_000
JSON, FORM = "application/json", "application/x-www-form-urlencoded"


# -- the plan ----------------------------------------------------------------------------------


@dataclass
class Item:
    """One request of the load: what it is, and for events the exact body (retries reuse it)."""

    kind: str  # proposal | reaction | help | now | retry
    body: str = ""
    event_id: str = ""
    ts: str = ""  # a proposal's message ts, or the message a reaction targets
    verdict: str = ""  # a proposal's expected verdict: clean | warn | block
    of: int = -1  # a retry: the index of the event it repeats
    approver: str = ""


def envelope(event: dict[str, Any], event_id: str) -> str:
    """The Events API envelope, as SlackEventSender.event builds it."""
    return json.dumps(
        {
            "token": "verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [
                {
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                    "enterprise_id": None,
                }
            ],
            "is_ext_shared_channel": False,
        }
    )


def command_body(text: str, user: str, response_url: str) -> str:
    """A slash command's form body, as SlackEventSender.command builds it."""
    return urlencode(
        {
            "token": "verification-token",
            "command": "/countersign",
            "text": text,
            "user_id": user,
            "user_name": user.lower(),
            "channel_id": REVIEW,
            "channel_name": REVIEW.lower(),
            "team_id": TEAM_ID,
            "team_domain": "test",
            "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
            "response_url": response_url,
            "api_app_id": "A0001",
            "is_enterprise_install": "false",
        }
    )


def new_event_id() -> str:
    return "Ev" + uuid.uuid4().hex[:12].upper()


class Proposals:
    """Proposal messages with unique ts and text; remembers who proposed what."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.seq = itertools.count(1)
        self.proposer: dict[str, str] = {}
        self.verdict: dict[str, str] = {}

    def make(self) -> Item:
        verdict, template = self.rng.choices(TEXTS, weights=TEXT_WEIGHTS)[0]
        user = self.rng.choice(PROPOSERS)
        ts = new_ts()
        text = template.format(n=next(self.seq))
        event_id = new_event_id()
        self.proposer[ts], self.verdict[ts] = user, verdict
        body = envelope(message_event(PROPOSALS, user, text, ts), event_id)
        return Item("proposal", body, event_id, ts=ts, verdict=verdict)

    def reaction(self, ts: str) -> Item:
        approver = self.rng.choice([a for a in APPROVERS if a != self.proposer[ts]])
        event = reaction_event(
            approver, "white_check_mark", PROPOSALS, ts, item_user=self.proposer[ts]
        )
        event_id = new_event_id()
        return Item("reaction", envelope(event, event_id), event_id, ts=ts, approver=approver)


def build_plan(
    count: int,
    rate: float,
    mix: tuple[str, ...],
    retry_share: float,
    seeds: list[str],
    proposals: Proposals,
    rng: random.Random,
) -> list[Item]:
    kinds = [k for k in MIXES if k in mix]
    weights = [WEIGHTS[k] for k in kinds]
    plan: list[Item] = []
    waiting = deque(seeds)  # proposals nobody has reacted to yet, oldest first
    old = list(seeds)  # every proposal old enough to be reacted to
    pending: deque[tuple[int, str]] = deque()  # (index, ts) of proposals not yet old enough
    events: list[int] = []  # indexes of events, for retries
    react_gap, retry_gap = int(REACT_AFTER_S * rate), max(1, int(RETRY_AFTER_S * rate))
    for i in range(count):
        while pending and pending[0][0] <= i - react_gap:
            ts = pending.popleft()[1]
            waiting.append(ts)
            old.append(ts)
        # A retry repeats an event sent between one and four retry gaps ago.
        lo = bisect.bisect_left(events, i - 4 * retry_gap)
        hi = bisect.bisect_right(events, i - retry_gap)
        if hi > lo and rng.random() < retry_share:
            j = events[rng.randrange(lo, hi)]
            plan.append(Item("retry", plan[j].body, plan[j].event_id, ts=plan[j].ts, of=j))
            continue
        kind = rng.choices(kinds, weights=weights)[0]
        if kind == "proposals":
            item = proposals.make()
            pending.append((i, item.ts))
        elif kind == "reactions":
            # The oldest proposal no one reacted to; an approved one again when there is none.
            ts = waiting.popleft() if waiting else rng.choice(old)
            item = proposals.reaction(ts)
        else:
            item = Item("now" if rng.random() < NOW_SHARE_OF_COMMANDS else "help")
        if item.event_id:
            events.append(i)
        plan.append(item)
    return plan


# -- the server under test ---------------------------------------------------------------------


def proc_status(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return {}
    return {k: v.strip() for k, _, v in (line.partition(":") for line in lines)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def mb(status: dict[str, str], key: str) -> str:
    value = status.get(key, "")
    return f"{int(value.split()[0]) / 1024:.0f} MB" if value else "n/a"


class Server:
    """`python -m bot serve --http` on a free port of 127.0.0.1, pointed at the emulators."""

    def __init__(
        self, tmp: Path, slack: SlackEmulator, x: XEmulator, graph: GraphEmulator, log_level: str
    ) -> None:
        config = tmp / "config"
        config.mkdir()
        (config / "schedule.yaml").write_text(SCHEDULE)
        (config / "policy.yaml").write_text("country: GB\n")
        env = product_env(
            slack,
            x,
            graph,
            tmp,
            proposals=PROPOSALS,
            review=REVIEW,
            approvers=f"{ALICE},{BOB},S0APPROVERS",
            admins=DANA,
            COUNTERSIGN_TIMEZONE="Europe/London",
            COUNTERSIGN_LOG_LEVEL=log_level,
        )
        self.port = int(env["PORT"])
        self.log_path = tmp / "server.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--http"],
            env=env,
            cwd=tmp,  # no developer's .env is read from here
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.pid = self.process.pid

    def url(self, path: str = "/slack/events") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_healthy(self, timeout: float = 30.0) -> float:
        started = time.monotonic()
        while True:
            try:
                health = requests.get(self.url("/healthz"), timeout=1)
                if health.status_code == 200 and health.json().get("status") == "ok":
                    return time.monotonic() - started
            except requests.RequestException:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited ({self.process.returncode}):\n{self.tail()}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"the server did not answer /healthz:\n{self.tail()}")
            time.sleep(0.1)

    def stop(self, timeout: float = 20.0) -> tuple[int | None, float]:
        """SIGTERM and wait; SIGKILL only if it does not stop in time."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()
        return self.process.returncode, time.monotonic() - started

    def tail(self, lines: int = 30) -> str:
        self._log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])

    def log_levels(self) -> Counter[str]:
        text = self.log_path.read_text(errors="replace")
        return Counter(re.findall(r"\b(WARNING|ERROR|CRITICAL)\b", text))


# -- the load ----------------------------------------------------------------------------------


@dataclass
class Result:
    kind: str
    planned: float
    sent: float = float("nan")
    done: float = float("nan")
    status: int | None = None
    error: str = ""
    body: str = ""
    wall: float = float("nan")  # time.time() at the send, to compare with the emulator's log
    ts: str = ""

    @property
    def from_planned_ms(self) -> float:
        return (self.done - self.planned) * 1000

    @property
    def from_sent_ms(self) -> float:
        return (self.done - self.sent) * 1000


class Watcher:
    """Reads the Slack emulator: which proposals got a report, which were approved."""

    def __init__(self, slack: SlackEmulator) -> None:
        self.slack = slack
        self.approved: set[int] = set()
        self._lock = threading.Lock()
        self._read = 0  # messages already looked at by `follow`

    def scan(self) -> tuple[dict[str, list[int]], Counter[str]]:
        """Reports per proposal ts, and approval notes per proposal ts."""
        reports: dict[str, list[int]] = defaultdict(list)
        approvals: Counter[str] = Counter()
        for m in self.slack.messages(PROPOSALS):
            if not m["thread_ts"]:
                continue
            if found := REPORT.match(m["text"]):
                reports[m["thread_ts"]].append(int(found.group(1)))
            elif found := APPROVED.search(m["text"]):
                approvals[m["thread_ts"]] += 1
                with self._lock:
                    self.approved.add(int(found.group(1)))
        return reports, approvals

    def follow(self) -> None:
        """Only the approvals posted since the last call: the watcher must stay cheap while
        the emulator accumulates tens of thousands of messages in this process."""
        upto = self.slack.message_count()
        for m in self.slack.messages(PROPOSALS, since=self._read):
            if m["thread_ts"] and (found := APPROVED.search(m["text"])):
                with self._lock:
                    self.approved.add(int(found.group(1)))
        self._read = upto


class NowTargets:
    """Approved posts for `/countersign now <id>`: each published once, then any again."""

    def __init__(self, watcher: Watcher, rng: random.Random) -> None:
        self.watcher = watcher
        self.rng = rng
        self.used: set[int] = set()
        self._lock = threading.Lock()

    def pick(self) -> int:
        with self._lock, self.watcher._lock:
            fresh = sorted(self.watcher.approved - self.used)
            if fresh:
                post_id = fresh[0]
            elif self.used:
                post_id = self.rng.choice(sorted(self.used))
            else:
                post_id = 1
            self.used.add(post_id)
            return post_id


def run_load(
    plan: list[Item],
    rate: float,
    clients: int,
    url: str,
    sender: SlackEventSender,
    response_url: str,
    targets: NowTargets,
    timeout: float,
) -> tuple[list[Result], float]:
    results: list[Result | None] = [None] * len(plan)
    counter = itertools.count()
    start = time.perf_counter() + 0.5
    help_users = itertools.cycle((CAROL, DANA, ALICE, EVE))

    def client() -> None:
        session = requests.Session()
        while True:
            i = next(counter)  # atomic under the GIL
            if i >= len(plan):
                break
            item = plan[i]
            planned = start + i / rate
            extra: dict[str, str] = {}
            if item.kind in ("help", "now"):
                text = f"now {targets.pick()}" if item.kind == "now" else "help"
                user = DANA if item.kind == "now" else next(help_users)
                body, content_type = command_body(text, user, response_url), FORM
            else:
                body, content_type = item.body, JSON
                if item.kind == "retry":
                    extra = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
            data = body.encode()
            delay = planned - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            headers = sender.signed_headers(body, content_type=content_type) | extra
            result = Result(item.kind, planned, ts=item.ts)
            result.wall, result.sent = time.time(), time.perf_counter()
            try:
                response = session.post(url, data=data, headers=headers, timeout=timeout)
                result.done = time.perf_counter()
                result.status, result.body = response.status_code, response.text[:200]
            except requests.RequestException as exc:
                result.done = time.perf_counter()
                result.error = type(exc).__name__
            results[i] = result
        session.close()

    threads = [threading.Thread(target=client, name=f"client-{n}") for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in results if r is not None], start


# -- reporting ---------------------------------------------------------------------------------


def report_times(slack: SlackEmulator) -> dict[str, float]:
    """When the report in each proposal's thread was posted (the emulator's clock, time.time())."""
    posted: dict[str, float] = {}
    for call in slack.calls_to(r"^/api/chat\.postMessage$"):
        args = call.json if isinstance(call.json, dict) else call.form
        thread_ts, text = args.get("thread_ts"), str(args.get("text") or "")
        if thread_ts and REPORT.match(text) and thread_ts not in posted:
            posted[thread_ts] = call.at
    return posted


def database_checks(path: Path) -> tuple[int, int, int | None]:
    """What the database says afterwards: slots held by two deliveries on one platform (a
    race between approvals), and the audit chain."""
    from bot.storage import open_store

    store = open_store(path)
    try:
        [(shared,)] = store.db.execute(
            "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE status IN "
            "('queued', 'publishing', 'published') AND slot_at < '9999' "
            "GROUP BY platform, slot_at "
            "HAVING COUNT(*) > 1)"
        ).fetchall()
        store.key_audit(REGISTER_KEY)  # the product's records are keyed with it
        audited, broken = store.verify_audit()
    finally:
        store.close()
    return int(shared), audited, broken


def percentiles(values: list[float]) -> tuple[float, float, float, float]:
    if not values:
        return (float("nan"),) * 4
    if len(values) == 1:
        return (values[0],) * 4
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98], max(values)


def fmt(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.1f}" for v in values)


@dataclass
class Check:
    failures: list[str] = field(default_factory=list)

    def expect(self, ok: bool, why: str) -> None:
        if not ok:
            self.failures.append(why)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    parser.add_argument(
        "--mix", default=",".join(MIXES), help="comma-separated: " + ", ".join(MIXES)
    )
    parser.add_argument("--p99-ms", type=float, default=100.0, help="target: p99 below this")
    parser.add_argument("--clients", type=int, default=8, help="client threads")
    parser.add_argument(
        "--retry-share", type=float, default=0.03, help="share of events sent again as retries"
    )
    parser.add_argument(
        "--drain-seconds", type=float, default=60.0, help="how long to wait for the work"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="HTTP timeout per request")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--log-level", default="INFO", help="the server's COUNTERSIGN_LOG_LEVEL")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    mix = tuple(m.strip() for m in args.mix.split(",") if m.strip())
    if not mix or any(m not in MIXES for m in mix):
        parser.error(f"--mix takes a comma-separated subset of {', '.join(MIXES)}")
    count = round(args.rate * args.seconds)
    if args.rate <= 0 or count < 1 or count > MAX_REQUESTS:
        parser.error(f"--rate x --seconds must be between 1 and {MAX_REQUESTS:,} requests")
    if not 1 <= args.clients <= 64:
        parser.error("--clients must be between 1 and 64")

    rng = random.Random(args.seed)  # noqa: S311 - a reproducible load, not secrets
    tmp = Path(tempfile.mkdtemp(prefix="bench-ack-"))
    slack, x, graph = start_emulators()
    slack.usergroups["S0APPROVERS"] = [ALICE]
    server: Server | None = None
    try:
        server = Server(tmp, slack, x, graph, args.log_level)
        started_in = server.wait_healthy()
        sender = SlackEventSender(server.url(), SIGNING_SECRET)
        response_url = slack.response_url("bench")
        proposals = Proposals(rng)
        watcher = Watcher(slack)

        # Warm-up (not measured): imports, compiled rules, the first auth.test, connections.
        # A few proposals, half of them approved, give reactions and `now` their first targets.
        seeds = [proposals.make() for _ in range(6)]
        warm = requests.Session()

        def send(body: str, content_type: str = JSON) -> None:
            headers = sender.signed_headers(body, content_type=content_type)
            answer = warm.post(server.url(), data=body.encode(), headers=headers, timeout=10)
            answer.raise_for_status()

        for seed in seeds:
            send(seed.body)
        send(command_body("help", CAROL, response_url), FORM)
        deadline = time.monotonic() + 30
        while len(watcher.scan()[0]) < len(seeds) and time.monotonic() < deadline:
            time.sleep(0.1)
        clean = [s for s in seeds if s.verdict != "block"]
        for seed in clean[: len(clean) // 2]:
            send(proposals.reaction(seed.ts).body)
        while len(watcher.approved) < len(clean) // 2 and time.monotonic() < deadline:
            watcher.scan()
            time.sleep(0.1)
        approved_seeds = {s.ts for s in clean[: len(clean) // 2]}
        unapproved = [s.ts for s in seeds if s.ts not in approved_seeds]
        warm.close()

        plan = build_plan(count, args.rate, mix, args.retry_share, unapproved, proposals, rng)
        targets = NowTargets(watcher, rng)
        mem_before = proc_status(server.pid)
        cpu_before, own_before = cpu_seconds(server.pid), os.times()

        stop_watching = threading.Event()

        def watch() -> None:  # post ids for `now`, once a second
            while not stop_watching.wait(1.0):
                watcher.follow()

        watching = threading.Thread(target=watch, name="watcher", daemon=True)
        watching.start()
        results, start = run_load(
            plan, args.rate, args.clients, server.url(), sender, response_url, targets, args.timeout
        )
        load_end = time.perf_counter()
        cpu_load = cpu_seconds(server.pid) - cpu_before
        own_after = os.times()
        own_cpu = (own_after.user + own_after.system) - (own_before.user + own_before.system)
        stop_watching.set()
        watching.join()

        # The work behind the acks: every proposal reported, every `now` answered, then quiet.
        proposal_ts = [item.ts for item in plan if item.kind == "proposal"]
        nows = sum(1 for item in plan if item.kind == "now")
        drain_start = time.perf_counter()
        quiet_since, last_calls = None, -1
        while True:
            reports, approvals = watcher.scan()
            calls = len(slack.calls)
            everything = all(ts in reports for ts in proposal_ts) and (
                len([r for r in slack.responses() if r["path"].endswith("/bench")]) >= nows
            )
            now = time.perf_counter()
            if calls != last_calls:
                quiet_since, last_calls = now, calls
            if everything and quiet_since is not None and now - quiet_since >= 2.0:
                break
            if now - drain_start > args.drain_seconds:
                break
            time.sleep(0.25)
        drained_after = max(0.0, (quiet_since or time.perf_counter()) - load_end)
        mem_after = proc_status(server.pid)
        cpu_total = cpu_seconds(server.pid) - cpu_before
        code, stop_took = server.stop()
        levels = server.log_levels()
    finally:
        if server is not None and server.process.poll() is None:
            server.stop()
        for emulator in (slack, x, graph):
            emulator.stop()

    # -- the figures -------------------------------------------------------------------------
    check = Check()
    statuses = Counter(str(r.status) if r.status is not None else r.error for r in results)
    bad = {k: v for k, v in statuses.items() if k != "200"}
    check.expect(not bad, f"answers other than 200: {bad}")
    timed = [r for r in results if r.status is not None]
    planned_ms = [r.from_planned_ms for r in timed]
    sent_ms = [r.from_sent_ms for r in timed]
    p_planned, p_sent = percentiles(planned_ms), percentiles(sent_ms)
    check.expect(
        p_planned[2] < args.p99_ms, f"p99 from planned time {p_planned[2]:.1f} ms ≥ {args.p99_ms}"
    )
    check.expect(p_sent[2] < args.p99_ms, f"p99 from send {p_sent[2]:.1f} ms ≥ {args.p99_ms}")
    sends = sorted(r.sent for r in results)
    achieved = (len(sends) - 1) / (sends[-1] - sends[0]) if len(sends) > 1 else float("nan")
    late = sum(1 for r in results if r.sent - r.planned > 0.010)
    over_3s = sum(1 for v in planned_ms if v >= 3000)

    per_ts = Counter(len(reports.get(ts, [])) for ts in proposal_ts)
    once = per_ts.get(1, 0)
    missing = per_ts.get(0, 0)
    twice = sum(v for k, v in per_ts.items() if k > 1)
    check.expect(
        once == len(proposal_ts),
        f"proposals processed exactly once: {once}/{len(proposal_ts)} "
        f"(no report {missing}, more than one {twice})",
    )
    # Approvals: the first ✅ on a proposal that is not blocked must approve it, once.
    first_reaction: dict[str, Item] = {}
    for item in plan:
        if item.kind == "reaction" and item.ts not in first_reaction:
            first_reaction[item.ts] = item
    expect_approved = [
        ts for ts in first_reaction if proposals.verdict.get(ts) in ("clean", "warn")
    ]
    approved_once = sum(1 for ts in expect_approved if approvals.get(ts) == 1)
    approved_twice = sum(1 for ts in approvals if approvals[ts] > 1)
    check.expect(
        approved_once == len(expect_approved) and approved_twice == 0,
        f"first ✅ approved once: {approved_once}/{len(expect_approved)}, "
        f"approved more than once: {approved_twice}",
    )
    posted = report_times(slack)
    lags = [
        (posted[r.ts] - r.wall) * 1000 for r in results if r.kind == "proposal" and r.ts in posted
    ]
    answered = [r for r in slack.responses() if r["path"].endswith("/bench")]
    helps = [r for r in results if r.kind == "help"]
    help_ok = sum(1 for r in helps if "What you can do" in r.body)
    retries = [item for item in plan if item.kind == "retry"]
    retried_proposals = [
        item.ts
        for item in retries
        if item.ts in proposals.verdict and plan[item.of].kind == "proposal"
    ]
    retried_once = sum(1 for ts in retried_proposals if len(reports.get(ts, [])) == 1)
    check.expect(help_ok == len(helps), f"help answered in the ack: {help_ok}/{len(helps)}")
    check.expect(len(answered) >= nows, f"`now` answered: {len(answered)}/{nows}")
    shared_slots, audited, broken = database_checks(tmp / "countersign.db")
    check.expect(not shared_slots, f"slots booked more than once: {shared_slots}")
    check.expect(broken is None, f"audit chain broken at record {broken}")

    title = (
        f"## Acknowledgement latency: `countersign serve --http`, {args.rate:g} requests/s "
        f"for {args.seconds:g} s"
    )
    print(title)
    print()
    print(
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs ({platform.machine()}), {args.clients} client threads, "
        f"mix {','.join(mix)}, retries {args.retry_share:.0%}, seed {args.seed}, "
        f"server log level {args.log_level}. Emulators and clients share this process; "
        "the server is its own process. Latency = planned (or actual) send → response read."
    )
    print()
    print("| measure | value |")
    print("|---|---|")
    kinds = Counter(item.kind for item in plan)
    print(
        f"| requests sent | {len(results):,} ("
        + ", ".join(f"{k} {kinds[k]}" for k in ("proposal", "reaction", "help", "now", "retry"))
        + ") |"
    )
    print(f"| server ready (GET /healthz) after start | {started_in:.1f} s |")
    print(f"| rate achieved | {achieved:.1f}/s (target {args.rate:g}/s) |")
    print("| status codes | " + ", ".join(f"{k} × {v}" for k, v in sorted(statuses.items())) + " |")
    print(f"| sent more than 10 ms after the planned time | {late} |")
    print(f"| ack p50 / p95 / p99 / max from planned time | {fmt(p_planned)} ms |")
    print(f"| ack p50 / p95 / p99 / max from actual send | {fmt(p_sent)} ms |")
    print(f"| acks at or over Slack's 3 s | {over_3s} |")
    print(
        f"| proposals processed exactly once | {once:,} / {len(proposal_ts):,}"
        f" (no report {missing}, several {twice}) |"
    )
    print(
        f"| retried proposals still reported once | {retried_once} / {len(retried_proposals)}"
        f" ({len(retries)} retries in all) |"
    )
    print(
        f"| first ✅ approved the post, once | {approved_once} / {len(expect_approved)}"
        f" (approved twice: {approved_twice}) |"
    )
    print(f"| slots booked by more than one delivery | {shared_slots} |")
    chain = "intact" if broken is None else f"BROKEN at record {broken}"
    print(f"| audit records, chain verified | {audited:,}, {chain} |")
    print(
        "| proposal sent → report in its thread p50 / p95 / p99 / max | "
        f"{fmt(percentiles(lags))} ms |"
    )
    print(f"| `/countersign help` answered in the ack | {help_ok} / {len(helps)} |")
    print(f"| `/countersign now` answered at response_url | {len(answered)} / {nows} |")
    print(f"| work finished after the last request | {drained_after:.1f} s |")
    print(
        f"| server memory (VmHWM) before → after | {mb(mem_before, 'VmHWM')} → "
        f"{mb(mem_after, 'VmHWM')} (VmRSS {mb(mem_before, 'VmRSS')} → "
        f"{mb(mem_after, 'VmRSS')}, threads {mem_before.get('Threads', '?')} → "
        f"{mem_after.get('Threads', '?')}) |"
    )
    load_s = load_end - start
    print(
        f"| server CPU during the load / load + work | {cpu_load / load_s:.0%} / "
        f"{cpu_total / (load_s + max(drained_after, 0.0)):.0%} of one core |"
    )
    print(f"| this process's CPU during the load (clients + emulators) | {own_cpu / load_s:.0%} |")
    print(
        f"| server stop (SIGTERM) | exit {code} in {stop_took:.1f} s; log: "
        + (", ".join(f"{k} {v}" for k, v in sorted(levels.items())) or "no warnings")
        + " |"
    )
    print()
    print("| kind | requests | p50 / p95 / p99 / max from planned (ms) | from send (ms) |")
    print("|---|---|---|---|")
    for kind in ("proposal", "reaction", "retry", "help", "now"):
        rows = [r for r in timed if r.kind == kind]
        if rows:
            print(
                f"| {kind} | {len(rows)} | {fmt(percentiles([r.from_planned_ms for r in rows]))}"
                f" | {fmt(percentiles([r.from_sent_ms for r in rows]))} |"
            )
    print()
    window = next((w for w in (1, 2, 5, 10, 15, 30, 60, 120) if w >= args.seconds / 6), 300)
    print("| seconds | requests | p50 / p99 / max from planned (ms) |")
    print("|---|---|---|")
    buckets: dict[int, list[float]] = defaultdict(list)
    for r in timed:
        buckets[int((r.planned - start) // window)].append(r.from_planned_ms)
    for b in sorted(buckets):
        p50, _, p99, top = percentiles(buckets[b])
        print(
            f"| {b * window:g}–{(b + 1) * window:g} | {len(buckets[b])} | "
            f"{p50:.1f} / {p99:.1f} / {top:.1f} |"
        )
    print()
    if late > len(results) // 100:
        print(
            f"Note: {late} requests left more than 10 ms late because all {args.clients} client "
            "threads were waiting for answers; the figures from the planned time include that "
            "wait, as Slack (which does not wait) would see it. More --clients separates it."
        )
        print()
    if check.failures:
        print("**FAIL**: " + "; ".join(check.failures))
    else:
        print(
            f"**PASS**: p99 {max(p_planned[2], p_sent[2]):.1f} ms < {args.p99_ms:g} ms, every "
            "request answered 200, every proposal processed exactly once, every approval and "
            "command done."
        )
    if args.keep:
        print(f"\n(kept {tmp}: server.log, countersign.db)")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main())
