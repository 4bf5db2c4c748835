"""Evaluative words (praise and blame) from VADER's lexicon, as shipped in data/voice.

The stance and disparagement tests in voice.py ask one question of a sentence that already names
a political actor or one of the organisation's own people: does it hold a word that judges? A
fixed pattern list answers only for the phrases someone thought of; a lexicon that ten raters
scored word by word (VADER, C.J. Hutto, MIT; see data/voice/PROVENANCE.md) answers for the ones
nobody did. scripts/make_evaluative_terms.py builds the file from the vaderSentiment package; the
bot reads only the file. One set lookup per word, and only in sentences that need it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

_FILE = Path(__file__).resolve().parent / "data" / "voice" / "evaluative.txt"
_WORD = re.compile(r"[a-z]{2,}")


@dataclass(frozen=True)
class Evaluative:
    """A judging word found in a sentence: where, which word, and its rating (-4..+4)."""

    start: int
    end: int
    word: str
    rating: float


@functools.cache
def ratings() -> Mapping[str, float]:
    rated: dict[str, float] = {}
    for line in _FILE.read_text(encoding="utf-8").splitlines():
        word, _, mean = line.partition("\t")
        if word and mean:
            rated[word] = float(mean)
    return rated


@functools.cache
def judging_words() -> frozenset[str]:
    """Every word in the lexicon, as a set: a post sharing none with it skips the tests."""
    return frozenset(ratings())


@functools.cache
def blame_words() -> frozenset[str]:
    return frozenset(w for w, rating in ratings().items() if rating < 0)


def first_evaluative(
    text: str,
    lo: int,
    hi: int,
    skip: tuple[int, int] = (0, 0),
    blame_only: bool = False,
) -> Evaluative | None:
    """The first judging word in text[lo:hi] outside the span `skip` (the actor's own name:
    "Liberal Democrats" must not judge itself)."""
    return next(evaluative_words(text, lo, hi, skip, blame_only), None)


def evaluative_words(
    text: str,
    lo: int,
    hi: int,
    skip: tuple[int, int] = (0, 0),
    blame_only: bool = False,
) -> Iterator[Evaluative]:
    """The judging words in text[lo:hi], in order, outside the span `skip`."""
    rated = ratings()
    part = text[lo:hi].lower()
    if len(part) != hi - lo:
        part = text[lo:hi].encode("ascii", "replace").decode().lower()  # same length, no Unicode
    for m in _WORD.finditer(part):
        rating = rated.get(m.group(0))
        if rating is None or (blame_only and rating > 0):
            continue
        start, end = lo + m.start(), lo + m.end()
        if skip[0] <= start < skip[1]:
            continue
        # A word glued to another ("so-called", "don't", "well-meaning") is not this word.
        if m.start() > 0 and part[m.start() - 1] in "'-":
            continue
        if part.startswith("-", m.end()) or (
            part.startswith("'", m.end()) and not part.startswith("'s", m.end())
        ):
            continue
        yield Evaluative(start, end, m.group(0), rating)
