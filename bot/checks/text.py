"""Small text helpers the checks share."""

from __future__ import annotations

import re

_QUOTES = re.compile(r'"[^"\n]{1,500}"|“[^”\n]{1,500}”')


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans inside double quotes: somebody else's words, not the organisation's voice."""
    return [(m.start(), m.end()) for m in _QUOTES.finditer(text)]


def within(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)
