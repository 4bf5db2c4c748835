#!/usr/bin/env python3
"""Score the checks against the labelled corpus, so that a rule change shows what it costs.

Usage: python scripts/evaluate_checks.py [--markdown] [--failures] [--corpus PATH]

Prints, per rule and per family, TP, FP, FN, precision and recall, then the headline targets;
exits 1 when a headline target is missed. tests/bot/checks/test_corpus.py imports this file, so
the scoring has one implementation.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import re
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

import bot.checks
from bot.checks import run_checks
from bot.checks.policy import Policy
from bot.domain.findings import Finding, Severity, Verdict, verdict
from bot.policy_file import load_policy

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "corpus" / "posts.yaml"
# Only for the evaluation: the register's hashes need a key, and these names are fictional.
REGISTER_KEY = b"countersign corpus evaluation key"

VOICE = (
    "first_person_singular",
    "opinion_marker",
    "party_political",
    "profanity",
    "insult",
    "stigmatising_term",
)
CONFIDENTIALITY = (
    "registered_person",
    "email_address",
    "phone_number",
    "home_address",
    "postcode",
    "date_of_birth",
    "nhs_number",
    "ni_number",
    "ssn",
    "case_reference",
    "special_category",
    "confidential_location",
)
PLATFORM = ("x_length",)
FAMILIES = {"voice": VOICE, "confidentiality": CONFIDENTIALITY, "platform": PLATFORM}
RULE_FAMILY = {rule: family for family, rules in FAMILIES.items() for rule in rules}
PLATFORMS = ("x", "facebook")
PERSONAL_VOICE = frozenset({"first_person_singular", "opinion_marker"})
_ID = re.compile(r"^[a-z]+-\d{3}$")

# What the corpus must hold for its numbers to mean anything (see tests/corpus/README.md).
MINIMUMS = {
    "posts": 300,
    "clean": 140,
    "personal voice": 40,
    "party political": 15,
    "profanity": 12,
    "insult": 12,
    "stigmatising": 20,
    "must-block confidentiality": 80,
    "consented registered names": 10,
    **{f"confidentiality: {rule}": 5 for rule in CONFIDENTIALITY},
}


@dataclass(frozen=True)
class Post:
    """One labelled post: what must be found, what may be, and what must be only a note."""

    id: str
    text: str
    platforms: tuple[str, ...]
    expect: frozenset[str]
    allow: frozenset[str] = frozenset()
    expect_info: frozenset[str] = frozenset()

    @property
    def clean(self) -> bool:
        return not self.expect

    @property
    def personal_voice(self) -> bool:
        return bool(self.expect & PERSONAL_VOICE)

    @property
    def must_block_confidentiality(self) -> bool:
        return any(RULE_FAMILY.get(r) == "confidentiality" for r in self.expect)


@dataclass(frozen=True)
class Corpus:
    today: date | None
    policy: dict[str, Any]
    register: list[dict[str, Any]]
    posts: tuple[Post, ...]
    problems: tuple[str, ...] = ()  # schema mistakes found while loading


def load_corpus(path: Path = CORPUS) -> Corpus:
    """The corpus file, with every schema mistake collected rather than the first raised."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    problems: list[str] = []
    posts: list[Post] = []
    seen: set[str] = set()
    for i, raw in enumerate(data.get("posts") or []):
        where = f"post {i + 1}"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not a mapping")
            continue
        post_id = str(raw.get("id", ""))
        where = post_id or where
        if not _ID.match(post_id):
            problems.append(f"{where}: id must look like 'clean-001'")
        if post_id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(post_id)
        unknown_keys = set(raw) - {"id", "text", "platforms", "expect", "allow", "expect_info"}
        if unknown_keys:
            problems.append(f"{where}: unknown keys {sorted(unknown_keys)}")
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: text must be a non-empty string")
            text = ""
        platforms = tuple(raw.get("platforms") or PLATFORMS)
        if not set(platforms) <= set(PLATFORMS):
            problems.append(f"{where}: unknown platforms {sorted(set(platforms) - set(PLATFORMS))}")
        labels = {}
        for key in ("expect", "allow", "expect_info"):
            value = raw.get(key, [] if key != "expect" else None)
            if not isinstance(value, list):
                problems.append(f"{where}: {key} must be a list of rule ids")
                value = []
            unknown = sorted(set(map(str, value)) - set(RULE_FAMILY))
            if unknown:
                problems.append(f"{where}: unknown rule ids in {key}: {unknown}")
            labels[key] = frozenset(map(str, value))
        if labels["expect"] & labels["allow"]:
            problems.append(f"{where}: a rule is both expected and allowed")
        if labels["expect"] & labels["expect_info"]:
            problems.append(f"{where}: a rule is expected both as a finding and as a note")
        posts.append(
            Post(post_id, text, platforms, labels["expect"], labels["allow"], labels["expect_info"])
        )
    today = data.get("today")
    if today is not None and not isinstance(today, date):
        problems.append("today: must be a date (YYYY-MM-DD)")
        today = None
    policy = data.get("policy") or {}
    if not isinstance(policy, dict):
        problems.append("policy: must be a mapping like config/policy.yaml")
        policy = {}
    register = data.get("register") or []
    if not isinstance(register, list):
        problems.append("register: must be a list of people")
        register = []
    return Corpus(today, policy, register, tuple(posts), tuple(problems))


def composition(corpus: Corpus) -> dict[str, int]:
    """How many posts of each kind the corpus holds, keyed like MINIMUMS."""
    posts = corpus.posts
    counts = {
        "posts": len(posts),
        "clean": sum(p.clean for p in posts),
        "personal voice": sum(p.personal_voice for p in posts),
        "party political": sum("party_political" in p.expect for p in posts),
        "profanity": sum("profanity" in p.expect for p in posts),
        "insult": sum("insult" in p.expect for p in posts),
        "stigmatising": sum("stigmatising_term" in p.expect for p in posts),
        "must-block confidentiality": sum(p.must_block_confidentiality for p in posts),
        "consented registered names": sum(
            p.clean and "registered_person" in p.expect_info for p in posts
        ),
    }
    for rule in CONFIDENTIALITY:
        counts[f"confidentiality: {rule}"] = sum(rule in p.expect for p in posts)
    return counts


def load_detectors() -> None:
    """Import every check module, so a rule pack can name a validator the engine has not yet
    been taught to import."""
    for module in pkgutil.iter_modules(bot.checks.__path__):
        importlib.import_module(f"bot.checks.{module.name}")


def build_policy(corpus: Corpus) -> Policy:
    """The corpus policy, read the way the bot reads config/policy.yaml."""
    load_detectors()
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "policy.yaml").write_text(
            yaml.safe_dump(corpus.policy, allow_unicode=True), encoding="utf-8"
        )
        return load_policy(Path(tmp))


def build_register(corpus: Corpus) -> tuple[Any | None, str]:
    """The consent register from the corpus people, or None (and why) if it cannot be built."""
    try:
        from bot.checks.register import ConsentRegister, RegisterEntry, name_hash
    except ImportError as exc:
        return None, f"no register: bot.checks.register could not be imported ({exc})"
    import bot.checks.register as module

    def hashes(names: Sequence[str]) -> frozenset[str]:
        many = getattr(module, "name_hashes", None)
        if many is not None:
            return frozenset(many(REGISTER_KEY, names))
        return frozenset(name_hash(REGISTER_KEY, n) for n in names)

    def tokens(name: str) -> int:
        count = getattr(module, "token_count", None)
        return int(count(name)) if count is not None else len(name.split())

    entries = []
    for i, person in enumerate(corpus.register):
        names = [str(person["name"]), *map(str, person.get("aliases") or [])]
        platforms = person.get("platforms")
        entries.append(
            RegisterEntry(
                label=f"P-{i + 1:03d}",
                name_hashes=hashes(names),
                consent=str(person.get("consent", "")).lower() == "granted",
                expires=person.get("expires"),
                platforms=frozenset(platforms) if platforms is not None else None,
                max_tokens=max(tokens(n) for n in names),
            )
        )
    return ConsentRegister(REGISTER_KEY, entries), f"register of {len(entries)} people"


@dataclass(frozen=True)
class Outcome:
    """One post's findings, scored against its labels."""

    post: Post
    findings: tuple[Finding, ...]
    tp: frozenset[str]
    fp: frozenset[str]
    fn: frozenset[str]
    info_missing: frozenset[str]

    @property
    def verdict(self) -> Verdict:
        return verdict(list(self.findings))

    @property
    def raised(self) -> frozenset[str]:
        """Rule ids with a warn or block finding: a note (info) is not a positive."""
        return frozenset(f.rule for f in self.findings if f.severity is not Severity.INFO)

    @property
    def voice_findings(self) -> frozenset[str]:
        return frozenset(r for r in self.raised - self.post.allow if _family(r) == "voice")


def _family(rule: str) -> str:
    return RULE_FAMILY.get(rule, "other")


def score(post: Post, findings: Iterable[Finding]) -> Outcome:
    """TP, FP and FN by rule id for one post.

    A rule listed in `allow` is neither TP nor FP; a rule listed in `expect_info` must appear as
    a note, and a warn or block finding of it is a false positive even if it is also allowed.
    """
    findings = tuple(findings)
    raised = {f.rule for f in findings if f.severity is not Severity.INFO}
    notes = {f.rule for f in findings if f.severity is Severity.INFO}
    allowed = post.allow - post.expect_info
    return Outcome(
        post=post,
        findings=findings,
        tp=frozenset(raised & post.expect),
        fp=frozenset(raised - post.expect - allowed),
        fn=frozenset(post.expect - raised),
        info_missing=frozenset(post.expect_info - notes),
    )


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float | None:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else None

    @property
    def recall(self) -> float | None:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else None


@dataclass(frozen=True)
class Headline:
    """A target the checks must meet on the corpus, with the posts that miss it."""

    name: str
    value: float
    target: str
    passed: bool
    misses: tuple[str, ...] = ()


@dataclass
class Evaluation:
    outcomes: list[Outcome]
    register_note: str
    by_rule: dict[str, Counts] = field(default_factory=dict)
    by_family: dict[str, Counts] = field(default_factory=dict)
    headlines: list[Headline] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(h.passed for h in self.headlines)


def evaluate(
    corpus: Corpus,
    check: Callable[[Post], Iterable[Finding]] | None = None,
) -> Evaluation:
    """Run every post through the checks (or ``check``) and score the lot."""
    note = "findings supplied by the caller"
    if check is None:
        policy = build_policy(corpus)
        register, note = build_register(corpus)

        def check(post: Post) -> list[Finding]:
            return run_checks(
                post.text, post.platforms, policy, register=register, today=corpus.today
            )

    outcomes = [score(post, check(post)) for post in corpus.posts]
    result = Evaluation(outcomes, note)
    rules = dict.fromkeys([*RULE_FAMILY, *sorted({r for o in outcomes for r in o.raised})])
    result.by_rule = {rule: Counts() for rule in rules}
    for outcome in outcomes:
        for attr in ("tp", "fp", "fn"):
            for rule in getattr(outcome, attr):
                counts = result.by_rule[rule]
                setattr(counts, attr, getattr(counts, attr) + 1)
    for rule, counts in result.by_rule.items():
        family = result.by_family.setdefault(_family(rule), Counts())
        family.tp, family.fp, family.fn = (
            family.tp + counts.tp,
            family.fp + counts.fp,
            family.fn + counts.fn,
        )
    result.headlines = headlines(outcomes)
    return result


def _share(hits: Sequence[Outcome], of: Sequence[Outcome]) -> float:
    return len(hits) / len(of) if of else 0.0


def headlines(outcomes: Sequence[Outcome]) -> list[Headline]:
    """The targets from the content policy: block what must be blocked, leave clean posts be."""
    must_block = [o for o in outcomes if o.post.must_block_confidentiality]
    not_blocked = [o for o in must_block if o.verdict is not Verdict.BLOCK]
    clean = [o for o in outcomes if o.post.clean]
    clean_blocked = [o for o in clean if o.verdict is Verdict.BLOCK]
    personal = [o for o in outcomes if o.post.personal_voice]
    unflagged = [o for o in personal if not o.raised & PERSONAL_VOICE]
    political = [o for o in outcomes if o.post.expect & {"party_political", "profanity"}]
    political_missed = [o for o in political if o.verdict is not Verdict.BLOCK]
    clean_voice = [o for o in clean if o.voice_findings]
    notes_missing = [o for o in outcomes if o.info_missing]

    def ids(items: Sequence[Outcome]) -> tuple[str, ...]:
        return tuple(o.post.id for o in items)

    found = 1 - _share(not_blocked, must_block)
    flagged = 1 - _share(unflagged, personal)
    blocked = 1 - _share(political_missed, political)
    noted = 1 - _share(notes_missing, [o for o in outcomes if o.post.expect_info])
    return [
        Headline(
            "must-block confidentiality posts blocked",
            found,
            "= 100%",
            not not_blocked,
            ids(not_blocked),
        ),
        Headline(
            "clean posts blocked",
            _share(clean_blocked, clean),
            "≤ 2%",
            _share(clean_blocked, clean) <= 0.02,
            ids(clean_blocked),
        ),
        Headline(
            "personal-voice posts flagged (first person or opinion)",
            flagged,
            "≥ 95%",
            flagged >= 0.95,
            ids(unflagged),
        ),
        Headline(
            "party-political and profane posts blocked",
            blocked,
            "= 100%",
            not political_missed,
            ids(political_missed),
        ),
        Headline(
            "clean posts with a voice finding",
            _share(clean_voice, clean),
            "≤ 5%",
            _share(clean_voice, clean) <= 0.05,
            ids(clean_voice),
        ),
        Headline(
            "consented names shown as a note (info)",
            noted,
            "= 100%",
            not notes_missing,
            ids(notes_missing),
        ),
    ]


# -- reporting ---------------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
        + [fmt.format(*row) for row in rows]
    )


def report(result: Evaluation, corpus: Corpus, *, markdown: bool = False) -> str:
    """The tables: per rule, per family, the headlines and the corpus' make-up."""
    out = [f"Corpus: {len(corpus.posts)} posts; {result.register_note}.", ""]
    header = ["rule", "family", "TP", "FP", "FN", "precision", "recall"]
    rows = [
        [rule, _family(rule), str(c.tp), str(c.fp), str(c.fn), _pct(c.precision), _pct(c.recall)]
        for rule, c in result.by_rule.items()
    ]
    out += [_table(header, rows, markdown), ""]
    rows = [
        [family, str(c.tp), str(c.fp), str(c.fn), _pct(c.precision), _pct(c.recall)]
        for family, c in result.by_family.items()
    ]
    out += [_table(["family", "TP", "FP", "FN", "precision", "recall"], rows, markdown), ""]
    rows = [
        [h.name, _pct(h.value), h.target, "met" if h.passed else "MISSED", str(len(h.misses))]
        for h in result.headlines
    ]
    out += [_table(["headline", "value", "target", "result", "misses"], rows, markdown)]
    return "\n".join(out)


def _excerpt(text: str, width: int = 90) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def failures(result: Evaluation) -> str:
    """Each miss and false positive: the post, its opening and what the checks said."""
    lines = []
    for o in result.outcomes:
        if not (o.fn or o.fp or o.info_missing):
            continue
        lines.append(f"{o.post.id}: {_excerpt(o.post.text)}")
        if o.fn:
            lines.append(f"    missed: {', '.join(sorted(o.fn))}")
        if o.info_missing:
            lines.append(f"    note missing: {', '.join(sorted(o.info_missing))}")
        for f in o.findings:
            if f.rule in o.fp:
                lines.append(f"    false positive: {f.rule} ({f.severity}) on {f.excerpt!r}")
    lines.append("")
    for h in result.headlines:
        if h.misses:
            lines.append(f"{h.name}: {', '.join(h.misses)}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--markdown", action="store_true", help="print the tables as Markdown")
    parser.add_argument(
        "--failures", action="store_true", help="list every miss and false positive"
    )
    args = parser.parse_args(argv)
    corpus = load_corpus(args.corpus)
    if corpus.problems:
        print("The corpus has mistakes:", *corpus.problems, sep="\n  ", file=sys.stderr)
        return 2
    result = evaluate(corpus)
    print(report(result, corpus, markdown=args.markdown))
    if args.failures:
        print("\n" + failures(result))
    return 0 if result.passed else 1


if __name__ == "__main__":
    sys.exit(main())
