"""Where the emoji are in a text: X counts each one as 2, however many code points it holds.

The set of emoji is the maintained ``emoji`` package's (its data follows Unicode's emoji-test.txt:
every fully-qualified, minimally-qualified and unqualified emoji, ZWJ sequences, skin tones,
keycaps, flags and subdivision flags), matched longest first from left to right as
twitter-text's emoji pattern does (github.com/twitter/twitter-text,
``java/src/main/java/com/twitter/twittertext/TwitterTextEmojiRegex.java``, Apache License 2.0).
One rule of that pattern is kept on top of the data: "Emoji which default to text must be
followed by U+FE0F" for © ® ™ ♟ — a bare © is a character of weight 1, "©️" an emoji.
"""

from __future__ import annotations

import re

from emoji import EMOJI_DATA

_TEXT_DEFAULT = frozenset("\u00a9\u00ae\u2122\u265f")
_EMOJI = frozenset(e for e in EMOJI_DATA if e not in _TEXT_DEFAULT)
# For each first character, the lengths of the emoji starting with it, longest first.
_LENGTHS: dict[str, tuple[int, ...]] = {}
for _e in _EMOJI:
    _LENGTHS[_e[0]] = (*_LENGTHS.get(_e[0], ()), len(_e))
_LENGTHS = {c: tuple(sorted(set(ls), reverse=True)) for c, ls in _LENGTHS.items()}
# Where an emoji may start: from the lowest non-ASCII first character up (© of "©️" with today's
# data; one range keeps the scan fast, the dictionary then decides), or # * 0-9 before a keycap
# U+20E3 (without that look-ahead the scan would stop at every digit of ordinary text).
_LOWEST = min(c for c in _LENGTHS if not c.isascii())
_START = re.compile(f"[#*0-9](?=\ufe0f?\u20e3)|[{re.escape(_LOWEST)}-\U0010ffff]")


def emoji_spans(text: str) -> dict[int, int]:
    """Start → end (code points, end exclusive) of each emoji in ``text``."""
    spans: dict[int, int] = {}
    if text.isascii():
        return spans
    done = 0
    for match in _START.finditer(text):
        i = match.start()
        if i < done:
            continue  # inside the emoji found just before
        for length in _LENGTHS.get(text[i], ()):
            # The slice is shorter than asked for at the end of the text: ☺ is not ☺️ cut short.
            if i + length <= len(text) and text[i : i + length] in _EMOJI:
                spans[i] = done = i + length
                break
    return spans
