"""Confidentiality: nothing that lets a reader contact or identify the people served."""

from __future__ import annotations

import re

import phonenumbers

from bot.checks.engine import Policy
from bot.domain.findings import Finding, Severity

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Charity and company numbers are shorter than any phone number worth blocking.
_MIN_PHONE_DIGITS = 9


class EmailAddresses:
    name = "email_address"

    def __call__(self, text: str, platforms: tuple[str, ...], policy: Policy) -> list[Finding]:
        allowed = {e.lower() for e in policy.public_emails}
        return [
            Finding(
                check="confidentiality",
                rule=self.name,
                severity=policy.severity(self.name, Severity.BLOCK),
                start=m.start(),
                end=m.end(),
                excerpt=m.group(0),
                message="An e-mail address lets anyone contact the person it belongs to.",
                suggestion="Remove it, or use the organisation's public address "
                "(add it to the policy's allow-list).",
            )
            for m in _EMAIL.finditer(text)
            if m.group(0).lower() not in allowed
        ]


class PhoneNumbers:
    name = "phone_number"

    def __call__(self, text: str, platforms: tuple[str, ...], policy: Policy) -> list[Finding]:
        findings = []
        # POSSIBLE, not VALID: the drama range (07700 900xxx) and new ranges must still be caught.
        matcher = phonenumbers.PhoneNumberMatcher(
            text, policy.country, leniency=phonenumbers.Leniency.POSSIBLE
        )
        for match in matcher:
            digits = sum(c.isdigit() for c in match.raw_string)
            if digits < _MIN_PHONE_DIGITS:
                continue
            e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
            if e164 in policy.public_phones:
                continue
            findings.append(
                Finding(
                    check="confidentiality",
                    rule=self.name,
                    severity=policy.severity(self.name, Severity.BLOCK),
                    start=match.start,
                    end=match.end,
                    excerpt=match.raw_string,
                    message="A phone number lets anyone contact the person it belongs to.",
                    suggestion="Remove it, or use the organisation's public number "
                    "(add it to the policy's allow-list).",
                )
            )
        return findings
