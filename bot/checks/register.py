"""Registered service users: their names found in a post, known only as keyed hashes.

A copied database must not reveal who an organisation's clients are, so the register holds
HMAC-SHA256 digests of normalised names and aliases. A post is searched by hashing every window
of 1..N of its words (N = the longest registered name, at most 5) and looking the digest up:
O(words × N) HMACs, which is nothing for a post.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache

from bot.checks.engine import Context, Hit, validator
from bot.checks.normalise import normalise
from bot.checks.policy import RulePack
from bot.domain.findings import Severity
from bot.domain.posts import PLATFORM_NAMES

# A longer name could not be matched, so the register refuses it rather than never finding it.
MAX_TOKENS = 5

_APOSTROPHES = "'’ʼ"
# What may stand between two words of one name: "Mary-Jane", "Dr. Smith", "sarah_jones".
_JOINERS = frozenset(".-_/‐‑‒–—")


@dataclass(frozen=True)
class RegisterEntry:
    """One person on the register, as the check needs them: a label, hashes and consent."""

    label: str
    name_hashes: frozenset[str]  # hex HMAC-SHA256 of every normalised name and alias
    consent: bool
    expires: date | None = None
    platforms: frozenset[str] | None = None  # None: every platform
    max_tokens: int = 1


# Not frozen: the engine's RegisterHit protocol declares plain (writable) attributes.
@dataclass
class RegisterMatch:
    """Where an entry's name stands in the text the matcher was given."""

    start: int
    end: int
    entry: RegisterEntry


# A word of a post: where it starts, where its name part ends (a possessive 's is left outside
# the span), its folded form, and whether it carried a possessive. Plain tuples: a long post has
# thousands.
_Token = tuple[int, int, str, bool]


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch).startswith("M")


# A word without combining marks: the same matches as _word() on a text that holds none, and
# three times faster (a class of every mark is slow to test at each character).
_PLAIN_WORD = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*")


@lru_cache(maxsize=8192)  # bounded: a post may hold any of a million code points
def _is_mark_char(ch: str) -> bool:
    return _is_mark(ch)


def _words(text: str) -> Iterator[re.Match[str]]:
    """The words of ``text`` as _word() finds them; the plain pattern when it has no mark."""
    if text.isascii() or not any(_is_mark_char(c) for c in set(text) if not c.isascii()):
        return _PLAIN_WORD.finditer(text)
    return _word().finditer(text)


@cache
def _word() -> re.Pattern[str]:
    """A word keeps its combining marks and inner apostrophes: "Sa\u0301rah", "O'Brien"."""
    # Python's \w has no combining marks (a decomposed "á", Devanagari vowel signs), so the
    # class is built from the Unicode database: once, on first use, about 20 ms.
    ranges: list[list[int]] = []
    for cp in itertools.chain(range(0x300, 0x20000), range(0xE0100, 0xE01F0)):
        if _is_mark(chr(cp)):
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    marks = "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    # Disjoint classes, one apostrophe between parts: linear, whatever the input.
    part = rf"(?:[^\W_]++|[{marks}]++)++"  # possessive: nothing to give back, ever
    return re.compile(rf"{part}(?:[{_APOSTROPHES}]{part})*+")


def _fold(word: str) -> tuple[str, bool]:
    """One word as the register compares it, and whether it carried a possessive."""
    if word.isascii():
        key = word.lower()
    else:
        key = word
        for _ in range(2):  # casefolding can bring a mark back: "İ" → "i̇"
            key = "".join(c for c in unicodedata.normalize("NFKD", key) if not _is_mark(c))
            key = key.casefold()
        for apostrophe in _APOSTROPHES[1:]:
            key = key.replace(apostrophe, "'")
    if key.endswith("'s") and len(key) > 2:
        return key[:-2], True
    return key, False


# Each word's folding, kept across posts (most words recur); bounded like the register's memo.
_FOLDED: dict[str, tuple[str, bool]] = {}
_MAX_FOLDED = 50_000


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    folded = _FOLDED
    if len(folded) > _MAX_FOLDED:
        folded.clear()
    for m in _words(text):
        word = m.group()
        found = folded.get(word)
        if found is None:
            found = folded[word] = _fold(word)
        key, possessive = found
        if not key:
            continue
        start, end = m.span()
        if possessive and word[-2] in _APOSTROPHES:
            end -= 2
        tokens.append((start, end, key, possessive))
    return tokens


def _joinable(text: str, tokens: list[_Token]) -> list[bool]:
    """Whether each word and the next can be one name: "Mary-Jane", "Dr. Smith", not "Sarah, Jo"."""
    # Only spacing and at most one joiner between them, and no possessive ending the first.
    out = []
    for (_, end, _, possessive), (start, _, _, _) in itertools.pairwise(tokens):
        gap = text[end:start]
        out.append(
            not possessive
            and (gap.isspace() or (len(stripped := gap.strip()) == 1 and stripped in _JOINERS))
        )
    return out


def normalise_name(name: str) -> str:
    """A name as it is hashed: "Sárah  JONES’s" and "sarah jones" must give the same digest."""
    return " ".join(key for _, _, key, _ in _tokens(normalise(name).text))


def name_forms(name: str) -> frozenset[str]:
    """The spellings a post may use for one name: its words, and run together (#SarahJones)."""
    words = normalise_name(name)
    if not words:
        return frozenset()
    compact = words.replace(" ", "").replace("'", "")
    return frozenset({words, compact})


def token_count(name: str) -> int:
    """Words in a name: the register stores this number, never the name, to size its windows."""
    return len(normalise_name(name).split())


def _digest(key: bytes, normalised: str) -> str:
    return hmac.digest(key, normalised.encode("utf-8"), "sha256").hex()


def name_hash(key: bytes, name: str) -> str:
    """The keyed hash of a name: without the key, a copied database names nobody."""
    return _digest(key, normalise_name(name))


def name_hashes(key: bytes, names: Iterable[str]) -> frozenset[str]:
    """Every hash to store for a person: each name and alias in each of its forms."""
    return frozenset(_digest(key, form) for name in names for form in name_forms(name))


class _KeyedHash:
    """HMAC-SHA256 with the key's pads hashed once: half the cost of `hmac.digest` per window."""

    def __init__(self, key: bytes) -> None:
        block = hashlib.sha256().block_size
        if len(key) > block:
            key = hashlib.sha256(key).digest()
        key = key.ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in key))

    def __call__(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


_MAX_KNOWN = 100_000  # windows whose answer a register remembers
_UNKNOWN: list[RegisterEntry] = []  # a window not yet looked up (its answer is a list or None)


class ConsentRegister:
    """The register as the engine's `Context.register`: `find` names entries by span."""

    def __init__(self, key: bytes, entries: Iterable[RegisterEntry]) -> None:
        self._hash = _KeyedHash(key)
        self.entries = tuple(entries)
        self._by_hash: dict[bytes, list[RegisterEntry]] = {}
        for entry in self.entries:
            for digest in entry.name_hashes:
                self._by_hash.setdefault(bytes.fromhex(digest), []).append(entry)
        self._window = min(MAX_TOKENS, max((e.max_tokens for e in self.entries), default=0))
        # Each window's answer, kept across posts: most windows are everyday words ("the
        # centre") hashed again and again. It is in memory only, beside the key that would
        # undo the hashing anyway, and bounded.
        self._known: dict[str, list[RegisterEntry] | None] = {}

    def __len__(self) -> int:
        return len(self.entries)

    def find(self, text: str) -> list[RegisterMatch]:
        """Every registered name in ``text``, longest spans only, in reading order."""
        if not self._by_hash or self._window < 1:
            return []
        tokens = _tokens(text)
        joinable = _joinable(text, tokens)
        if len(self._known) > _MAX_KNOWN:
            self._known.clear()
        seen = self._known
        found: list[RegisterMatch] = []
        keys = [token[2] for token in tokens]
        count, window = len(tokens), self._window
        for i, key in enumerate(keys):
            last = min(count, i + window) - 1
            j = i
            while True:
                entries = seen.get(key, _UNKNOWN)
                if entries is _UNKNOWN:
                    entries = self._lookup(key, seen)
                if entries:
                    start = tokens[i][0]
                    found += (RegisterMatch(start, tokens[j][1], entry) for entry in entries)
                if j >= last or not joinable[j]:
                    break
                j += 1
                key = f"{key} {keys[j]}"
        return _longest(found)

    def _lookup(
        self, key: str, seen: dict[str, list[RegisterEntry] | None]
    ) -> list[RegisterEntry] | None:
        entries = self._by_hash.get(self._hash(key.encode("utf-8")))
        seen[key] = entries
        return entries


def _longest(found: list[RegisterMatch]) -> list[RegisterMatch]:
    """In "Sam Green", "Sam" is not the other Sam: a match inside a longer one is dropped."""
    # Entries sharing one span (two people called "Sam") all stay.
    found.sort(key=lambda m: (m.start, -m.end))
    kept: list[RegisterMatch] = []
    reach, widest = -1, (-1, -1)
    for match in found:
        span = (match.start, match.end)
        if match.end <= reach and span != widest:
            continue
        if match.end > reach:
            reach, widest = match.end, span
        kept.append(match)
    return kept


# -- common phrases ----------------------------------------------------------------------------


# A one-word name or alias inside a set phrase is the phrase, not the person: "Ash Wednesday",
# "Rose Garden", "Hope Street", "Holly Bush". The word after (or before) says so: a day, a
# street or a place word, or one of a few set phrases.
def _word_list(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PHRASE_AFTER = _word_list(
    """
    monday tuesday wednesday thursday friday saturday sunday street road avenue lane close drive
    way place court crescent terrace square gardens garden grove mews walk rise parade row view
    vale centre center hall park church chapel school college academy primary station house
    cottage cottages farm lodge hospital ward unit wing bridge hill green tree trees bush field
    fields wood woods meadow valley bank river lake day week month fund trust
    foundation project appeal award awards prize cup league chain period bowl russell frost
    """
)
_PHRASE_BEFORE = _word_list("st saint palm good holy union bank red wild tea white")
_PHRASE_WORD = re.compile(r"[^\S\n]*[-–]?[^\S\n]*([A-Za-z][a-z'’]{1,20})")
_WORD_BEFORE_PHRASE = re.compile(r"([A-Za-z][a-z]{1,10})\.?[^\S\n]+$")


def in_common_phrase(text: str, start: int, end: int) -> bool:
    """Whether the one-word match at ``text[start:end]`` is part of a set phrase, not a name."""
    if any(c.isspace() for c in text[start:end].strip()):
        return False  # "Ash Morley": two words of a name are the person
    after = _PHRASE_WORD.match(text, end)
    if after and after.group(1).lower().rstrip("'’s") in _PHRASE_AFTER:
        return True
    before = _WORD_BEFORE_PHRASE.search(text, max(0, start - 14), start)
    return bool(before and before.group(1).lower() in _PHRASE_BEFORE)


# -- the check ---------------------------------------------------------------------------------


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _platform_list(platforms: Iterable[str]) -> str:
    names = [PLATFORM_NAMES.get(p, p) for p in sorted(platforms)]
    return " and ".join(names) if names else "no platform"


@dataclass(frozen=True)
class _Verdict:
    message: str
    suggestion: str
    platform: str | None = None


def _problem(entry: RegisterEntry | None, ctx: Context) -> _Verdict | None:
    """Why consent does not cover this post, or None when it does."""
    if entry is None:
        return _Verdict(
            "This name is on the register of people we support, but its consent could not be "
            "read; naming them may break their confidentiality.",
            "Remove the name, or check their entry in the register.",
        )
    label = entry.label
    if not entry.consent:
        return _Verdict(
            f"{label} is on the register of people we support, with no recorded consent to be "
            "named; naming them breaks their confidentiality.",
            f"Remove the name, or record {label}'s consent in the register first.",
        )
    if entry.expires is not None and ctx.today is None:
        return _Verdict(
            f"Consent for {label} runs until {_long_date(entry.expires)}, but the check was not "
            "given today's date, so it cannot tell whether that consent is still current.",
            "Remove the name, or check the date and run the check again.",
        )
    if entry.expires is not None and ctx.today is not None and entry.expires < ctx.today:
        return _Verdict(
            f"Consent for {label} expired on {_long_date(entry.expires)}; naming them now breaks "
            "their confidentiality.",
            f"Remove the name, or renew {label}'s consent in the register.",
        )
    if entry.platforms is not None:
        missing = [p for p in ctx.platforms if p not in entry.platforms]
        if missing:
            return _Verdict(
                f"Consent for {label} covers {_platform_list(entry.platforms)} only, not "
                f"{_platform_list(missing)}: naming them there breaks their confidentiality.",
                f"Post this only to {_platform_list(entry.platforms)}, remove the name, or record "
                f"{label}'s consent for {_platform_list(missing)}.",
                missing[0] if len(missing) == 1 else None,
            )
    return None


def _consent_note(entry: RegisterEntry) -> str:
    until = (
        f"valid until {_long_date(entry.expires)}"
        if entry.expires is not None
        else "with no expiry date"
    )
    where = "" if entry.platforms is None else f" for {_platform_list(entry.platforms)}"
    return f"Consent recorded for {entry.label}{where}, {until}."


@validator("registered_person")
def registered_person(ctx: Context, rule: RulePack) -> Iterator[Hit]:
    """Block a registered person's name unless their consent covers this post; else a note."""
    if ctx.register is None:
        return
    at_span: dict[tuple[int, int], list[RegisterEntry | None]] = {}
    for match in ctx.register_hits():
        if in_common_phrase(ctx.text, match.start, match.end):
            continue
        entry = getattr(match, "entry", None)
        at_span.setdefault((match.start, match.end), []).append(
            entry if isinstance(entry, RegisterEntry) else None
        )
    # The engine keeps one finding per span: people sharing an alias ("Sam") are told together.
    for (start, end), entries in at_span.items():
        problems = [p for p in (_problem(e, ctx) for e in entries) if p is not None]
        if problems:
            yield Hit(
                start,
                end,
                message=" ".join(p.message for p in problems),
                suggestion=" ".join(dict.fromkeys(p.suggestion for p in problems)),
                platform=problems[0].platform if len(problems) == 1 else None,
            )
        else:
            yield Hit(
                start,
                end,
                message=" ".join(_consent_note(e) for e in entries if e is not None),
                suggestion="",
                severity=Severity.INFO,
            )
