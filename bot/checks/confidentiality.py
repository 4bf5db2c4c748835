"""Confidentiality: nothing that lets a reader contact or identify the people served."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable

import phonenumbers

from bot.checks.engine import Context, Hit, validator
from bot.checks.id_numbers import iban_spans
from bot.checks.identifiers import _nhs_context, _words, nhs_number_spans, ssn_spans
from bot.checks.policy import RulePack
from bot.domain.findings import Severity

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
# The organisation's own registration numbers, and numbers that say what they are (an order, a
# raffle ticket, a parcel's tracking code, a laptop's serial, an app's build), look like phone
# numbers to a parser.
_NOT_A_PHONE_BEFORE = re.compile(
    r"\b(?:EIN|(?:registered\s+)?charity(?:\s+(?:no|number|reg(?:istration)?))?|"
    r"company(?:\s+(?:no|number|reg(?:istration)?))?|VAT(?:\s+(?:no|number|reg))?|"
    r"sort\s+code|account(?:\s+(?:no|number))?|SC|OSCR|"
    # An identifier's own label: its rule judges the number by its check digit and format
    # (a wrong NHS check digit is not an NHS number, nor a phone number either).
    r"NHS(?:\s+(?:no|number))?|(?:NI|national\s+insurance)(?:\s+(?:no|number))?|SSN|"
    r"social\s+security(?:\s+(?:no|number))?|passport(?:\s+(?:no|number))?|"
    r"(?:driving\s+)?licen[cs]e(?:\s+(?:no|number))?|"
    r"(?:order|invoice|receipt|booking|transaction|tracking|parcel|serial|batch|model|part|"
    r"build|version|raffle|ticket|lottery|prize)(?:\s+(?:no|number|code|ref|reference|id|"
    r"ticket|draw))?)\.?\s*(?:no\.?|number)?\s*(?:[:#]|\b(?:is|was)\b)?\s*$",
    re.IGNORECASE,
)
# Charity and company numbers are shorter than any phone number worth blocking.
_MIN_PHONE_DIGITS = 9
# Numbers people do not have at home: freephone, shared-cost, UK-wide and personal-routing
# numbers are what organisations publish. They warn (so a person's 0800 number is still seen)
# until the organisation lists its own in allow.phones.
_ORGANISATION_NUMBER_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
    }
)
# "Call our helpline on…", "ring the pantry line", "the office number is…"
_OWN_LINE_BEFORE = re.compile(
    r"(?i)\b(?:our|the)\s+(?:[\w'’-]+\s+){0,2}(?:helpline|hotline|office|line|switchboard|"
    r"reception)\b(?:\s*(?:is|on|at|:|-|number|no\.?|tel\.?))*\s*$"
)
# Words that say a number is one to ring or text: "call Jo on", "her cell", "mob:", "tel.".
_PHONE_CUE_BEFORE = re.compile(
    r"(?i)\b(?:call|calls|calling|called|ring|rings|ringing|rang|text|texts|texting|texted|"
    r"phone|phoned|telephone|tel|mobile|mob|cell|cellphone|whatsapp|sms|contact|reach|dial|"
    r"number|no)\b[^\n\d]{0,25}$"
)
# How NANP numbers are written: "(206) 555-0147", "206-555-0147", "206.555.0147".
_NANP_SHAPE = re.compile(r"^\(?\d{3}\)?(?:[-.]|\)\s?)\d{3}[-.]\d{4}$")


def _plausible_phone(ctx: Context, match: phonenumbers.PhoneNumberMatch) -> bool:
    """Whether a number could be a phone number as written here. In a country whose numbers
    are dialled with a trunk 0 (the UK), a number with neither 0 nor + in front is not
    written the way its people write their phone numbers: it is a phone number only if it is
    a valid North American number written the North American way or called one ("call",
    "cell", "tel"). A 10-digit run like "943 476 5871" is an NHS-number shape, an order or a
    reference — with a wrong NHS check digit it is no one's number (issue [9])."""
    raw = match.raw_string.strip()
    if raw.startswith(("+", "0", "(0", "(+")):
        return True
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(ctx.policy.country)
    if metadata is None or metadata.national_prefix != "0":
        return True  # the US and others: numbers are written without a trunk prefix
    text = ctx.text
    if _nhs_context(text, match.start, match.end):
        return False  # labelled as an NHS number: its own rule judges the check digit
    try:
        nanp = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number_for_region(nanp, "US"):
        return False
    if _NANP_SHAPE.match(raw):
        return True
    return bool(_PHONE_CUE_BEFORE.search(text, max(0, match.start - 40), match.start))


_ORGANISATION_NUMBER = (
    "This looks like an organisation's number (its shape or the words before it), so it is "
    "a warning: if it is one of ours, add it to allow.phones; if it is a person's, remove it."
)
# Role mailboxes are the organisation's; the same local part at a free-mail domain is a person.
_ROLE_MAILBOXES = _words(
    """info hello contact contactus enquiries enquiry events admin office help support team
    press media volunteer volunteers volunteering fundraising donations donate jobs careers
    bookings booking admissions referrals reception mail general membership news"""
)
_FREE_MAIL = _words(
    """gmail.com googlemail.com hotmail.com hotmail.co.uk outlook.com live.com live.co.uk
    yahoo.com yahoo.co.uk icloud.com me.com aol.com btinternet.com protonmail.com proton.me
    gmx.com mail.com"""
)
_ROLE_MAILBOX = (
    "This looks like an organisation's role mailbox, so it is a warning: if it is ours, add its "
    "domain to allow.email_domains; if it is a person's, remove it."
)


@validator("email_address")
def email_address(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    allow = ctx.policy.allow
    for m in _EMAIL.finditer(ctx.text):
        address = m.group(0).lower()
        local, domain = address.rsplit("@", 1)
        if address in allow.emails or domain in allow.email_domains:
            continue
        if local in _ROLE_MAILBOXES and domain not in _FREE_MAIL:
            yield Hit(m.start(), m.end(), message=_ROLE_MAILBOX, severity=Severity.WARN)
            continue
        yield Hit(m.start(), m.end())


MAX_PHONE_CANDIDATES = 300


@validator("phone_number")
def phone_number(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    # POSSIBLE, not VALID: the drama range (07700 900xxx) and new ranges must still be caught.
    matcher = phonenumbers.PhoneNumberMatcher(
        ctx.text, ctx.policy.country, leniency=phonenumbers.Leniency.POSSIBLE
    )
    # An NHS number, an SSN or an IBAN is judged by its own rule, with its own advice (an
    # IBAN-shaped run with a wrong check is not a phone number either).
    claimed = [
        span
        for rule, spans in (
            ("nhs_number", nhs_number_spans),
            ("ssn", ssn_spans),
            ("iban", iban_spans),
        )
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
        if not _plausible_phone(ctx, match):
            continue
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 in ctx.policy.allow.phones:
            continue
        kind = phonenumbers.number_type(match.number)
        if kind in _ORGANISATION_NUMBER_TYPES or (
            kind is not phonenumbers.PhoneNumberType.MOBILE  # a mobile is a person's first
            and _OWN_LINE_BEFORE.search(ctx.text, max(0, match.start - 60), match.start)
        ):
            yield Hit(match.start, match.end, message=_ORGANISATION_NUMBER, severity=Severity.WARN)
            continue
        yield Hit(match.start, match.end)


def _enabled(ctx: Context, rule_id: str) -> bool:
    rule = ctx.policy.rule(rule_id)
    return rule is not None and rule.enabled
