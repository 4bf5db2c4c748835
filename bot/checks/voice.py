"""Neutral voice: the organisation's account never speaks as one employee."""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.checks.engine import Context, Hit, validator
from bot.checks.policy import RulePack

_SWAPS = {
    "i": "we",
    "me": "us",
    "my": "our",
    "mine": "ours",
    "myself": "ourselves",
    "i'm": "we're",
    "i've": "we've",
    "i'd": "we'd",
    "i'll": "we'll",
    "imo": "",
    "imho": "",
}
_WORD = re.compile(
    r"(?<![\w'])(i'm|i've|i'd|i'll|imho|imo|myself|mine|my|me|i)(?![\w'])", re.IGNORECASE
)
# "World War I", "Type I diabetes", "Part I": a capital I that is a numeral, not a person.
_NUMERAL_BEFORE = re.compile(
    r"\b(war|type|part|phase|stage|class|act|chapter|grade|level|section|volume|book|article|"
    r"title|schedule|annex|appendix|tier|category|henry|george|elizabeth|charles|james|edward|"
    r"william|mary|richard|louis)\s+$",
    re.IGNORECASE,
)


def starts_sentence(text: str, index: int) -> bool:
    j = index - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] in ".!?\n\r"


@validator("first_person_singular")
def first_person_singular(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    text = ctx.text
    for m in _WORD.finditer(text):
        word = m.group(0)
        key = word.lower()
        if key == "i" and _NUMERAL_BEFORE.search(text[max(0, m.start() - 24) : m.start()]):
            continue
        if word == "ME":
            continue  # myalgic encephalomyelitis, not "me"
        swap = _SWAPS[key]
        if starts_sentence(text, m.start()):
            swap = swap.capitalize()
        yield Hit(
            m.start(),
            m.end(),
            message=f'"{word}" speaks as one person, not as the organisation.',
            suggestion=(
                f'Say "{swap}" — the account speaks for the organisation.'
                if swap
                else "Delete it: the organisation does not give personal opinions."
            ),
        )
