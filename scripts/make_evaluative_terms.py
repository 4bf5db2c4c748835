"""Derive the evaluative words the stance and disparagement tests know from VADER's lexicon.

Run by hand when vaderSentiment changes (needs `pip install -e ".[vocabulary]"`):

    python scripts/make_evaluative_terms.py

It reads `vader_lexicon.txt` shipped in the vaderSentiment package (C.J. Hutto, MIT: about 7,500
words and emoticons, each rated from -4 to +4 by ten people) and writes
bot/checks/data/voice/evaluative.txt: one word a line, a tab, its mean rating. The bot reads only
that file, so the package is needed to build, never to run.

Kept: ordinary English words (wordfreq) of three letters or more rated at least 1.0 either way
(more than "slightly" good or bad), with their other regular forms (bot/checks/inflect.py:
"belittled" gives "belittling") and the plurals of words of blame ("coward" gives "cowards").
Left out (`_NOT_A_VERDICT`): words a charity's clean posts use all the time without judging
anyone, in four groups: the harms and needs its work is about ("crisis", "poverty", "abuse",
"lonely"), how the people it serves feel ("scared", "tired"), its own work and thanks ("help",
"support", "care", "free", "thanks", "welcome", "award") and words that name politics itself
("party", "united", "liberal", "vote"). A verdict on a party or a person stays a verdict:
"disgraceful", "liars", "betrayed", "brilliant", "heroes".
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import version
from importlib.resources import files
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wordfreq import zipf_frequency  # a dependency of the bot already

from bot.checks.inflect import forms  # the repository's own module, by the path above

OUT = Path(__file__).resolve().parent.parent / "bot" / "checks" / "data" / "voice"

_LEAST = 1.0  # VADER's scale runs -4..+4; 1 either way is more than "slightly" good or bad
_WORD = re.compile(r"[a-z]{3,}")
# VADER was built for social media: it rates slang and letter strings ("qt", "lmao", "xoxo") that
# are also postcodes and initials. A word must be an ordinary English word (wordfreq's Zipf scale:
# 2.5 is about once in 3 million words).
_COMMON = 1.0
_PLURAL_COMMON = 2.0  # a made plural must be seen about once in 10 million words
# ... and not one of VADER's chat abbreviations or respellings, which wordfreq counts as words
# because people type them ("ftw", "xoxo", "muah"): they are no verdict in an organisation's post.
_CHAT = frozenset(
    re.findall(
        r"\S+",
        """
    aas afu aml aok bfd bfe bff bsod btd doa ffs fkm foaf ftw fwb gga gla hak hugz ilu ily kia
    lolz lts lulz lya lyl mml mofo muah mwah nfc nfw nme pita ptl sete sux swak tgif thx tia tyvm
    urw vbg vbs vip vwd vwp woot wows wtf wtg wth xoxo yay rofl fab fav fave ugh
    """,
    )
)

_NOT_A_VERDICT = frozenset(
    re.findall(
        r"\S+",
        """
    war wars death deaths died die dies dead kill killed killing kills killer murder murdered
    cancer pain painful fear fears feared scared scary afraid frightened hurt hurts hurting crime
    crimes criminal prison prisoners violence violent weapons injury injuries injured abuse abused
    assault rape raped suicide suicidal depression depressed illness ill sick disorder poverty
    debt debts crisis emergency accident accidents stress stressed suffering suffered suffer
    suffers struggling struggle struggles funeral grave severe problem problems trouble troubled
    difficult difficulty damage harm harmed hunger hungry lonely loneliness isolated alone
    homeless grief grieving loss losses lost lose losing sad sadness tired exhausted upset crying
    cry cries tears worry worried worries worrying anxious anxiety arrested suspended fired
    banned ban blind disabled disability victim victims dying bomb terrorist threat threats
    threatened attack attacks attacked attacking horror hell devil sin heaven addiction addicted
    homelessness cold harsh bitter storm storms disaster disasters catastrophe tragedy tragic
    panic shock shocked broke bankrupt evicted eviction hardship desperate desperately vulnerable
    help helps helped helping helpful support supports supported supporting supporters supporter
    care cares cared caring free freedom party parties united thank thanks thanked thankful
    grateful gratitude appreciate appreciated welcome welcomed welcoming pleased glad happy
    happiness hope hopes hoped hoping hopefully friend friends friendly friendship kind kindness
    hand yes ok okay like likes liked true clear clearly ready special interest interested
    interesting save saved saves saving safe safety protect protected protection rescue rescued
    justice liberty credit credits benefit benefits grant grants award awards awarded prize
    prizes winner winners win wins won winning charity charities festival holiday gift gifts
    bonus treat treats values ensure improve improved improvement improving progress growth
    opportunity opportunities commitment committed dedicated dedication engaged engagement
    encourage encouraged encouraging promote promoting approved accept accepted agree agreed
    agreement boost celebrate celebrated celebrating celebration congratulations honour honor
    honoured honored definitely surely truly honestly perfectly fit natural active focused
    efficient efficiency effective effectively successfully comfort comfortable ease easy easier
    relief relax peace peaceful heart hearts love loved loves loving lovely enjoy enjoyed
    enjoying fun smile smiles laugh laughing haha lol lmao wow dear wish wishes desire dreams
    dream luck lucky faith grace fight fights fighting fought battle battles block blocked trust
    trusted intelligence wealth rich profit profits fame supreme superior liberal reform
    democratic democracy vote votes voted voting elect elected election campaign campaigns
    alliance solidarity equality equal fair fairness rights security secure healthy health
    alive survived survive survivor survivors recovered recovery promise promised promises
    share sharing joy joyful excited exciting celebrate power pretty sweet cute beautiful beauty
    gorgeous nice please kind kindly generous generously generosity trustee fan fans warm warmth
    respect respected cheer cheers fresh cut cuts cutting
    """,
    )
)


def _stems(word: str) -> set[str]:
    """The word and what it may be a regular form of: "shared" → share, "kindly" → kind."""
    stems = {word}
    for ending, back in (("s", ""), ("es", ""), ("d", ""), ("ed", ""), ("ing", ""), ("ing", "e")):
        if word.endswith(ending):
            stems.add(word[: -len(ending)] + back)
    for ending, back in (("ly", ""), ("ily", "y"), ("ness", ""), ("ful", ""), ("fully", "")):
        if word.endswith(ending):
            stems.add(word[: -len(ending)] + back)
    return stems


def _rated() -> dict[str, float]:
    text = files("vaderSentiment").joinpath("vader_lexicon.txt").read_text(encoding="utf-8")
    rated: dict[str, float] = {}
    for line in text.splitlines():
        word, mean, *_ = line.split("\t")
        if (
            _WORD.fullmatch(word)
            and abs(float(mean)) >= _LEAST
            and _NOT_A_VERDICT.isdisjoint(_stems(word))
            and word not in _CHAT
            and zipf_frequency(word, "en") >= _COMMON
        ):
            rated[word] = float(mean)
    return rated


def terms() -> dict[str, float]:
    """Each kept word and its other regular forms, with the word's rating."""
    rated = _rated()
    out = dict(rated)
    for word, mean in rated.items():
        for form in forms(word):
            if _NOT_A_VERDICT.isdisjoint(_stems(form)):
                out.setdefault(form, mean)
        # Name-calling comes in the plural ("cowards", "bigots"), which VADER often lacks: the
        # plural of a word of blame, when it is itself an ordinary word.
        plural = word + ("es" if word.endswith(("s", "x", "ch", "sh")) else "s")
        if mean < 0 and zipf_frequency(plural, "en") >= _PLURAL_COMMON:
            out.setdefault(plural, mean)
    return dict(sorted(out.items()))


def main() -> None:
    words = terms()
    lines = [f"{w}\t{m:+.1f}" for w, m in words.items()]
    (OUT / "evaluative.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(words)} evaluative words from vaderSentiment {version('vaderSentiment')}")


if __name__ == "__main__":
    main()
