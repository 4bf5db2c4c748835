"""The engine: every enabled rule pack applied to normalised text, spans mapped back.

Pure: (text, platforms, policy, register, today) → findings. Rules decide; nothing here reads
the clock, the network or the disk.
"""

from __future__ import annotations

import re
import re._constants as sre_constants
import re._parser as sre_parse
from collections.abc import Iterable, Iterator, Mapping
from datetime import date
from typing import Any

from bot.checks.normalise import normalise
from bot.checks.policy import Policy, RulePack

# The validators' contract lives in registry.py, which imports no rule module (so nothing loops
# back here); it is re-exported, as the rule modules have always taken it from the engine.
from bot.checks.registry import VALIDATORS as VALIDATORS
from bot.checks.registry import Context as Context
from bot.checks.registry import Hit as Hit
from bot.checks.registry import Register as Register
from bot.checks.registry import RegisterHit as RegisterHit
from bot.checks.registry import Validator as Validator
from bot.checks.registry import load_validators
from bot.checks.registry import validator as validator
from bot.checks.text import quoted_spans, within
from bot.domain.findings import Finding, Severity

MAX_FINDINGS_PER_RULE = 50


def phrase_regex(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One alternation for a phrase list, longest first, on word boundaries, any case."""
    words = sorted({p.strip() for p in phrases if p.strip()}, key=len, reverse=True)
    if not words:
        return None
    body = "|".join(r"\s+".join(re.escape(w) for w in p.split()) for p in words)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w])", re.IGNORECASE)


def _generic(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    for pattern in rule.patterns:
        if not may_match(ctx, pattern):
            continue
        for m in pattern.finditer(ctx.text):
            if m.end() > m.start():
                yield Hit(m.start(), m.end())
    if rule.phrases and may_hold_a_phrase(ctx, rule.phrases):
        regex, lookup = _compiled_phrases(rule)
        for m in phrase_matches(ctx, rule.phrases, regex) if regex else ():
            own = lookup.get(" ".join(m.group(0).lower().split()), "")
            yield Hit(m.start(), m.end(), suggestion=own or None)


_PHRASES: dict[int, tuple[Any, re.Pattern[str] | None, dict[str, str]]] = {}

# -- a rule pattern's literal start --------------------------------------------------------------
# Most rule patterns start, after look-arounds, with one of a few words ("honestly|frankly"): a
# post holding none of them anywhere cannot match, and its whole-text scan (a lookbehind tried
# at every character) is skipped. The start is read from the pattern's parse; anything this
# does not understand (repeats, classes, local flags) means no gate, so nothing is ever skipped
# that could match.
_ZERO_WIDTH = {sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT}
_STARTS: dict[int, tuple[Any, tuple[str, ...] | None]] = {}


def _is_zero_width(items: Any) -> bool:
    for op, av in items:
        if op in _ZERO_WIDTH:
            continue
        if op is sre_constants.BRANCH and all(_is_zero_width(b) for b in av[1]):
            continue
        return False
    return True


def _literal_starts(items: Any) -> set[str] | None:
    """The strings one of which every match of ``items`` starts with, or None if unknown."""
    items = list(items)
    for k, (op, av) in enumerate(items):
        if op in _ZERO_WIDTH or (
            op is sre_constants.BRANCH and all(_is_zero_width(b) for b in av[1])
        ):
            continue
        if op is sre_constants.LITERAL:
            run = ""
            for op2, av2 in items[k:]:
                if op2 is not sre_constants.LITERAL:
                    break
                run += chr(av2)
            return {run}
        if op is sre_constants.IN and all(o is sre_constants.LITERAL for o, _ in av):
            return {chr(c) for _, c in av}
        if op is sre_constants.SUBPATTERN and not av[1] and not av[2]:
            return _literal_starts(av[3])
        if op is sre_constants.BRANCH:
            starts: set[str] = set()
            for branch in av[1]:
                found = _literal_starts(branch)
                if found is None:
                    return None
                starts |= found
            return starts
        return None
    return None  # only look-arounds: it may match the empty string anywhere


def _pattern_starts(pattern: Any) -> tuple[str, ...] | None:
    """A compiled pattern's literal starts, lower-cased if it ignores case (ASCII only then)."""
    cached = _STARTS.get(id(pattern))
    if cached is None or cached[0] is not pattern:
        starts: tuple[str, ...] | None = None
        if isinstance(pattern, re.Pattern) and isinstance(pattern.pattern, str):
            try:
                found = _literal_starts(sre_parse.parse(pattern.pattern, pattern.flags))
            except Exception:  # an internal parser: no gate, never an error
                found = None
            if found and all(found):
                if pattern.flags & re.IGNORECASE:
                    if all(f.isascii() for f in found):
                        starts = tuple(sorted({f.lower() for f in found}))
                else:
                    starts = tuple(sorted(found))
        cached = (pattern, starts)
        _STARTS[id(pattern)] = cached
    return cached[1]


def may_match(ctx: Context, pattern: Any) -> bool:
    """False only when ``pattern`` cannot match: none of its literal starts is in the text
    (in folded_text when it ignores case: the four letters IGNORECASE also takes for ASCII
    ones are folded there)."""
    starts = _pattern_starts(pattern)
    if starts is None:
        return True
    haystack = folded_text(ctx) if pattern.flags & re.IGNORECASE else ctx.text
    return any(start in haystack for start in starts)


# The four letters outside ASCII that re's IGNORECASE also takes for an ASCII one (Python docs,
# re.IGNORECASE): folded before the post's words are taken, so no match is ever skipped.
_ALSO_MATCHED_ANY_CASE = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_WORD_RUN = re.compile(r"\w+")
_FIRST_WORDS: dict[int, tuple[Any, frozenset[str] | None]] = {}


def _first_words(phrases: Mapping[str, str]) -> frozenset[str] | None:
    """The lower-cased leading word of each phrase, or None when a phrase is not ASCII or starts
    with a non-word character (such a list is always searched whole)."""
    cached = _FIRST_WORDS.get(id(phrases))
    if cached is None or cached[0] is not phrases:
        firsts: set[str] | None = set()
        for phrase in phrases:
            words = phrase.split()
            first = _WORD_RUN.match(words[0]) if words else None
            if not words:
                continue
            if firsts is None or first is None or not phrase.isascii():
                firsts = None
                break
            firsts.add(first.group(0).lower())
        cached = (phrases, frozenset(firsts) if firsts is not None else None)
        _FIRST_WORDS[id(phrases)] = cached
    return cached[1]


def folded_text(ctx: Context) -> str:
    """The text lower-cased after the four letters re's IGNORECASE also takes for ASCII ones
    are folded: the same length (İ, the one letter lower() lengthens, is folded first)."""
    if "engine.folded" not in ctx._memo:
        ctx._memo["engine.folded"] = ctx.text.translate(_ALSO_MATCHED_ANY_CASE).lower()
    folded: str = ctx._memo["engine.folded"]
    return folded


def _word_list(ctx: Context) -> tuple[list[str], list[int]]:
    """The post's words (see post_words) in reading order, and where each starts."""
    if "engine.word_list" not in ctx._memo:
        folded = folded_text(ctx)
        starts = [m.start() for m in _WORD_RUN.finditer(folded)]
        ctx._memo["engine.word_list"] = (_WORD_RUN.findall(folded), starts)
    found: tuple[list[str], list[int]] = ctx._memo["engine.word_list"]
    return found


def post_words(ctx: Context) -> frozenset[str]:
    """The post's words (runs of word characters) as folded_text has them: lower case, with
    the four letters IGNORECASE also takes for ASCII ones folded. A pattern that needs one of a
    few words can be skipped, with the same findings, when none of them is a post word."""
    if "engine.words" not in ctx._memo:
        ctx._memo["engine.words"] = frozenset(_word_list(ctx)[0])
    words: frozenset[str] = ctx._memo["engine.words"]
    return words


def a_word_starts_with(ctx: Context, prefixes: tuple[str, ...]) -> bool:
    """Whether a post word (see post_words) starts with one of the lower-case ``prefixes``."""
    key = f"engine.starts.{prefixes!r}"
    if key not in ctx._memo:
        ctx._memo[key] = any(w.startswith(prefixes) for w in post_words(ctx))
    return bool(ctx._memo[key])


def may_hold_a_phrase(ctx: Context, phrases: Mapping[str, str]) -> bool:
    """False when no phrase of the list can match: none of their first words is a word of the
    post. A phrase_regex match starts after a character that is not a word character, and its
    first word is followed by one that is not either, so the post's word there is exactly the
    phrase's first word (its leading run of word characters). Lists with a phrase that is not
    ASCII, or that starts with a non-word character, are always searched."""
    firsts_of_list = _first_words(phrases)
    if firsts_of_list is None:
        return True
    return not firsts_of_list.isdisjoint(post_words(ctx))


def phrase_matches(
    ctx: Context, phrases: Mapping[str, str], regex: re.Pattern[str]
) -> Iterator[re.Match[str]]:
    """``regex.finditer(ctx.text)`` for ``regex = phrase_regex(phrases)``, tried only where a
    word of the post is one of the phrases' first words (see may_hold_a_phrase: a match can
    start nowhere else). Tried there in reading order and past the last match's end, as
    finditer would: the same matches, without running a long alternation at every character."""
    firsts = _first_words(phrases)
    if firsts is None:
        yield from regex.finditer(ctx.text)
        return
    wanted = firsts.intersection(post_words(ctx))
    if not wanted:
        return
    words, starts = _word_list(ctx)
    candidates = [(starts[i], word) for i, word in enumerate(words) if word in wanted]
    text, done = ctx.text, 0
    for at, word in candidates:
        if at < done:
            continue
        m = _starting_with(phrases, word).match(text, at)
        if m is not None:
            done = m.end()
            yield m


_BY_FIRST_WORD: dict[int, tuple[Any, dict[str, re.Pattern[str]]]] = {}


def _starting_with(phrases: Mapping[str, str], word: str) -> re.Pattern[str]:
    """phrase_regex of the phrases whose first word is ``word``: where the post's word is
    ``word``, a match of the whole list can only be one of these (see may_hold_a_phrase), and
    of these the regex tries the longest first, as the whole list's does. Compiled on need."""
    cached = _BY_FIRST_WORD.get(id(phrases))
    if cached is None or cached[0] is not phrases:
        cached = (phrases, {})
        _BY_FIRST_WORD[id(phrases)] = cached
    compiled = cached[1].get(word)
    if compiled is None:
        own = [
            p
            for p in phrases
            if (m := _WORD_RUN.match(p.split()[0])) and m.group(0).lower() == word
        ]
        regex = phrase_regex(own)
        assert regex is not None
        compiled = cached[1][word] = regex
    return compiled


def _compiled_phrases(rule: RulePack) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """Compiled once per phrase list; the list itself is kept so its id cannot be reused."""
    cached = _PHRASES.get(id(rule.phrases))
    if cached is None or cached[0] is not rule.phrases:
        lookup = {" ".join(k.lower().split()): v for k, v in rule.phrases.items()}
        cached = (rule.phrases, phrase_regex(rule.phrases), lookup)
        _PHRASES[id(rule.phrases)] = cached
    return cached[1], cached[2]


def run_checks(
    text: str,
    platforms: tuple[str, ...],
    policy: Policy,
    *,
    register: Register | None = None,
    today: date | None = None,
) -> list[Finding]:
    """Every finding for ``text``, in reading order; platform findings only for targeted ones."""
    load_validators()
    norm = normalise(text)
    ctx = Context(norm, platforms, policy, register, today)
    quotes = quoted_spans(norm.text)
    findings: list[Finding] = []
    for rule in policy.rules:
        if not rule.enabled:
            continue
        source = VALIDATORS[rule.validator](ctx, rule) if rule.validator else _generic(ctx, rule)
        excepted: list[tuple[int, int]] | None = None  # found only once a rule has a hit
        seen: set[tuple[int, int]] = set()
        kept = 0
        blocks = False  # whether the validator itself found a blocking hit (see raw_blocks)
        for hit in source:
            if kept >= MAX_FINDINGS_PER_RULE:
                break  # the verdict is settled; a wall of repeats helps nobody
            if not blocks and (hit.severity is None or hit.severity == Severity.BLOCK):
                blocks = True
                ctx._memo[f"{_RAW_BLOCKS}{rule.id}"] = True
            if (hit.start, hit.end) in seen:
                continue
            seen.add((hit.start, hit.end))
            if hit.platform is not None and hit.platform not in platforms:
                continue
            if rule.exceptions:
                if excepted is None:
                    excepted = [
                        (m.start(), m.end()) for p in rule.exceptions for m in p.finditer(norm.text)
                    ]
                if within(hit.start, hit.end, excepted):
                    continue
            if rule.outside_quotes and within(hit.start, hit.end, quotes):
                continue
            start, end = norm.span(hit.start, hit.end)
            kept += 1
            suggestion = hit.suggestion if hit.suggestion is not None else rule.suggestion
            findings.append(
                Finding(
                    check=rule.check,
                    rule=rule.id,
                    severity=hit.severity or rule.severity,
                    start=start,
                    end=end,
                    excerpt=text[start:end],
                    message=hit.message or rule.message,
                    suggestion=suggestion,
                    platform=hit.platform,
                    replacement=_replacement(suggestion),
                )
            )
        if not blocks and kept < MAX_FINDINGS_PER_RULE:
            ctx._memo[f"{_RAW_BLOCKS}{rule.id}"] = False  # every hit seen: none blocks
    return sorted(findings, key=lambda f: (f.start, f.end, f.rule))


_RAW_BLOCKS = "engine.raw_blocks."


def raw_blocks(ctx: Context, rule: RulePack) -> bool:
    """Whether the rule's validator finds anything at block severity (a hit without its own
    severity takes the rule's, taken here as blocking), before exceptions and quotations. Known
    without running it again once the engine has run that rule in this run."""
    known = ctx._memo.get(f"{_RAW_BLOCKS}{rule.id}")
    if known is None:
        assert rule.validator is not None
        hits = VALIDATORS[rule.validator](ctx, rule)
        known = any(h.severity is None or h.severity == Severity.BLOCK for h in hits)
    return bool(known)


# Suggestions that name a swap ('Say "we" — …') can be applied mechanically.
_SAY = re.compile(r'^Say "([^"]{1,80})"')


def _replacement(suggestion: str) -> str | None:
    m = _SAY.match(suggestion)
    return m.group(1) if m else None
