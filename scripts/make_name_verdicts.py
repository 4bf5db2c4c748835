#!/usr/bin/env python3
"""Weigh the name lists against word frequencies and write what the checks read.

Run when the census lists (bot/checks/data/names/*.txt), wordfreq or the thresholds in
bot/checks/names.py change:

    python scripts/make_name_verdicts.py

It writes bot/checks/data/names/verdicts.txt: the given names, the surnames after a given name
and the common words, one a line, so the bot loads sets instead of weighing 90,000 names
against wordfreq's 320,000 words in every new process. tests/bot/checks/test_people.py checks
the shipped file against a fresh weighing.
"""

from __future__ import annotations

from pathlib import Path

from bot.checks.names import VERDICTS, verdicts, verdicts_text, weigh

OUT = Path(__file__).resolve().parent.parent / "bot" / "checks" / VERDICTS


def main() -> None:
    OUT.write_text(verdicts_text(verdicts(weigh())), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
