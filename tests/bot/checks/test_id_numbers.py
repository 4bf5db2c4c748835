"""Numbers on a person's cards and documents, laid out as Presidio lays out its recognizer
tests: per format, texts that must be found (with the excerpt) and texts that must not.

Every positive here was written for this file; the checksums were computed by hand and are
checked again by the helper tests at the bottom, so a wrong example cannot pass silently.
"""

from __future__ import annotations

import time

import pytest

from bot.checks import Allow, run_checks
from bot.checks.id_numbers import iban_ok, luhn_ok
from bot.config.policy_file import load_policy
from bot.domain.findings import Severity

POLICY = load_policy(None)
BOTH = ("x", "facebook")


def found(text: str, rule: str, policy=POLICY) -> list[str]:
    return [f.excerpt for f in run_checks(text, BOTH, policy) if f.rule == rule]


CASES = {
    "payment_card": (
        [
            ("Her card number 4111 1111 1111 1111 was taken.", "4111 1111 1111 1111"),
            ("Pay with 5555555555554444 today", "5555555555554444"),
            ("Amex 3782 822463 10005 on file", "3782 822463 10005"),
            ("card: 6011-1111-1111-1117", "6011-1111-1111-1117"),
        ],
        [
            "Order 4111 1111 1111 1112 has shipped.",  # Luhn fails
            "Tracking 1234567890123456",  # no scheme starts 12
            "We raised £4,111,111 this year.",
            "Call 0800 111 1111 for help.",
        ],
    ),
    "iban": (
        [
            ("Send it to GB82 WEST 1234 5698 7654 32 please", "GB82 WEST 1234 5698 7654 32"),
            ("His account DE89370400440532013000 was frozen", "DE89370400440532013000"),
            ("IBAN FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606"),
        ],
        [
            "GB82 WEST 1234 5698 7654 33",  # mod-97 fails
            "GB82 WEST 1234 5698 7654",  # too short for a British IBAN
            "Room GB12 is booked.",
        ],
    ),
    "driving_licence": (
        [
            ("Licence MORGA753116SM9IJ 35 was found", "MORGA753116SM9IJ 35"),
            ("her licence: LEE99812052J99AB", "LEE99812052J99AB"),
        ],
        [
            "MORGA713116SM9IJ",  # month 13
            "MORGA703416SM9IJ",  # day 34
            "JO9NE753116SM9IJ",  # a 9 inside a surname
        ],
    ),
    "passport_number": (
        [
            ("Her passport number is 925076473.", "925076473"),
            ("Passport No. C03005988 expired", "C03005988"),
            ("travel document: 123456789", "123456789"),
        ],
        [
            "Bring your passport to the 2025 trip.",
            "Passport photos taken here, 12 to 3.",
            "A number 925076473 with no word for it.",
        ],
    ),
    "vehicle_registration": (
        [
            ("She is living in her car, reg AB51 ABC, near the park.", "AB51 ABC"),
            ("a blue van KX19LMN parked outside", "KX19LMN"),
            ("licence plate 7ABC123 was seen", "7ABC123"),
        ],
        [
            "Registered charity no. 1098765",
            "Charity reg 1098765",
            "AB51 ABC",  # no word says it is a vehicle
            "Our car boot sale is on 12 May.",
        ],
    ),
    "ip_address": (
        [
            ("The messages came from 81.2.69.160 again.", "81.2.69.160"),
            ("logged from 2001:db8::8a2e:370:7334", "2001:db8::8a2e:370:7334"),
        ],
        [
            "Update to version 1.2.3.4 now.",
            "Scores 999.1.1.1",
            "Doors open 10:30:00 sharp.",
            "See 127.0.0.1",
        ],
    ),
    "date_of_birth": (
        [
            ("DOB: 05-May-1990", "DOB: 05-May-1990"),
            ("dob 5/May/1990, room 4", "dob 5/May/1990"),
        ],
        ["Our 05-May-2025 fun run"],
    ),
}

POSITIVES = [
    pytest.param(rule, text, excerpt, id=f"{rule}-{i}")
    for rule, (positives, _) in CASES.items()
    for i, (text, excerpt) in enumerate(positives)
]
NEGATIVES = [
    pytest.param(rule, text, id=f"{rule}-{i}")
    for rule, (_, negatives) in CASES.items()
    for i, text in enumerate(negatives)
]


@pytest.mark.parametrize("rule,text,excerpt", POSITIVES)
def test_found(rule, text, excerpt):
    findings = [f for f in run_checks(text, BOTH, POLICY) if f.rule == rule]
    assert [f.excerpt for f in findings] == [excerpt]
    assert findings[0].severity is Severity.BLOCK


@pytest.mark.parametrize("rule,text", NEGATIVES)
def test_not_found(rule, text):
    assert found(text, rule) == []


def test_the_organisations_own_donation_account_is_allowed():
    from dataclasses import replace

    own = replace(POLICY, allow=Allow(terms=("GB82WEST12345698765432",)))
    assert found("Donate: GB82 WEST 1234 5698 7654 32", "iban", own) == []
    assert found("Donate: DE89 3704 0044 0532 0130 00", "iban", own) != []


def test_the_examples_checksums_are_what_the_tests_say():
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert luhn_ok("378282246310005") and luhn_ok("6011111111111117")
    assert iban_ok("GB82WEST12345698765432") and not iban_ok("GB82WEST12345698765433")
    assert iban_ok("FR1420041010050500013M02606") and iban_ok("DE89370400440532013000")


@pytest.mark.parametrize(
    "text",
    [
        "4" * 10_000,
        "GB82 " * 2_000,
        "reg " + "AB51 " * 1_999,
        "1." * 5_000,
        "a:" * 5_000,
        "passport " * 1_100,
        "MORGA7531" * 1_100,
    ],
    ids=["digits", "iban-heads", "plates", "dots", "colons", "passports", "licence-heads"],
)
def test_every_format_takes_bounded_time_on_hostile_text(text):
    started = time.process_time()
    run_checks(text[:10_000], BOTH, POLICY)
    assert time.process_time() - started < 2.0  # generous: a slow machine, not backtracking


@pytest.mark.parametrize(
    "text",
    [
        # wrong check digits: not an NHS number, an IBAN or a phone number either
        "Her NHS number is 943 476 5871, please update the form.",
        "Patient NHS no. 9434765871 was seen today.",
        "Jane Doe, IBAN GB82 WEST 1234 5698 7654 33",
        "Jane Doe, IBAN GB82WEST12345698765433",
        "Passport number 07700900123 is on the old form.",
    ],
)
def test_a_labelled_identifier_with_a_wrong_check_is_not_read_as_a_phone_number(text):
    assert found(text, "phone_number") == []


@pytest.mark.parametrize(
    "text,rule",
    [
        ("Her NHS number is 943 476 5870, please update the form.", "nhs_number"),
        ("Jane Doe, IBAN GB82 WEST 1234 5698 7654 32", "iban"),
        ("Call Jane, her number is 07700 900123.", "phone_number"),
        ("Our charity number is 1234567; Jane's mobile is 07700 900456.", "phone_number"),
    ],
)
def test_the_same_shapes_with_a_right_check_or_a_persons_number_still_block(text, rule):
    assert found(text, rule)
