"""Platform fit: what a platform would refuse, caught before anyone approves it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from twitter_text import parse_tweet
from twitter_text.config import config as _twitter_config
from twitter_text.extract_urls import extract_urls_with_indices

from bot.checks.engine import Context, Hit, validator
from bot.checks.policy import Policy, RulePack
from bot.domain.findings import Finding, Severity

FACEBOOK_LIMIT = 63_206  # characters in a Page post
TWITTER_DEFAULTS = _twitter_config["defaults"]  # config v3: emoji count 2
URL_WEIGHT = int(TWITTER_DEFAULTS["transformed_url_length"])
_LINE_ENDINGS = re.compile(r"\r\n|\r|\n")
_SCALE = int(TWITTER_DEFAULTS["scale"])
_RANGES = tuple(
    (int(r["start"]), int(r["end"]), int(r["weight"]) // _SCALE) for r in TWITTER_DEFAULTS["ranges"]
)
_DEFAULT_WEIGHT = int(TWITTER_DEFAULTS["default_weight"]) // _SCALE
_FIRST_EMOJI = 0x203C  # ‼, the lowest code point twitter-text treats as an emoji but © and ®
X_MAX_IMAGES = 4
# Findings about attachments rather than words: kept when only the words are edited.
ATTACHMENT_RULES = frozenset(
    {"image_location", "image_unreadable", "image_people", "x_image_count"}
)


def measure(text: str, limit: int = 280) -> tuple[int, int]:
    """X's weighted length and the index of the last character within ``limit``.

    twitter-text's own parse runs a very large emoji regex over every text. Text made only of
    code points below the first emoji (U+203C), without © and ®, and already in NFC can hold
    no emoji, so it is counted here the same way — URLs as 23, each character by
    twitter-text's weight ranges — with twitter-text's URL extractor. Property tests and the
    conformance suite keep both paths equal.
    """
    if not _emoji_free(text):
        options = {**TWITTER_DEFAULTS, "max_weighted_tweet_length": limit}
        parsed = parse_tweet(text, options)
        return int(parsed.weightedLength), int(parsed.validRangeEnd)
    norm = _LINE_ENDINGS.sub("\n", text)
    urls = {u["indices"][0]: u["url"] for u in extract_urls_with_indices(norm)}
    weighted, valid_index, i = 0, 0, 0
    while i < len(norm):
        if i in urls:
            weighted += URL_WEIGHT
            i += len(urls[i]) - 1
        else:
            weighted += _weight(norm[i])
        if weighted <= limit:
            valid_index = i
        i += 1
    return weighted, len(norm[: valid_index + 1]) - 1 + (len(text) - len(norm))


def _emoji_free(text: str) -> bool:
    if text.isascii():
        return True
    return all(
        ord(c) < _FIRST_EMOJI and c not in "\u00a9\u00ae" for c in text
    ) and unicodedata.is_normalized("NFC", text)


def _weight(char: str) -> int:
    code = ord(char)
    for start, end, weight in _RANGES:
        if start <= code <= end:
            return weight
    return _DEFAULT_WEIGHT


def x_weighted_length(text: str) -> int:
    """X's own count: URLs are 23, CJK and emoji weigh 2 (twitter-text config v3)."""
    return measure(text)[0]


def fit(text: str, platforms: tuple[str, ...], policy: Policy) -> dict[str, dict[str, object]]:
    """Per platform: the length as the platform counts it, its limit, and whether it fits."""
    result: dict[str, dict[str, object]] = {}
    for platform in platforms:
        if platform == "x":
            limit = policy.x_max_weighted_length
            length = measure(text, limit)[0]
        else:
            length, limit = len(text), FACEBOOK_LIMIT
        result[platform] = {"length": length, "limit": limit, "fits": length <= limit}
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
    cut = valid_end + 1  # the last character X would accept, plus one
    # Hits are in normalised coordinates: find the first normalised char at or after the cut.
    start = next((k for k, s in enumerate(ctx.norm.starts) if s >= cut), len(ctx.text) - 1)
    yield Hit(
        start,
        len(ctx.text),
        message=f"X counts this post as {length} characters; its limit is {limit}.",
        suggestion=f"Shorten it by {length - limit}, or leave X out of its platforms.",
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
