#!/usr/bin/env python3
"""Benchmark run_checks on real corpus posts: a proposer waits on it for every draft.

Usage: python scripts/bench_checks.py [--runs 2000] [--posts 1000] [--by-rule] [--check]

Warm, on one core: median (p50) and p99 latency for a post of about 280 characters and one of
about 5,000; throughput of run_checks over corpus posts; throughput of `countersign check
--jsonl` as the command runs it (check_jsonl: JSON in, checks, platform fit, JSON out), in this
process and, end to end, as a `countersign` subprocess (start-up included). Prints a Markdown
table. Not a test: timings depend on the machine; --check exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import io
import itertools
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from types import ModuleType
from typing import Any

from bot.check_command import Checker, check_jsonl
from bot.checks import run_checks
from bot.checks.policy import Policy
from bot.domain.findings import Finding

SCRIPTS = Path(__file__).resolve().parent
# Target: p99 latency in ms for a short and a long post; posts per second over the corpus.
P99_SHORT_MS, P99_LONG_MS, MIN_POSTS_PER_S = 2.0, 20.0, 1_000.0


def _evaluator() -> ModuleType:
    # The corpus, its policy and its register are built one way, by the evaluator.
    spec = importlib.util.spec_from_file_location("evaluate_checks", SCRIPTS / "evaluate_checks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity here)"


def _latencies(fn: Callable[[], object], runs: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each run. On a machine shared with other jobs the
    wall clock also counts the time the core spent on them; the CPU time does not."""
    for _ in range(min(200, runs)):  # warm: caches, compiled patterns, lazy imports
        fn()
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter_ns(), time.process_time_ns()
        fn()
        cpu.append((time.process_time_ns() - start_cpu) / 1e6)
        wall.append((time.perf_counter_ns() - start) / 1e6)
    return wall, cpu


def _p99(times: list[float]) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[98]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=2_000, help="timed runs per post size")
    parser.add_argument("--posts", type=int, default=1_000, help="posts for the throughput run")
    parser.add_argument("--by-rule", action="store_true", help="also time each rule pack alone")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)

    ev = _evaluator()
    corpus = ev.load_corpus()
    policy = ev.build_policy(corpus)
    register, register_note = ev.build_register(corpus)
    pinned = _pin_to_one_core()

    def check(post: Any) -> list[Finding]:
        return run_checks(post.text, post.platforms, policy, register=register, today=corpus.today)

    posts = list(corpus.posts)
    # The longest post that still fits a tweet, and the longest the corpus has (≤ 5,000).
    short = max((p for p in posts if len(p.text) <= 280), key=lambda p: (len(p.text), p.id))
    long = max((p for p in posts if len(p.text) <= 5_000), key=lambda p: (len(p.text), p.id))

    gc.collect()
    rows = []
    for label, post, limit in (("short", short, P99_SHORT_MS), ("long", long, P99_LONG_MS)):
        times, cpu = _latencies(partial(check, post), args.runs)
        median, p99 = statistics.median(times), _p99(times)
        rows.append(
            (
                f"{label} post ({post.id}, {len(post.text):,} chars), {args.runs:,} runs",
                f"p50 {median:.3f} ms, p99 {p99:.3f} ms "
                f"(CPU: p50 {statistics.median(cpu):.3f} ms, p99 {_p99(cpu):.3f} ms)",
                f"p99 ≤ {limit:g} ms",
                p99 <= limit,
            )
        )

    batch = list(itertools.islice(itertools.cycle(posts), args.posts))
    for post in batch[: len(posts)]:
        check(post)
    start, start_cpu = time.perf_counter(), time.process_time()
    for post in batch:
        check(post)
    rate = len(batch) / (time.perf_counter() - start)
    cpu_rate = len(batch) / (time.process_time() - start_cpu)
    rows.append(
        (
            f"throughput, {len(batch):,} corpus posts (cycled from {len(posts)})",
            f"{rate:,.0f} posts/s ({cpu_rate:,.0f} per CPU second)",
            f"≥ {MIN_POSTS_PER_S:,.0f} posts/s",
            rate >= MIN_POSTS_PER_S,
        )
    )

    # `countersign check --jsonl`: the same posts as JSON lines, through the command's own loop.
    lines = [
        json.dumps({"id": p.id, "text": p.text, "platforms": list(p.platforms)}) + "\n"
        for p in batch
    ]
    checker = Checker(policy, register, corpus.today, ("x", "facebook"))
    check_jsonl(checker, lines[: len(posts)], io.StringIO())  # warm
    start, start_cpu = time.perf_counter(), time.process_time()
    check_jsonl(checker, lines, io.StringIO())
    jsonl_rate = len(lines) / (time.perf_counter() - start)
    jsonl_cpu_rate = len(lines) / (time.process_time() - start_cpu)
    rows.append(
        (
            f"`check --jsonl` in process (check_jsonl), {len(lines):,} corpus posts",
            f"{jsonl_rate:,.0f} posts/s ({jsonl_cpu_rate:,.0f} per CPU second)",
            f"≥ {MIN_POSTS_PER_S:,.0f} posts/s",
            jsonl_rate >= MIN_POSTS_PER_S,
        )
    )
    end_to_end = _jsonl_subprocess(lines)
    if end_to_end:
        rows.append(end_to_end)

    load = f", load average {os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else ""
    print(
        f"run_checks on {platform.python_implementation()} {platform.python_version()}, "
        f"{pinned}{load}, warm; {register_note}.\n"
    )
    print("| measure | result | target | met |")
    print("|---|---|---|---|")
    for measure, result, target, met in rows:
        print(f"| {measure} | {result} | {target} | {'yes' if met else 'NO'} |")
    if args.by_rule:
        print("\n" + _by_rule(policy, register, corpus.today, posts))
    return 0 if all(met for *_, met in rows) or not args.check else 1


def _jsonl_subprocess(lines: list[str]) -> tuple[str, str, str, bool] | None:
    """`countersign check --jsonl FILE` end to end, on the core this process is pinned to (the
    child inherits the affinity), with the packaged policy and no register; start-up (imports,
    policy) timed apart on an empty file and taken off."""
    exe = shutil.which("countersign")
    if not exe:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp, "empty.jsonl"), Path(tmp, "posts.jsonl")
        one = Path(tmp, "one.jsonl")
        empty.write_text("", encoding="utf-8")
        one.write_text(lines[0], encoding="utf-8")
        full.write_text("".join(lines), encoding="utf-8")
        env = {**os.environ, "COUNTERSIGN_DB": str(Path(tmp, "none.db"))}

        def run(path: Path) -> tuple[float, float]:
            """Wall time and the child's CPU time (user and system): on a shared machine the
            wall clock also counts other jobs' time on the core."""
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            command = [exe, "check", "--jsonl", str(path)]
            subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=False)  # noqa: S603
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

        def best(path: Path, times: int) -> tuple[float, float]:
            runs = [run(path) for _ in range(times)]
            return min(w for w, _ in runs), min(c for _, c in runs)

        startup, startup_cpu = best(empty, 3)
        # The first post also loads what the checks load on first use (name lists, phone
        # metadata, compiled patterns): timed apart too, so the steady rate can be read.
        first, first_cpu = best(one, 3)
        total, total_cpu = best(full, 2)
    rate = len(lines) / max(total - startup, 1e-9)
    steady = (len(lines) - 1) / max(total - first, 1e-9)
    rate_cpu = len(lines) / max(total_cpu - startup_cpu, 1e-9)
    steady_cpu = (len(lines) - 1) / max(total_cpu - first_cpu, 1e-9)
    return (
        f"`countersign check --jsonl FILE` subprocess, {len(lines):,} posts",
        f"{rate:,.0f} posts/s after start-up ({startup:.2f} s); "
        f"{steady:,.0f} posts/s after the first post ({first:.2f} s); "
        f"{len(lines) / total:,.0f} posts/s with it (CPU: {rate_cpu:,.0f} per CPU second after "
        f"start-up ({startup_cpu:.2f} s), {steady_cpu:,.0f} after the first post "
        f"({first_cpu:.2f} s), {len(lines) / total_cpu:,.0f} with it)",
        f"≥ {MIN_POSTS_PER_S:,.0f} posts/s",
        rate >= MIN_POSTS_PER_S,
    )


def _by_rule(policy: Policy, register: Any, today: Any, posts: list[Any]) -> str:
    """Mean time per corpus post of each rule pack alone, over the engine's own: where the
    time goes."""

    def mean_us(rules: tuple[Any, ...]) -> tuple[float, float]:
        alone = replace(policy, rules=rules)
        for post in posts[:50]:
            run_checks(post.text, post.platforms, alone, register=register, today=today)
        times = []
        for post in posts:
            start = time.perf_counter_ns()
            run_checks(post.text, post.platforms, alone, register=register, today=today)
            times.append((time.perf_counter_ns() - start) / 1e3)
        return statistics.mean(times), max(times)

    base, base_max = mean_us(())
    timed = sorted(((*mean_us((rule,)), rule.id) for rule in policy.rules), reverse=True)
    lines = [
        f"Engine alone (normalising, quotations; no rule): mean {base:,.0f} µs, "
        f"max {base_max:,.0f} µs per post. Each rule alone, over that:",
        "",
        "| rule | mean µs per post, over the engine | max µs per post, with the engine |",
        "|---|---|---|",
    ]
    lines += [f"| {r} | {m - base:,.0f} | {w:,.0f} |" for m, w, r in timed]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
