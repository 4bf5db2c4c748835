"""What Slack sends for a message, turned back into the words the person saw.

A message event carries the words twice: ``text`` in Slack's markup (``&amp;``, ``<url|label>``,
``<@U…>``, ``:tada:``) and ``blocks`` holding a ``rich_text`` block of typed elements (links with
their text, emoji with their Unicode, mentions). The rich text is preferred; ``text`` is decoded
when there is none, or when the blocks hold anything not understood here (so no words are lost).

A mention of a Slack user, channel, user group or team, a broadcast (@here), or a custom emoji of
the workspace means nothing on X or Facebook: it is kept in the words as a readable stand-in
and reported as a blocking finding that asks the proposer to write it out.

Sources:
- rich text block and its elements: https://docs.slack.dev/reference/block-kit/blocks/rich-text-block
  (emoji: https://docs.slack.dev/reference/block-kit/block-elements/emoji-element, link:
  …/link-element, broadcast: …/broadcast-element, usergroup: …/usergroup-element) and the
  @slack/types RichTextEmoji ("unicode: lowercase hexadecimal Unicode representation of a
  standard emoji (not for use with custom emoji)"), slackapi/node-slack-sdk
  docs/content/reference/web-api/interfaces/RichTextEmoji.md.
- markup in ``text``: https://docs.slack.dev/messaging/formatting-message-text ("Escaping text":
  only &, < and > are escaped; "Retrieving messages"), slack-ruby-client Formatting.unescape.

Pure: imports no SDK and reads no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import emoji

from bot.domain.findings import MARKUP_CHECK, Finding, Severity

MENTION_KINDS = {
    "user": "a mention of a Slack user",
    "channel": "a link to a Slack channel",
    "usergroup": "a mention of a Slack user group",
    "team": "a mention of a Slack workspace",
    "broadcast": "a Slack notification to everyone in the channel",
}
# Fitzpatrick modifiers: Slack's skin-tone-2 … skin-tone-6 are U+1F3FB … U+1F3FF.
_FIRST_TONE = 0x1F3FB
_TONES = {chr(_FIRST_TONE + n) for n in range(5)}
_SECTIONS = {"rich_text_section", "rich_text_list", "rich_text_quote", "rich_text_preformatted"}
_BULLETS = ("•", "◦", "▪")  # Slack's bullets for nested list levels


@dataclass(frozen=True)
class OffSlack:
    """Something in the words that only means something in Slack."""

    kind: str  # one of MENTION_KINDS, "custom_emoji" or "strike"
    start: int
    end: int
    shown: str  # the stand-in in the words


@dataclass(frozen=True)
class Words:
    text: str
    off_slack: tuple[OffSlack, ...] = ()

    def findings(self) -> list[Finding]:
        return [_finding(o) for o in self.off_slack]


class _Unknown(Exception):
    """The rich text holds an element not understood here: decode ``text`` instead."""


class _Writer:
    def __init__(self, labels: Mapping[str, str] | None = None) -> None:
        # The names ``text`` gives mentions (<#C…|volunteers>) that rich text gives as ids.
        self.labels = labels or {}
        self.parts: list[str] = []
        self.length = 0
        self.off: list[OffSlack] = []
        self.last = "\n"  # nothing written yet: as at the start of a line

    def add(self, text: str, kind: str | None = None) -> None:
        if kind:
            self.off.append(OffSlack(kind, self.length, self.length + len(text), text))
        self.parts.append(text)
        self.length += len(text)
        self.last = text[-1:] or self.last

    def ends_line(self) -> bool:
        return self.last == "\n"

    def words(self) -> Words:
        return Words("".join(self.parts), tuple(self.off))


def message_words(message: Mapping[str, Any]) -> Words:
    """The words of a message event (or of the ``message`` of a message_changed event)."""
    blocks = message.get("blocks")
    if isinstance(blocks, list) and blocks and all(_is_rich_text(b) for b in blocks):
        try:
            return _rich_text(blocks, _labels(str(message.get("text") or "")))
        except _Unknown:
            pass
    return decode(str(message.get("text") or ""))


def _is_rich_text(block: object) -> bool:
    return isinstance(block, dict) and block.get("type") == "rich_text"


def _rich_text(blocks: list[dict[str, Any]], labels: Mapping[str, str]) -> Words:
    out = _Writer(labels)
    for block in blocks:
        for section in block.get("elements") or []:
            if not isinstance(section, dict) or section.get("type") not in _SECTIONS:
                raise _Unknown
            if not out.ends_line():
                out.add("\n")  # each section of a rich text block starts on its own line
            _section(out, section)
    text = out.words()
    return Words(text.text.rstrip("\n"), text.off_slack)


def _section(out: _Writer, section: dict[str, Any]) -> None:
    kind = section["type"]
    if kind == "rich_text_list":
        level = _bounded(section.get("indent"), _MAX_INDENT)
        first = _bounded(section.get("offset"), _MAX_OFFSET) + 1
        for number, item in enumerate(section.get("elements") or [], start=first):
            if not isinstance(item, dict):
                raise _Unknown
            if not out.ends_line():
                out.add("\n")
            mark = (
                _BULLETS[level % 3]
                if section.get("style") != "ordered"
                else _ordinal(number, level) + "."
            )
            out.add("  " * level + mark + " ")
            _inline(out, item.get("elements") or [])
        return
    if kind == "rich_text_quote":
        # X and Facebook have no quote formatting: the quoted words go in quotation marks.
        out.add("“")
        _inline(out, section.get("elements") or [])
        out.add("”")
        return
    _inline(out, section.get("elements") or [])  # a section, or preformatted text as typed


# Slack's clients indent lists at most 8 levels deep; no list a person types starts near ten
# thousand. Anything beyond, or not a whole number, is not what a client sent: the message is
# read from its ``text`` instead (the numbers would otherwise build strings of any length).
_MAX_INDENT = 8
_MAX_OFFSET = 9_999


def _bounded(value: object, limit: int) -> int:
    if value is None:
        return 0
    if type(value) is not int or not 0 <= value <= limit:
        raise _Unknown
    return value


def _ordinal(number: int, level: int) -> str:
    """Slack numbers nested ordered lists 1. → a. → i."""
    if level % 3 == 1:
        letters = ""
        while number > 0:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("a") + rest) + letters
        return letters
    if level % 3 == 2:
        numerals = ""
        for value, numeral in _ROMAN:
            count, number = divmod(number, value)
            numerals += numeral * count
        return numerals
    return str(number)


_ROMAN = tuple(
    zip(
        (1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1),
        ("m", "cm", "d", "cd", "c", "xc", "l", "xl", "x", "ix", "v", "iv", "i"),
        strict=True,
    )
)


def _inline(out: _Writer, elements: Iterable[Any]) -> None:
    for element in elements:
        if not isinstance(element, dict):
            raise _Unknown
        kind = element.get("type")
        found = element.get("style")
        style: dict[str, Any] = found if isinstance(found, dict) else {}
        if kind == "text":
            # Bold, italic and code have no equivalent on X or Facebook: the words stay.
            # Struck-through words would read as ordinary words there: the proposer decides.
            out.add(str(element.get("text") or ""), "strike" if style.get("strike") else None)
        elif kind == "link":
            out.add(link_words(str(element.get("url") or ""), str(element.get("text") or "")))
        elif kind == "emoji":
            shown, custom = _emoji(element)
            out.add(shown, "custom_emoji" if custom else None)
        elif kind in ("user", "usergroup", "team"):
            found = str(element.get(f"{kind}_id") or kind)
            out.add("@" + out.labels.get(found, found), kind)
        elif kind == "channel":
            found = str(element.get("channel_id") or "channel")
            out.add("#" + out.labels.get(found, found), "channel")
        elif kind == "broadcast":
            out.add("@" + str(element.get("range") or "here"), "broadcast")
        elif kind == "date" and element.get("fallback"):
            out.add(str(element["fallback"]))
        elif kind == "color":
            out.add(str(element.get("value") or ""))
        else:
            raise _Unknown


def _emoji(element: dict[str, Any]) -> tuple[str, bool]:
    """An emoji element's characters, and whether it is a custom emoji of the workspace."""
    name, _, tone_name = str(element.get("name") or "").partition("::")
    tone = element.get("skin_tone")
    if tone is None and tone_name.startswith("skin-tone-"):
        tone = tone_name.removeprefix("skin-tone-").rstrip(":")
    code = str(element.get("unicode") or "")
    try:
        chars = "".join(chr(int(h, 16)) for h in code.split("-")) if code else ""
    except ValueError:
        chars = ""
    chars = chars or standard_emoji(name) or ""
    if not chars:
        return f":{name}:", True
    return _with_tone(chars, tone), False


def _with_tone(chars: str, tone: object) -> str:
    try:
        number = int(str(tone))
    except ValueError:
        return chars
    if not 2 <= number <= 6 or any(c in _TONES for c in chars):
        return chars  # Slack's unicode already carries the modifier
    # The modifier follows the first character, in place of its presentation selector.
    return chars[:1] + chr(_FIRST_TONE + number - 2) + chars[1:].removeprefix("\ufe0f")


def standard_emoji(name: str) -> str | None:
    """A standard emoji by its Slack short name, None for a name Slack does not ship."""
    if re.fullmatch(r"flag-[a-z]{2}", name):
        # Slack's country flags: two regional indicator letters.
        return "".join(chr(0x1F1E6 + ord(c) - ord("a")) for c in name[5:])
    found = emoji.emojize(f":{name}:", language="alias")
    return None if found == f":{name}:" else found


def link_words(url: str, label: str) -> str:
    """A link as plain words. X and Facebook cannot hide a link behind words: a label that is
    the address itself (Slack shows "example.org" for https://example.org) stays as the person
    saw it; any other label keeps its words, followed by the address in brackets."""
    label = label.strip()
    shown_url = url.removeprefix("mailto:")
    if not label or label == url or _bare(label) == _bare(url):
        return label or shown_url
    return f"{label} ({shown_url})"


def _bare(address: str) -> str:
    return re.sub(r"^(?:https?://|mailto:)", "", address.strip(), flags=re.I).rstrip("/").lower()


# -- the markup in ``text`` --------------------------------------------------------------------

_TOKEN = re.compile(r"<([^<>\n]*)>")
# A shortcode stands alone (not inside "10:30:00"), optionally toned.
_SHORTCODE = re.compile(r"(?<![A-Za-z0-9]):([a-z0-9_+'-]+):(?::skin-tone-([2-6]):)?")


def _labels(text: str) -> dict[str, str]:
    """Mentions' names in ``text``: <@U…|name>, <#C…|name>, <!subteam^S…|@name>."""
    found: dict[str, str] = {}
    for token in _TOKEN.finditer(text):
        target, _, label = token.group(1).partition("|")
        ident = re.sub(r"^(?:@|#|!subteam\^)", "", target)
        if label and ident != target:
            found[ident] = unescape(label).lstrip("@#")
    return found


def escape(text: str) -> str:
    """What a person wrote, for any Slack text that is parsed as markup (a message's ``text``,
    its fallback, an mrkdwn block, a command's answer): "&" first, so that a typed "&amp;"
    stays "&amp;" on screen, then "<" and ">", so that a typed <!here>, <!channel> or <@U…>
    reaches Slack as words rather than a ping. Slack escapes exactly these three
    (https://docs.slack.dev/messaging/formatting-message-text, "Escaping text"); anything
    more would be shown as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Mrkdwn(str):
    """Text already in Slack's markup: its own mentions are meant, and every word a person
    wrote in it went through ``escape``. Said to the notifier's ``alert``, which otherwise
    escapes all it is given (a platform's error message could say <!channel>)."""

    __slots__ = ()


def unescape(text: str) -> str:
    """Slack escapes only &, < and >; "&amp;" last, so "&amp;lt;" stays "&lt;" as typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def decode(text: str) -> Words:
    """The words of Slack's markup, for messages that come without rich text."""
    out = _Writer()
    at = 0
    for token in _TOKEN.finditer(text):
        _plain(out, text[at : token.start()])
        _token(out, token.group(1))
        at = token.end()
    _plain(out, text[at:])
    return out.words()


def _plain(out: _Writer, text: str) -> None:
    at = 0
    for code in _SHORTCODE.finditer(text):
        chars = standard_emoji(code.group(1))
        if chars is None and not re.search("[a-z]", code.group(1)):
            continue  # ":30:" names nothing: words, not a custom emoji
        out.add(unescape(text[at : code.start()]))
        if chars is None:
            out.add(f":{code.group(1)}:", "custom_emoji")
        else:
            out.add(_with_tone(chars, code.group(2)))
        at = code.end()
    out.add(unescape(text[at:]))


def _token(out: _Writer, inner: str) -> None:
    target, _, label = inner.partition("|")
    label = unescape(label)
    if target.startswith("@"):
        out.add("@" + (label.lstrip("@") or target[1:]), "user")
    elif target.startswith("#"):
        out.add("#" + (label.lstrip("#") or target[1:]), "channel")
    elif target.startswith("!subteam^"):
        out.add("@" + (label.lstrip("@") or target.removeprefix("!subteam^")), "usergroup")
    elif target.startswith("!date^"):
        out.add(label or target)  # the fallback words of a formatted date
    elif target.startswith("!"):
        out.add("@" + target[1:], "broadcast")  # <!here>, <!channel>, <!everyone>
    else:
        out.add(link_words(unescape(target), label))


# -- findings ----------------------------------------------------------------------------------


def _finding(off: OffSlack) -> Finding:
    if off.kind == "custom_emoji":
        return Finding(
            check=MARKUP_CHECK,
            rule="slack_custom_emoji",
            severity=Severity.BLOCK,
            start=off.start,
            end=off.end,
            excerpt=off.shown,
            message=f"{off.shown} is a custom emoji of this Slack workspace: X and Facebook "
            "do not have it and would show its name.",
            suggestion="Use a standard emoji or words instead.",
        )
    if off.kind == "strike":
        return Finding(
            check=MARKUP_CHECK,
            rule="slack_strikethrough",
            severity=Severity.WARN,
            start=off.start,
            end=off.end,
            excerpt=off.shown,
            message="These words are struck through: X and Facebook cannot strike words "
            "through, so they would be published as ordinary words.",
            suggestion="Delete them if they should not be published.",
        )
    what = MENTION_KINDS.get(off.kind, "a Slack mention")
    return Finding(
        check=MARKUP_CHECK,
        rule="slack_mention",
        severity=Severity.BLOCK,
        start=off.start,
        end=off.end,
        excerpt=off.shown,
        message=f"{off.shown} is {what}: it means nothing on X or Facebook.",
        suggestion="Write out what you mean in words (a name, a place), or leave it out.",
    )
