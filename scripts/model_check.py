"""Run the model-based test of issue [8] with many more sequences than CI, on random seeds.

    python scripts/model_check.py                      # 1000 sequences, every step family
    MODEL_EXAMPLES=5000 MODEL_STEPS=40 python scripts/model_check.py
    python scripts/model_check.py --without late_reactions,in_flight --seed 7

Prints the figures (sequences, steps, publications, restarts, time) and each violation found,
with its shortest failing sequence. Exit status 1 when a violation was found.
See docs/model-check.md.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# Read before tests.conftest is imported (it clears COUNTERSIGN_* from the environment).
EXAMPLES = int(os.environ.get("MODEL_EXAMPLES", "1000"))
STEPS = int(os.environ.get("MODEL_STEPS", "30"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=EXAMPLES, help="sequences to run")
    parser.add_argument("--steps", type=int, default=STEPS, help="steps per sequence at most")
    parser.add_argument("--without", default="", help="step families to leave out, a,b,…")
    parser.add_argument("--only", default="", help="step families to run (core is implied)")
    parser.add_argument("--seed", type=int, default=None, help="a fixed seed, to reproduce")
    parser.add_argument("--no-shrink", action="store_true", help="report the first failure")
    parser.add_argument(
        "--no-edit-after-takedown",
        action="store_true",
        help="leave out edits of a taken-down post (they revive it: docs/model-check.md)",
    )
    args = parser.parse_args()

    from hypothesis import HealthCheck, Phase, seed, settings
    from hypothesis.stateful import run_state_machine_as_test

    from tests.bot.model.machine import FEATURES, STATS, PostsMachine

    logging.disable(logging.CRITICAL)  # the app logs every refusal it makes; not wanted here
    features = set(FEATURES)
    if args.only:
        features = {"core", *args.only.split(",")}
    features -= set(filter(None, args.without.split(",")))
    unknown = features - FEATURES
    if unknown:
        parser.error(f"unknown families {sorted(unknown)}; known: {sorted(FEATURES)}")
    machine = type(
        "Machine",
        (PostsMachine,),
        {"features": frozenset(features), "edit_taken_down": not args.no_edit_after_takedown},
    )
    phases = [Phase.generate] if args.no_shrink else [Phase.generate, Phase.shrink]
    config = settings(
        max_examples=args.examples,
        stateful_step_count=args.steps,
        deadline=None,
        database=None,
        phases=phases,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )
    test = lambda: run_state_machine_as_test(machine, settings=config)  # noqa: E731
    if args.seed is not None:
        test = seed(args.seed)(test)
    print(f"families: {', '.join(sorted(features))}")
    started = time.monotonic()
    found: BaseException | None = None
    try:
        test()
    except BaseException as exc:  # a violation, or several (an ExceptionGroup)
        if isinstance(exc, KeyboardInterrupt):
            raise
        found = exc
    took = time.monotonic() - started
    runs = max(STATS["examples"], 1)
    print(
        f"sequences {STATS['examples']}, steps {STATS['steps']} "
        f"({STATS['steps'] / runs:.1f} a sequence), publications {STATS['publications']}, "
        f"restarts {STATS['restarts']}, {took:.0f} s ({1000 * took / runs:.0f} ms a sequence, "
        "shrinking included)"
    )
    if found is None:
        print("no violation")
        return 0
    failures = list(found.exceptions) if isinstance(found, BaseExceptionGroup) else [found]
    print(f"{len(failures)} distinct violation(s):")
    for failure in failures:
        print(f"- {type(failure).__name__}: {failure}")
        for note in getattr(failure, "__notes__", []):
            print(f"    {note}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
