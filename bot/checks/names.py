"""A name gazetteer weighed against word frequency: is a capitalised word someone's name?

Two public sources, weighed when the package is built (`scripts/make_name_verdicts.py`):

- the US Census Bureau's 1990 given-name and surname lists (public domain, vendored under
  `data/names/`): how many people bear a name;
- wordfreq's English frequencies (Apache-2.0, data in its wheel): how often the same letters
  occur as a word in ordinary text.

Their ratio says which use dominates. "Mary" is borne by 1.3 % of people and is a rare word:
a name. "Green" is a common surname but a commoner word: on its own a colour or a village
green, after a given name ("Mary Green") a surname. "Visibility" and "Yorkshire" are nobody's
name and common words: never a person on capitalisation alone. wordfreq folds case, so the
ratio is a weight, not a probability; the thresholds below were set on the development corpus.

The bot reads only the weighing's outcome, `data/names/verdicts.txt`: the given names, the
surnames after a given name and the common words, as word lists (about 30 ms of CPU to load, where
weighing the sources at first use took 0.4 s of a `countersign check` run). A test checks the
shipped file against a fresh weighing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Share of people (a fraction) over frequency as an English word. Above this a given name is a
# name first ("Mark" 42, "Grace" 13); below 1 the word dominates ("Hope" 0.6, "Will" 0.03).
NAME_FIRST = 5.0
# A surname right after a given name stays a surname even when it is a common word ("Tom Day"
# 0.5, "Jo Park" 1.7), but not when it is overwhelmingly a word ("Victoria Street").
SURNAME_AFTER_GIVEN = 0.3
# A capitalised word that is not on the name lists and is at least this common as a word
# (Zipf scale: 3.3 is about 2 per million words) is an ordinary word: "Visibility", "Specialist".
COMMON_WORD_ZIPF = 3.3


@dataclass(frozen=True)
class Weights:
    """The sources as weighed: built only to write (and test) the verdicts file."""

    given: dict[str, float]  # lower-case given name → share of people of that sex, as a fraction
    surnames: dict[str, float]  # lower-case surname → share of people
    word_freq: dict[str, float]  # lower-case word → frequency in English text, for words we ask

    def name_weight(self, word: str, *, surname: bool = False) -> float:
        """How much more a name than a word: share of people over frequency as a word."""
        key = word.lower()
        share = (self.surnames if surname else self.given).get(key)
        if share is None:
            return 0.0
        return share / max(self.word_freq.get(key, 0.0), 1e-9)

    def is_given_name(self, word: str) -> bool:
        """A census given name used far more as a name than as a word."""
        return self.name_weight(word) >= NAME_FIRST

    def is_surname_after_given(self, word: str) -> bool:
        return self.name_weight(word, surname=True) >= SURNAME_AFTER_GIVEN

    def is_common_word(self, word: str) -> bool:
        """Nobody's name on either list, and a common English word."""
        key = word.lower()
        if key in self.given or key in self.surnames:
            return (
                self.name_weight(key) < 1.0
                and self.name_weight(key, surname=True) < 1.0
                and self.zipf(key) >= COMMON_WORD_ZIPF
            )
        return self.zipf(key) >= COMMON_WORD_ZIPF

    def zipf(self, key: str) -> float:
        freq = self.word_freq.get(key, 0.0)
        return math.log10(freq) + 9 if freq > 0 else 0.0


def _read(name: str, halve: bool) -> dict[str, float]:
    table: dict[str, float] = {}
    text = resources.files("bot.checks").joinpath(f"data/names/{name}").read_text("ascii")
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        # Rare names are rounded to 0.000 %: count them as half the smallest listed share.
        percent = float(parts[1]) or 0.0005
        share = percent / 100 / (2 if halve else 1)
        table[parts[0]] = max(table.get(parts[0], 0.0), share)
    return table


def weigh() -> Weights:
    """The name lists and the frequencies of words worth asking, read from the sources."""
    import wordfreq  # only to build the verdicts: 0.15 s to import

    given = _read("given_female.txt", halve=True)
    for name, share in _read("given_male.txt", halve=True).items():
        given[name] = max(given.get(name, 0.0), share)
    surnames = _read("surnames.txt", halve=False)
    floor = 10 ** (COMMON_WORD_ZIPF - 9)
    names = given.keys() | surnames.keys()
    word_freq: dict[str, float] = {}
    # Keep what a decision can need: every listed name's frequency, and the common words. The
    # buckets are read directly (cB_to_freq is the list's own scale) and wordfreq's cache of
    # them dropped: the full 320,000-word list would otherwise stay in memory for good.
    for index, bucket in enumerate(wordfreq.get_frequency_list("en")):
        freq = wordfreq.cB_to_freq(-index)
        for word in bucket:
            if (freq >= floor or word in names) and word not in word_freq:
                word_freq[word] = freq
    wordfreq.get_frequency_list.cache_clear()
    return Weights(given, surnames, word_freq)


VERDICTS = "data/names/verdicts.txt"
_SECTIONS = ("given", "surname_after_given", "common_word")


@dataclass(frozen=True)
class Gazetteer:
    """The weighing's verdicts per lower-case word: what the checks ask, as set look-ups."""

    given: frozenset[str]  # is_given_name
    surnames_after_given: frozenset[str]  # is_surname_after_given
    common_words: frozenset[str]  # is_common_word

    def is_given_name(self, word: str) -> bool:
        return word.lower() in self.given

    def is_surname_after_given(self, word: str) -> bool:
        return word.lower() in self.surnames_after_given

    def is_common_word(self, word: str) -> bool:
        return word.lower() in self.common_words


def verdicts(weights: Weights) -> Gazetteer:
    """Every word for which a question gets yes. The words asked are lower-cased, and a word
    the weighing does not hold is no on each question, so these sets answer as it does."""
    return Gazetteer(
        frozenset(w for w in weights.given if weights.is_given_name(w)),
        frozenset(w for w in weights.surnames if weights.is_surname_after_given(w)),
        frozenset(
            w
            for w in weights.word_freq.keys() | weights.given.keys() | weights.surnames.keys()
            if weights.is_common_word(w)
        ),
    )


def verdicts_text(g: Gazetteer) -> str:
    """The verdicts file: a "[section]" line, then its words one a line, sorted."""
    # The loader splits on "[" and on line ends: no word may hold either (none does).
    sections = (g.given, g.surnames_after_given, g.common_words)
    assert not any("[" in w or "\n" in w for words in sections for w in words)
    parts = []
    for section, words in zip(_SECTIONS, sections, strict=True):
        parts.append(f"[{section}]\n" + "".join(f"{w}\n" for w in sorted(words)))
    return "".join(parts)


@cache
def gazetteer() -> Gazetteer:
    """Loaded on first use and kept."""
    text = resources.files("bot.checks").joinpath(VERDICTS).read_text("utf-8")
    sections: dict[str, frozenset[str]] = {}
    # One split: the headers are the only lines that start with "[", no word does.
    for block in text.split("[")[1:]:
        header, _, words = block.partition("]\n")
        sections[header] = frozenset(words.split("\n")[:-1])
    return Gazetteer(*(sections[name] for name in _SECTIONS))
