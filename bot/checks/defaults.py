"""Protection that needs no configuration: a refuge placed on a map, a case reference, and the
organisation's own contact details told apart from a person's.

An organisation that has not yet filled in config/policy.yaml is the one most likely to post a
refuge's town or a case number by mistake, so these work from the shape of the words alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.checks.engine import Context, Hit, validator
from bot.checks.identifiers import _SUFFIX, _UK_POSTCODE, _sentence, _words
from bot.checks.policy import RulePack

# -- a refuge together with where it is ------------------------------------------------------

# Places whose whole protection is that nobody knows where they are. A "night shelter" or a
# "homeless shelter" is a public service and is left alone; "Refuge" with a capital and no
# article is the national charity.
_REFUGE = re.compile(
    r"(?i:\b(?:(?:our|the|a|this|that|their|her|his|local|new|women'?s)\s+(?:[\w'’]+\s+)?)"
    r"(?:refuges?|safe\s*houses?|(?:women'?s|domestic\s+(?:abuse|violence)|dv|survivors'?)"
    r"\s+shelters?)\b|\bsafe\s*houses?\b|\b(?:women'?s|domestic\s+(?:abuse|violence)|dv)\s+"
    r"(?:refuges?|shelters?)\b)"
)
_STREET = re.compile(rf"(?i)\b\d{{1,4}}[a-z]?,?\s+(?:[a-z][\w'’-]{{0,20}}\s+){{1,3}}{_SUFFIX}\b")
_NAMED_STREET = re.compile(rf"\b[A-Z][\w'’-]{{1,20}}\s+(?i:{_SUFFIX})\b")
_POSTCODE = re.compile(rf"(?<![\w]){_UK_POSTCODE}(?![\w])", re.IGNORECASE)
_LANDMARK = re.compile(
    r"(?i)\b(?:next\s+(?:door\s+)?to|opposite|behind|beside|across\s+from|round\s+the\s+corner"
    r"\s+from|a\s+(?:few|short)\s+\w+\s+from|near(?:\s+to)?|above|by)\s+(?:the\s+)?"
    r"(?P<place>[A-Za-z][\w'’-]{1,30})"
)
# "in Leeds", "at Harehills", "near Otley": a capitalised word after a place preposition.
_TOWN = re.compile(r"\b(?:in|at|near|outside|of)\s+(?P<town>[A-Z][a-z'’-]{2,30})\b")
_NOT_TOWNS = _words(
    """monday tuesday wednesday thursday friday saturday sunday january february march april may
    june july august september october november december christmas easter the our we it this
    that these those there here all any every some english"""
)


def _located(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of a street, postcode, landmark or town in the refuge's sentence, if any."""
    s_start, s_end = _sentence(text, start)
    window = text[s_start:s_end]
    for pattern in (_STREET, _POSTCODE, _NAMED_STREET, _LANDMARK):
        m = pattern.search(window)
        if m:
            return s_start + m.start(), s_start + m.end()
    for m in _TOWN.finditer(window):
        if m.group("town").lower() not in _NOT_TOWNS and s_start + m.start() >= end - 60:
            return s_start + m.start("town"), s_start + m.end("town")
    return None


@validator("refuge_location")
def refuge_location(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A refuge, safe house or domestic-abuse shelter with a street, landmark or town."""
    text = ctx.text
    for m in _REFUGE.finditer(text):
        where = _located(text, m.start(), m.end())
        if where is not None:
            yield Hit(min(m.start(), where[0]), max(m.end(), where[1]))


# -- case, file and court references ---------------------------------------------------------

_CASE_REF = re.compile(
    r"(?i)\b(?P<cue>case|file|court|claim|crime|ref|reference|tribunal|appeal|application|"
    r"incident|docket)"
    # "crime reference number 13/45678/23", "claim no.", "case #4471"
    r"(?P<label>(?:\s+(?:ref|reference))?\s+(?:no|number|id)\b\.?|\s+(?:ref|reference)\b\.?|"
    r"\s*#|\.)?"
    # "our ref is SC/2026/0412", "the case number was 4471"
    r"(?P<gap>\s+(?:is|was)\s*:?\s*|[\s:#\-]{0,3})"
    # digits may come in spaced groups: "PIP ref: 9988 7766 5544"
    r"(?P<token>[A-Z0-9][A-Z0-9/\-]{0,24}(?:(?<=\d)[ ]\d{2,6}){0,4})(?![\w/])"
)
# The organisation's own numbers, and the references of its grants, orders and bookings.
_ORG_NUMBER_BEFORE = re.compile(
    r"(?i)\b(?:charity|company|vat|companies\s+house|oscr|ein|grant|funding|award|order|"
    r"invoice|purchase|booking|ticket|project)\b[\w\s.()]{0,20}$"
)
_CAMPAIGN_CODE = re.compile(r"(?i)[A-Z]{3,12}(?:19|20)?\d{2}")
_IN_CASE = re.compile(r"(?i)\b(?:in|any|either|which|this|that|each|every|worst|best)\s+$")
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d(?:[-/](?:19|20)?\d\d)?")


def _looks_like_reference(m: re.Match[str]) -> bool:
    token = m.group("token")
    digits = sum(c.isdigit() for c in token)
    if not digits or _YEAR_RANGE.fullmatch(token):
        return False
    if m.group("cue").lower() in ("ref", "reference", "appeal") and _CAMPAIGN_CODE.fullmatch(token):
        return False  # "ref QUIZ2026", "appeal reference is XMAS25": a campaign's code
    if m.group("label") or m.group("gap") == "-":
        return True  # "case no. 7", "CASE-44120"
    letters = any(c.isalpha() for c in token)
    if digits == 4 and token.isdigit() and m.group("cue").lower() != "court":
        # "case 4471: Ms Reid", "ref 9921" — not "in case 1000 people come"
        return not _IN_CASE.search(m.string, max(0, m.start() - 12), m.start())
    return digits >= 5 or (letters and digits >= 2) or ("/" in token and digits >= 3)


@validator("case_reference")
def case_reference(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A case, file, court or claim reference; the organisation's own patterns from the policy
    too, which win where both find the same reference."""
    text = ctx.text
    own = [(f.start(), f.end()) for p in rule.patterns for f in p.finditer(text)]
    for start, end in own:
        if end > start:
            yield Hit(start, end)
    for m in _CASE_REF.finditer(text):
        if not _looks_like_reference(m):
            continue
        if _ORG_NUMBER_BEFORE.search(text, max(0, m.start() - 30), m.start()):
            continue  # "registered charity ref 1098765": the organisation's own number
        # "CASE-44120" and "case no. 7" are shown whole; "file HX/2025/013" as the reference.
        start = m.start() if m.group("label") or m.group("gap") == "-" else m.start("token")
        if not any(s < m.end("token") and start < e for s, e in own):
            yield Hit(start, m.end("token"))
