"""The links X finds in a post, each of which it counts as 23 whatever its length.

Our own implementation of twitter-text's URL extractor (github.com/twitter/twitter-text,
``js/src/extractUrlsWithIndices.js`` and ``js/src/regexp/*.js``; Copyright 2018 Twitter, Inc.,
Apache License 2.0): the same patterns, built from the same character classes and top-level
domain lists, and the same rules after a match — a bare domain (no ``http://``) must be ASCII
and must not follow ``-``, ``_``, ``.`` or ``/``; each DNS label must fit 63 characters once
punycode-encoded (plain RFC 3492 as the JavaScript does, without IDNA's nameprep, so a label
that nameprep would shorten is judged longer: its link is then counted character by
character, for a label that long more than 23 — the safe side); a t.co link stops after its
slug. Indices are code points in the text given
(twitter-text's JavaScript works in UTF-16 units; the weighted count converts where needed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, NamedTuple, TypedDict

from bot.checks.x_text.tlds import COUNTRY, GENERIC

# Character classes, as twitter-text names them (js/src/regexp/*.js).
_SPACES = "\x09-\x0d\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_INVALID_CHARS = "\ufffe\ufeff\uffff"
_DIRECTIONAL_MARKERS = "\u202a-\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
_PUNCT = r"\!'#%&'\(\)*\+,\\\-\.\/:;<=>\?@\[\]\^_{|}~\$"
_LATIN_ACCENTS = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263"
    "\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"

_PRECEDING = f"(?:[^A-Za-z0-9@＠$#＃{_INVALID_CHARS}]|[{_DIRECTIONAL_MARKERS}]|^)"
_DOMAIN_CHAR = f"[^{_PUNCT}{_SPACES}{_INVALID_CHARS}{_DIRECTIONAL_MARKERS}]"
# Subdomains may hold underscores; the registered name may not. Labels are at most 63
# characters and a name at most 127 labels (RFC 1035): twitter-text leaves both unbounded and
# checks lengths afterwards, which makes its pattern quadratic — 2,000 characters of "a." took
# 8 s, and 20,000 of "é" 29 s. Bounded, every attempt is short; the only texts counted
# differently are runs of letters or labels longer than any real domain.
_SUBDOMAIN = f"(?:(?:{_DOMAIN_CHAR}(?:[_-]|{_DOMAIN_CHAR}){{0,61}})?{_DOMAIN_CHAR}\\.)"
_DOMAIN_NAME = f"(?:(?:{_DOMAIN_CHAR}(?:-|{_DOMAIN_CHAR}){{0,61}})?{_DOMAIN_CHAR}\\.)"
# A TLD counts only where it ends: "example.com" is not "example.co" followed by "m".
_TLD_END = r"(?=[^0-9a-zA-Z@+-]|\Z)"


def _trie(words: Iterable[str]) -> str:
    """An alternation of ``words`` as a trie, which ``re`` rejects in a character or two
    instead of trying 1,574 top-level domains one by one at every label."""
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word.lower():
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alternatives = [re.escape(c) + emit(child) for c, child in sorted(node.items()) if c]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
        return f"(?:{body})?" if "" in node else body

    return f"(?:{emit(root)})"


# At most one top-level domain can be followed by _TLD_END at a place, so one trie of both
# lists finds what twitter-text's two alternations find.
_TLD = f"(?:{_trie((*GENERIC, *COUNTRY))}{_TLD_END})"
_PUNYCODE = r"(?:xn--[\-0-9a-z]+)"
_DOMAIN = f"(?:{_SUBDOMAIN}{{0,126}}{_DOMAIN_NAME}(?:{_TLD}|{_PUNYCODE}))"

_PATH_CHAR = f"[a-z{_CYRILLIC}0-9!\\*';:=\\+,\\.\\$\\/%#\\[\\]\\-\\u2013_~@\\|&{_LATIN_ACCENTS}]"
# Up to two levels of balanced parentheses: /wiki/Primer_(film), /track/A_(B_(C))/
_BALANCED_PARENS = f"\\((?:{_PATH_CHAR}+|(?:{_PATH_CHAR}*\\({_PATH_CHAR}+\\){_PATH_CHAR}*))\\)"
# A path does not end in punctuation, so "see example.org/events." leaves the full stop out.
_PATH_END = f"(?:[\\+\\-a-z{_CYRILLIC}0-9=_#\\/{_LATIN_ACCENTS}]|(?:{_BALANCED_PARENS}))"
_PATH = f"(?:(?:{_PATH_CHAR}*(?:{_BALANCED_PARENS}{_PATH_CHAR}*)*{_PATH_END})|(?:@{_PATH_CHAR}+/))"
_QUERY_CHAR = r"[a-z0-9!?\*'@\(\);:&=\+\$\/%#\[\]\-_\.,~|]"
_QUERY_END = r"[a-z0-9\-_&=#\/]"

_URL = re.compile(
    f"({_PRECEDING})"  # 1: the character before
    "("  # 2: the link
    r"(https?://)?"  # 3: protocol
    f"({_DOMAIN})"  # 4: domain
    r"(?::[0-9]+)?"  # port
    f"(/{_PATH}*)?"  # 5: path
    f"(?:\\?{_QUERY_CHAR}*{_QUERY_END})?"  # query
    ")",
    re.IGNORECASE,
)
_ASCII_DOMAIN = re.compile(
    f"(?:(?:[\\-a-z0-9{_LATIN_ACCENTS}]+)\\.)+(?:{_TLD}|{_PUNYCODE})", re.IGNORECASE
)
_TCO = re.compile(f"^https?://t\\.co/([a-z0-9]+)(?:\\?{_QUERY_CHAR}*{_QUERY_END})?", re.IGNORECASE)
_NO_PROTOCOL_AFTER = ("-", "_", ".", "/")
_MAX_URL_LENGTH = 4096
_MAX_TCO_SLUG = 40
_MAX_LABEL = 63
_IDN_DOTS = re.compile("[\u3002\uff0e\uff61]")
# Where a link could end: every domain has a "." straight before its TLD or punycode label.
_TLD_AFTER_DOT = re.compile(f"\\.(?:{_TLD}|xn--)", re.IGNORECASE)
# A link (group 2) holds no space, so it lies inside one run of non-space characters.
_SPACE = re.compile(f"[{_SPACES}]")
_UP_TO_LAST_SPACE = re.compile(f".*[{_SPACES}]", re.DOTALL)
_NON_ASCII = re.compile("[^\x00-\x7e]")


class Url(NamedTuple):
    url: str  # what X counts as 23: the counter skips len(url) characters from start
    start: int  # code point index of its first character
    end: int  # one past its last character (as twitter-text reports it)


def extract_urls(text: str) -> list[Url]:
    """Every link X would find in ``text``, in order, with code point indices."""
    if "." not in text:  # every link has a domain with a dot
        return []
    urls: list[Url] = []
    for match in _link_matches(text):
        before, url, protocol, domain, path = match.group(1, 2, 3, 4, 5)
        start, end = match.start(2), match.end(2)
        if not _fits_dns(url, protocol or "https://", domain):
            continue
        if protocol:
            tco = _TCO.match(url)
            if tco:
                if len(tco.group(1)) > _MAX_TCO_SLUG:
                    continue
                url, end = tco.group(0), start + len(tco.group(0))
            urls.append(Url(url, start, end))
            continue
        # Without a protocol only ASCII domains are links, and not after "-", "_", "." or "/".
        if before.endswith(_NO_PROTOCOL_AFTER):
            continue
        found = [
            Url(m.group(0), start + m.start(), start + m.end())
            for m in _ASCII_DOMAIN.finditer(domain)
        ]
        if not found:
            continue
        if path:  # the path belongs to the last ASCII domain found (twitter-text's replace)
            last = found[-1]
            found[-1] = Url(url.replace(domain, last.url, 1), last.start, end)
        urls.extend(found)
    return urls


def _link_matches(text: str) -> Iterable[re.Match[str]]:
    """_URL's matches, tried only in the runs of non-space characters where a TLD follows a
    dot. The bounded pattern still tries up to 127 labels at every dot, which on 10,000
    characters of "a." cost 0.7-0.9 s; a run with no TLD in it cannot hold a link. Scanning
    each run from the character before it (a link's preceding character) gives the matches a
    whole-text scan gives: no match spans a space, and "^" matches only at the text's start."""
    after = 0  # where the last run scanned ended
    for candidate in _TLD_AFTER_DOT.finditer(text):
        if candidate.start() < after:
            continue  # in a run already scanned
        space_before = _UP_TO_LAST_SPACE.match(text, 0, candidate.start())
        start = space_before.end() if space_before else 0
        space_after = _SPACE.search(text, candidate.start())
        after = space_after.start() if space_after else len(text)
        yield from _URL.finditer(text, max(0, start - 1), after)


class UrlEntity(TypedDict):
    url: str
    indices: list[int]  # [start, end], code points


def extract_urls_with_indices(text: str) -> list[UrlEntity]:
    """twitter-text's call shape: ``[{"url": str, "indices": [start, end]}, ...]``."""
    return [{"url": u.url, "indices": [u.start, u.end]} for u in extract_urls(text)]


def _fits_dns(url: str, protocol: str, domain: str) -> bool:
    """twitter-text's ``isValidUrl``: each label 1-63 punycode-encoded, 4,096 in all at most."""
    if domain.startswith("xn--") and not _ASCII_DOMAIN.search(domain):
        return False  # a punycode domain cannot also hold non-ASCII characters
    encoded = []
    for label in domain.split("."):
        # punycode.toASCII, which twitter-text calls per label, also splits at 。．｡
        ascii_label = ".".join(
            "xn--" + _punycode(part) if _NON_ASCII.search(part) else part
            for part in _IDN_DOTS.split(label)
        )
        if not 1 <= len(ascii_label) <= _MAX_LABEL:
            return False
        encoded.append(ascii_label)
    return len(protocol) + len(url) - len(domain) + len(".".join(encoded)) <= _MAX_URL_LENGTH


def _punycode(label: str) -> str:
    # RFC 3492, as the punycode package twitter-text's JavaScript uses; lone surrogates (never
    # produced by decoding UTF-8) would make Python's codec fail, so they count as invalid.
    try:
        return label.encode("punycode").decode("ascii")
    except UnicodeError:
        return "!" * (_MAX_LABEL + 1)
