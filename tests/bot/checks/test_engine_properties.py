"""The engine as a whole: any text is safe to check, spans always point into it, and no input
makes it slow (no catastrophic backtracking)."""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.checks import run_checks
from bot.checks.normalise import normalise
from bot.checks.register import ConsentRegister, RegisterEntry, name_hashes, token_count
from bot.config.policy_file import load_policy

POLICY = load_policy(None)
# CPU seconds for 100 KB. Measured: well under one second on the 2-core machine; on a busy one
# a little more. Pathological (super-linear) matching takes minutes, so the bound is generous
# and the test still fails where it matters (docs/checks.md has the benchmark's figures).
MAX_CPU_PER_100KB = 5.0
KEY = b"property-test-key-0123456789"
# Sarah Jones, and Al: a short one-word name a wall of repeats can name thousands of times.
# (Until 2 December 2026 this passed the string "Sarah Jones" where a list of names is taken,
# which registered every one of its letters: every "a" of a post was a registered name.)
REGISTER = ConsentRegister(
    KEY,
    [
        RegisterEntry(
            label=f"P-{i}",
            name_hashes=frozenset(name_hashes(KEY, [name])),
            consent=False,
            expires=None,
            platforms=None,
            max_tokens=token_count(name),
        )
        for i, name in enumerate(("Sarah Jones", "Al"), start=1)
    ],
)


def cpu_seconds(text: str, policy=POLICY) -> float:
    """CPU seconds of one run of the checks: another process cannot make this flaky. The
    garbage collector is paused meanwhile: late in a full suite its heap holds every earlier
    test's objects, and a collection walking them cost seconds here (5.6 s, once) that say
    nothing about the checks' own matching, which these tests are about."""
    gc.collect()
    gc.disable()
    try:
        started = time.process_time()
        run_checks(text, ("x", "facebook"), policy, register=REGISTER, today=date(2026, 11, 23))
        return time.process_time() - started
    finally:
        gc.enable()


WORDS = st.sampled_from(
    [
        "I",
        "me",
        "my",
        "think",
        "vote",
        "Labour",
        "Tories",
        "fuck",
        "f*ck",
        "the homeless",
        "addicts",
        "lives at",
        "12 Acacia Avenue",
        "LS6 1AA",
        "DOB",
        "12/03/1987",
        "NHS",
        "943 476 5919",
        "QQ 12 34 56 C",
        "123-45-6789",
        "07700 900123",
        "a@b.org",
        "HIV",
        "Sarah",
        "Jones's",
        "\u200b",
        "а",
        '"',
        "said Sam",
        "—",
        "\n",
        " ",
        ".",
        "https://x.org",
        "日本",
        "👩‍👩‍👧",
        "\u202e",
        "0 7 7 0 0 9 0 0 1 2 3",
    ]
)
TEXTS = st.text(max_size=400) | st.lists(WORDS, max_size=80).map(" ".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS, x=st.booleans())
def test_any_text_is_checked_without_error_and_spans_are_valid(text, x):
    platforms = ("x", "facebook") if x else ("facebook",)
    findings = run_checks(text, platforms, POLICY, register=REGISTER, today=date(2026, 11, 23))
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text)
        assert f.excerpt == text[f.start : f.end]
        assert f.platform is None or f.platform in platforms


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300))
def test_normalised_spans_map_into_the_original(text):
    norm = normalise(text)
    assert len(norm.starts) == len(norm.ends) == len(norm.text)
    for k in range(len(norm.text)):
        start, end = norm.span(k, k + 1)
        assert 0 <= start < end <= len(text)


ADVERSARIAL = [
    "a" * 100_000,
    "1" * 100_000,
    "1 " * 50_000,
    "@" * 100_000,
    "a@" * 50_000,
    "I " * 50_000,
    '"' * 100_000,
    '"a" said ' * 11_000,
    "12 " * 33_000,
    "Mr " * 33_000,
    ("The " + "very " * 20) * 1_000,
    "http://" * 14_000,
    "." * 100_000,
    "\u200b" * 100_000,
    "LS6 " * 25_000,
    "0" * 100_000,
    "-".join(["1"] * 50_000),
]


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: repr(t[:12]))
def test_100kb_of_adversarial_input_finishes_in_bounded_time(text):
    assert cpu_seconds(text[:100_000]) < MAX_CPU_PER_100KB


# -- text made of the rule packs' own words ----------------------------------------------------

TRIGGERS = sorted({p for rule in POLICY.rules for p in rule.phrases if p.strip()})
SEPARATORS = [" ", "", "-", ".", "/", "\n", "\u200b", "_", "*", "'", '"', ",", "(", ")", "@", ":"]
HOMOGLYPHS = str.maketrans("aeopcxyiAEOPCXBHKMT", "аеорсхуіАЕОРСХВНКМТ")
ATOMS = (
    st.sampled_from(TRIGGERS)
    | st.sampled_from(SEPARATORS)
    | st.from_regex(r"[0-9]{1,4}", fullmatch=True)
    | WORDS
)
UNITS = st.tuples(
    st.lists(ATOMS, min_size=1, max_size=8), st.sampled_from(SEPARATORS), st.booleans()
).map(lambda t: (t[1].join(t[0]) + " ").translate(HOMOGLYPHS if t[2] else {}))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=st.lists(UNITS, max_size=20))
def test_text_built_from_the_rules_own_words_is_checked_without_error(units):
    text = "".join(units)
    findings = run_checks(
        text, ("x", "facebook"), POLICY, register=REGISTER, today=date(2026, 11, 23)
    )
    for f in findings:
        assert 0 <= f.start <= f.end <= len(text) and f.excerpt == text[f.start : f.end]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit=UNITS.filter(lambda u: sum(c.isdigit() for c in u) * 4 < len(u)))
def test_100kb_of_a_repeated_rule_phrase_finishes_in_bounded_time(unit):
    """Mostly words: 100 KB of phone numbers is slower (see the next test)."""
    text = (unit * (100_000 // len(unit) + 1))[:100_000]
    assert cpu_seconds(text) < MAX_CPU_PER_100KB, repr(unit)


def test_100kb_of_phone_numbers_finishes_in_bounded_time():
    # phonenumbers parses each candidate twice (~0.3 ms): the validator looks at a few
    # hundred candidates at most.
    text = ("07700 900123 " * 8_000)[:100_000]
    assert cpu_seconds(text) < MAX_CPU_PER_100KB


# -- up to 10,000 characters: the bound on one proposal ---------------------------------
#
# Issue [9]: "no input up to 10,000 characters over 50 ms of CPU". The generators below repeat
# short units that make regular expressions try hard at every position — "a.", "1 ", "Mr ", "@a",
# "St ", digits with separators, mixed scripts, long capitalised runs, near-addresses — or mix
# them. Measured worst on 2 December 2026 (2-core machine shared with other jobs, CPU time, all
# rules but the X count): docs/checks.md, "How fast it is". Asserted at 10× the target so a busy
# CI machine never fails it, while super-linear matching (seconds to minutes) always does.
# The X count (x_length) is left out here: its link finder has its own guard
# (test_x_text.py::test_link_finding_stays_linear_on_dotted_runs) and the dotted runs that cost it
# 0.7-0.9 s before it looked only where a TLD follows a dot have their own test (next one).
TARGET_CPU_10K = 0.050
MAX_CPU_10K = 10 * TARGET_CPU_10K
LONGEST_PROPOSAL = 10_000
NO_X_COUNT = replace(POLICY, rules=tuple(r for r in POLICY.rules if r.id != "x_length"))
STRESS_UNITS = st.sampled_from(
    [
        "a.",
        "1 ",
        "Mr ",
        "@a",
        "St ",
        "1.",
        "1-",
        "Ab ",
        "A ",
        "I ",
        "'",
        '"',
        "\n",
        "DOB ",
        "NHS ",
        "lives at ",
        "her flat ",
        "Residents: ",
        "Cards can be sent to ",
        "Flat 6, ",
        "Apt 1 ",
        "LS6 ",
        "WA 98402-",
        "+44 ",
        "(0)",
        "http://a.b/",
        "a@b.c ",
        "HIV ",
        "said ",
        # Found slow on 2 December 2026 (issue [9], speed): a wall of short quotations (each
        # one's attribution searched the 80 characters before it: 174 ms), a registered
        # one-word name repeated (every repeat a finding to weigh), emoji, and words that start
        # the rule patterns and phrase lists.
        # A wall of party mentions (each one weighed in its sentence): "Tories out" took 0.6 s
        # per 10,000 characters until party_political weighed only a post's first 40 mentions.
        "Tories out ",
        "Lib Dem-run Sutton ",
        "Rishi Sunak is a liar. ",
        '"a" ',
        "'a' ",
        '"said" ',
        "Al ",
        "Al. ",
        "😀",
        "Honestly, ",
        "#vote",
        "in my opinion ",
    ]
)
DIGITS_WITH_SEPARATORS = st.tuples(
    st.lists(st.from_regex(r"[0-9]{1,5}", fullmatch=True), min_size=1, max_size=6),
    st.sampled_from([" ", "-", ".", "/", ",", ":", "", " - ", "\n"]),
).map(lambda t: t[1].join(t[0]) + " ")
CAPITALISED_RUN = st.lists(
    st.from_regex(r"[A-Z][a-z]{0,8}", fullmatch=True), min_size=1, max_size=12
).map(lambda words: " ".join(words) + " ")
MIXED_SCRIPTS = st.text(
    alphabet=st.sampled_from("aAаАeе1١۱日本한😀\u200b\u202e.-@ ,'"), min_size=1, max_size=8
)
NEAR_ADDRESS = st.tuples(
    st.integers(0, 99_999),
    st.sampled_from(["Elm", "Maple Ave", "St Mary's", "W 34th", "Patel", "Regent", "Bank"]),
    st.sampled_from(["Road", "Trail", "Pike", "Court", "Apt 3", "Suite", "WA 98402", "LS6 1AA"]),
    st.sampled_from([", ", " ", "; ", "\n", ", Tacoma, "]),
).map(lambda t: f"{t[0]} {t[1]} {t[2]}{t[3]}")
STRESS_UNIT = STRESS_UNITS | DIGITS_WITH_SEPARATORS | CAPITALISED_RUN | MIXED_SCRIPTS | NEAR_ADDRESS


def _repeated(unit: str) -> str:
    return (unit * (LONGEST_PROPOSAL // len(unit) + 1))[:LONGEST_PROPOSAL]


ADVERSARIAL_10K = st.one_of(
    # one short unit (or a few glued together) repeated to 10,000 characters
    st.lists(STRESS_UNIT, min_size=1, max_size=4).map("".join).filter(bool).map(_repeated),
    # a mixture of them, cut at 10,000 characters
    st.lists(STRESS_UNIT, min_size=1, max_size=2_000).map(lambda us: "".join(us)[:10_000]),
)


def _cpu_seconds(text: str, policy=NO_X_COUNT) -> float:
    return cpu_seconds(text, policy)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=ADVERSARIAL_10K)
def test_no_proposal_up_to_10000_characters_takes_more_than_the_bound(text):
    assert len(text) <= LONGEST_PROPOSAL
    cpu = _cpu_seconds(text)
    assert cpu < MAX_CPU_10K, f"{cpu * 1000:.0f} ms of CPU on {text[:40]!r}…"


@pytest.mark.parametrize("unit", ["a.", "1.", "a.a.com ", "www."])
def test_the_x_count_of_10000_dotted_characters_is_within_the_bound(unit):
    assert _cpu_seconds(_repeated(unit), POLICY) < MAX_CPU_10K
