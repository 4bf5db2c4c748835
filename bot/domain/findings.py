"""What a check reports, and how findings add up to a verdict."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

# The check of findings about words that meant something only where they were written (a Slack
# mention, a custom emoji): found by the adapter that read them, not by the checks.
MARKUP_CHECK = "slack"


class Severity(StrEnum):
    INFO = "info"
    WARN = "warn"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return {"info": 0, "warn": 1, "block": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    check: str  # "voice", "confidentiality", "platform" or MARKUP_CHECK
    rule: str
    severity: Severity
    start: int
    end: int
    excerpt: str
    message: str
    suggestion: str = ""
    # A platform-specific finding (X's length limit) only matters when that platform is targeted.
    platform: str | None = None
    # The mechanical rewrite, when there is one ("I" → "we"): "Use suggested wording" applies it.
    replacement: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(**{**data, "severity": Severity(data["severity"])})


class Verdict(StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    WARN = "warn"
    BLOCK = "block"


def verdict(findings: list[Finding]) -> Verdict:
    worst = max((f.severity.rank for f in findings), default=0)
    if worst >= Severity.BLOCK.rank:
        return Verdict.BLOCK
    if worst >= Severity.WARN.rank:
        return Verdict.WARN
    return Verdict.PASS
