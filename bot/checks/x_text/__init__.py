"""X's weighted length of a post, counted as twitter-text counts it.

Our own implementation of twitter-text's ``parseTweet`` (github.com/twitter/twitter-text,
``js/src/parseTweet.js`` and ``java/.../TwitterTextParser.java``; Copyright 2018 Twitter, Inc.,
Apache License 2.0), replacing the ``twitter-text-parser`` package, whose import needs
``pkg_resources`` and so fails on Python 3.12+ or with setuptools 81+. It is checked against
twitter-text's own conformance suite (``tests/bot/checks/test_twitter_text_conformance.py``).

How X counts: the text is NFC-normalised; each link counts ``transformed_url_length`` (23);
with emoji parsing (configuration v3, what X uses today) each emoji, however many code points,
counts ``default_weight``; every other code point counts its range's weight (1 for Latin,
most punctuation and spaces) or ``default_weight`` (2: CJK, other scripts, symbols). Line
endings are counted as given: neither the JavaScript nor the Java library rewrites ``\\r\\n``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from typing import Any

from bot.checks.x_text.emojis import emoji_spans
from bot.checks.x_text.urls import Url, extract_urls, extract_urls_with_indices

__all__ = [
    "CONFIG_V3",
    "INVALID_CHARACTERS",
    "Config",
    "Url",
    "XCount",
    "extract_urls",
    "extract_urls_with_indices",
    "index_of_utf16",
    "parse",
]

# twitter-text's invalid characters: X refuses a post holding any of them.
INVALID_CHARACTERS = frozenset("\ufffe\ufeff\uffff")
_INVALID_RE = re.compile("[\ufffe\ufeff\uffff]")


def _overlap(ranges: tuple[tuple[int, int, int], ...]) -> bool:
    spans = sorted((start, end) for start, end, _ in ranges)
    return any(a_end >= b_start for (_, a_end), (b_start, _) in pairwise(spans))


@dataclass(frozen=True)
class Config:
    """A twitter-text configuration (``config/v*.json``).

    Weights stay scaled as in the file (100 for a weight of 1, so that a configuration could
    give fractions); the sum is divided by the scale at the end, as twitter-text does.
    """

    max_weighted_length: int
    scale: int
    default_weight: int  # scaled, as in the file
    transformed_url_length: int
    ranges: tuple[tuple[int, int, int], ...]  # (first code point, last code point, scaled weight)
    emoji_parsing: bool

    def __post_init__(self) -> None:
        if _overlap(self.ranges):  # run_weight counts each range's characters once
            raise ValueError("twitter-text configuration with overlapping ranges")
        if self.default_weight < 0 or any(weight < 0 for *_, weight in self.ranges):
            raise ValueError("twitter-text configuration with a negative weight")  # see _walk

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> Config:
        """From twitter-text's JSON keys; versions 1 and 2 predate emoji parsing."""
        return cls(
            max_weighted_length=int(raw["maxWeightedTweetLength"]),
            scale=int(raw["scale"]),
            default_weight=int(raw["defaultWeight"]),
            transformed_url_length=int(raw["transformedURLLength"]),
            ranges=tuple((int(r["start"]), int(r["end"]), int(r["weight"])) for r in raw["ranges"]),
            emoji_parsing=bool(raw.get("emojiParsingEnabled", False)),
        )

    @property
    def url_weight(self) -> int:
        return self.transformed_url_length * self.scale

    def weight(self, char: str) -> int:
        code = ord(char)
        for start, end, weight in self.ranges:
            if start <= code <= end:
                return weight
        return self.default_weight

    def run_weight(self, run: str) -> int:
        """The summed weight of characters counted one by one (no link, no emoji)."""
        if run.isascii() and self._ascii_weight is not None:
            return len(run) * self._ascii_weight
        total = len(run) * self.default_weight
        for outside, weight in self._patterns:
            # Counted as the run's length less the stretches outside the weight's ranges: few
            # stretches in Latin text (or in CJK), where one match per character made a list.
            inside = len(run) - sum(map(len, outside.findall(run)))
            total += inside * (weight - self.default_weight)
        return total

    @cached_property
    def _ascii_weight(self) -> int | None:
        weights = {self.weight(chr(c)) for c in range(128)}
        return weights.pop() if len(weights) == 1 else None

    @cached_property
    def _patterns(self) -> tuple[tuple[re.Pattern[str], int], ...]:
        # The first range holding a code point decides its weight, as in ``weight``.
        by_weight: dict[int, list[str]] = {}
        for start, end, weight in self.ranges:
            span = f"{re.escape(chr(start))}-{re.escape(chr(end))}"
            by_weight.setdefault(weight, []).append(span)
        return tuple(
            (re.compile(f"[^{''.join(parts)}]+"), weight)
            for weight, parts in by_weight.items()
            if weight != self.default_weight
        )


# twitter-text config/v3.json, the configuration X uses: emoji count 2.
CONFIG_V3 = Config.from_json(
    {
        "version": 3,
        "maxWeightedTweetLength": 280,
        "scale": 100,
        "defaultWeight": 200,
        "emojiParsingEnabled": True,
        "transformedURLLength": 23,
        "ranges": [
            {"start": 0, "end": 4351, "weight": 100},
            {"start": 8192, "end": 8205, "weight": 100},
            {"start": 8208, "end": 8223, "weight": 100},
            {"start": 8242, "end": 8247, "weight": 100},
        ],
    }
)


@dataclass(frozen=True)
class XCount:
    """twitter-text's parse result, in its units (indices are UTF-16 code units, inclusive)."""

    weighted_length: int
    valid: bool  # fits the limit, is not empty and holds no invalid character
    valid_range_end: int  # the last UTF-16 unit of the original text that X would still accept
    display_range_end: int


def parse(text: str, config: Config = CONFIG_V3, limit: int | None = None) -> XCount:
    """Count ``text`` as X does; ``limit`` overrides the configuration's maximum."""
    counter = _Counter(config, config.max_weighted_length if limit is None else limit)
    norm = unicodedata.normalize("NFC", text)
    # Each link or emoji found, by its first character: (its last character, its weight).
    # Where both start at one place the link wins, and whatever starts inside one is skipped.
    entities = {u.start: (u.start + len(u.url) - 1, config.url_weight) for u in extract_urls(norm)}
    if config.emoji_parsing:
        for start, end in emoji_spans(norm).items():
            entities.setdefault(start, (end - 1, config.default_weight))
    i = 0
    for start in sorted(entities):
        if start < i:
            continue
        counter.add_run(norm, i, start)
        last, weight = entities[start]
        counter.add_entity(last, weight)
        i = last + 1
    counter.add_run(norm, i, len(norm))
    length = counter.weighted // config.scale
    # Like twitter-text, the index found in the normalised text is moved by the whole
    # difference normalisation made, not by the part of it before the index.
    shift = _utf16_len(text) - _utf16_len(norm)
    last_valid = counter.last_valid
    end16 = _utf16_len(norm[: last_valid + 1]) - 1 if last_valid >= 0 else 0
    return XCount(
        weighted_length=length,
        valid=counter.valid and 0 < length <= counter.maximum // config.scale,
        valid_range_end=end16 + shift,
        display_range_end=max(_utf16_len(text) - 1, 0),
    )


_STRIDE = 32


class _Counter:
    """twitter-text's loop, a run of plain characters at a time instead of one at a time.

    ``last_valid`` is the index of the last character still within the limit with no invalid
    character before it; only the run where the limit is crossed is walked character by
    character, so a 5,000-character post costs a few C-level passes, not 5,000 steps.
    """

    def __init__(self, config: Config, limit: int) -> None:
        self.config = config
        self.maximum = limit * config.scale
        self.weighted = 0
        self.valid = True
        self.last_valid = -1

    def add_entity(self, last: int, weight: int) -> None:
        self.weighted += weight
        if self.valid and self.weighted <= self.maximum:
            self.last_valid = last

    def add_run(self, text: str, start: int, end: int) -> None:
        if start >= end:
            return
        run = text[start:end]
        weight = self.config.run_weight(run)
        invalid = not run.isascii() and _INVALID_RE.search(run) is not None
        still_open = self.valid and self.weighted <= self.maximum
        if still_open and (invalid or self.weighted + weight > self.maximum):
            self._walk(run, start)  # the limit, or the first invalid character, is in this run
            return
        if still_open:
            self.last_valid = end - 1
        self.valid = self.valid and not invalid
        self.weighted += weight

    def _walk(self, run: str, start: int) -> None:
        # Character by character only up to where the limit is crossed or an invalid character
        # stands: after that ``last_valid`` cannot move again (weights are not negative), so the
        # rest of the run is summed as any other run. A long post walks ~280 steps, not 5,000.
        skipped = 0
        while len(run) - skipped > _STRIDE:  # whole strides that stay within the limit first
            stride = run[skipped : skipped + _STRIDE]
            weight = self.config.run_weight(stride)
            if not self.valid or self.weighted + weight > self.maximum:
                break
            if not stride.isascii() and _INVALID_RE.search(stride) is not None:
                break
            self.weighted += weight
            skipped += _STRIDE
            self.last_valid = start + skipped - 1
        run, start = run[skipped:], start + skipped
        for k, char in enumerate(run):
            self.weighted += self.config.weight(char)
            self.valid = self.valid and char not in INVALID_CHARACTERS
            if self.valid and self.weighted <= self.maximum:
                self.last_valid = start + k
            else:
                rest = run[k + 1 :]
                if rest:
                    self.weighted += self.config.run_weight(rest)
                    self.valid = self.valid and (rest.isascii() or _INVALID_RE.search(rest) is None)
                return


def index_of_utf16(text: str, unit: int) -> int:
    """The code point index in ``text`` of the character holding UTF-16 unit ``unit``."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return min(unit, len(text))
    seen = 0
    for index, char in enumerate(text):
        seen += 2 if ord(char) >= 0x10000 else 1
        if seen > unit:
            return index
    return len(text)


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2
