"""Neutral voice: the organisation's account never speaks as one employee."""

from __future__ import annotations

import re

from bot.checks.engine import Policy
from bot.checks.text import quoted_spans, within
from bot.domain.findings import Finding, Severity

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
    r"(?<![\w'’])(i[’']m|i[’']ve|i[’']d|i[’']ll|imho|imo|myself|mine|my|me|i)(?![\w'’])",
    re.IGNORECASE,
)
# "World War I", "Type I diabetes", "Part I": a capital I that is a numeral, not a person.
_NUMERAL_BEFORE = re.compile(
    r"\b(war|type|part|phase|stage|class|act|chapter|grade|level|section|volume|book|article|"
    r"title|schedule|annex|appendix|tier|category|henry|george|elizabeth|charles|james|edward|"
    r"william|mary|richard|louis)\s+$",
    re.IGNORECASE,
)


_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)$")


class FirstPersonSingular:
    name = "first_person_singular"

    def __call__(self, text: str, platforms: tuple[str, ...], policy: Policy) -> list[Finding]:
        quotes = quoted_spans(text)
        findings = []
        for m in _WORD.finditer(text):
            word = m.group(0)
            key = word.lower().replace("’", "'")
            if within(m.start(), m.end(), quotes):
                continue  # someone else's words, attributed
            if key == "i" and _NUMERAL_BEFORE.search(text[max(0, m.start() - 20) : m.start()]):
                continue
            if word == "ME":
                continue  # myalgic encephalomyelitis, not "me"
            swap = _SWAPS[key]
            if _SENTENCE_START.search(text[: m.start()]):
                swap = swap.capitalize()
            suggestion = (
                f'Say "{swap}" — the account speaks for the organisation.'
                if swap
                else "Delete it: the organisation does not give personal opinions."
            )
            findings.append(
                Finding(
                    check="voice",
                    rule=self.name,
                    severity=policy.severity(self.name, Severity.WARN),
                    start=m.start(),
                    end=m.end(),
                    excerpt=word,
                    message=f'"{word}" speaks as one person, not as the organisation.',
                    suggestion=suggestion,
                )
            )
        return findings
