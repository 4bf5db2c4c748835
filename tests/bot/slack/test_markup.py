"""Slack's markup and rich text turned into the words the person saw (pure, no Slack needed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.domain.findings import Severity
from bot.slack.markup import decode, link_words, message_words

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real" / "slack"


def real(name: str) -> dict:
    """A real-payload fixture without its ``_source``/``_note`` keys."""
    data = json.loads((REAL / f"{name}.json").read_text())
    assert data["_source"] and data["_note"]
    return {k: v for k, v in data.items() if not k.startswith("_")}


def kinds(words) -> list[tuple[str, str]]:
    return [(o.kind, o.shown) for o in words.off_slack]


@pytest.mark.parametrize(
    ("markup", "seen"),
    [
        ("Fish &amp; chips night", "Fish & chips night"),
        ("5 &lt; 6 &gt; 4", "5 < 6 > 4"),
        ("&amp;lt; stays as typed", "&lt; stays as typed"),  # not decoded twice
        ("<https://example.org|example.org>", "example.org"),
        ("<https://example.org/>", "https://example.org/"),
        ("<https://example.org/a?b=1&amp;c=2>", "https://example.org/a?b=1&c=2"),
        (
            "our <https://example.org/appeal|winter appeal>",
            "our winter appeal (https://example.org/appeal)",
        ),
        ("<mailto:hi@example.org|hi@example.org>", "hi@example.org"),
        ("<mailto:hi@example.org|write to us>", "write to us (hi@example.org)"),
        ("<!date^1392734382^{date_short}|Feb 18, 2014>", "Feb 18, 2014"),
        ("Party :tada:", "Party 🎉"),
        (":wave::skin-tone-3: hello", "👋🏼 hello"),
        (":+1::skin-tone-6:", "👍🏿"),
        (":flag-gb:", "🇬🇧"),
        ("Open 10:30:00 to 12:00", "Open 10:30:00 to 12:00"),  # times are not emoji
        ("Note:important: detail", "Note:important: detail"),
    ],
)
def test_text_markup_becomes_the_words_people_saw(markup, seen):
    words = decode(markup)
    assert words.text == seen
    assert words.off_slack == ()


def test_mentions_and_custom_emoji_in_text_are_kept_as_stand_ins_and_reported():
    words = decode(
        "<!here> thanks <@U0G9QF9C6> in <#C0LAN6ABC|volunteers>, "
        "<!subteam^S0614TZR7|@comms> :partyparrot:"
    )
    assert words.text == "@here thanks @U0G9QF9C6 in #volunteers, @comms :partyparrot:"
    assert kinds(words) == [
        ("broadcast", "@here"),
        ("user", "@U0G9QF9C6"),
        ("channel", "#volunteers"),
        ("usergroup", "@comms"),
        ("custom_emoji", ":partyparrot:"),
    ]
    for o in words.off_slack:
        assert words.text[o.start : o.end] == o.shown
    findings = words.findings()
    assert {f.rule for f in findings} == {"slack_mention", "slack_custom_emoji"}
    assert all(f.severity is Severity.BLOCK for f in findings)
    assert "means nothing on X or Facebook" in findings[1].message


@pytest.mark.parametrize(
    ("url", "label", "shown"),
    [
        ("https://example.org", "", "https://example.org"),
        ("https://example.org", "https://example.org", "https://example.org"),
        ("http://example.org/", "example.org", "example.org"),
        ("https://Example.org/news/", "example.org/news", "example.org/news"),
        ("https://example.org/x", "our page", "our page (https://example.org/x)"),
        ("https://evil.example", "bank.example", "bank.example (https://evil.example)"),
    ],
)
def test_a_link_becomes_its_words_and_keeps_its_address(url, label, shown):
    assert link_words(url, label) == shown


def test_rich_text_is_preferred_to_text():
    message = real("message_links_emoji_picture")
    assert message_words(message).text == "Fish & chips night 🎉 example.org"
    # The rich text wins even where text says something else.
    message["text"] = "something else entirely"
    assert message_words(message).text == "Fish & chips night 🎉 example.org"


def test_rich_text_links_with_and_without_words():
    assert message_words(real("message_link_labels")).text == (
        "Read about our winter appeal (https://example.org/winter-appeal) at "
        "https://example.org/news or write to hello@example.org"
    )


def test_rich_text_emoji_with_skin_tone_and_custom_emoji():
    assert message_words(real("message_skin_tone_emoji")).text == (
        "Thank you to everyone who came 👋🏼 ❤️"
    )
    # A tone given only as skin_tone is added to the emoji.
    toned = {"type": "emoji", "name": "wave", "unicode": "1f44b", "skin_tone": 5}
    message = {
        "blocks": [
            {"type": "rich_text", "elements": [{"type": "rich_text_section", "elements": [toned]}]}
        ]
    }
    assert message_words(message).text == "👋🏾"
    custom = message_words(real("message_custom_emoji"))
    assert custom.text == "Our quiz night raised £420 :partyparrot:"
    assert kinds(custom) == [("custom_emoji", ":partyparrot:")]


def test_rich_text_mentions_take_their_names_from_text():
    words = message_words(real("message_mentions"))
    assert words.text == (
        "@here thanks @U0G9QF9C6 for the photos in #volunteers, ask @comms before sharing"
    )
    assert [k for k, _ in kinds(words)] == ["broadcast", "user", "channel", "usergroup"]
    assert all(f.rule == "slack_mention" for f in words.findings())


def test_rich_text_sections_lists_quotes_and_preformatted_text():
    assert message_words(real("message_sections")).text == (
        "Open day on Saturday:\n"
        "• tea & cake\n"
        "  ◦ garden tours\n"
        "1. arrive\n"
        "2. sign in\n"
        "“The best morning of the year”\n"
        "Room 2"
    )


def test_nested_ordered_lists_number_as_slack_does():
    def ordered(indent: int, offset: int) -> dict:
        items = [{"type": "rich_text_section", "elements": [{"type": "text", "text": "x"}]}]
        return {
            "type": "rich_text_list",
            "style": "ordered",
            "indent": indent,
            "offset": offset,
            "elements": items * 2,
        }

    message = {
        "blocks": [{"type": "rich_text", "elements": [ordered(0, 0), ordered(1, 0), ordered(2, 3)]}]
    }
    assert message_words(message).text == "1. x\n2. x\n  a. x\n  b. x\n    iv. x\n    v. x"


def test_struck_through_words_are_a_warning():
    words = message_words(real("message_strikethrough"))
    assert words.text == "Tickets £10 £8 at the door"
    [finding] = words.findings()
    assert (finding.rule, finding.severity, finding.excerpt) == (
        "slack_strikethrough",
        Severity.WARN,
        "£10",
    )


def test_what_rich_text_cannot_say_here_falls_back_to_text():
    unknown = {"type": "rich_text_section", "elements": [{"type": "hologram", "id": "H1"}]}
    message = {
        "text": "Fish &amp; chips :fish:",
        "blocks": [{"type": "rich_text", "elements": [unknown]}],
    }
    assert message_words(message).text == "Fish & chips 🐟"
    # An app's message with other blocks: its text.
    message["blocks"] = [{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}]
    assert message_words(message).text == "Fish & chips 🐟"
    assert message_words({"text": None}).text == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [("offset", 10**10), ("indent", 10**6), ("offset", "3"), ("indent", -1), ("offset", 2.5)],
)
def test_list_numbers_no_client_sends_fall_back_to_text(field, value):
    """A list's offset or indent is turned into text: 10**10 built a 10-million-character post
    (10**12 about a gigabyte), and "3" failed the event. They are read from ``text`` instead."""
    item = {"type": "rich_text_section", "elements": [{"type": "text", "text": "hi"}]}
    listed = {"type": "rich_text_list", "style": "ordered", "elements": [item], field: value}
    if field == "offset":
        listed["indent"] = 2  # roman numerals: the longest numbers
    words = message_words({"text": "• hi", "blocks": [{"type": "rich_text", "elements": [listed]}]})
    assert words.text == "• hi"
