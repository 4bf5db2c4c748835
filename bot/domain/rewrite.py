"""Applying the checks' mechanical suggestions: a new version of a post, re-checked."""

from __future__ import annotations

from collections.abc import Iterable

from bot.domain.findings import Finding


def apply_suggestions(text: str, findings: Iterable[Finding]) -> str:
    """``text`` with every finding's replacement swapped in (the first of any overlap wins)."""
    swaps = sorted(
        (f for f in findings if f.replacement is not None and f.end > f.start),
        key=lambda f: (f.start, f.end),
    )
    out, cursor = [], 0
    for f in swaps:
        if f.start < cursor:
            continue  # overlaps one already applied
        replacement = f.replacement or ""
        if text[f.start : f.end][:1].isupper():
            replacement = replacement[:1].upper() + replacement[1:]
        out.append(text[cursor : f.start])
        out.append(replacement)
        cursor = f.end
    out.append(text[cursor:])
    return "".join(out)


def has_suggestions(findings: Iterable[Finding]) -> bool:
    return any(f.replacement is not None for f in findings)
