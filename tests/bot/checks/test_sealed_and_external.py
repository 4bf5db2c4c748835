"""The sealed test part (tests/corpus/sealed/) and the external sets (tests/corpus/external/):
their schema and size, that the generated sets are what their generator makes, and the
side-by-side scoring of ``evaluate_checks.py --all``.

Their targets are measured, never asserted here: only the development corpus gates CI
(tests/bot/checks/test_corpus.py). Do not read the sealed posts to tune a rule.
"""

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from bot.checks.platform_fit import x_weighted_length
from bot.domain.findings import Finding, Severity

SCRIPTS = Path(__file__).resolve().parents[3] / "scripts"


def _load(name):
    # Registered before it runs, because dataclasses look their module up while being built.
    spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


ev = _load("evaluate_checks")
gen = _load("make_external_sets")
PARTS = {name: path for name, path in ev.parts() if name != "dev"}


def test_every_part_is_there():
    assert set(PARTS) == {"sealed", "terms", "faker", "identifiers"}
    assert [name for name, _ in ev.parts()][:2] == ["dev", "sealed"]


@pytest.mark.parametrize("name", sorted(PARTS))
def test_part_schema_is_valid(name):
    corpus = ev.load_corpus(PARTS[name])
    assert corpus.problems == ()
    assert corpus.today is not None and corpus.register and corpus.policy


@pytest.mark.parametrize(
    "name,kind,minimum",
    [(name, kind, n) for name, kinds in ev.PART_MINIMUMS.items() for kind, n in kinds.items()],
)
def test_part_has_enough_posts_of_each_kind(name, kind, minimum):
    assert ev.composition(ev.load_corpus(PARTS[name]))[kind] >= minimum


def test_sealed_part_is_at_least_two_fifths_clean():
    posts = ev.load_corpus(PARTS["sealed"]).posts
    assert sum(p.clean for p in posts) / len(posts) >= 0.4


def test_sealed_part_covers_the_new_identifier_rules():
    counts = ev.composition(ev.load_corpus(PARTS["sealed"]))
    for rule in ("payment_card", "iban", "driving_licence", "passport_number",
                 "vehicle_registration", "ip_address", "refuge_location"):  # fmt: skip
        assert counts[f"confidentiality: {rule}"] >= 3, rule


@pytest.mark.parametrize("name", sorted(PARTS))
def test_x_length_labels_agree_with_xs_own_count(name):
    # A labelling mistake, not a rule gap: a post too long for X must say so, and only then.
    wrong = [
        p.id
        for p in ev.load_corpus(PARTS[name]).posts
        if ("x" in p.platforms and x_weighted_length(p.text) > 280)
        != bool({"x_length"} & (p.expect | p.allow))
    ]
    assert wrong == []


# -- the generated sets ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["terms.yaml", "identifiers.yaml"])
def test_generated_set_is_what_the_generator_makes(name):
    # No third-party randomness in these two: the committed file must be reproducible exactly.
    assert (gen.OUT / name).read_text(encoding="utf-8") == gen.SETS[name]()


def test_a_maybe_profane_word_is_expected_only_when_aimed_at_a_person():
    # The line: cuss "maybe" words (sex, anal, rape…) count only aimed at a person.
    import yaml

    posts = yaml.safe_load(gen.build_terms())["posts"]
    ratings = gen.cuss_ratings()
    maybe = {w for w in gen.ldnoobw() if ratings.get(w) == 1 and w not in gen.RETEXT_SLURS}
    plain = [p for p in posts if p["id"].startswith("maybe-")]
    assert len(plain) == len(maybe)
    assert all(p["expect"] == [] and not p.get("allow") for p in plain)


def test_faker_set_is_deterministic():
    faker = pytest.importorskip("faker")
    text = gen.build_faker()
    assert text == gen.build_faker()
    committed = (gen.OUT / "faker.yaml").read_text(encoding="utf-8")
    if f"# Faker {faker.VERSION} " in committed:
        assert text == committed
    assert "(253) 555-01" in committed or "(206) 555-01" in committed or "(360) 555-01" in committed


# Published examples, so that the generator's checksums are not checked against themselves.
@pytest.mark.parametrize(
    "check,value,valid",
    [
        ("luhn_valid", "4111111111111111", True),  # the Visa test card
        ("luhn_valid", "4111111111111112", False),
        ("luhn_valid", "378282246310005", True),  # the Amex test card
        ("iban_valid", "GB82 WEST 1234 5698 7654 32", True),  # ECBS / Wikipedia example
        ("iban_valid", "GB82 WEST 1234 5698 7654 33", False),
        ("iban_valid", "DE89 3704 0044 0532 0130 00", True),
        ("nhs_valid", "943 476 5919", True),  # NHS Digital's example
        ("nhs_valid", "943 476 5918", False),
        ("ni_valid", "AB 12 34 56 C", True),
        ("ni_valid", "BG 12 34 56 C", False),
        ("ni_valid", "DA 12 34 56 C", False),
        ("ssn_valid", "078-05-1120", True),  # valid in form (the Woolworth wallet number)
        ("ssn_valid", "666-05-1120", False),
        ("ssn_valid", "912-05-1120", False),
        ("licence_valid", "MORGA753116SM9IJ", True),  # DVLA's example licence
        ("licence_valid", "MORGA713116SM9IJ", False),  # month 13
    ],
)
def test_checksums_agree_with_published_examples(check, value, valid):
    assert getattr(gen, check)(value.replace(" ", "") if check != "ssn_valid" else value) is valid


_CARD = re.compile(r"\b\d[\d ]{11,21}\d\b")


def test_identifier_cases_are_what_their_labels_say():
    posts = ev.load_corpus(gen.OUT / "identifiers.yaml").posts
    groups = {p.id.rsplit("-", 1)[0] for p in posts}
    kinds = {g.removesuffix("pos").removesuffix("neg") for g in groups}
    assert {f"{k}pos" for k in kinds} | {f"{k}neg" for k in kinds} == groups  # both, per format
    for p in posts:
        group = p.id.rsplit("-", 1)[0]
        assert p.clean == group.endswith("neg"), p.id
        if group.startswith("card"):
            digits = _CARD.search(p.text).group().replace(" ", "")
            assert gen.luhn_valid(digits) == (not p.clean), p.id
        if group.startswith("iban"):
            iban = re.search(r"\b[A-Z]{2}\d{2}[A-Z0-9]{10,30}\b", p.text).group()
            assert gen.iban_valid(iban) == (not p.clean), p.id
        if group.startswith("nhs"):
            nhs = re.search(r"\d{3} \d{3} \d{4}", p.text).group()
            assert gen.nhs_valid(nhs) == (not p.clean), p.id
        if group.startswith("ssn"):
            assert gen.ssn_valid(re.search(r"\d{3}-\d{2}-\d{4}", p.text).group()) == (not p.clean)


# -- scoring every part side by side ---------------------------------------------------------


def _finding(rule, severity, check):
    return Finding(
        check=check, rule=rule, severity=severity, start=0, end=1, excerpt="x", message="m"
    )


def _post(post_id, expect=""):
    return ev.Post(post_id, "t", ("x", "facebook"), frozenset(expect.split()))


def test_all_mode_scores_each_part_with_the_targets():
    posts = (
        _post("clean-001"),
        _post("clean-002"),
        _post("card-001", "payment_card"),
        _post("card-002", "payment_card"),
        _post("party-001", "party_political"),
        _post("slur-001", "insult"),
        _post("voice-001", "first_person_singular"),
    )
    said = {
        "clean-002": [_finding("phone_number", Severity.BLOCK, "confidentiality")],
        "card-001": [_finding("payment_card", Severity.BLOCK, "confidentiality")],
        "voice-001": [_finding("first_person_singular", Severity.WARN, "voice")],
    }
    corpus = ev.Corpus(today=None, policy={}, register=[], posts=posts)
    result = ev.evaluate(corpus, check=lambda p: said.get(p.id, []))
    got = ev.measures(result)
    assert got["must-block posts blocked"] == ev.Measure(1, 2)
    assert got["clean posts blocked"] == ev.Measure(1, 2)
    assert got["personal-voice posts flagged"] == ev.Measure(1, 1)
    assert got["party-political and profane posts blocked"] == ev.Measure(0, 1)
    assert got["posts labelled with a voice rule, flagged by one of them"] == ev.Measure(1, 3)
    groups = ev.miss_groups(result)
    assert groups["must-block posts blocked"] == {"card": (1, 2)}
    assert groups["clean posts blocked"] == {"clean": (1, 2)}
    text = ev.report_all([("sealed", corpus, result), ("faker", corpus, result)], markdown=True)
    assert "| measure | sealed | faker | target |" in text
    assert "| must-block posts blocked | 50.0% (1/2) | 50.0% (1/2) | = 100% |" in text
    assert "- sealed, must-block posts blocked: card 1/2" in text


def test_all_mode_never_fails_the_build(monkeypatch, capsys):
    # Measured, not gated: --all exits 0 whatever the figures (here every part misses).
    corpus = ev.Corpus(today=None, policy={}, register=[], posts=(_post("card-001", "iban"),))
    monkeypatch.setattr(ev, "parts", lambda: [("sealed", Path("sealed.yaml"))])
    monkeypatch.setattr(ev, "load_corpus", lambda path: corpus)
    monkeypatch.setattr(ev, "evaluate", lambda c: ev.Evaluation([ev.score(c.posts[0], [])], "-"))
    assert ev.main(["--all"]) == 0
    assert "0.0% (0/1)" in capsys.readouterr().out
