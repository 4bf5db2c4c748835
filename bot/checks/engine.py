"""The check interface, the policy it reads, and the runner that applies every check."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.domain.findings import Finding, Severity


@dataclass(frozen=True)
class Policy:
    """What an organisation decides about its checks (loaded from config/policy.yaml)."""

    country: str = "GB"
    # The organisation's own public contact details are not confidential.
    public_emails: frozenset[str] = frozenset()
    public_phones: frozenset[str] = frozenset()  # E.164, e.g. +442079460018
    severities: Mapping[str, Severity] = field(default_factory=dict)
    x_max_weighted_length: int = 280

    def severity(self, rule: str, default: Severity) -> Severity:
        return self.severities.get(rule, default)


class Check(Protocol):
    name: str

    def __call__(self, text: str, platforms: tuple[str, ...], policy: Policy) -> list[Finding]: ...


def default_checks() -> list[Check]:
    from bot.checks import confidentiality, platform_fit, voice

    return [
        voice.FirstPersonSingular(),
        confidentiality.EmailAddresses(),
        confidentiality.PhoneNumbers(),
        platform_fit.XWeightedLength(),
    ]


def run_checks(
    text: str,
    platforms: tuple[str, ...],
    policy: Policy,
    checks: list[Check] | None = None,
) -> list[Finding]:
    """Every finding for ``text``, in reading order; platform findings only for targeted ones."""
    findings: list[Finding] = []
    for check in checks if checks is not None else default_checks():
        findings.extend(check(text, platforms, policy))
    findings = [f for f in findings if f.platform is None or f.platform in platforms]
    return sorted(findings, key=lambda f: (f.start, f.end, f.rule))
