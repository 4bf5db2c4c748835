"""Small text helpers the checks share: quotations and who said them."""

from __future__ import annotations

import re
from dataclasses import dataclass

# The normaliser has already mapped curly quotes to straight ones; the curly forms stay for callers
# that pass raw text. Linear: a quotation may not span a line, so each opening mark scans at most
# to the next mark of its kind.
_DOUBLE = re.compile(r'"[^"\n]{1,500}"|“[^”\n]{1,500}”')
# Single quotes (UK style) share their mark with the apostrophe: an opening mark is not preceded by
# a letter, a closing one not followed by one, and an apostrophe inside a word ("don't") is
# neither. A possessive plural ("volunteers'") can still end one early.
_SINGLE = re.compile(r"(?<![\w'])'(?=[^\s'])(?:[^'\n]|(?<=\w)'(?=\w)){1,500}?(?<=[^\s'])'(?![\w'])")

_SPEECH = (
    r"(?:said|says|say|told|tells|tell|explained|explains|added|adds|shared|shares|wrote|writes|"
    r"recalled|recalls|remembered|remembers|continued|continues|commented|comments|reflected|"
    r"reflects|noted|notes|admitted|admits|laughed|laughs|smiled|smiles|joked|jokes|replied|"
    r"replies|answered|answers|asked|asks|exclaimed|exclaims|described|describes|put\s+it|"
    r"puts\s+it|whispered|shouted|insisted|insists|agreed|agrees|confided|tweeted|posted|"
    r"stated|states|declared|declares|according\s+to)"
)
_FIRST_PERSON = r"(?:I|we|We|WE|me|us)"
_ROLE = (
    r"(?i:volunteers?|residents?|clients?|members?|guests?|tenants?|participants?|parents?|"
    r"carers?|mums?|dads?|mothers?|fathers?|grandmothers?|grandads?|grandfathers?|daughters?|"
    r"sons?|neighbours?|supporters?|service\s+users?|young\s+(?:person|people|leaders?)|"
    r"peer\s+mentors?|mentors?|trustees?|nurses?|doctors?|(?:support\s+|key\s+|case)?workers?|"
    r"students?|donors?|survivors?|fundraisers?|runners?|learners?|patients?|friends?|chair|"
    r"chairperson|leaders?|managers?|directors?|founders?|coordinators?|officers?|apprentices?|"
    r"campaigners?|ambassadors?|speakers?|artists?|authors?|poets?|chefs?|baristas?|colleagues?)"
)
# After the closing mark: "— Sam, volunteer", "(Jo, 34)", "said Sam", "Sam said", "she says".
_AFTER = re.compile(
    r"\A[,.!?;:]?\s{0,3}(?:"
    r"(?:-{1,2}|~)\s{0,2}(?!" + _FIRST_PERSON + r"\b)(?:[A-Z]|(?:our|a|an|one|from)\b)"
    r"|\(\s{0,2}(?!" + _FIRST_PERSON + r"\b)[A-Z]"
    r"|" + _SPEECH + r"\b(?!\s+(?:I|we)\b)"
    r"|(?:(?!(?:I|we|We)\b)[\w'-]{1,30}\s+){1,4}?" + _SPEECH + r"\b"
    r")"
)
# Before the opening mark: 'Sam said "', 'says our volunteer Jo: "', 'in Jo's words: "',
# 'Jo, volunteer: "', 'Volunteer Sam on her first shift: "'. A bare 'Big news: "' is not one.
_BEFORE = re.compile(
    r"(?:"
    r"\b" + _SPEECH + r"(?:\s+[\w'.-]{1,30}){0,5}[,:.]?"
    r"|\b(?i:in)\s+(?:[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)?'s?|his|her|their)\s+(?:own\s+)?words\s?[,:]?"
    r"|\b[A-Z][a-z]+,\s(?:\d{1,3},\s)?(?:(?:a|an|our|one\s+of\s+our)\s+)?"
    + _ROLE
    + r"\b[^:\n\"]{0,30}:"
    # "Volunteer Rachel on her first shift:", "Our chair, Ruth, opened the AGM:"
    r"|\b" + _ROLE + r",?\s+[A-Z][a-z]+\b,?[^:\n\"]{0,60}:"
    r")\s{0,3}\Z"
)
# The speaker is the organisation itself: "as we always say", "I told the council".
_OWN_BEFORE = re.compile(
    r"\b(?:I|we)\s+(?:\w+\s+){0,2}" + _SPEECH + r"\b[^\"]{0,60}\Z", re.IGNORECASE
)
_OWN_AFTER = re.compile(r"\A[,.!?;:]?\s{0,3}(?:I|we)\s+(?:\w+\s+){0,2}" + _SPEECH + r"\b")
_WINDOW = 80


@dataclass(frozen=True)
class Quotation:
    """A stretch of quoted words, and whether someone other than the organisation said them."""

    start: int
    end: int
    attributed: bool


def quotations(text: str) -> list[Quotation]:
    """Every double- or single-quoted stretch in reading order, with its attribution decided."""
    found = sorted(
        (m.start(), m.end()) for pattern in (_DOUBLE, _SINGLE) for m in pattern.finditer(text)
    )
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if spans and start < spans[-1][1]:
            continue  # a single quote inside a double one (or the reverse) is the same quotation
        spans.append((start, end))
    seen: dict[tuple[str, str], bool] = {}  # windows met before (a wall of repeats)
    marks = [_attributed(text, s, e, seen) for s, e in spans]
    # "One." "Two." — Sam: a run of quotations shares the attribution that follows the last.
    for i in range(len(spans) - 2, -1, -1):
        gap = text[spans[i][1] : spans[i + 1][0]]
        if not marks[i] and marks[i + 1] and len(gap) <= 3 and not gap.strip(" ,.;\n"):
            marks[i] = True
    return [Quotation(s, e, a) for (s, e), a in zip(spans, marks, strict=True)]


# Speed gate (same answers): _OWN_BEFORE needs a speech verb; _BEFORE needs one, or "words",
# or a colon. These stems hold every _SPEECH word (test_text_gates checks it), so a window
# without any of them, "words" and ":" cannot match either search, each of which tries every
# start in the window (a post of 2,500 short quotations took 130 ms of them).
_SPEECH_STEMS = (
    *("said", "say", "told", "tell", "explain", "add", "shar", "wrot", "writ", "recall"),
    *("remember", "continue", "comment", "reflect", "note", "admit", "laugh", "smile", "joke"),
    *("repl", "answer", "ask", "exclaim", "describ", "put", "whisper", "shout", "insist"),
    *("agree", "confid", "tweet", "post", "state", "declare", "according"),
)
# The four letters outside ASCII that IGNORECASE also takes for an ASCII one (Python docs).
_ALSO_MATCHED_ANY_CASE = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})


def _may_be_said_before(before: str) -> bool:
    if ":" in before:
        return True
    folded = before.translate(_ALSO_MATCHED_ANY_CASE).lower()
    return "words" in folded or any(stem in folded for stem in _SPEECH_STEMS)


def _attributed(text: str, start: int, end: int, seen: dict[tuple[str, str], bool]) -> bool:
    after = text[end : end + _WINDOW]
    before = text[max(0, start - _WINDOW) : start]
    if (before, after) not in seen:
        seen[before, after] = _attributed_between(before, after)
    return seen[before, after]


def _attributed_between(before: str, after: str) -> bool:
    searched = _may_be_said_before(before)
    if _OWN_AFTER.match(after) or (searched and _OWN_BEFORE.search(before)):
        return False
    return bool(_AFTER.match(after) or (searched and _BEFORE.search(before)))


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Quotations attributed to someone else: their words, not the organisation's voice."""
    return [(q.start, q.end) for q in quotations(text) if q.attributed]


def within(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)
