"""Confidentiality: nothing that lets a reader contact or identify the people served."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

import phonenumbers

from bot.checks.engine import Context, Hit, validator
from bot.checks.identifiers import nhs_number_spans, ssn_spans
from bot.checks.policy import RulePack

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
# The organisation's own registration numbers look like phone numbers to a parser.
_NOT_A_PHONE_BEFORE = re.compile(
    r"\b(?:EIN|(?:registered\s+)?charity(?:\s+(?:no|number|reg(?:istration)?))?|"
    r"company(?:\s+(?:no|number|reg(?:istration)?))?|VAT(?:\s+(?:no|number|reg))?|"
    r"sort\s+code|account(?:\s+(?:no|number))?|SC|OSCR)\.?\s*(?:no\.?|number)?\s*[:#]?\s*$",
    re.IGNORECASE,
)
# Charity and company numbers are shorter than any phone number worth blocking.
_MIN_PHONE_DIGITS = 9


@validator("email_address")
def email_address(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    allow = ctx.policy.allow
    for m in _EMAIL.finditer(ctx.text):
        address = m.group(0).lower()
        if address in allow.emails or address.rsplit("@", 1)[1] in allow.email_domains:
            continue
        yield Hit(m.start(), m.end())


MAX_PHONE_CANDIDATES = 300


@validator("phone_number")
def phone_number(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    # POSSIBLE, not VALID: the drama range (07700 900xxx) and new ranges must still be caught.
    matcher = phonenumbers.PhoneNumberMatcher(
        ctx.text, ctx.policy.country, leniency=phonenumbers.Leniency.POSSIBLE
    )
    # An NHS number or an SSN is reported by its own rule, with its own advice; once is enough.
    claimed = [
        span
        for rule, spans in (("nhs_number", nhs_number_spans), ("ssn", ssn_spans))
        if _enabled(ctx, rule)
        for span in spans(ctx)
    ]
    # Each candidate costs the library two parses (~0.3 ms): a wall of digits would take
    # seconds. Hundreds of candidates in one post already settle its verdict.
    for match in itertools.islice(matcher, MAX_PHONE_CANDIDATES):
        if sum(c.isdigit() for c in match.raw_string) < _MIN_PHONE_DIGITS:
            continue
        if any(s <= match.start and match.end <= e for s, e in claimed):
            continue
        if _NOT_A_PHONE_BEFORE.search(ctx.text[max(0, match.start - 30) : match.start]):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in ctx.policy.allow.phones:
            continue
        yield Hit(match.start, match.end)


def _enabled(ctx: Context, rule_id: str) -> bool:
    rule = ctx.policy.rule(rule_id)
    return rule is not None and rule.enabled
