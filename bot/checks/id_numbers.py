"""Numbers on a person's cards and documents: payment cards, bank accounts (IBAN), UK driving
licences, passports, vehicle registrations and IP addresses.

Each format is checked as far as its own rules allow — a card number passes Luhn, an IBAN passes
ISO 7064 mod-97, a licence number encodes a real date of birth — so that an order number or a
reference is not taken for one. Formats with no checksum (passports, vehicle registrations) are
found only after words that say what they are. Every pattern is linear: digits and letters in
fixed-size groups, no nested repetition.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable

from bot.checks.engine import Context, Hit, validator
from bot.checks.policy import RulePack

# -- payment cards --------------------------------------------------------------------------

# 13 to 19 digits, alone or in groups of 4 (Amex 4-6-5) split by one space or hyphen.
_CARD = re.compile(
    r"(?<![\w.+\-/])(?:\d{4}(?P<sep>[ \-])\d{4}(?P=sep)\d{4}(?P=sep)\d{1,7}"
    r"|\d{4}(?P<amex>[ \-])\d{6}(?P=amex)\d{5}|\d{13,19})(?![\w\-/]|\.\d)"
)
# Issuer prefixes of the card schemes people carry (Visa, Mastercard, Amex, Discover, Maestro,
# JCB, Diners, UnionPay): a Luhn-valid reference number rarely starts like one as well.
_ISSUER = re.compile(r"4|5[1-5]|2[2-7]|3[47]|3[068]|6(?:011|5|4[4-9]|2)|35|5[06-9]|6[37]")


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch)
        if i % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


@validator("payment_card")
def payment_card(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A payment card number: the right length, a scheme's prefix, and Luhn."""
    for m in _CARD.finditer(ctx.text):
        digits = re.sub(r"\D", "", m.group(0))
        if 13 <= len(digits) <= 19 and _ISSUER.match(digits) and luhn_ok(digits):
            yield Hit(m.start(), m.end())


# -- IBAN -------------------------------------------------------------------------------------

# Country code, two check digits, then up to 30 letters and digits, in groups of 4 or not.
_IBAN = re.compile(
    r"(?<![\w])(?P<iban>[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?)(?![\w])",
    re.IGNORECASE,
)
# ISO 13616 lengths for the countries whose IBANs people in the UK, Ireland, the EU and the US
# are likely to quote; an unknown country is checked by mod-97 alone.
_IBAN_LENGTH = {
    "GB": 22, "IE": 22, "DE": 22, "FR": 27, "ES": 24, "IT": 27, "NL": 18, "BE": 16, "PT": 25,
    "PL": 28, "CH": 21, "AT": 20, "SE": 24, "DK": 18, "NO": 15, "FI": 18, "LU": 20, "GR": 27,
    "RO": 24, "LT": 20, "LV": 21, "EE": 20, "CZ": 24, "SK": 24, "HU": 28, "SI": 19, "HR": 21,
    "BG": 22, "CY": 28, "MT": 31, "IS": 26, "TR": 26, "GI": 23,
}  # fmt: skip


def iban_ok(iban: str) -> bool:
    """ISO 7064 mod 97-10 over the rearranged IBAN, and the country's length when known."""
    compact = iban.replace(" ", "").upper()
    expected = _IBAN_LENGTH.get(compact[:2])
    if expected is not None and len(compact) != expected:
        return False
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def iban_spans(ctx: Context) -> list[tuple[int, int]]:
    """Every IBAN-shaped run, whatever its check digits: the iban rule's to judge, so the phone
    rule leaves its digit tail alone."""
    return [m.span("iban") for m in _IBAN.finditer(ctx.text)]


@validator("iban")
def iban(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A bank account number (IBAN) that is not the organisation's own (allow.terms)."""
    own = {t.replace(" ", "").upper() for t in ctx.policy.allow.terms}
    for m in _IBAN.finditer(ctx.text):
        end = _valid_end(m.group("iban"))
        if end is None:
            continue
        compact = m.group("iban")[:end].replace(" ", "").upper()
        if compact not in own:
            yield Hit(m.start("iban"), m.start("iban") + end)


def _valid_end(found: str) -> int | None:
    """Where the IBAN in ``found`` ends: the shape also takes a following word's first letters
    ("ES98 2914 … 6907 please" runs on into "plea", "se"), so groups are dropped from the end
    until the check passes."""
    if not found[:2].isalpha():
        return None
    end = len(found)
    while end >= 15:
        if iban_ok(found[:end]):
            return end
        cut = found.rfind(" ", 0, end)
        if cut < 0:
            return None
        end = cut
    return None


# -- UK driving licence -----------------------------------------------------------------------

# DVLA format: five letters of the surname (padded with 9), the decade digit, the birth month
# (plus 5 for women), the day, the year digit, two initials (9 if none), a digit, two check
# characters; often followed by a two-digit issue number.
_LICENCE = re.compile(
    r"(?<![\w])(?P<surname>[A-Z][A-Z9]{4})(?P<decade>\d)(?P<month>[0156]\d)(?P<day>[0-3]\d)"
    r"(?P<year>\d)(?P<initials>[A-Z9]{2})\d[A-Z0-9]{2}(?:[ ]?\d{2})?(?![\w])"
)


def licence_ok(m: re.Match[str]) -> bool:
    month, day = int(m.group("month")), int(m.group("day"))
    month = month - 50 if month > 50 else month
    surname = m.group("surname")
    padded_right = surname.rstrip("9") == surname.split("9", 1)[0]  # "JONES", "LEE99"
    return 1 <= month <= 12 and 1 <= day <= 31 and padded_right


@validator("driving_licence")
def driving_licence(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A UK driving licence number: it spells out the holder's surname and date of birth."""
    for m in _LICENCE.finditer(ctx.text):
        if licence_ok(m):
            yield Hit(m.start(), m.end())


# -- passports, after the word ----------------------------------------------------------------

_PASSPORT = re.compile(
    r"(?i)\b(?:passport|travel\s+document)s?(?:\s+(?:no|number|num|#)\.?)?[\s:#.]{0,3}"
    r"(?:is\s+)?(?P<number>[A-Z]{0,2}\d{6,9}[A-Z]?)(?![\w])"
)


@validator("passport_number")
def passport_number(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A passport or travel document number (UK 9 digits, US a letter and 8 digits, …)."""
    for m in _PASSPORT.finditer(ctx.text):
        yield Hit(m.start("number"), m.end("number"))


# -- vehicle registrations, after the word ---------------------------------------------------

# UK since 2001: two letters, the age identifier, three letters ("AB51 ABC").
_UK_PLATE = r"[A-Z]{2}(?:0[2-9]|[1-7]\d|5[1-9])\s?[A-Z]{3}"
_PLATE_CUE = (
    r"(?i:\breg(?:istration)?(?:\s+(?:no|number|plate))?\.?|\bnumber\s+plate|"
    r"\blicen[cs]e\s+plate|\bplates?\b|\bcar\b|\bvan\b|\bvehicle\b|\bmotorbike\b)"
)
_PLATE = re.compile(rf"{_PLATE_CUE}[^.!?\n]{{0,40}}?(?<![\w])(?P<plate>{_UK_PLATE})(?![\w])")
# Other countries' plates have no common shape: only right after "plate"/"reg", and only
# letters and digits together (a charity's "reg 1098765" is all digits).
_OTHER_PLATE = re.compile(
    r"(?i)\b(?:licen[cs]e\s+plate|number\s+plate|plate|reg(?:istration)?)(?:\s+(?:no|number))?"
    r"\.?[\s:#]{1,3}(?P<plate>(?=[A-Z0-9\- ]{0,9}\d)(?=[0-9\- ]{0,9}[A-Z])"
    r"[A-Z0-9]{1,4}[\- ]?[A-Z0-9]{2,5})(?![\w])"
)


@validator("vehicle_registration")
def vehicle_registration(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A vehicle registration said to be one ("living in her car, reg AB51 ABC")."""
    text = ctx.text
    seen: set[int] = set()
    for m in _PLATE.finditer(text):
        seen.add(m.start("plate"))
        yield Hit(m.start("plate"), m.end("plate"))
    for m in _OTHER_PLATE.finditer(text):
        plate = m.group("plate")
        if m.start("plate") not in seen and plate.upper() == plate:
            yield Hit(m.start("plate"), m.end("plate"))


# -- IP addresses ------------------------------------------------------------------------------

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w]|\.\d)")
# Any run of hex groups and colons; ipaddress decides ("10:30:00" is a time, not an address).
_IPV6 = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:])")
_VERSION_BEFORE = re.compile(r"(?i)(?:\bv|\bversion|\brelease|\bbuild|\bupdate)\.?\s*$")


@validator("ip_address")
def ip_address(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """An IP address: in a post it points at someone's home or phone ("posting from …")."""
    text = ctx.text
    for pattern in (_IPV4, _IPV6):
        for m in pattern.finditer(text):
            try:
                address = ipaddress.ip_address(m.group(0))
            except ValueError:
                continue
            if address.is_loopback or address.is_unspecified:
                continue
            if _VERSION_BEFORE.search(text, max(0, m.start() - 10), m.start()):
                continue  # "version 1.2.3.4"
            yield Hit(m.start(), m.end())
