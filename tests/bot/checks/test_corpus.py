"""The labelled corpus (tests/corpus/posts.yaml): its schema and make-up, the evaluator's
scoring, and the headline targets the checks must meet on it."""

import importlib.util
import sys
from datetime import date
from pathlib import Path

import phonenumbers
import pytest

from bot.checks.platform_fit import x_weighted_length
from bot.domain.findings import Finding, Severity

SCRIPT = Path(__file__).resolve().parents[3] / "scripts" / "evaluate_checks.py"


def _load_evaluator():
    # One implementation of the scoring: the script's. Registered before it runs, because
    # dataclasses look their module up while the class is being built.
    spec = importlib.util.spec_from_file_location("evaluate_checks", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ev = _load_evaluator()
CORPUS = ev.load_corpus()


# -- the corpus itself -------------------------------------------------------------------------


def test_corpus_schema_is_valid():
    assert CORPUS.problems == ()
    assert len({p.id for p in CORPUS.posts}) == len(CORPUS.posts)


@pytest.mark.parametrize(
    "problem,text",
    [
        (
            "duplicate id",
            "- {id: clean-001, text: a, expect: []}\n- {id: clean-001, text: b, expect: []}",
        ),
        ("unknown rule ids", "- {id: clean-001, text: a, expect: [swearing]}"),
        ("expect must be a list", "- {id: clean-001, text: a}"),
        ("id must look like", "- {id: Clean_1, text: a, expect: []}"),
        ("unknown platforms", "- {id: clean-001, text: a, platforms: [tiktok], expect: []}"),
        (
            "both expected and allowed",
            "- {id: clean-001, text: a, expect: [profanity], allow: [profanity]}",
        ),
    ],
)
def test_schema_mistakes_are_reported(tmp_path, problem, text):
    path = tmp_path / "posts.yaml"
    path.write_text("posts:\n" + "\n".join("  " + line for line in text.splitlines()))
    assert any(problem in p for p in ev.load_corpus(path).problems)


@pytest.mark.parametrize("kind,minimum", sorted(ev.MINIMUMS.items()))
def test_corpus_has_enough_posts_of_each_kind(kind, minimum):
    assert ev.composition(CORPUS)[kind] >= minimum


def test_corpus_has_long_facebook_posts():
    long = [p for p in CORPUS.posts if 1_500 <= len(p.text) <= 5_000]
    assert len(long) >= 3
    assert max(len(p.text) for p in CORPUS.posts) >= 4_500  # the benchmark's long post


def test_x_length_labels_agree_with_xs_own_count():
    # A labelling mistake, not a rule gap: a post too long for X must say so, and only then.
    limit = 280
    wrong = [
        p.id
        for p in CORPUS.posts
        if ("x" in p.platforms and x_weighted_length(p.text) > limit)
        != bool({"x_length"} & (p.expect | p.allow))
    ]
    assert wrong == []


def test_corpus_policy_loads_with_its_allow_lists():
    policy = ev.build_policy(CORPUS)
    assert "+448001234567" in policy.allow.phones  # the helpline
    assert "hello@northsidehope.org.uk" in policy.allow.emails
    assert policy.rule("case_reference") is not None
    assert {loc.label for loc in policy.locations} == {"Refuge A", "Safe house B"}


@pytest.mark.parametrize(
    "number", ["0800 123 4567", "0113 496 0100", "07700 900461", "0113 496 0731"]
)
def test_corpus_numbers_are_plausible(number):
    parsed = phonenumbers.parse(number, "GB")
    assert phonenumbers.is_possible_number(parsed)


def test_register_covers_every_kind_of_consent():
    consents = {
        (p["consent"], p["expires"] is not None and p["expires"] < CORPUS.today)
        for p in CORPUS.register
    }
    assert {
        ("granted", False),
        ("granted", True),
        ("refused", False),
        ("withdrawn", False),
        ("pending", False),
    } <= consents
    assert any(p["platforms"] == ["facebook"] for p in CORPUS.register)


# -- the evaluator's scoring -------------------------------------------------------------------


def finding(rule, severity=Severity.BLOCK, check="confidentiality"):
    return Finding(
        check=check, rule=rule, severity=severity, start=0, end=1, excerpt="x", message="m"
    )


def post(expect="", allow="", info=""):
    return ev.Post(
        "clean-001",
        "text",
        ("x", "facebook"),
        frozenset(expect.split()),
        frozenset(allow.split()),
        frozenset(info.split()),
    )


# expect, allow, expect_info, findings ("rule:severity"), then what the scoring must say.
SCORING = [
    ("phone_number", "", "", "phone_number:block", {"tp": "phone_number"}),
    ("phone_number", "", "", "", {"fn": "phone_number"}),
    ("", "", "", "postcode:block", {"fp": "postcode"}),
    ("", "", "", "profanity:warn", {"fp": "profanity"}),
    # An allowed rule is neither a true nor a false positive.
    ("", "x_length", "", "x_length:block", {}),
    # A note is not a positive: an expected rule seen only as a note is missed.
    ("registered_person", "", "", "registered_person:info", {"fn": "registered_person"}),
    # A consenting name must be a note; blocking it is a false positive, allowed or not.
    (
        "",
        "registered_person",
        "registered_person",
        "registered_person:block",
        {"fp": "registered_person", "info_missing": "registered_person"},
    ),
    ("", "registered_person", "registered_person", "registered_person:info", {}),
]


@pytest.mark.parametrize("expect,allow,info,found,result", SCORING)
def test_scoring_by_rule(expect, allow, info, found, result):
    findings = [finding(r, Severity(s)) for r, s in (f.split(":") for f in found.split())]
    outcome = ev.score(post(expect, allow, info), findings)
    for attr in ("tp", "fp", "fn", "info_missing"):
        assert getattr(outcome, attr) == frozenset(result.get(attr, "").split()), attr


def test_headlines_name_the_posts_that_miss_them():
    corpus = ev.Corpus(
        today=date(2026, 11, 23),
        policy={},
        register=[],
        posts=(
            ev.Post("clean-001", "a", ("x",), frozenset()),
            ev.Post("clean-002", "b", ("x",), frozenset()),
            ev.Post("phone-001", "c", ("x",), frozenset({"phone_number"})),
            ev.Post("voice-001", "d", ("x",), frozenset({"first_person_singular"})),
        ),
    )
    said = {
        "clean-001": [finding("first_person_singular", Severity.WARN, "voice")],
        "clean-002": [],
        "phone-001": [],
        "voice-001": [finding("first_person_singular", Severity.WARN, "voice")],
    }
    result = ev.evaluate(corpus, check=lambda p: said[p.id])
    by_name = {h.name: h for h in result.headlines}
    assert by_name["must-block confidentiality posts blocked"].misses == ("phone-001",)
    assert by_name["clean posts with a voice finding"].misses == ("clean-001",)
    assert not by_name["clean posts with a voice finding"].passed  # 50% > 5%
    assert by_name["clean posts blocked"].passed
    assert by_name["personal-voice posts flagged (first person or opinion)"].passed
    assert result.by_rule["first_person_singular"].fp == 1
    assert result.by_rule["phone_number"].fn == 1
    assert not result.passed


# -- the targets -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluation():
    return ev.evaluate(CORPUS)


def test_register_is_used(evaluation):
    assert evaluation.register_note.startswith("register of")


def test_headline_targets(evaluation):
    missed = [h for h in evaluation.headlines if not h.passed]
    lines = [
        f"{h.name}: {h.value:.1%} (target {h.target}); misses: {', '.join(h.misses)}"
        for h in missed
    ]
    assert not missed, (
        "headline targets missed on the corpus (details: python scripts/evaluate_checks.py "
        "--failures):\n" + "\n".join(lines)
    )
