from dataclasses import replace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.checks import Allow, run_checks
from bot.checks.platform_fit import fit, x_weighted_length
from bot.config.policy_file import load_policy
from bot.domain.findings import Severity, Verdict, verdict

BOTH = ("x", "facebook")
POLICY = load_policy(None)  # the packaged rules alone


def Policy():
    return POLICY


def rules(text, platforms=BOTH, policy=None):
    return [(f.rule, f.excerpt) for f in run_checks(text, platforms, policy or POLICY)]


@pytest.mark.parametrize(
    "text,excerpt,suggest",
    [
        ("I think this matters.", "I", '"We"'),
        ("Thanks to my team.", "my", '"our"'),
        ("Come and see me.", "me", '"us"'),
        ("I'm proud of everyone.", "I'm", "we're"),
        ("Honestly, IMO this is great.", "IMO", "Delete"),
    ],
)
def test_first_person_singular_warns_with_suggestion(text, excerpt, suggest):
    findings = [f for f in run_checks(text, BOTH, Policy()) if f.rule == "first_person_singular"]
    assert [f.excerpt for f in findings] == [excerpt]
    assert findings[0].severity is Severity.WARN and findings[0].check == "voice"
    assert suggest.lower() in findings[0].suggestion.lower()
    assert text[findings[0].start : findings[0].end] == excerpt


@pytest.mark.parametrize(
    "text",
    [
        "We remember those who served in World War I.",
        "Living with Type I diabetes: our new guide.",
        "Read Part I of our report.",
        'Our volunteer Sam said "I found a home here".',
        "Our ME support group meets on Tuesdays.",
        "We are calling on the council to fund more beds.",
    ],
)
def test_first_person_traps_are_not_flagged(text):
    assert rules(text) == []


@pytest.mark.parametrize(
    "text,excerpt",
    [
        ("Call 07700 900123 for details", "07700 900123"),
        ("Ring +44 20 7946 0018 today", "+44 20 7946 0018"),
        ("Text him on 07911123456.", "07911123456"),
    ],
)
def test_phone_numbers_block(text, excerpt):
    findings = run_checks(text, BOTH, Policy())
    assert [(f.rule, f.excerpt, f.severity) for f in findings] == [
        ("phone_number", excerpt, Severity.BLOCK)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "We supported 1,243 people this year.",
        "Registered charity 1234567.",
        "Doors open 10:00-16:00 on 12/03/2026.",
    ],
)
def test_numbers_that_are_not_phone_numbers(text):
    assert rules(text) == []


def test_email_blocks_unless_public():
    assert rules("Write to jo.bloggs@gmail.com") == [("email_address", "jo.bloggs@gmail.com")]
    policy = replace(POLICY, allow=Allow(emails=frozenset({"info@example.org"})))
    assert rules("Write to Info@example.org", policy=policy) == []


def test_public_phone_is_allowed():
    policy = replace(POLICY, allow=Allow(phones=frozenset({"+442079460018"})))
    assert rules("Call us on 020 7946 0018", policy=policy) == []


def test_x_length_blocks_only_for_x():
    text = "a" * 281
    findings = run_checks(text, BOTH, Policy())
    assert [(f.rule, f.platform, f.severity) for f in findings] == [
        ("x_length", "x", Severity.BLOCK)
    ]
    assert findings[0].start == 280
    assert run_checks(text, ("facebook",), Policy()) == []
    assert run_checks("a" * 280, BOTH, Policy()) == []


def test_an_invisible_character_x_refuses_blocks_only_for_x():
    text = "Join us at the hall\ufeff tonight."
    findings = [f for f in run_checks(text, BOTH, POLICY) if f.check == "platform"]
    assert [(f.rule, f.platform, f.severity) for f in findings] == [
        ("x_invalid_character", "x", Severity.BLOCK)
    ]
    assert "U+FEFF" in findings[0].message and findings[0].excerpt == "hall\ufeff tonight."
    assert [f for f in run_checks(text, ("facebook",), POLICY) if f.check == "platform"] == []
    assert fit(text, BOTH, POLICY)["x"]["fits"] is False
    assert fit(text, BOTH, POLICY)["facebook"]["fits"] is True


def test_x_length_counts_urls_and_wide_characters_like_x():
    assert x_weighted_length("https://example.org/" + "a" * 200) == 23
    assert x_weighted_length("你好") == 4
    assert x_weighted_length("👩‍👩‍👧") == 2


def test_severity_override_from_policy():
    policy = replace(
        POLICY,
        rules=tuple(
            replace(r, severity=Severity.BLOCK) if r.id == "first_person_singular" else r
            for r in POLICY.rules
        ),
    )
    assert verdict(run_checks("I agree", BOTH, policy)) is Verdict.BLOCK


def test_findings_in_reading_order_and_serialisable():
    findings = run_checks("mail a@b.org then I call 07700 900123", BOTH, Policy())
    assert [f.rule for f in findings] == ["email_address", "first_person_singular", "phone_number"]
    from bot.domain.findings import Finding

    for f in findings:
        assert Finding.from_dict(f.to_dict()) == f
        assert set(f.to_dict()) >= {
            "check",
            "rule",
            "severity",
            "start",
            "end",
            "excerpt",
            "message",
            "suggestion",
        }


@pytest.mark.parametrize(
    "text",
    [
        "Northside Hope, EIN 47-3918265.",
        "Registered charity no. 1123456789.",
        "Company number: 0712345678",
        "VAT no 123456789",
        "Sort code 20-00-00, account number 12345678",
    ],
)
def test_registration_numbers_are_not_phone_numbers(text):
    assert "phone_number" not in [r for r, _ in rules(text)]


def test_a_phone_number_after_the_charity_number_is_still_caught():
    assert ("phone_number", "07700 900123") in rules("Charity 1123456, call Jo on 07700 900123")


@pytest.mark.parametrize(
    "text,word",
    [
        ("Stop calling him a wetback.", "wetback"),
        ("Graffiti saying 'towelheads out' was removed.", "towelheads"),
        ("That blowjob joke was not funny.", "blowjob"),
        ("Nobody wants to read 'milfs' on our feed.", "milfs"),
    ],
)
def test_slurs_and_vulgarity_both_cuss_and_ldnoobw_list_are_blocked(text, word):
    assert [f.excerpt for f in run_checks(text, BOTH, POLICY) if f.rule == "profanity"] == [word]


@pytest.mark.parametrize(
    "text",
    [
        "A spick and span kitchen for our volunteers.",
        "Meet Biscuit, the office's Maine Coon.",
        "Rimming and HIV: what you need to know about hepatitis A.",
        "Anal cancer screening is free for people living with HIV.",
    ],
)
def test_their_innocent_twins_and_sexual_health_words_are_not_profanity(text):
    assert [f for f in run_checks(text, BOTH, POLICY) if f.rule == "profanity"] == []


@pytest.mark.parametrize(
    "text,holds",
    [
        ("In my opinion it went well.", True),
        ("IN MY OPINION it went well.", True),
        ("\u0130n my opinion", True),  # IGNORECASE takes "İ" for "i"
        ("Don't you think so?", True),
        ("It went well, we hear.", False),
    ],
)
def test_a_phrase_list_is_skipped_only_when_none_of_its_first_words_is_in_the_post(text, holds):
    from bot.checks.engine import Context, may_hold_a_phrase, phrase_regex
    from bot.checks.normalise import normalise
    from bot.config.policy_file import load_policy

    phrases = {"in my opinion": "", "don't you think": ""}
    ctx = Context(normalise(text), ("x",), load_policy(None))
    matches = phrase_regex(phrases).search(ctx.text) is not None
    assert may_hold_a_phrase(ctx, phrases) is holds
    assert matches <= holds  # never skipped where the regex would have matched


_PHRASE_LIST = {
    "in my opinion": "",
    "don't you think": "",
    "you think": "",
    "in my": "",
    "kick out": "",
    "k-pop": "",
}
_PHRASE_PIECES = st.sampled_from(
    [
        "in",
        "In",
        "IN",
        "\u0130n",
        "my",
        "MY",
        "opinion",
        "don't",
        "don",
        "'",
        "you",
        "think",
        "kick",
        "\u212aick",
        "out",
        "k",
        "pop",
        "-",
        " ",
        "  ",
        "\n",
        ".",
        "x",
        "_",
        "é",
        "1",
    ]
)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_PHRASE_PIECES, max_size=30))
@example(pieces=["Don't", " ", "you", "  ", "think", " ", "in", " ", "my", "\n", "opinion"])
@example(
    pieces=["\u0130n", " ", "my", " ", "opinion", ".", "\u212aick", " ", "out", "k", "-", "pop"]
)
def test_phrases_are_tried_only_at_their_first_words_with_the_same_matches(pieces):
    """phrase_matches tries the phrase regex only where a post word is a phrase's first word:
    it must give exactly the matches finditer gives, in order (spans and text)."""
    from bot.checks.engine import Context, phrase_matches, phrase_regex
    from bot.checks.normalise import normalise
    from bot.config.policy_file import load_policy

    ctx = Context(normalise("".join(pieces)), ("x",), load_policy(None))
    regex = phrase_regex(_PHRASE_LIST)
    assert regex is not None
    expected = [(m.span(), m.group(0)) for m in regex.finditer(ctx.text)]
    assert [(m.span(), m.group(0)) for m in phrase_matches(ctx, _PHRASE_LIST, regex)] == expected
