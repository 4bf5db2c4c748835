"""Platform fit: what a platform would refuse, caught before anyone approves it."""

from __future__ import annotations

import bisect
from collections.abc import Iterable

from bot.checks.engine import Context, Hit, validator
from bot.checks.policy import Policy, RulePack
from bot.checks.x_text import CONFIG_V3, INVALID_CHARACTERS, index_of_utf16, parse
from bot.domain.findings import Finding, Severity

FACEBOOK_LIMIT = 63_206  # characters in a Page post
URL_WEIGHT = CONFIG_V3.transformed_url_length
X_MAX_IMAGES = 4
# Findings about attachments rather than words: kept when only the words are edited.
ATTACHMENT_RULES = frozenset(
    {"image_location", "image_unreadable", "image_people", "x_image_count"}
)


def measure(text: str, limit: int = 280) -> tuple[int, int]:
    """X's weighted length and twitter-text's ``validRangeEnd`` for ``limit``.

    ``validRangeEnd`` is the index, in UTF-16 code units of ``text``, of the last character X
    would still accept (``index_of_utf16`` turns it into a Python index). Counted by
    ``bot.checks.x_text`` with twitter-text's configuration v3, the one X uses.
    """
    counted = parse(text, CONFIG_V3, limit)
    return counted.weighted_length, counted.valid_range_end


def x_weighted_length(text: str) -> int:
    """X's own count: URLs are 23, CJK and emoji weigh 2 (twitter-text config v3)."""
    return measure(text)[0]


def fit(text: str, platforms: tuple[str, ...], policy: Policy) -> dict[str, dict[str, object]]:
    """Per platform: the length as the platform counts it, its limit, and whether it fits."""
    result: dict[str, dict[str, object]] = {}
    for platform in platforms:
        fits = True
        if platform == "x":
            limit = policy.x_max_weighted_length
            length = measure(text, limit)[0]
            fits = not INVALID_CHARACTERS.intersection(text)
        else:
            length, limit = len(text), FACEBOOK_LIMIT
        result[platform] = {"length": length, "limit": limit, "fits": fits and length <= limit}
    return result


@validator("x_length")
def x_length(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    if "x" not in ctx.platforms:
        return
    # Measured on the original: X counts what is sent, not the normalised form.
    original = ctx.norm.original
    limit = ctx.policy.x_max_weighted_length
    if len(original) * 2 <= limit and "." not in original:
        return  # cannot be too long: no URL, and no character weighs more than 2
    length, valid_end = measure(original, limit)
    if length <= limit:
        return
    # The first character X would refuse, as a Python index (X counts in UTF-16 units).
    cut = index_of_utf16(original, valid_end) + 1
    # Hits are in normalised coordinates: find the first normalised char at or after the cut.
    # The map's starts never decrease: the first at or after the cut is found by bisection.
    start = bisect.bisect_left(ctx.norm.starts, cut)
    if start >= len(ctx.norm.starts):
        start = len(ctx.text) - 1
    yield Hit(
        start,
        len(ctx.text),
        message=f"X counts this post as {length} characters; its limit is {limit}.",
        suggestion=f"Shorten it by {length - limit}, or leave X out of its platforms.",
        platform="x",
    )


@validator("x_invalid_character")
def x_invalid_character(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """twitter-text's invalid characters: X refuses the whole post ("Handle invalid characters"
    in its conformance suite), however short it is. The character is invisible and may be
    normalised away, so the finding shows the words around it."""
    if "x" not in ctx.platforms or INVALID_CHARACTERS.isdisjoint(ctx.norm.original):
        return
    text = ctx.text
    for at, char in enumerate(ctx.norm.original):
        if char not in INVALID_CHARACTERS:
            continue
        here = next((k for k, s in enumerate(ctx.norm.starts) if s >= at), len(text))
        left = max(0, text.rfind(" ", 0, max(0, here - 1)) + 1) if here else 0
        right = text.find(" ", here + 1)
        yield Hit(
            left,
            len(text) if right < 0 else right,
            message=f"X refuses posts holding the invisible character U+{ord(char):04X}; "
            "there is one here.",
            platform="x",
        )


def image_count_findings(count: int, platforms: tuple[str, ...]) -> list[Finding]:
    if "x" not in platforms or count <= X_MAX_IMAGES:
        return []
    return [
        Finding(
            check="platform",
            rule="x_image_count",
            severity=Severity.BLOCK,
            start=0,
            end=0,
            excerpt=f"{count} images",
            message=f"X takes at most {X_MAX_IMAGES} images in a post; this one has {count}.",
            suggestion=f"Keep {X_MAX_IMAGES} images, or leave X out of its platforms.",
            platform="x",
        )
    ]


def unreadable_attachment(name: str, problem: str) -> Finding:
    """An attachment that could not be checked blocks the post: nothing unchecked goes out."""
    return Finding(
        check="confidentiality",
        rule="image_unreadable",
        severity=Severity.BLOCK,
        start=0,
        end=0,
        excerpt=name,
        message=f"{name} could not be checked: {problem}.",
        suggestion="Attach it again as a JPEG, PNG, GIF or WebP under 15 MB, or remove it.",
    )
