"""A name gazetteer weighed against word frequency: is a capitalised word someone's name?

Two public sources, loaded once per process on first use (0.3 s to 2 s; about 45 MB):

- the US Census Bureau's 1990 given-name and surname lists (public domain, vendored under
  `data/names/`): how many people bear a name;
- wordfreq's English frequencies (Apache-2.0, data in its wheel): how often the same letters
  occur as a word in ordinary text.

Their ratio says which use dominates. "Mary" is borne by 1.3 % of people and is a rare word:
a name. "Green" is a common surname but a commoner word: on its own a colour or a village
green, after a given name ("Mary Green") a surname. "Visibility" and "Yorkshire" are nobody's
name and common words: never a person on capitalisation alone. wordfreq folds case, so the
ratio is a weight, not a probability; the thresholds below were set on the development corpus.
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
class Gazetteer:
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


@cache
def gazetteer() -> Gazetteer:
    """Loaded on first use and kept: the name lists and the frequencies of words worth asking."""
    import wordfreq  # deferred: 0.15 s to import, only when a post has a capitalised word

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
    return Gazetteer(given, surnames, word_freq)
