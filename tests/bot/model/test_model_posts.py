"""The model-based test of issue [8]: random sequences of people's actions and platform failures
against the real app, the store and the emulators, checking after every step that what is
published is exactly what was approved (tests/bot/model/machine.py has the rules and checks).

CI runs a fixed, reproducible set (``derandomize``); ``scripts/model_check.py`` runs many more
with random seeds. See docs/model-check.md for the figures and what it found.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from bot.emulators.slack import edit_event, new_ts
from tests.bot.model.machine import FEATURES, STATS, PostsMachine, Seen, stop, words_for
from tests.conftest import ALICE, BOB, PROPOSALS

EXAMPLES = int(os.environ.get("MODEL_EXAMPLES", "200"))
STEPS = int(os.environ.get("MODEL_STEPS", "25"))

# Step families that found bugs of issue [8] (item 4: late reactions; item 2: a takedown while
# a call is in flight), also run on their own with the core steps so that their steps come often.
FOCUSED = ("late_reactions", "in_flight")


def ci_settings(examples: int = EXAMPLES, *, shrink: bool = True) -> settings:
    return settings(
        max_examples=examples,
        phases=[Phase.explicit, Phase.generate, *([Phase.shrink] if shrink else [])],
        stateful_step_count=STEPS,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def machine(features: frozenset[str]) -> type[PostsMachine]:
    return type("Machine", (PostsMachine,), {"features": features})


@pytest.mark.timeout(900)
def test_what_is_published_is_exactly_what_was_approved():
    """Every step family together."""
    before = dict(STATS)
    run_state_machine_as_test(machine(FEATURES), settings=ci_settings())
    ran = {k: v - before[k] for k, v in STATS.items()}
    print(f"model check: {ran}")  # the figures in docs/model-check.md (pytest -s)
    assert ran["publications"] > 0, "no sequence published anything: the model tests nothing"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("family", FOCUSED)
def test_each_family_that_found_a_bug_on_its_own(family):
    """With the core steps only, so that the family's steps come often. Not shrunk, to keep CI
    short: scripts/model_check.py shrinks a violation to its shortest sequence."""
    run_state_machine_as_test(
        machine(frozenset({"core", family})),
        settings=ci_settings(max(EXAMPLES // 2, 1), shrink=False),
    )


def test_a_post_taken_down_stays_down_when_its_proposer_edits_it():
    """The shortest sequence the model found (docs/model-check.md), replayed step by step: not in
    issue [8]'s list, the proposer's edit took the post out of "taken down" and a new approval
    published it again."""
    m = PostsMachine()
    try:
        m.start_with_a_proposal(proposer=ALICE, word="cooking", person=False, approver=BOB)
        m.after_each_step()
        m._drain()  # published on X and Facebook
        m.after_each_step()
        [post] = m.posts.values()
        m._takedown(post)
        m.after_each_step()
        m._event(edit_event(PROPOSALS, ALICE, post.ts, words_for(post.n, "garden", False)))
        m.after_each_step()
        m._react(post, BOB, True, Seen(new_ts(), post.seen[-1].words, post.seen[-1].value))
        m.after_each_step()
        m._drain()
        m.after_each_step()  # "#1 published on x after it was taken down"
    finally:
        stop(m.h)
