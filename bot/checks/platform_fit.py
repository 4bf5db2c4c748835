"""Platform fit: what a platform would refuse, caught before anyone approves it."""

from __future__ import annotations

from twitter_text import parse_tweet

from bot.checks.engine import Policy
from bot.domain.findings import Finding, Severity

FACEBOOK_LIMIT = 63_206  # characters in a Page post


def fit(text: str, platforms: tuple[str, ...], policy: Policy) -> dict[str, dict[str, object]]:
    """Per platform: the length as the platform counts it, its limit, and whether it fits."""
    result: dict[str, dict[str, object]] = {}
    for platform in platforms:
        if platform == "x":
            length, limit = x_weighted_length(text), policy.x_max_weighted_length
        else:
            length, limit = len(text), FACEBOOK_LIMIT
        result[platform] = {"length": length, "limit": limit, "fits": length <= limit}
    return result


def x_weighted_length(text: str) -> int:
    """X's own count: URLs are 23, CJK and emoji weigh 2 (twitter-text config v3)."""
    return int(parse_tweet(text).weightedLength)


class XWeightedLength:
    name = "x_length"

    def __call__(self, text: str, platforms: tuple[str, ...], policy: Policy) -> list[Finding]:
        if "x" not in platforms:
            return []
        result = parse_tweet(text)
        length = int(result.weightedLength)
        limit = policy.x_max_weighted_length
        if length <= limit:
            return []
        # validRangeEnd is the last character X would accept; the rest is the overflow.
        cut = int(result.validRangeEnd) + 1
        return [
            Finding(
                check="platform",
                rule=self.name,
                severity=policy.severity(self.name, Severity.BLOCK),
                start=cut,
                end=len(text),
                excerpt=text[cut : cut + 40],
                message=f"X counts this post as {length} characters; its limit is {limit}.",
                suggestion=f"Shorten it by {length - limit}, or leave X out of its platforms.",
                platform="x",
            )
        ]
