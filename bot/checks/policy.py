"""The policy an organisation sets for its checks: rule packs, allow-lists, locations.

Pure data. `bot/config/policy_file.py` builds it from the packaged defaults and config/policy.yaml.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.domain.findings import Severity

CHECKS = ("voice", "confidentiality", "platform")


class Match(Protocol):
    def start(self) -> int: ...
    def end(self) -> int: ...


class TextPattern(Protocol):
    """What the checks ask of a rule's pattern: Python's `re` for the packaged rules, RE2
    (linear time) for the organisation's own."""

    def finditer(self, text: str) -> Iterator[Match]: ...


@dataclass(frozen=True)
class RulePack:
    """One rule: how it finds things (validator, patterns or phrases) and what it says."""

    id: str
    check: str
    severity: Severity
    message: str
    suggestion: str = ""
    validator: str | None = None
    patterns: tuple[TextPattern, ...] = ()
    # phrase → its own suggestion ("" falls back to the rule's)
    phrases: Mapping[str, str] = field(default_factory=dict)
    # A hit inside a match of one of these is not a finding ("World War I", "sexual health").
    exceptions: tuple[TextPattern, ...] = ()
    # Voice rules ignore words inside attributed quotations: someone else's voice.
    outside_quotes: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True


@dataclass(frozen=True)
class Location:
    """A place that must never be named: a refuge, a safe house."""

    label: str
    phrases: tuple[str, ...]


@dataclass(frozen=True)
class Allow:
    """The organisation's own public details, which are not confidential."""

    emails: frozenset[str] = frozenset()  # lower-case addresses
    email_domains: frozenset[str] = frozenset()  # e.g. example.org: its role addresses
    phones: frozenset[str] = frozenset()  # E.164
    terms: tuple[str, ...] = ()  # public venues, the organisation's own names


@dataclass(frozen=True)
class Policy:
    country: str = "GB"
    rules: tuple[RulePack, ...] = ()
    allow: Allow = Allow()
    locations: tuple[Location, ...] = ()
    x_max_weighted_length: int = 280

    def rule(self, rule_id: str) -> RulePack | None:
        return next((r for r in self.rules if r.id == rule_id), None)

    @property
    def public_emails(self) -> frozenset[str]:
        return self.allow.emails

    @property
    def public_phones(self) -> frozenset[str]:
        return self.allow.phones
