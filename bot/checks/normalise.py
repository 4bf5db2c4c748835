"""Text normalised against evasion, with every position still pointing into the original.

A check reads ``Normalised.text``; a finding's span is mapped back with ``Normalised.span`` so the
excerpt the approver sees is exactly what the proposer wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Invisible characters used to split a word or a number so that a pattern misses it.
_INVISIBLE = {
    "\u00ad",
    "\u034f",
    "\u061c",
    "\u115f",
    "\u1160",
    "\u17b4",
    "\u17b5",
    "\u180e",
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u2060",
    "\u2061",
    "\u2062",
    "\u2063",
    "\u2064",
    "\ufeff",
}
# Common confusables: Cyrillic and Greek letters that look like Latin ones.
_HOMOGLYPHS = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ԁ": "d",
        "ɡ": "g",
        "һ": "h",
        "ӏ": "l",
        "ո": "n",
        "ս": "u",
        "ԝ": "w",
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "О": "O",
        "Р": "P",
        "С": "C",
        "Т": "T",
        "У": "Y",
        "Х": "X",
        "І": "I",
        "Ј": "J",
        "Ѕ": "S",
        "α": "a",
        "ο": "o",
        "ρ": "p",
        "ν": "v",
        "τ": "t",
        "ι": "i",
        "κ": "k",
        "Α": "A",
        "Β": "B",
        "Ε": "E",
        "Ζ": "Z",
        "Η": "H",
        "Ι": "I",
        "Κ": "K",
        "Μ": "M",
        "Ν": "N",
        "Ο": "O",
        "Ρ": "P",
        "Τ": "T",
        "Υ": "Y",
        "Χ": "X",
        "‘": "'",
        "’": "'",
        "ʼ": "'",
        "`": "'",
        "“": '"',
        "”": '"',
        "„": '"',
        "″": '"',
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "−": "-",
    }
)
# "0 7 7 0 0 9 0 0 1 2 3": single digits spaced out one by one, at least six of them.
_SPACED_DIGITS = re.compile(r"(?<![\w])\d(?:[ .\-_/]\d){5,}(?![\w])")


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    starts: tuple[int, ...]  # for each character of text: where it starts in original
    ends: tuple[int, ...]  # ...and where its source character ends

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span behind ``text[start:end]``."""
        if not self.text:
            return 0, 0
        start = min(max(start, 0), len(self.text) - 1)
        end = min(max(end, start + 1), len(self.text))
        return self.starts[start], self.ends[end - 1]


# Each character's folding, worked out once ("" when it is dropped); a few thousand at most.
_FOLDED: dict[str, str] = {}
_MAX_FOLDED = 20_000


def _fold(ch: str) -> str:
    if ch in _INVISIBLE or unicodedata.category(ch) == "Cf":
        folded = ""
    else:
        folded = unicodedata.normalize("NFKC", ch).translate(_HOMOGLYPHS)
    if len(_FOLDED) < _MAX_FOLDED:
        _FOLDED[ch] = folded
    return folded


def normalise(original: str) -> Normalised:
    if original.isascii():
        # Nothing to fold but the backtick: positions stay one to one.
        text = original.replace("`", "'")
        if not _SPACED_DIGITS.search(text):
            n = len(text)
            return Normalised(original, text, tuple(range(n)), tuple(range(1, n + 1)))
    # Each distinct character's folding, looked up once: a long post has a few dozen.
    folds = {ch: _FOLDED[ch] if ch in _FOLDED else _fold(ch) for ch in set(original)}
    starts: list[int] | range
    ends: list[int] | range
    if all(len(folded) == 1 for folded in folds.values()):
        # Every character folds to one (curly quotes, dashes, accents): positions stay one to one.
        changed = {ch: f for ch, f in folds.items() if f != ch}
        if changed.keys().isdisjoint(changed.values()):
            text = original  # one replace a character: none undoes or redoes another's
            for ch, folded in changed.items():
                text = text.replace(ch, folded)
        else:
            text = original.translate({ord(ch): f for ch, f in changed.items()})
        starts = range(len(text))
        ends = range(1, len(text) + 1)
    else:
        pieces = [folds[ch] for ch in original]
        chars: list[str] = []
        starts, ends = [], []
        for i, folded in enumerate(pieces):
            for out in folded:
                chars.append(out)
                starts.append(i)
                ends.append(i + 1)
        text = "".join(chars)
    # Collapse spaced-out digits, keeping the map in step.
    if _SPACED_DIGITS.search(text):
        keep = [True] * len(text)
        for m in _SPACED_DIGITS.finditer(text):
            for k in range(m.start(), m.end()):
                if not text[k].isdigit():
                    keep[k] = False
        chars = [c for c, k in zip(text, keep, strict=True) if k]
        starts = [s for s, k in zip(starts, keep, strict=True) if k]
        ends = [e for e, k in zip(ends, keep, strict=True) if k]
        text = "".join(chars)
    return Normalised(original, text, tuple(starts), tuple(ends))
