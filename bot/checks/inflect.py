"""Other forms of a listed word, so that "convictions", "sectioning" and "relapses" count.

The special_category term lists name one form of a word ("criminal conviction", "sectioned",
"relapsed"); posts use others. Rather than lemmatise every word of every post at check time, the
lexicon is widened once, when it is built: the last word of each phrase gains its regular English
inflections. Rule-based, on purpose: lemminflect (MIT, the dictionary-based alternative) needs
numpy and a ~1 s load; these few suffix rules cover the regular forms in microseconds and leave
alone what they cannot get right.

What it widens:
- a past tense or participle (-ed) gains -ing: "sectioned" → sectioning; "relapsed" →
  relapsing; not -s, whose forms are mostly nouns of something else ("sections", "grooms");
- a noun naming a thing that happens or is had (-ion, -ment, -ence, -ance, -ure, -ness, -sis,
  -ity, -ism, and a few more) gains its plural: conviction → convictions, diagnosis → diagnoses;
- nothing else. Not nouns for people ("offender", "addict", "asylum seeker", "refugee"): their
  plural names a group ("we help asylum seekers"), which the rule must leave alone.
"""

from __future__ import annotations

import re

# Forms that are other words: "an arresting performance", "a sobering report".
_NOT_FORMS = frozenset({"arresting", "sobering", "charging", "grooming"})

_PLURAL_ENDINGS = (
    "ion",
    "ment",
    "ence",
    "ance",
    "ure",
    "ness",
    "ity",
    "sis",
    "ism",
    "tence",
    "lapse",
    "dose",
    "order",
    "ease",
    "riage",
    "ury",
    "tack",
    "oke",
)
_CONSONANT_DOUBLED = re.compile(r"([bdgklmnprt])\1ed$")  # "stopped", "admitted"
_VOWELS = "aeiou"


def _plural(word: str) -> str:
    if word.endswith("sis"):
        return word[:-3] + "ses"  # diagnosis → diagnoses
    if word.endswith("ury") or (word.endswith("y") and word[-2:-1] not in _VOWELS):
        return word[:-1] + "ies"  # injury → injuries
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    return word + "s"


def _verb_stems(past: str) -> tuple[str, ...]:
    """Possible bare forms of a regular past tense: sectioned → section; relapsed → relapse."""
    doubled = _CONSONANT_DOUBLED.search(past)
    if doubled:
        return (past[:-2],)  # "stopped" → "stopp", so "stopping"
    if past.endswith("ied"):
        return (past[:-3] + "y",)
    stem = past[:-2]
    if past.endswith("ed") and stem.endswith(("s", "v", "c", "g", "z", "u")):
        return (stem + "e",)  # relapsed → relapse, overdosed → overdose, abused → abuse
    return (stem,)


def _present_participle(stem: str) -> str:
    if stem.endswith("ie"):
        return stem[:-2] + "ying"
    if stem.endswith("e") and not stem.endswith(("ee", "ye", "oe")):
        return stem[:-1] + "ing"
    return stem + "ing"


def forms(word: str) -> frozenset[str]:
    """Other regular forms of one word (lower case), the word itself excluded."""
    w = word.lower()
    out: set[str] = set()
    if len(w) < 5 or not w.isalpha():
        return frozenset()
    if w.endswith("ed") and not w.endswith("eed"):
        # Not the -s form: "sections", "grooms", "stalks" and "addicts" are nouns too.
        out |= {_present_participle(stem) for stem in _verb_stems(w)}
    elif w.endswith(_PLURAL_ENDINGS):
        out.add(_plural(w))
    return frozenset(out - _NOT_FORMS - {w})


def phrase_forms(phrase: str) -> tuple[str, ...]:
    """The phrase with its last word in each of its other forms: "criminal convictions"."""
    head, _, last = phrase.rpartition(" ")
    if not last or last.startswith("<") or last.isupper():
        return ()
    prefix = head + " " if head else ""
    return tuple(sorted(prefix + f for f in forms(last)))
