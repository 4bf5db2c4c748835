"""Neutral voice: the organisation's account never speaks as one employee."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar, cast

from bot.checks.engine import (
    Context,
    Hit,
    a_word_starts_with,
    folded_text,
    may_hold_a_phrase,
    may_match,
    phrase_matches,
    phrase_regex,
    post_words,
    validator,
)
from bot.checks.evaluative import (
    blame_words,
    evaluative_words,
    judging_words,
    ratings,
)
from bot.checks.policy import RulePack

_SWAPS = {
    "i": "we",
    "me": "us",
    "my": "our",
    "mine": "ours",
    "mine's": "ours is",
    "myself": "ourselves",
    "i'm": "we're",
    "i've": "we've",
    "i'd": "we'd",
    "i'll": "we'll",
    "imo": "",
    "imho": "",
}
_WORD = re.compile(
    r"(?<![\w'])(i'm|i've|i'd|i'll|imho|imo|myself|mine's|mine|my|me|i)(?![\w'])", re.IGNORECASE
)
# "World War I", "Type I diabetes", "Part I": a capital I that is a numeral, not a person.
_NUMERAL_BEFORE = re.compile(
    r"\b(war|type|part|phase|stage|class|act|chapter|grade|level|section|volume|book|article|"
    r"title|schedule|annex|appendix|tier|category|henry|george|elizabeth|charles|james|edward|"
    r"william|mary|richard|louis)\s+$",
    re.IGNORECASE,
)

# "the coal mine", "a mine of information", "the i newspaper": a noun, not the speaker.
_ARTICLE_BEFORE = re.compile(
    r"\b(the|a|an|every|each|old|coal|gold|tin|salt|copper|lead|land|disused|abandoned|"
    r"open-?cast|diamond|silver|iron)\s+$",
    re.IGNORECASE,
)


def starts_sentence(text: str, index: int) -> bool:
    j = index - 1
    while j >= 0 and text[j] in " \t":
        j -= 1
    return j < 0 or text[j] in ".!?\n\r"


@validator("first_person_singular")
def first_person_singular(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    text = ctx.text
    for m in _WORD.finditer(text):
        word = m.group(0)
        key = word.lower()
        if key == "i" and _NUMERAL_BEFORE.search(text[max(0, m.start() - 24) : m.start()]):
            continue
        if word == "ME":
            continue  # myalgic encephalomyelitis, not "me"
        if key in ("i", "mine") and _ARTICLE_BEFORE.search(
            text[max(0, m.start() - 24) : m.start()]
        ):
            continue
        swap = _SWAPS.get(key)
        if swap is None:
            continue  # a look-alike such as Turkish "İ", which lower-cases to two letters
        if starts_sentence(text, m.start()):
            swap = swap.capitalize()
        yield Hit(
            m.start(),
            m.end(),
            message=f'"{word}" speaks as one person, not as the organisation.',
            suggestion=(
                f'Say "{swap}" — the account speaks for the organisation.'
                if swap
                else "Delete it: the organisation does not give personal opinions."
            ),
        )


_S = TypeVar("_S")
_T = TypeVar("_T")
_BUILT: dict[tuple[object, int], tuple[object, object]] = {}


def _built(build: Callable[[_S], _T], source: _S) -> _T:
    """``build(source)`` once per policy; holding the source keeps its id from being reused."""
    key = (build, id(source))
    entry = _BUILT.get(key)
    if entry is None or entry[0] is not source:
        entry = (source, build(source))
        _BUILT[key] = entry
    return cast(_T, entry[1])


def _phrase_list(phrases: Mapping[str, str]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    lookup = {" ".join(k.lower().split()): v for k, v in phrases.items()}
    return phrase_regex(phrases), lookup


def _listed(
    ctx: Context, rule: RulePack, phrases: Mapping[str, str] | None = None
) -> Iterable[Hit]:
    """The rule's own patterns and phrases, so an organisation can add to a code-backed rule."""
    for pattern in rule.patterns:
        if not may_match(ctx, pattern):
            continue  # none of its literal starts is in the post (engine.may_match)
        for m in pattern.finditer(ctx.text):
            if m.end() > m.start():
                yield Hit(m.start(), m.end())
    listed = rule.phrases if phrases is None else phrases
    if not may_hold_a_phrase(ctx, listed):
        return
    regex, lookup = _built(_phrase_list, listed)
    for m in phrase_matches(ctx, listed, regex) if regex else ():
        own = lookup.get(" ".join(m.group(0).lower().split()), "")
        yield Hit(m.start(), m.end(), suggestion=own or None)


def _merged(hits: Iterable[Hit]) -> list[Hit]:
    """One finding per stretch of text: "Kick the Tories out", not also "Tories out"."""
    merged: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if merged and hit.start < merged[-1].end:
            last = merged[-1]
            # A lexicon finding's own message (what it saw) survives the merge.
            merged[-1] = Hit(
                last.start,
                max(last.end, hit.end),
                message=last.message or hit.message,
                suggestion=last.suggestion,
            )
        else:
            merged.append(hit)
    return merged


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence around a match starts and ends (at most 200 characters either side)."""
    lo, hi = max(0, start - 200), min(len(text), end + 200)
    left = max(text.rfind(c, lo, start) + 1 for c in ".!?\n")
    right = min((i for i in (text.find(c, end, hi) for c in ".!?\n") if i >= 0), default=hi)
    return max(lo, left), right


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence around a match, to read its context."""
    lo, hi = _sentence_bounds(text, start, end)
    return text[lo:hi]


# --- party_political -------------------------------------------------------------------------

# Names that are a party whatever their case and wherever they stand.
_PARTY_ALWAYS = (
    r"(?i:tor(?:y|ies)|lib\s?dems?|liberal\s+democrats?|reform\s+uk|green\s+party|"
    r"labour\s+party|conservative(?:\s+and\s+unionist)?\s+party|scottish\s+national\s+party|"
    r"plaid\s+cymru|sinn\s+f[eé]in|democratic\s+unionist\s+party|alba\s+party|alliance\s+party|"
    r"democratic\s+party|republican\s+party|ukip)"
    r"|SNP|DUP|SDLP|UUP|GOP|TUV|MAGA|Conservatives|Democrats|Republicans|Dems"
)
# Capitalised words that are also ordinary words (the Labour market, Green spaces, a Conservative
# estimate, Reform of the benefits system): a party only in a party's context.
_PARTY_MAYBE = r"Labour|Conservative|Reform|Greens?|Liberals?|Democrat|Democratic|Republican|Plaid"


def _parties(options: Mapping[str, Any]) -> re.Pattern[str]:
    """Party names, and the politicians the policy names (`options: politicians`), as one."""
    names = sorted(
        {str(n).strip() for n in options.get("politicians") or () if str(n).strip()},
        key=len,
        reverse=True,
    )
    people = "".join("|" + r"\s+".join(re.escape(w) for w in n.split()) for n in names)
    return re.compile(
        rf"(?<![\w'-])(?:(?P<always>{_PARTY_ALWAYS}{people})|(?P<maybe>{_PARTY_MAYBE}))"
        r"(?![\w-])"
    )


_PARTY_NOUN = (
    r"(?:Party|party|MPs?|MSPs?|MLAs?|MEPs?|government|Government|councillors?|Councillors?|"
    r"candidates?|leader|leadership|ministers?|council|administration|voters|supporters|"
    r"members|manifesto|peers?|UK|frontbench|benches|politicians?)"
)
_AFTER_PARTY_NOUN = re.compile(rf"\A(?:'s)?\s+{_PARTY_NOUN}\b")
_PAST_TENSE_AFTER = re.compile(r"\A\s+[a-z]{2,}ed\b")
_AFTER_PLURAL_VERB = re.compile(
    r"\A\s+(?:are|have|were|'re|'ve|promised|pledged|claimed|said|voted|won|lost|"
    r"(?:has|have)\s+(?:our|your|my)\s)\b"
)
# After an ambiguous name, a lowercase content word ("market", "spaces") or another capitalised
# word ("Flag Award") makes it an adjective or part of another name.
_FUNCTION = (
    r"(?:on|in|at|this|today|tomorrow|now|and|or|to|for|are|is|was|were|will|would|have|has|"
    r"had|again|next|because|instead|if|but|so|who|they|we|you|never|always|won|lost|did|do|"
    r"does|can|could|should|must|out|not|lie|lied|lies|hate|hates|don't|doesn't|can't|say|says|"
    r"said|want|wants|promised|promise|betrayed|ruined|destroyed|wrecked|scum|liars|crooks|"
    r"clowns|traitors|voters|get|gets|got|give|gave|made|make|makes|finally|delivered|keep|kept|"
    r"turned|deserve|deserves)"
)
_AFTER_ADJECTIVE_USE = re.compile(rf"\A(?:\s+(?!{_FUNCTION}\b)[a-z]|\s+[A-Z][a-z])")

_JUDGEMENT = (
    r"(?:liars?|lying|corrupt|crooks?|criminals?|clowns?|useless|incompetent|disgrace|"
    r"disgraceful|evil|heartless|cruel|scum|traitors?|fascists?|racists?|nazis?|jokes?|pathetic|"
    r"spineless|clueless|rotten|vile|shameful|shambles|shambolic|hypocrites?|idiots?|morons?|"
    r"moronic|stupid|thick|waste\s+of\s+space|out\s+of\s+touch|destroying|ruining|wrecking|"
    r"not\s+fit\s+to\s+govern|unfit\s+(?:to\s+govern|for\s+office)|dangerous|danger|the\s+enemy|"
    r"the\s+worst|best(?!\s+placed)|only\s+(?:party|choice|option|hope|answer|way|ones?)|answer|right\s+choice|"
    r"on\s+(?:our|your)\s+side|heroes|hero|the\s+future|change\s+we\s+need|party\s+of)"
)
_INTENSIFIER = (
    r"(?:so|such|a|an|the|our|your|total|totally|complete|completely|utter|utterly|absolute|"
    r"absolutely|just|clearly|nothing\s+but|bunch\s+of|pack\s+of|load\s+of|really|truly|all|"
    r"bloody|simply|always|still|now|literally|basically|obviously|frankly|honestly|being|"
    r"one\s+big|big)"
)
_COPULA = r"(?:are|is|were|was|have\s+been|has\s+been|will\s+always\s+be|remain|remains)"
_PREDICATE = rf"\s+{_COPULA}\s+(?:{_INTENSIFIER}\s+){{0,3}}{_JUDGEMENT}\b"
_DOES = (
    r"\s+(?:(?:have|has|had|just|already|always|only|will|would)\s+){0,2}"
    r"(?:lie|lied|lies|(?:don't|do\s+not|doesn't|does\s+not|never)\s+care|hate\s+(?:the|us|you)|"
    r"betrayed|ruined|destroyed|wrecked|abandoned|gutted|sold\s+(?:us|you|out)|"
    r"done\s+nothing|no\s+idea|let\s+(?:us|you|everyone)\s+down|"
    r"destroy|ruin|wreck|"
    r"(?:can't|cannot|can\s+never)\s+be\s+trusted|must\s+go|must\s+be\s+stopped|"
    r"deserves?\s+(?:your|our|a)\s+vote|should\s+be\s+re-?elected|must\s+(?:resign|be\s+sacked)|"
    r"should\s+resign)\b"
)
_AFTER_PARTY_STANCE = re.compile(
    rf"\A(?:'s)?(?:\s+{_PARTY_NOUN})?(?:{_PREDICATE}|{_DOES})"
    r"|\A\s+(?:scum|liars|crooks|clowns|traitors|fascists|filth|vermin)\b"
    # "Tories out", "kick the Tories out" — not "Labour out canvassing today".
    r"|\A\s+out(?![\w-])(?!\s+(?:on|in|for|and|to|at|with|today|canvassing|campaigning)\b)",
    re.IGNORECASE,
)
_BEFORE_PARTY_STANCE = re.compile(
    r"(?i:\b(?:(?:don't\s+|do\s+not\s+|never\s+)?vot(?:e|es|ed|ing)|back(?:s|ed|ing)?|"
    r"support(?:s|ed|ing)?|endors(?:e|es|ed|ing)|(?:re-?)?elect(?:ing)?|join(?:s|ed|ing)?|"
    r"stand(?:ing)?\s+with|get\s+behind|campaign(?:ing)?\s+for|kick\s+out|get\s+rid\s+of|"
    r"defeat|beat|oust|stop|bin|ditch|punish|(?:never|don't|do\s+not|can't|cannot)\s+trust|"
    r"hate|despise|love|shame\s+on|"
    # "we're with the Greens", "say no to Reform UK", "thank goodness for the Lib Dems", "well
    # done to the SNP", "good riddance to the Tories", "bring on a Green council", "don't put
    # your cross next to Reform".
    r"we're\s+with|we\s+are\s+with|(?:we're|we\s+are|(?:all|right|firmly))\s+behind|say\s+no\s+to|"
    r"reject|thank\s+(?:goodness|god|heavens)\s+for|(?:it's\s+|it\s+is\s+)?time\s+for|"
    r"(?:we|you|families|people|[\w']+)\s+needs?\s+(?:a|an|another)|"
    r"well\s+done,?(?:\s+to)?|"
    r"(?:good\s+)?riddance\s+to|bring\s+on|hooray\s+for|three\s+cheers\s+for|"
    r"put(?:ting)?\s+(?:your|a|our)\s+(?:cross|X)\s+(?:next\s+to|by|against|for))\s+"
    r"(?:(?:for|against|the|a|an|our|your|local|every|any|all)\s+){0,2}"
    r"|\b(?:lying|corrupt|useless|incompetent|heartless|cruel|evil|rotten|disgraceful|shameful|"
    r"nasty|spineless|clueless|vile|treacherous|fascist|hateful|racist|greedy|pathetic|"
    r"wonderful|brilliant|fantastic)\s+(?:the\s+)?)\Z"
)
_ONLY = re.compile(r"(?i:\bonly\s+(?:the\s+)?)\Z")
_ONLY_PROMISE = re.compile(
    rf"\A(?:\s+{_PARTY_NOUN})?\s+(?:will|can|cares?|understands?|delivers?|gets\s+it|"
    r"has\s+a\s+plan|have\s+a\s+plan|is\s+on\s+your\s+side|are\s+on\s+your\s+side)\b",
    re.IGNORECASE,
)
# "Joining the Labour Party conference" or "backing Labour's plan" is engagement with a party or
# support for a policy, not support for the party (CC9 allows the second).
_PARTY_EVENT = re.compile(
    r"\A(?:'s?\s+|\s+(?:Party\s+|party\s+)?)(?:conference|fringe|hustings|manifesto|spokes\w+|"
    r"policy|policies|plans?|proposals?|pledges?|bill|budget|amendment|announcement|"
    r"consultation|review|report|white\s+paper|green\s+paper|strategy)\b"
)

_TITLE = (
    r"(?i:MPs?|MSPs?|MLAs?|MEPs?|councillors?|council\s+leader|senators?|"
    r"congress(?:man|woman|men|women|person)|mayor|prime\s+minister|PM|president|governor|"
    r"ministers?|chancellor|(?:home|health|foreign|housing|education|culture|justice)\s+"
    r"secretary|secretary\s+of\s+state|candidates?)"
)
_TITLE_BEFORE_NAME = (
    r"(?:Councillor|Cllr\.?|Senator|Sen\.|Mayor|President|Governor|Congressman|Congresswoman|"
    r"Rep\.|Prime\s+Minister|Minister|Chancellor)"
)
_NAME = r"[A-Z][\w'-]{1,30}(?:\s+[A-Z][\w'-]{1,30}){0,2}"
_POLITICIAN = (
    rf"(?:(?i:our|your|the|this|that|my|their)\s+(?:(?i:local|new|current)\s+)?{_TITLE}"
    rf"(?:,?\s+{_NAME},?)?|{_TITLE_BEFORE_NAME}\s+{_NAME}|{_NAME}\s+(?:MP|MSP|MLA|MEP))"
)
_POLITICIAN_RE = re.compile(rf"\b{_POLITICIAN}")
_POLITICIAN_JUDGED = re.compile(
    rf"\b{_POLITICIAN}(?i:{_PREDICATE}|{_DOES})"
    rf"|(?i:\b(?:lying|corrupt|useless|incompetent|heartless|spineless|clueless|disgraceful|"
    rf"pathetic|racist|fascist|crooked|treacherous)\s+(?:local\s+)?{_TITLE}\b)"
)
_POLITICIAN_VOTE = re.compile(
    rf"(?i:\b(?:vote\s+for|endors(?:e|es|ed|ing)|re-?elect(?:ing)?|campaign(?:ing)?\s+for))\s+"
    rf"{_POLITICIAN}(?!')"
)
# A call to vote a party or a politician in or out, once the post has named one.
_ELECTORAL_CALL = re.compile(
    r"(?i:\b(?:remember|never\s+forget|don't\s+forget|do\s+not\s+forget|think\s+of|"
    r"think\s+about)\s+(?:that|this|it|them|who\s+did\s+this)\s+(?:on|at|in|when)\s+"
    r"(?:election\s+day|polling\s+day|the\s+ballot\s+box|the\s+polls|the\s+voting\s+booth|"
    r"you\s+vote|(?:the\s+)?(?:next\s+)?(?:general\s+|local\s+|mid-?term\s+)?elections?)"
    r"|\bdon't\s+let\s+(?:them|the\s+\w+)\s+back\s+in|\bvote\s+accordingly"
    r"|\bthe\s+only\s+party\s+(?:that|who|which|with|to)"
    # "Remember that in May", "think about it on Thursday": the next polling day by its date.
    r"|\b(?:remember|never\s+forget|don't\s+forget|do\s+not\s+forget)\s+(?:that|this|it|them|"
    r"(?:his|her|their)\s+names?)\s+"
    r"(?:in|on|come|next)\s+(?:(?:next|this)\s+)?(?:May|November|Thursday|Tuesday|polling\s+day|"
    r"election\s+day|the\s+day)"
    # "Give them your vote", "they've got our vote", "send them packing", "five more years of
    # this", "don't let them": a call about the next vote, whoever "them" is.
    r"|\b(?:give|giving|lend|lending)\s+(?:them|him|her|\w+)\s+(?:your|our)\s+(?:vote|votes|"
    r"support|backing)"
    r"|\b(?:has|have|'ve|'s|gets?|got)\s+(?:got\s+)?(?:our|your)\s+(?:(?:full|total|"
    r"wholehearted|complete|unconditional)\s+)?(?:vote|votes|backing|support)"
    r"|\bsend(?:ing)?\s+(?:\S+\s+){1,3}packing"
    r"|\b(?:another|(?:four|five|ten)\s+more)\s+(?:years|terms?)\s+(?:of\s+(?:this|them|the\s+\w+)|"
    r"(?:in|of)\s+(?:power|government|office))"
    r"|\b(?:don't|do\s+not)\s+give\s+(?:them|him|her)\s+(?:another|(?:four|five)\s+more)"
    r"|\b(?:don't|do\s+not)\s+let\s+(?:them|him|her)(?:\s+(?:win|get\s+away\s+with\s+it|"
    r"do\s+it\s+again))?(?=\s*(?:[.!]|\Z)))\b"
)
# "Vote them out" names no party, but it is a call to vote against whoever holds office.
_VOTE_OUT = re.compile(
    r"(?i:\bvote\s+(?:them|her|him|(?:her|his|their)\s+party|the\s+lot\s+of\s+them)\s+out)\b"
)
_NOT_A_CANDIDATE = (
    r"(?:The|Our|Us|Your|Their|My|This|That|These|Those|Change|Hope|Yes|No|Me|Him|Her|Them|It|"
    r"A|An|Both|Every|Everyone|All|Best|Whoever|Whichever|Who|Which|Women|Men|Children)\b"
)
_VOTE_FOR_NAME = re.compile(rf"(?i:\b(?:vote|voting|votes)\s+for\s+)(?!{_NOT_A_CANDIDATE}){_NAME}")
_ELECT_NAME = re.compile(rf"(?i:\b(?:re-?elect(?:ing)?|elect))\s+(?!{_NOT_A_CANDIDATE}){_NAME}")
_NAME_FOR_OFFICE = re.compile(
    rf"\b{_NAME}\s+for\s+(?:MP|Mayor|Senate|Senator|President|Governor|Congress|PM|"
    r"Prime\s+Minister|Council)(?![\w'-])(?!\s+[a-z])"
)
# Votes and elections that are not political: awards, competitions, the AGM.
_AWARD = re.compile(
    r"(?i:award|prize|nominee|nominat|shortlist|competition|contest|people's\s+choice|finalist|"
    r"categor|of\s+the\s+year|\bpoll\b|lottery|\bgrant|\bfund)"
)
_AGM = re.compile(
    r"(?i:\bAGM\b|annual\s+general\s+meeting|\btrustees?\b|\bboard\b|\bchair|\btreasurer\b|"
    r"\bcommittee\b|\bmembers\b|\bsecretary\b(?!\s+of\s+state)|\bcaptain\b|\bprefect|"
    r"\bstudents'?\s+union)"
)


_PLACE_AFTER = re.compile(
    r"\A\s+(?:Lane|Road|Street|Close|Hill|Way|Avenue|Drive|Court|Place|Farm|Island|Top|Row|Walk|"
    r"Green|Bank|Bridge|Mill|Wood|Gardens|Grove|Terrace|Community)\b"
)


def _names_a_party(text: str, m: re.Match[str]) -> bool:
    """Whether an ambiguous capitalised word is a party here, not a market, a space or a flag."""
    after = text[m.end() : m.end() + 40]
    if m.group("always"):
        return not _PLACE_AFTER.match(after)  # "Tory Lane", "Tory Island": a place

    if _AFTER_PARTY_NOUN.match(after) or _PARTY_VERDICT.match(after):
        return True  # "Labour MPs"; "Conservative austerity", "Labour chaos" (a party's verdict)
    if starts_sentence(text, m.start()):
        # Capitalised anyway: "Labour are liars" (a party) but "Reform is needed" (a word).
        # "Labour's record", "Reform's plans": a possessive is the party's ("Green's" may be a
        # surname, "Plaid's" a fabric's, so not those).
        # "Labour listened", "Labour will fix it": a party's deed has the party as its subject.
        return (
            bool(_AFTER_PLURAL_VERB.match(after) or _DEED_AFTER.match(after))
            or bool(_PAST_TENSE_AFTER.match(after))
            or (after.startswith("'s ") and not m.group("maybe").startswith(("Green", "Plaid")))
        )
    return not _AFTER_ADJECTIVE_USE.match(after)


# --- stance: a party, politician, candidate or election met with a judgement in one sentence ---
#
# CC9 (gov.uk, "Campaigning and political activity guidance for charities") lets a charity back or
# criticise a policy, engage with politicians of every party and urge people to register and vote;
# it must not support or oppose a party, candidate or politician. The US rule is the same: a
# 501(c)(3) must not "participate in, or intervene in ... any political campaign on behalf of (or
# in opposition to) any candidate" (IRC 501(c)(3)); nonpartisan voter registration and
# get-out-the-vote are allowed. So the line: a political actor in the same sentence as a verdict
# on it (praise or blame) or a call to vote it in or out is a stance; a civic mention (our MP
# visited, register to vote, we met Councillor Ahmed, the election closes the office) is not.

# A government counts as an actor only when the post points at the one in office or a past one
# ("this government's record"): "the government has failed to fund hospices" criticises policy.
# A capitalised word before it names one ("Starmer's government", "the Scottish Government")
# unless it is only capitalised for starting a sentence, or says which tier ("Local government
# is under terrible pressure"): "The government is a disaster for renters" is the same policy
# criticism as "renters know the government is a disaster for them".
_GOVERNMENT = re.compile(
    r"(?i:\b(?:this|the\s+current|the\s+last|the\s+previous|the\s+outgoing|their)\s+government)\b"
    r"|\b(?!(?:The|A|An|Any|Every|Each|No|Our|Its|Local|Central|National|Federal|Devolved|"
    r"Whose|Which|What|Good|Big|Small|Open|Digital)\b)"
    r"[A-Z][a-z]+(?:'s)?\s+(?i:government|administration)\b"
)
# "Labour promised 300,000 homes. They'll fool you again.": the verdict's subject is the actor
# named just before.
_PRONOUN_VERDICT = re.compile(
    r"(?i:\b(?:they|he|she)(?:'ll|'ve|'re|'s|\s+will|\s+have|\s+has|\s+are|\s+is|\s+always|"
    r"\s+just|\s+only|\s+never|\s+again|\s+simply)*\s+(?:fool(?:ed|ing)?\s+(?:you|us|everyone)|"
    r"lied|lie|lies|lying|betray(?:ed|ing)?|let\s+(?:you|us|everyone|people)\s+down|"
    r"failed\s+(?:you|us|everyone|people))\b)"
)
# "the Labour-run council", "a Tory-led administration": a party's hold on an office.
_PARTY_RUN = re.compile(
    rf"(?<![\w-])(?:{_PARTY_ALWAYS}|{_PARTY_MAYBE})-(?i:run|led|controlled)\s+"
    r"(?:(?i:council|government|administration|cabinet|authority)\b"
    # "Lib Dem-run Sutton": a place the party runs.
    r"|[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?\b)"
)
# "Tory failure", "Labour chaos": a verdict fused to the party's name.
_PARTY_VERDICT = re.compile(
    rf"(?i:(?:'s)?(?:\s+{_PARTY_NOUN}(?:'s)?)?\s+(?:failure|failures|chaos|incompetence|sleaze|"
    r"corruption|mismanagement|betrayal|mess|lies|broken\s+promises|austerity|cuts|cruelty|"
    r"neglect|hypocrisy|war\s+on|attacks?\s+on|assault\s+on|vandalism)\b)"
)
# Verdicts unambiguous wherever they sit in the sentence: "they'll fool you, like the Tories did".
_STANCE_ANYWHERE = re.compile(
    r"(?i:\b(?:fool(?:ed|ing)?\s+(?:you|us|anyone|everyone|people|voters)|liars?|lies|lied|"
    r"betray(?:s|ed|al|ing)?|disgrace(?:ful)?|shame\s+on|broken\s+promises|"
    r"(?:can't|cannot|can\s+never|never)\s+be\s+trusted|out\s+of\s+touch|"
    r"nothing\s+to\s+be\s+proud\s+of|only\s+one\s+(?:choice|option|party|candidate|answer))\b)"
)
_PRAISE = (
    r"(?:great|brilliant|fantastic|excellent|amazing|wonderful|outstanding|superb|incredible|"
    r"tireless|exceptional|terrific|heroic|terrible|awful|appalling|woeful|dismal|abysmal|"
    r"hopeless|useless|incompetent|pathetic|clueless|corrupt|shameful|shocking|rubbish|a\s+joke|"
    r"a\s+disaster|a\s+shambles|a\s+godsend|heroes|a\s+hero|disastrous|a\s+threat|a\s+menace|"
    r"a\s+nightmare|cruel|heartless|callous|reckless|dangerous|a\s+danger|a\s+catastrophe|"
    r"catastrophic|bad\s+news)"
)
# Verdicts after the actor in its sentence: "Labour have let down every family", "our MP has
# failed renters", "Keir Starmer and Labour have been brilliant", "is the best choice".
_STANCE_AFTER = re.compile(
    r"(?i:\blet\s+(?:(?!down\b)[\w'-]+\s+){0,4}down\b(?!\s+by\b)"
    r"|\bfail(?:ed|s|ing)\s+(?!to\b|by\b)\w+"
    # "is a true champion", "– a real champion": said of the actor, not "thanked the champions".
    r"|(?:\b(?:is|are|was|were|been|be)|'s|'re|[,\u2013\u2014-])\s+(?:a|the|our|your|true|real|genuine)\s+"
    r"(?:(?:true|real|genuine)\s+)?champions?\b"
    r"|\bdeserves?\s+(?:your|our|a|every)\s+vote"
    r"|\b(?:fighting|fights|fought|working|works|stands?)\s+(?:hard\s+)?for\s+(?:you|us)\b"
    r"|\bon\s+(?:your|our)\s+side\b"
    # "have done more for renters than anyone", "did nothing for homeless people"
    r"|\b(?:done|did|do|does|doing)\s+(?:more|less|nothing|so\s+little|"
    r"the\s+most|the\s+least|(?:absolutely|next\s+to)\s+nothing)\s+for\b"
    r"|\b(?:is|are|was|were|'s|'re|has\s+been|have\s+been|will\s+be|would\s+be)\s+"
    r"(?:(?:by\s+far|easily|clearly|simply|truly|really|just)\s+)?the\s+(?:best|worst|right|only|"
    r"obvious|clear)\b"
    r"|\bthe\s+(?:best|worst)\s+(?:MPs?|councillors?|mayors?|leaders?|candidates?|party|"
    r"government|prime\s+minister|president|choice)\b"
    rf"|\b(?:is|are|was|were|'s|'re|has\s+been|have\s+been|will\s+be|would\s+be|"
    rf"has\s+done|have\s+done|"
    rf"is\s+doing|are\s+doing|did)\s+(?:(?:a|an|so|such|really|absolutely|truly|simply|"
    rf"such\s+a|just)\s+){{0,2}}{_PRAISE}\b"
    r"|\b(?:proud|strong|excellent|great|good|fine|proven|shameful|appalling|terrible|dismal|"
    r"woeful|abysmal|disgraceful|shocking|poor|awful|dreadful)\s+record\b"
    r"|\brecord\b[^.!?\n]{0,40}?\b(?:is|was|has\s+been|speaks)\s+(?:(?:\w+\s+){0,2})?"
    r"(?:shameful|appalling|terrible|dismal|woeful|abysmal|disgraceful|shocking|a\s+disgrace|"
    r"excellent|outstanding|superb|for\s+itself))"
)
# What the actor did, said straight after it (its own verb, so "our MP visited families whose
# homes were devastated" is not a verdict on the MP): "Rachel Reeves has hammered the poorest",
# "the Republicans want to gut Medicaid", "turned its back on disabled people", "made this
# crisis", "will fix it", "finally delivered on housing", "the Greens get it", "have been
# champions for carers", "have made life better for renters".
_DEED_AFTER = re.compile(
    rf"(?i:(?:'s)?(?:\s+{_PARTY_NOUN})?(?:\s+(?:has|have|had|'s|'ve|will|would|just|already|again|"
    r"now|repeatedly|always|never|also|really|truly|(?:wants?|want|plans?|tried|tries|"
    r"promised|vowed)\s+to|been|be)){0,3}\s+"
    r"(?:(?:hammer|gut|slash|decimate|devastate|scapegoat|demoni[sz]e)(?:s|d|ed|ing)?\b"
    r"(?!\s+out\b)"
    r"|turn(?:ed|s|ing)?\s+(?:its|their|his|her)\s+backs?\s+on"
    r"|(?:made|caused|created)\s+(?:this|the|our)\s+(?:crisis|mess)"
    r"|fix\s+(?:it|this)|finally\s+(?:delivered|acted|listened)|deliver(?:ed|s)?\s+(?:for|on)"
    r"|gets?\s+it(?=\s*[:.!,;\u2013\u2014-])|delivered(?=\s*[.!])|(?:(?:a|true|real|genuine)\s+)?champions?\s+(?:for|of)"
    r"|made\s+(?:life|things|it|everything)\s+(?:any\s+)?(?:better|worse|harder|easier))\b)"
)
# A verdict just before the actor: "the failed Tory government", "hard-working Councillor Khan".
_STANCE_BEFORE = re.compile(
    r"(?i:\b(?:failed|failing|disgraceful|shameful|lying|corrupt|useless|incompetent|pathetic|"
    r"hopeless|clueless|brilliant|fantastic|wonderful|excellent|outstanding|tireless|"
    r"hard-?working|the\s+best|the\s+worst)\s+(?:(?:local|new|current|former)\s+)?(?:the\s+)?)\Z"
)
# A call to put the actor in or out: "Back Councillor Khan", "kick out our MP", "sack the mayor".
_DIRECTIVE_BEFORE = re.compile(
    r"(?i:\b(?:(?:re-?)?elect(?:ing)?|back(?:ing)?|vote\s+(?:for|against)|voting\s+(?:for|against)|"
    r"kick(?:ing)?\s+out|throw(?:ing)?\s+out|boot(?:ing)?\s+out|get(?:ting)?\s+rid\s+of|"
    r"sack(?:ing)?|oust(?:ing)?|remove|get\s+behind|campaign(?:ing)?\s+for|"
    r"(?:never|don't|do\s+not)\s+vote\s+for)\s+(?:(?:the|our|your|this|that|these|those|local)\s+){0,2})\Z"
)
# ... or after it: "Councillor Briggs should step down", "time Councillor Briggs was voted out",
# "we call on our MP to resign".
_DIRECTIVE_AFTER = re.compile(
    r"(?i:(?:'s?)?,?\s+(?:(?:must|should|needs?\s+to|has\s+to|have\s+to|ought\s+to|to|"
    r"deserves?\s+to)\s+(?:now\s+)?(?:resign|go|quit|step\s+down|stand\s+down|be\s+sacked|"
    r"be\s+removed|be\s+(?:voted|kicked|thrown|booted)\s+out)"
    r"|(?:was|were|is|are|be|gets?|got)\s+(?:voted|kicked|thrown|booted)\s+out)\b)"
)
# An election with a call to vote someone out: "get rid of them at the election".
_ELECTION = re.compile(r"(?i:\b(?:elections?|polls|polling\s+day|ballot\s+box|ballot|vote\s+on)\b)")
_ELECTION_CALL = re.compile(
    r"(?i:\b(?:kick|throw|boot|turf|vote)\s+(?:them|him|her|the\s+lot(?:\s+of\s+them)?|"
    r"this\s+lot|this\s+government|the\s+government)\s+out\b"
    r"|\bget\s+rid\s+of\s+(?:them|him|her|this\s+lot|the\s+lot|this\s+government)\b"
    r"|\b(?:punish|send)\s+(?:them|him|her|this\s+lot)\b)"
)
# "Back Sarah Khan on Thursday": a named person backed, when the post is about an election.
_BACK_NAME = re.compile(
    rf"(?i:\b(?:back(?:ing)?|support(?:ing)?|choose|pick|put\s+your\s+cross\s+next\s+to)\s+)"
    rf"(?!{_NOT_A_CANDIDATE}){_NAME}"
)
_ELECTION_CONTEXT = re.compile(
    r"(?i:\b(?:elections?|polling|ballot|candidates?|hustings|on\s+(?:Thursday|polling\s+day)|"
    r"for\s+(?:MP|mayor|council|councillor|senate|congress|governor|president)|vote)\b)"
)


def _stance(text: str, actors: list[tuple[int, int]]) -> Iterable[Hit]:
    """A verdict on, or a call to vote in or out, a party or politician in its own sentence."""
    for start, end in actors:
        lo, hi = _sentence_bounds(text, start, end)
        directive = _DIRECTIVE_AFTER.match(text, end, min(hi, end + 80))
        if directive:
            yield Hit(start, directive.end())
            continue
        lead = _DIRECTIVE_BEFORE.search(text[max(lo, start - 60) : start])
        if lead and not _PARTY_EVENT.match(text[end : end + 40]):
            yield Hit(start - len(text[max(lo, start - 60) : start]) + lead.start(), end)
            continue
        before = _STANCE_BEFORE.search(text[max(lo, start - 40) : start])
        if before:
            yield Hit(start - len(text[max(lo, start - 40) : start]) + before.start(), end)
            continue
        deed = _DEED_AFTER.match(text, end, min(len(text), hi + 1))
        if deed:
            yield Hit(start, deed.end())
            continue
        after = _STANCE_AFTER.search(text, end, hi)
        if after:
            yield Hit(start, after.end())
            continue
        anywhere = _STANCE_ANYWHERE.search(text, lo, hi)
        if anywhere:
            yield Hit(start, end)
            yield Hit(anywhere.start(), anywhere.end())
            continue
        following = _PRONOUN_VERDICT.search(text, hi, _sentence_bounds(text, hi + 1, hi + 1)[1])
        if following:
            yield Hit(start, end)
            yield Hit(following.start(), following.end())


# "Thanks to the SNP, every pupil…", "Under the Conservatives, rough sleeping doubled": an outcome
# credited to or blamed on a party (a comma follows the party, so the rest says what it did).
_CREDIT_BEFORE = re.compile(
    r"(?i:\b(?:thanks\s+to|because\s+of|under|blame|credit\s+to)\s+(?:the\s+)?)\Z"
)
_CREDIT_AFTER = re.compile(r"\A\s*,")
# A party as the answer to a rhetorical question: "Who do you trust with the NHS? Not the
# Conservatives." The answer is a short fragment; the question asks for a verdict, or the answer
# says "not" or "only".
_VERDICT_QUESTION = re.compile(
    r"(?i:\b(?:trust|cares?|believe|deliver\w*|on\s+your\s+side|better|worse|fix|vote|deserves?|"
    r"fights?|stands?\s+up|let\s+(?:you|us)\s+down|blame|responsible)\b)"
)
_ANSWER_MARK = re.compile(
    r"(?i:\A\s*(?:not|only|never|definitely|certainly|obviously|clearly|always)\b)"
)


def _rhetorical_answer(text: str, start: int, end: int) -> Hit | None:
    """The fragment a party stands in, when it answers the question just before it."""
    lo, hi = _sentence_bounds(text, start, end)
    fragment = text[lo : hi + 1]
    before = text[max(0, lo - 200) : lo].rstrip()
    if not before.endswith("?") or len(fragment.split()) > 5:
        return None
    question = before[max(before.rfind(c) for c in ".!\n") + 1 :]
    if _ANSWER_MARK.match(fragment) or _VERDICT_QUESTION.search(question):
        return Hit(lo + len(fragment) - len(fragment.lstrip()), hi)
    return None


# Praise, blame and feeling in a sentence that names a party or a listed politician: "Rishi
# Sunak should be ashamed", "a Labour government would transform life", "Reform UK: not in our
# name", "the only way … is a Labour government". A sentence that reports engagement instead
# (a hustings, a visit, a survey answered, a conference, every party invited) is left to the
# closer patterns above: CC9 allows all of that, and a report of it may carry a strong word
# about the issue ("spoke about the catastrophic rise in rough sleeping").
_PARTY_SENTENCE_VERDICT = re.compile(
    r"(?i:\b(?:ashamed|shameful|shame|disgrace|disgraceful|appalling|awful|terrible|dreadful|"
    r"horrendous|horrific|catastroph\w*|disast\w*|threat|dangerous|danger|menace|toxic|vile|nasty|"
    r"cruel|cruelty|callous|heartless|uncaring|reckless|incompeten\w*|useless|hopeless|clueless|"
    r"pathetic|corrupt\w*|sleaze|sleazy|lies|liars?|lying|dishonest|hypocri\w*|betray\w*|"
    r"abandon(?:ed|ing|s)?|neglect(?:ed|ful)?|broken|chaos|chaotic|shambl\w*|hateful|bigoted|"
    r"racist|fascist|extremists?|divisive|riddance|scandal\w*|outrage\w*|indefensible|"
    r"unforgivable|damning|sickening|despicable|deplorable|inhumane|greed|greedy|elitist|"
    r"contempt|mockery|disgusting|insulting|wrecked|ruined|destroyed|failed|failing|failures?|"
    r"proud|brilliant|fantastic|excellent|wonderful|amazing|outstanding|superb|heroic|heroes|"
    r"visionary|trustworthy|compassionate|inspiring|inspirational|transform\w*|delighted|"
    r"thrilled|overjoyed|relieved|hooray|"
    r"deserve\s+better|no\s+place\s+for|not\s+in\s+our\s+name|(?:couldn't|could\s+not)\s+care\s+less|"
    r"(?:don't|doesn't|do\s+not|does\s+not|never)\s+cared?|ever\s+(?:done|did)\s+for|"
    r"(?:would|could|should|can)\s+(?:anyone|you|anybody|we)\s+(?:ever\s+)?trust|"
    r"only\s+(?:way|hope|chance|answer|option|choice)|anywhere\s+near\s+(?:power|office|government)|"
    r"party\s+(?:for|of)\s+(?:people|working|families|you|us|the\s+many|the\s+few|the\s+rich)|"
    # Comparison, friendship, a war declared, a price to pay, the chance to end their rule.
    r"like\s+no(?:\s+one|body)\s+else|no\s+other\s+(?:leader|party|government|politician)|"
    r"(?:true|real|good|great)\s+friends?\s+(?:to|of)|war\s+on|damage|damaging|pay\s+the\s+price|"
    r"(?:be|been|being)\s+fooled|fooled\s+by|you\s+promised|where\s+(?:is|are)\s+(?:it|they)|"
    r"stand(?:s|ing)?\s+up\s+for|stood\s+up\s+for|your\s+chance\s+to|"
    r"(?:end|ending|ended)\s+(?:\w+\s+){0,2}years\s+of|"
    r"shows?\s+what\s+(?:good|real|proper)\s+|"
    # Empty talk, a city on its knees, nobody trusts them, the back of them, blocked every bid.
    r"all\s+(?:talk|mouth|spin)|(?:wouldn't|would\s+not|couldn't)\s+last\s+(?:a|one|five|ten)\s+"
    r"(?:nights?|days?|minutes?|weeks?|hours?)|(?:legacy|record)(?=\s*[:\u2013\u2014])|empty\s+(?:promises|words)|hot\s+air|on\s+(?:its|their|our)\s+knees|"
    r"(?:nobody|no\s+one|no-one)\s+(?:trusts|believes)|(?:see|seeing)\s+the\s+back\s+of|"
    r"block(?:ed|s|ing)?\s+(?:every|any|all)|vot(?:ed|es|ing)\s+against\s+(?:every|any|all)|"
    r"(?:MP|councillor|leader|government|mayor|president|party)\s+(?:[\w'-]+\s+){0,2}deserves?|"
    r"(?:if|unless|once)\s+[\w' -]{1,30}?\s+(?:wins?|gets?\s+in|takes?\s+power|comes?\s+to\s+power|"
    r"forms?\s+(?:a|the|the\s+next)\s+government))\b)"
)
_CIVIC = re.compile(
    r"(?i:\b(?:hustings|invited|invite|invitation|visit(?:ed|s|ing)?|met|meet(?:s|ing)?|spoke|"
    r"speak(?:s|ing)?|talked|talks\s+(?:to|with)|answer(?:ed|s)?|repl(?:ied|ies)|survey|questionnaire|"
    r"conference|fringe|welcome[ds]?|all\s+(?:parties|candidates)|every\s+(?:party|candidate)|"
    r"each\s+(?:party|candidate)|whichever|whoever|register(?:ed)?\s+to\s+vote)\b)"
)


# Hashtags run words together: "#LabourOut", "#VoteGreen2026", "#StarmerMustGo", "#Labour4Leeds",
# "#DumpTrump". A party or politician joined to a call for or against it.
_HASHTAG = re.compile(r"(?<![\w#])#(\w{4,60})")
_TAG_ACTOR = (
    r"(?:tor(?:y|ies)|labour|conservatives?|libdems?|reform(?:uk)?|greens?|greenparty|snp|plaid|"
    r"dup|democrats?|dems|republicans?|gop|maga|trump|biden|harris|kamala|starmer|keir|sunak|"
    r"rishi|farage|badenoch|kemi|davey|corbyn|boris|truss|vance|obama|desantis|newsom|bernie|"
    r"sanders|swinney|reeves|rayner)"
)
_TAG_CALL = (
    r"(?:vote|back|support|elect|reelect|choose|never(?:vote)?|sack|dump|bye(?:bye)?|team|"
    r"stop|ditch|kick|boot|fire|impeach|notmy|nomore|i?standwith|stand(?:s)?with)"
)
_TAG_STANCE = re.compile(
    rf"(?i:\A(?:{_TAG_CALL}){_TAG_ACTOR}(?:uk|party|20\d\d|now|today)?\Z"
    # "#Green4Life" is about the planet; "#Labour4Leeds" is a campaign.
    rf"|\A(?!greens?4){_TAG_ACTOR}(?:out|mustgo|must_go|scum|liars|lies|fail(?:ed|s|ure)?|resign|"
    r"4\w*|20\d\d|win|towin|cult|shame|betrayal|chaos|isamess|arecorrupt|corrupt)"
    r"(?:20\d\d|now|today)?\Z)"
)


def _hashtags(text: str) -> Iterable[Hit]:
    if "#" not in text:
        return
    for m in _HASHTAG.finditer(text):
        if _TAG_STANCE.match(m.group(1)):
            yield Hit(m.start(), m.end())


# "… the homes Labour promised. Typical.": a verdict on its own, just after a party's sentence.
_VERDICT_FRAGMENT = re.compile(
    r"(?i:\s*(?:typical|predictable|shameful|disgraceful|pathetic|unbelievable|shocking|"
    r"appalling|brilliant|classic|no\s+surprise(?:\s+there)?|as\s+usual|what\s+a\s+(?:joke|"
    r"surprise|shock)|not\s+on\s+our\s+watch|never\s+again|no\s+way|"
    r"figures|says\s+it\s+all)\s*[.!?]+)"
)


def _party_sentences(text: str, actors: list[tuple[int, int]]) -> Iterable[Hit]:
    """A verdict word anywhere in a sentence that names a party or a listed politician, or a
    verdict fragment just after it."""
    done: set[int] = set()
    for start, end in actors:
        lo, hi = _sentence_bounds(text, start, end)
        if lo in done:
            continue
        done.add(lo)
        if _CIVIC.search(text, lo, hi):
            continue
        verdict = _PARTY_SENTENCE_VERDICT.search(text, lo, hi) or _VERDICT_FRAGMENT.match(
            text, min(len(text), hi + 1), min(len(text), hi + 40)
        )
        if verdict:
            yield Hit(start, end)
            yield Hit(
                verdict.start() + len(verdict.group(0)) - len(verdict.group(0).lstrip()),
                verdict.end(),
            )


# The closed patterns above know the verdicts someone wrote down. _judged knows the words: a
# political actor and any word VADER's raters scored as clear praise or blame (bot/checks/
# evaluative.py) in one sentence is a verdict on the actor, unless the sentence reports engagement
# (CC9 allows a visit, a hustings, a reply) or the actor is the owner of a policy being judged
# ("Labour's housing plan is a disaster" criticises the plan, which CC9 allows).
_ENGAGED = re.compile(
    r"(?i:\b(?:join(?:ed|s|ing)?|attend(?:ed|s|ing)?|open(?:ed|s|ing)|came|come|coming|"
    r"dropp(?:ed|ing)\s+in|popp(?:ed|ing)\s+in|tour(?:ed|s|ing)?|host(?:ed|s|ing)?|"
    r"ask(?:ed|s|ing)?|writ(?:e|es|ing|ten)|wrote|letter|meeting|briefing|"
    r"cross-party|all-party|parliament|debate[ds]?|question(?:ed|s)?)\b)"
)


# "The government" (capitalised by the sentence) is no government in office ("the government has
# failed to fund hospices" is policy); "Oliver Green" is a person, not the Green Party.
_NOT_AN_ACTOR = re.compile(r"(?i:the|a|an)\s+(?i:government|administration)\b")
_SURNAME_BEFORE = re.compile(r"\b[A-Z][a-z]+\s+\Z")
_AMBIGUOUS = re.compile(rf"(?:{_PARTY_MAYBE})\Z")


def _a_surname(text: str, start: int, end: int) -> bool:
    """An ambiguous party name after a capitalised word that does not start a sentence."""
    if not _AMBIGUOUS.match(text, start, end):
        return False
    before = _SURNAME_BEFORE.search(text, max(0, start - 30), start)
    return before is not None and not starts_sentence(text, before.start())


# "The council leader praised volunteers for their amazing work", "Farage said it was a disaster":
# the actor speaks; the word is its verdict on someone else, or its own words reported.
_ACTOR_SPEAKS = re.compile(
    r"(?:'s)?(?:\s+(?:has|have|had|also|just|today|yesterday|publicly))*\s+"
    r"(?i:praised|praises|thanked|thanks|said|says|told|warned|warns|called|calls|described|"
    r"describes|welcomed|welcomes|paid\s+tribute|congratulated|commended|admitted|admits|"
    r"claimed|claims|argued|argues|tweeted|posted|wrote|announced|announces)\b"
)
# "Best wishes to our new MP", "good luck to every candidate": a greeting, not a verdict.
_GREETING = re.compile(
    r"(?i:\b(?:best\s+wishes|all\s+the\s+best|best\s+of\s+luck|good\s+luck|get\s+well|"
    r"happy\s+(?:birthday|retirement|christmas|new\s+year|holidays|anniversary))\b)"
)
# "Labour's housing plan is a disaster", "the Chancellor's cuts are devastating": what the actor
# owns is judged, a policy (CC9 allows that), unless what it owns is itself the actor or its
# record ("Starmer's government", "Labour's MPs", "the Tories' record").
_OWNED = re.compile(
    rf"(?:'s|')?\s+(?!(?:{_PARTY_NOUN}|record|team|cabinet|frontbench|leaders?)\b)"
    r"(?:(?:[a-z]+|[A-Z][a-z]+)\s+){0,2}(?:cuts?|policy|policies|plans?|bill|budget|reforms?|"
    r"freeze|cap|changes?|decision|scheme|rules?|laws?|statement|speech|announcement|strategy|"
    r"proposals?|approach|taxe?s?|conference|manifesto|pledges?|amendment|consultation|review|"
    r"report|white\s+paper|green\s+paper)\b"
)
# "failed to fund", "fails to protect": what was not done, a policy's shortfall, not a verdict.
_FAILED_TO = re.compile(r"\s+to\s")


def _judged(text: str, actors: list[tuple[int, int]]) -> Iterable[Hit]:
    done: set[int] = set()
    for start, end in actors:
        lo, hi = _sentence_bounds(text, start, end)
        if lo in done or _OWNED.match(text[end : end + 60]):
            continue
        if _CIVIC.search(text, lo, hi) or _ENGAGED.search(text, lo, hi):
            done.add(lo)
            continue
        if (
            _NOT_AN_ACTOR.match(text, start, end)
            or _a_surname(text, start, end)
            or _ACTOR_SPEAKS.match(text, end)
        ):
            continue
        greetings = [m.span() for m in _GREETING.finditer(text, lo, hi)]
        word = next(
            (
                w
                for w in evaluative_words(text, lo, hi, skip=(start, end))
                if not (w.word.startswith("fail") and _FAILED_TO.match(text, w.end))
                and not any(s <= w.start < e for s, e in greetings)
            ),
            None,
        )
        if word is None:
            continue
        done.add(lo)
        actor = " ".join(text[start:end].split())
        message = (
            # Praise or blame, not which: VADER rates "a joke" as praise, said in scorn.
            f'This judges {actor}, a party, politician or government: "{word.word}" is a word '
            "of praise or blame. Charities must not support or attack a party, candidate or "
            "politician (Charity Commission CC9; in the US, the 501(c)(3) campaign-intervention "
            "ban)."
        )
        # The actor and the word, each its own stretch: other findings on the actor keep theirs.
        yield Hit(start, end, message=message)
        yield Hit(word.start, word.end, message=message)


def _has(lowered: str, words: tuple[str, ...]) -> bool:
    """A quick look for any of the words (a substring test in C) before a regex scans the text."""
    return any(w in lowered for w in words)


# The four letters outside ASCII that re's IGNORECASE also takes for an ASCII one (Python docs,
# re.IGNORECASE), so a word the pattern would find is never skipped.
_ALSO_MATCHED_ANY_CASE = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})

_SENTENCE_END = re.compile(r"[.!?\n]+")


def _sentences_with(text: str, words: tuple[str, ...]) -> Iterable[tuple[int, int]]:
    """The sentences that hold any of the words, so a long post's regex scans only those."""
    lowered = text.lower()
    words = tuple(w for w in words if w in lowered)  # a sentence can hold only these
    if not words:
        return
    start = 0
    for end in (*(m.end() for m in _SENTENCE_END.finditer(text)), len(text)):
        if end > start and _has(lowered[start:end], words):
            yield start, end
        start = end


_GOVERNMENT_WORDS = ("government", "administration")
_RUN_WORDS = ("-run", "-led", "-controlled")
_ELECTION_WORDS = ("election", "poll", "ballot", "vote on")
_BACK_WORDS = ("back", "support", "choose", "pick", "put your cross")


def _stances(
    text: str, parties: list[re.Match[str]], politician: bool = True, judging: bool = True
) -> Iterable[Hit]:
    """`judging`: False when no post word is in the lexicon, so _judged cannot find one."""
    lowered = text.lower()
    actors = [(m.start(), m.end()) for m in parties]
    if politician:  # False: _POLITICIAN_RE has already found nothing in this text
        actors += [
            (m.start(), m.end()) for m in islice(_POLITICIAN_RE.finditer(text), _MOST_MENTIONS)
        ]
    if _has(lowered, _GOVERNMENT_WORDS):
        actors += [(m.start(), m.end()) for m in islice(_GOVERNMENT.finditer(text), _MOST_MENTIONS)]
    if _has(lowered, _RUN_WORDS):
        actors += [(m.start(), m.end()) for m in islice(_PARTY_RUN.finditer(text), _MOST_MENTIONS)]
    for m in parties:
        fused = _PARTY_VERDICT.match(text, m.end())
        if fused:
            yield Hit(m.start(), fused.end())
    yield from _stance(text, actors)
    if judging:
        yield from _judged(text, actors)
    if _has(lowered, _ELECTION_WORDS) and _ELECTION.search(text):
        for m in _ELECTION_CALL.finditer(text):
            yield Hit(m.start(), m.end())
    if _has(lowered, _BACK_WORDS) and _ELECTION_CONTEXT.search(text):
        for m in _BACK_NAME.finditer(text):
            if not _AWARD.search(_sentence(text, m.start(), m.end())):
                yield Hit(m.start(), m.end() - (2 if m.group(0).endswith("'s") else 0))


# Without a politician named, _POLITICIAN_JUDGED needs one of its adjectives before a title.
_JUDGED_WORDS = (
    *("lying", "corrupt", "useless", "incompetent", "heartless", "spineless", "clueless"),
    *("disgraceful", "pathetic", "racist", "fascist", "crooked", "treacherous"),
)
_SUPPORT_WORDS = ("vote", "endors", "elect", "campaign")


# Speed gates (same findings): a _parties match starts at a word that is one of these (or a
# politician's first word), and a _POLITICIAN_RE match holds a word starting with a title's
# first word (titles may run on: "the mayoral"), or is Sen., Rep. or Cllr.
_PARTY_FIRST_WORDS = frozenset(
    {
        *("tory", "tories", "lib", "libdem", "libdems", "liberal", "liberals", "reform"),
        *("green", "greens", "labour", "conservative", "conservatives", "scottish", "plaid"),
        *("sinn", "democratic", "alba", "alliance", "democrat", "democrats", "republican"),
        *("republicans", "ukip", "snp", "dup", "sdlp", "uup", "gop", "tuv", "maga", "dems"),
    }
)
_POLITICIAN_PREFIXES = (
    *("mp", "msp", "mla", "mep", "councillor", "senator", "congress", "mayor", "prime", "pm"),
    *("president", "governor", "minister", "chancellor", "secretary", "candidate"),
)
_POLITICIAN_ABBREVIATIONS = frozenset({"sen", "rep", "cllr"})  # whole words: "Sen.", "Cllr"


def _may_name_a_politician(ctx: Context) -> bool:
    words = post_words(ctx)
    return (
        a_word_starts_with(ctx, _POLITICIAN_PREFIXES)
        or not _POLITICIAN_ABBREVIATIONS.isdisjoint(words)
        or ("council" in words and a_word_starts_with(ctx, ("leader",)))  # "council leader"
    )


def _politician_first_words(options: Mapping[str, Any]) -> frozenset[str] | None:
    """First words of the policy's politicians, or None when one cannot be told (not ASCII)."""
    firsts = set()
    for name in options.get("politicians") or ():
        words = str(name).split()
        if not words:
            continue
        first = re.match(r"\w+", words[0])
        if first is None or not str(name).isascii():
            return None
        firsts.add(first.group(0).lower())
    return frozenset(firsts)


def _may_name_a_party(ctx: Context, rule: RulePack) -> bool:
    politicians = _built(_politician_first_words, rule.options)
    if politicians is None:
        return True
    words = post_words(ctx)
    return not (_PARTY_FIRST_WORDS.isdisjoint(words) and politicians.isdisjoint(words))


@validator("party_political")
def party_political(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    return _merged(_party_political(ctx, rule))


_MOST_MENTIONS = 40  # parties, politicians or governments weighed in one post


def _party_political(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    text = ctx.text
    parties: list[re.Match[str]] = []
    ambiguous: list[re.Match[str]] = []  # a market, a space, a reform: unless a whole answer
    if _may_name_a_party(ctx, rule):
        for m in _built(_parties, rule.options).finditer(text):
            (parties if _names_a_party(text, m) else ambiguous).append(m)
    # Each mention costs a few searches of its sentence: a wall of "Tories out" (9,000 of them
    # in 100 KB) took 0.6 s per 10,000 characters. No post names a party 40 times; a wall is
    # judged by its first mentions (its verdict is settled long before).
    del parties[_MOST_MENTIONS:], ambiguous[_MOST_MENTIONS:]
    for m in parties:
        after = text[m.end() : m.end() + 120]
        stance = _AFTER_PARTY_STANCE.match(after)
        if stance:
            yield Hit(m.start(), m.end() + stance.end())
            continue
        before = text[max(0, m.start() - 60) : m.start()]
        lead = _BEFORE_PARTY_STANCE.search(before)
        if lead and not _PARTY_EVENT.match(after):
            yield Hit(m.start() - len(before) + lead.start(), m.end())
            continue
        # "Only Labour will end homelessness."
        only = _ONLY.search(before)
        promise = _ONLY_PROMISE.match(after)
        if only and promise:
            yield Hit(m.start() - len(before) + only.start(), m.end() + promise.end())
            continue
        credit = _CREDIT_BEFORE.search(before)
        if credit and _CREDIT_AFTER.match(after):
            yield Hit(m.start() - len(before) + credit.start(), m.end())
            continue
        answer = _rhetorical_answer(text, m.start(), m.end())
        if answer:
            yield answer
    # "Who really cares about renters? Labour.": an ambiguous name that is the whole answer.
    for m in ambiguous:
        answer = _rhetorical_answer(text, m.start(), m.end())
        if answer and answer.end - answer.start <= len(m.group(0)) + 5:
            yield answer
    # Each pattern below runs only when the words it cannot match without are in the post.
    lowered = folded_text(ctx)  # text.translate(_ALSO_MATCHED_ANY_CASE).lower(), made once
    politician = _may_name_a_politician(ctx) and _POLITICIAN_RE.search(text) is not None
    for pattern, needs in (
        (_POLITICIAN_JUDGED, _JUDGED_WORDS),
        (_POLITICIAN_VOTE, _SUPPORT_WORDS),
        (_VOTE_OUT, ("vote",)),
    ):
        if not (pattern is _POLITICIAN_JUDGED and politician) and not _has(lowered, needs):
            continue
        for m in pattern.finditer(text):
            yield Hit(m.start(), m.end())
    if parties or politician:
        for m in _ELECTORAL_CALL.finditer(text):
            yield Hit(m.start(), m.end())
    for pattern, not_politics, needs in (
        (_VOTE_FOR_NAME, _AWARD, ("vot",)),
        (_NAME_FOR_OFFICE, _AWARD, ("for",)),
        (_ELECT_NAME, _AGM, ("elect",)),
    ):
        if not _has(lowered, needs):
            continue
        for m in islice(pattern.finditer(text), _MOST_MENTIONS):
            if not not_politics.search(_sentence(text, m.start(), m.end())):
                yield Hit(m.start(), m.end())
    judging = not post_words(ctx).isdisjoint(judging_words())
    yield from _stances(text, parties, politician, judging)
    actors = [(m.start(), m.end()) for m in parties]
    # "Labour: all talk, no homes." A name heading its sentence, still in need of a verdict.
    actors += [(m.start(), m.end()) for m in ambiguous if text.startswith(":", m.end())]
    if _has(lowered, _RUN_WORDS):
        actors += [(m.start(), m.end()) for m in islice(_PARTY_RUN.finditer(text), _MOST_MENTIONS)]
    yield from _party_sentences(text, actors)
    yield from _hashtags(text)
    yield from _listed(ctx, rule)


# --- insult ------------------------------------------------------------------------------------

# The people an organisation's account must never run down: its employer and managers, its
# colleagues, partners, volunteers and funders, and the people it serves.
_TARGET = (
    r"(?:(?:line\s+)?managers?|management|(?:senior\s+)?leadership(?:\s+team)?|(?-i:SLT)|"
    r"boss(?:es)?|(?-i:CEO)|chief\s+exec(?:utive)?|directors?|trustees?|board|"
    r"chair(?:man|woman|person)?|colleagues?|co-?workers?|staff|employees?|team|"
    r"team\s+leaders?|supervisors?|(?-i:HR)|head\s+office|employers?|funders?|donors?|"
    r"commissioners?|assessors?|panel|council|county(?:\s+council)?|local\s+authority|"
    r"officers?|caseworkers?|(?:social|support|key|case)\s+workers?|partners?|"
    r"housing\s+association|clients?|residents?|service\s+users?|tenants?|patients?|"
    r"volunteers?|beneficiaries|guests|families|parents|kids|young\s+people|"
    r"people\s+we\s+(?:support|serve|work\s+with|help)|"
    r"(?:this|the)\s+(?:charity|organisation|organization|company|place))"
)
# Before a target: "our useless manager". "Rubbish" is left out here ("rubbish collection staff").
_DISPARAGING = (
    r"(?:useless|idiot|idiotic|stupid|incompetent|lazy|pathetic|pointless|clueless|worthless|"
    r"spineless|brainless|gormless|moronic|ungrateful|scrounging|sponging|freeloading|"
    r"good-for-nothing|feckless|bone-idle|greedy|two-faced|back-?stabbing|lying|thieving|crap|"
    r"crappy|shit|shite|shitty|awful|terrible|horrible|disgusting|filthy|smelly|feral|thick|"
    r"dumb|dopey|dozy|numpty|muppet|tight-fisted|stingy|penny-pinching|moaning|whinging|"
    r"whining|entitled(?!\s+to\b)|vile|nasty|rude|cowardly|evil|corrupt|dodgy|shambolic)"
)
# After "are" or "is": "the council are clowns", "our funders are a joke".
_DISPARAGING_NOUN = (
    r"(?:rubbish|idiots?|morons?|clowns?|jokes?|disgrace|muppets?|wasters?|scroungers?|"
    r"parasites?|leeches?|freeloaders?|spongers?|scum|animals|vermin|losers?|liars?|cowards?|"
    r"numpties|numpty|plonkers?|prats?|pricks?|knobs?|knobheads?|dickheads?|tossers?|wankers?|"
    r"twats?|arseholes?|assholes?|cowboys|dinosaurs|nightmare|"
    r"pain\s+in\s+the\s+(?:arse|neck|backside|ass)|waste\s+of\s+(?:space|money|time|oxygen)|"
    r"shambles|lost\s+causes?|thieves|crooks?|dossers?|layabouts?|deadbeats?|dregs|lowlifes?)"
)
_INSULT_INTENSIFIER = (
    r"(?:so|such|a|an|the|total|totally|complete|completely|utter|utterly|absolute|absolutely|"
    r"just|clearly|nothing\s+but|bunch\s+of|pack\s+of|load\s+of|lot\s+of|really|truly|all|"
    r"bloody|fucking|effing|simply|always|literally|basically|obviously|frankly|honestly|"
    r"being|one\s+big|big|right|proper)"
)
# Nouns in -ing that often follow a target word used as an adjective ("council housing").
_ING_NOUNS = (
    r"(?:housing|training|funding|meeting|parking|building|wellbeing|clothing|cleaning|"
    r"planning|spending|nursing|counselling|accounting|recruiting|listening|catering|"
    r"fundraising|mentoring|volunteering|befriending|safeguarding|learning|offering|"
    r"evening|morning|gathering|briefing|booking|sleeping|being)"
)
# "the awful council tax rise", "stupid staff rota": a target word used as an adjective is not the
# target. It must end the phrase: punctuation, a capital (a name), a verb or a function word.
_TARGET_ENDS = (
    r"(?=\s*(?:[.,;:!?)\"'\n-]|\Z)|\s+[A-Z]|\s+(?i:who|that|which|are|is|were|was|have|has|"
    r"had|and|or|but|again|at|in|on|of|for|to|from|with|this|these|today|yesterday|won't|"
    r"don't|can't|cannot|never|always|just|keep|kept|want|wants|expect|expects|think|thinks|"
    r"need|needs|make|makes|made|do|did|does|should|could|would|will|can|must|get|gets|got|"
    r"even|still|all|here|there|so|as|like|we|they|you|he|she|it|ever|let|put|say|said|tell|"
    r"told|treat|refuse|won|lost|moan|complain|doesn't|didn't|isn't|aren't|wasn't|weren't|"
    r"couldn't|wouldn't|shouldn't|haven't|hasn't|turn|turns|show|shows)\b"
    # ...or a verb: "our useless manager cancelled it", "service users moaning about it".
    r"|\s+[a-z]{2,20}ed\b|\s+(?!" + _ING_NOUNS + r"\b)[a-z]{2,20}ing\b)"
)
# Words that call a person names. "Clown" and "fool" also name a performer or a day,
# so they count only where the grammar is unmistakable ("you clown", "what a clown").
# Swear words ("twat", "dickhead") are the profanity rule's: one finding is enough.
_NAME_WORDS = tuple(
    [
        "idiot",
        "moron",
        "imbecile",
        "cretin",
        "halfwit",
        "dimwit",
        "nitwit",
        "numpty",
        "muppet",
        "prat",
        "plonker",
        "pillock",
        "tosspot",
        "loser",
        "buffoon",
        "dunce",
        "jerk",
        "creep",
        "scumbag",
        "lowlife",
        "low-life",
        "parasite",
        "leech",
        "waster",
        "scrounger",
        "sponger",
        "freeloader",
        "layabout",
        "deadbeat",
        "slob",
        "weirdo",
        "dumbo",
        "dipstick",
        "berk",
        # retext-equality's ableist slurs, called at a person: "you psycho", "what a nutter".
        "psycho",
        "nutter",
        "nutcase",
        "loony",
        "lunatic",
        "schizo",
        "retard",
        "cripple",
        "spastic",
        "mong",
        "wacko",
        "simpleton",
        "gimp",
        "maniac",
        "sociopath",
        "libtard",
        "fucktard",
        # retext-equality's LGBT and racial slurs (also the profanity rule's words): aimed at a
        # person they are name-calling too, and "homo sapiens" or a "Jap" in a quotation is not.
        "fag",
        "faggot",
        "dyke",
        "homo",
        "tranny",
        "shemale",
        "hymie",
        "gyppo",
        "redskin",
        "jap",
        "spaz",
        "towelhead",
        "towel head",
    ]
)
_PERFORMERS = ("clown", "fool")


def plural(word: str) -> str:
    """The plural of a name-calling noun: idiots, numpties, leeches."""
    if word.endswith("y") and word[-2:-1] not in tuple("aeiou"):
        return word[:-1] + "ies"
    if word.endswith(("s", "sh", "ch", "x", "z")):
        return word + "es"
    return word + "s"


def _alternation(words: Iterable[str]) -> str:
    forms = {f for w in words for f in (w, plural(w))}
    return "|".join(re.escape(f).replace(r"\-", "-?") for f in sorted(forms, key=len, reverse=True))


_CALLED = _alternation(_NAME_WORDS)
_ANY_CALLED = _alternation((*_NAME_WORDS, *_PERFORMERS))
_PLURAL_CALLED = "|".join(re.escape(plural(w)).replace(r"\-", "-?") for w in _NAME_WORDS)
_NAME_STEMS = (
    *(w[:-1] if w.endswith("y") else w.replace("-", "") for w in (*_NAME_WORDS, *_PERFORMERS)),
    "low-li",
)
_NAME_INTENSIFIER = (
    r"(?:a|an|such\s+a|such\s+an|such|complete|total|absolute|utter|right|proper|bloody|"
    r"fucking|effing|massive|big|useless|stupid|little|bunch\s+of|pack\s+of|load\s+of|lot\s+of)"
)
_NAME_CALLING = (
    # "you idiot", "you're a moron", "you are such a clown", "he's an absolute muppet".
    re.compile(
        rf"(?i:\byou\s+(?:{_ANY_CALLED})\b"
        rf"|\b(?:you're|you\s+are|you\s+were|he's|she's|they're|he\s+is|she\s+is|they\s+are)\s+"
        rf"(?:{_NAME_INTENSIFIER}\s+){{1,3}}(?:{_ANY_CALLED})\b)"
    ),
    # "what a clown", "what an idiot", "what a bunch of morons".
    re.compile(
        rf"(?i:\bwhat\s+(?:a|an)\s+(?:{_NAME_INTENSIFIER}\s+){{0,2}}(?:{_ANY_CALLED})\b"
        rf"|\bwhat\s+(?:(?:{_NAME_INTENSIFIER})\s+){{0,2}}(?:{_PLURAL_CALLED})\b)"
    ),
    # "the idiot who parked in the ambulance bay", "morons like him".
    re.compile(
        rf"(?i:\b(?:the|that|this|these|those|some)\s+(?:{_CALLED})\s+(?:who|that|which)\b"
        rf"|\b(?:{_CALLED})\s+like\s+(?:him|her|them|you|that|this|these|those)\b)"
    ),
    # Called out on their own: "Morons.", "Shut up, idiot!", "Oi, muppets."
    re.compile(
        rf"(?i:(?:(?<![^.!?\n])|(?<=[.!?\n]\s)|(?<=,\s)|(?<=\boi\s)|(?<=\bhey\s))"
        rf"(?:{_CALLED})(?=\s*(?:[.!?]|\Z)))"
    ),
)

_INSULTS = (
    # "our useless manager", "idiot trustees", "the pathetic commissioning team".
    re.compile(
        rf"(?i:(?<!\bnot\s)(?<!\bno\s)\b{_DISPARAGING}(?!\s+lot\b)\s+(?:(?:bloody|fucking|old|"
        rf"bunch\s+of|load\s+of|pack\s+of|of|local)\s+){{0,2}}(?:[a-z]{{3,20}}\s+)?{_TARGET}\b)"
        rf"{_TARGET_ENDS}"
    ),
    # "the council are clowns", "funders who demand outcomes are parasites", "the residents on
    # Ward 3 are a nightmare" — not "our clients are not lazy".
    re.compile(
        rf"(?i:\b{_TARGET}(?:\s+(?:on|at|in|from|of|with|who|that)(?:\s+[\w'-]{{1,30}}){{1,6}}?)?"
        r"\s+(?:are|is|were|was|have\s+been|has\s+been|can\s+be|remain|remains|seem|seems|"
        rf"seem\s+to\s+be|seems\s+to\s+be)\s+(?:{_INSULT_INTENSIFIER}\s+){{0,3}}"
        # "patients are lying on trolleys", "staff are terrible at taking breaks": not insults.
        rf"(?!lying\b|(?:awful|terrible|horrible|rubbish|crap)\s+(?:at|about|with|for)\b)"
        rf"(?:{_DISPARAGING}|{_DISPARAGING_NOUN})(?![\w-]))"
    ),
    # "these scroungers", "a bunch of junkies": a group run down as a whole.
    re.compile(
        r"(?i:\b(?:these|those|the|our|all|bunch\s+of|load\s+of|pack\s+of|lazy|bloody)\s+"
        r"(?:scroungers|spongers|dossers|freeloaders|parasites|leeches|wasters|layabouts|"
        r"benefit\s+(?:cheats|scroungers)|smackheads|crackheads|druggies|junkies|tramps|"
        r"vagrants|bums|deadbeats|chavs|low-?lifes|riff-?raff|dregs|degenerates)\b)"
    ),
    # "the idiots at the funding panel", "the clowns at head office" — not at the circus.
    re.compile(
        r"(?i:\bthe\s+(?:idiots|morons|imbeciles|cretins|halfwits|dimwits|muppets|numpties|"
        r"clowns|jokers|cowboys|incompetents)\s+(?:at|in|from|on|running|who\s+run)\b"
        r"(?!\s+(?:the\s+)?circus))"
    ),
    # "whoever designed this form is a moron" — not "nobody is an idiot for asking".
    re.compile(
        r"(?i:(?<!nobody\s)(?<!no\sone\s)\b(?:is|are|was|were)\s+(?:(?:a|an|such\s+a|such|"
        r"complete|total|absolute|utter|right|proper|bloody|fucking)\s+){0,2}(?:morons?|idiots?|"
        r"imbeciles?|cretins?|halfwits?|dimwits?|numpties|numpty|muppets?|prats?|plonkers?)\b)"
    ),
    # "junkies who won't help themselves".
    re.compile(
        r"(?i:\b[\w-]{2,30}\s+who\s+(?:won't|will\s+not|don't|do\s+not|never|refuse\s+to|"
        r"can't\s+be\s+bothered\s+to)\s+help\s+themselves\b)"
    ),
)

# What each of _INSULTS cannot match without (each alternative holds one of these, lower-cased),
# so a post with none of them skips the pattern: the first two cost most of the rule.
_RUN_DOWN_WORDS = (
    *("useless", "idiot", "stupid", "incompetent", "lazy", "pathetic", "pointless", "clueless"),
    *("worthless", "spineless", "brainless", "gormless", "moron", "ungrateful", "scroung"),
    *("spong", "freeload", "nothing", "feckless", "idle", "greedy", "faced", "stabbing", "lying"),
    *("thieving", "crap", "shit", "awful", "terrible", "horrible", "disgusting", "filthy"),
    *("smelly", "feral", "thick", "dumb", "dopey", "dozy", "numpt", "muppet", "fisted", "stingy"),
    *("pinching", "moaning", "whinging", "whining", "entitled", "vile", "nasty", "rude"),
    *("coward", "evil", "corrupt", "dodgy", "shambolic"),
)
_RUN_DOWN_NOUN_WORDS = (
    *("rubbish", "idiot", "moron", "clown", "joke", "disgrace", "muppet", "waster", "scroung"),
    *("parasite", "leech", "freeload", "spong", "scum", "animals", "vermin", "loser", "liar"),
    *("coward", "numpt", "plonker", "prat", "prick", "knob", "dickhead", "tosser", "wanker"),
    *("twat", "arsehole", "asshole", "cowboys", "dinosaurs", "nightmare", "pain", "waste"),
    *("shambles", "lost", "thieves", "crook", "dosser", "layabout", "deadbeat", "dregs"),
    "lowlife",
)
_INSULT_WORDS: tuple[tuple[str, ...], ...] = (
    _RUN_DOWN_WORDS,
    (*_RUN_DOWN_WORDS, *_RUN_DOWN_NOUN_WORDS),
    (
        *("scroung", "spong", "dosser", "freeload", "parasite", "leech", "waster", "layabout"),
        *("cheat", "smackhead", "crackhead", "druggie", "junkie", "tramp", "vagrant", "bums"),
        *("deadbeat", "chav", "low", "riff", "dregs", "degenerate"),
    ),
    (
        *("idiot", "moron", "imbecile", "cretin", "halfwit", "dimwit", "muppet", "numpt"),
        *("clown", "joker", "cowboy", "incompetent"),
    ),
    (
        *("moron", "idiot", "imbecile", "cretin", "halfwit", "dimwit", "numpt", "muppet"),
        *("prat", "plonker"),
    ),
    ("themselves",),
)


@validator("insult")
def insult(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    text = ctx.text
    # One pass for any name-calling word before the four grammars look at it.
    grammars = _NAME_CALLING if _has(text.lower(), _NAME_STEMS) else ()
    lowered = folded_text(ctx)  # text.translate(_ALSO_MATCHED_ANY_CASE).lower(), made once
    insults = [p for p, words in zip(_INSULTS, _INSULT_WORDS, strict=True) if _has(lowered, words)]
    found = [Hit(m.start(), m.end()) for p in (*insults, *grammars) for m in p.finditer(text)]
    if grammars:
        # Any name-calling word called at someone or standing for them, as the profanity rule
        # reads its person-only words: "some psycho kept shouting", "that idiot next door".
        found += [
            Hit(m.start(), m.end())
            for m in _NAME_WORD.finditer(text)
            if aimed_at_person(text, m.start(), m.end())
        ]
    return _merged([*found, *_listed(ctx, rule)])


_NAME_WORD = re.compile(rf"(?i:\b(?:{_CALLED})\b)")


# --- disparagement ------------------------------------------------------------------------------

# Running down the organisation's own people, funders, partners, clients or another service
# without an insult word: "our trustees haven't a clue", "thanks for nothing", "some clients think
# it's a hotel", "the Hope Street service is a disgrace". The same verdict on a situation ("the
# housing shortage is a disgrace") is campaigning, not disparagement: it needs a target.

# Another service named or pointed at: "the Hope Street service", "that other outfit".
_OTHER_SERVICE = (
    r"(?:(?:the\s+)?(?-i:[A-Z][\w'-]+)(?:\s+(?-i:[A-Z][\w'-]+)){0,2}\s+(?:service|project|"
    r"hostel|shelter|clinic|charity|team|centre|center|trust|foundation|lot|crowd)|"
    r"(?:their|that|the\s+other|this\s+other|the\s+rival|our\s+own)\s+(?:service|project|hostel|"
    r"shelter|clinic|charity|organisation|organization|outfit|lot|team|crowd))"
)
_WHO = rf"(?:{_TARGET}|{_OTHER_SERVICE})"
# Verdicts the insult rule leaves to this one (it has "useless", "a joke", "a disgrace" after its
# own targets): said of a target, or of what a target did.
_VERDICT_NEW = (
    r"(?:a\s+farce|farcical|a\s+laughing\s*stock|laughable|hopeless|not\s+fit\s+for\s+purpose|"
    r"an\s+embarrassment|embarrassing|a\s+liability|a\s+let-?down|a\s+dead\s+loss|"
    r"out\s+of\s+(?:their|his|her|its)\s+depth|disgraceful|appalling|atrocious|abysmal|woeful|"
    r"dire|beneath\s+contempt|beyond\s+(?:a\s+joke|useless)|worse\s+than\s+useless|a\s+mess|"
    r"an\s+insult|insulting|derisory)"
)
_VERDICT = (
    rf"(?:{_VERDICT_NEW}|useless|pathetic|a\s+disgrace|(?:a\s+)?shambles|shambolic|clueless|"
    r"incompetent|a\s+joke|a\s+nightmare|a\s+waste\s+of\s+(?:space|money|time))"
)
_INTENSE = (
    r"(?:so|such|a|an|the|total|totally|complete|completely|utter|utterly|absolute|absolutely|"
    r"just|clearly|frankly|honestly|really|truly|bloody|simply|always|literally|quite|beyond)"
)
_COPULA_D = (
    r"(?:are|is|were|was|'s|'re|have\s+been|has\s+been|can\s+be|remain|remains|seem|seems|"
    r"seem\s+to\s+be|seems\s+to\s+be|looks?|proved|proving)"
)
_THING = (
    r"(?:response|reply|decision|attitude|efforts?|support|offer|performance|behaviour|"
    r"behavior|communication|handling|treatment|approach|excuses?|contribution|donations?|grant|"
    r"funding|work|service|help|feedback|idea|plan|leadership|management)"
)
# Not knowing, not caring, and treating the service as a hotel.
_CLUELESS = (
    r"(?:(?:(?:haven't|hasn't|have\s+not|has\s+not|don't\s+have|doesn't\s+have|do\s+not\s+have|"
    r"does\s+not\s+have)\s+(?:got\s+)?(?:a|any|the\s+faintest|the\s+slightest|a\s+single)|"
    r"(?:have|has)\s+(?:got\s+)?no)\s+clue"
    # "clients have no clue where to turn", "haven't a clue what PIP means": lost, not useless.
    r"(?!\s+(?:where|whether|if|that)\b|\s+what\s+(?:help|support|to\s+do|is\s+available)\b|"
    r"\s+how\s+to\s+(?:apply|claim|get|find|access|ask|start)\b|[^.!?\n]{0,40}\bmeans?\b)|"
    r"(?:have|has)\s+no\s+idea\s+what\s+(?:they're|they\s+are|"
    r"he's|she's|it's|they|he|she)\s+(?:doing|talking\s+about)|"
    r"(?:couldn't|could\s+not)\s+care\s+less|(?:don't|doesn't)\s+give\s+a\s+(?:damn|toss|"
    r"monkey's|stuff|hoot)|"
    r"(?:think|thinks|treat|treats|act\s+like|acts\s+like)\s+(?:it's|it\s+is|this\s+is|"
    r"(?:this|the)\s+(?:place|hostel|shelter|centre|project|service|hub)(?:\s+is|'s|\s+like|\s+as)?|"
    r"us\s+(?:like|as)|we're|we\s+are)\s+(?:a|an|their\s+(?:own\s+|personal\s+)?|some\s+kind\s+of)"
    r"\s+(?:free\s+|five-star\s+|luxury\s+|bloody\s+)?(?:hotel|holiday\s+camp|B&B|spa|"
    r"taxi\s+service|cash\s+machine|cashpoint|free\s+bar|bank|butler\s+service|maid\s+service))"
)
_DISPARAGEMENT = re.compile(
    # "our funders are a farce", "the Hope Street service is a disgrace", "the funder's response
    # was pathetic", "trustees haven't a clue", "some clients think it's a hotel".
    rf"(?i:\b{_WHO}(?:'s?\s+{_THING})?(?:\s+(?:on|at|in|from|of|with|who|that|here|to|for|about|"
    rf"over)"
    rf"(?:\s+[\w'-]{{1,30}}){{1,5}}?)?(?:\s+(?:still|just|really|clearly|honestly|frankly|"
    rf"obviously|literally|seriously|genuinely))?"
    rf"(?:\s+{_COPULA_D}\s+(?:{_INTENSE}\s+){{0,3}}"
    # "staff are hopeless at saying no": a quirk, not a verdict.
    r"(?!(?:hopeless|useless|pathetic|dire|woeful|appalling)\s+(?:at|about|with)\b)"
    rf"{_VERDICT}|\s+{_CLUELESS})(?![\w-]))"
    # "Pathetic response from our funders", "a disgraceful decision by the board".
    rf"|(?i:\b(?:pathetic|useless|disgraceful|shambolic|laughable|appalling|atrocious|abysmal|"
    rf"woeful|hopeless|insulting|derisory|shocking|feeble|measly|paltry)\s+{_THING}\s+(?:from|by|"
    rf"of)\s+(?:(?:the|our|their|that|this|these|those|some|all)\s+)?(?:(?:main|biggest|"
    rf"largest|local|new|so-called)\s+)?{_WHO}\b)"
    # "Thanks for nothing", "cheers for nothing": sarcasm aimed at whoever is thanked.
    r"|(?i:\b(?:thanks|thank\s+you|cheers|ta)\s+(?:a\s+lot\s+|very\s+much\s+|so\s+much\s+)?"
    r"for\s+(?:absolutely\s+)?nothing\b)"
)


# Every verdict above holds one of these; a post with none skips the scan.
_DISPARAGEMENT_WORDS = (
    "farc",
    "laugh",
    "hopeless",
    "fit for purpose",
    "embarrass",
    "liabilit",
    "let-down",
    "letdown",
    "let down",
    "dead loss",
    "depth",
    "disgrace",
    "appalling",
    "atrocious",
    "abysmal",
    "woeful",
    "dire",
    "contempt",
    "beyond",
    "useless",
    "mess",
    "insult",
    "derisory",
    "pathetic",
    "shambl",
    "clue",
    "incompetent",
    "joke",
    "nightmare",
    "waste",
    "no idea",
    "care less",
    "give a",
    "think",
    "treat",
    "act like",
    "acts like",
    "for nothing",
    "for absolutely nothing",
    "feeble",
    "measly",
    "paltry",
    "shocking",
)


# The same verdicts by the lexicon (bot/checks/evaluative.py), in the few places a verdict on a
# target stands: after it and a copula ("our funders are spineless", "the trustees have been
# negligent"), as what it did ("the board have betrayed us", "partners abandoned the project"),
# or before what it gave ("a stingy offer from our funders"). Only blame counts: praise of
# volunteers is the point of many posts. The word is the target's verdict, so words for how the
# target feels ("residents are furious", "families were devastated") are not.
_VERDICT_WORD = r"(?P<word>[a-z]{3,})\b(?![-'])"
_LEXICON_DISPARAGEMENT = re.compile(
    rf"(?i:\b(?P<who>{_WHO})(?:'s?\s+{_THING})?(?:\s+(?:still|just|really|clearly|honestly|frankly|"
    rf"obviously|literally|seriously|genuinely|always|now))?"
    rf"(?:\s+{_COPULA_D}\s+(?:{_INTENSE}\s+){{0,3}}(?:[a-z]+ly\s+)?{_VERDICT_WORD}"
    # "hopeless at saying no": a quirk; "hurt by", "upset after": what happened to them.
    rf"(?!\s+(?:at|by|from|after|because)\b)"
    rf"|(?:\s+(?:have|has|had)(?:\s+(?:just|completely|totally|utterly|now|again))?)?\s+"
    # What it did to people ("betrayed us", "abandoned the families"), not to a bid or a party
    # ("rejected our application", "cancelled the party"): a deed is a verdict only on people.
    rf"(?P<deed>[a-z]{{3,}}ed)\s+(?:us|everyone|everybody|you|them|people|(?:our|the|their|its|"
    rf"this|these|those)\s+(?:own\s+)?(?:people|staff|volunteers|clients|residents|families|"
    rf"tenants|members|community|communities|sector|project|kids|children|young\s+people))\b)"
    rf"|\b(?P<before>[a-z]{{3,}})\s+{_THING}\s+(?:from|by|of)\s+(?:(?:the|our|their|that|this|"
    rf"these|those|some|all)\s+)?(?:(?:main|biggest|largest|local|new|so-called)\s+)?"
    rf"(?P<whom>{_WHO})\b)"
)
_FELT = frozenset(
    re.findall(
        r"\S+",
        """
    angry furious frustrated frustrating disappointed annoyed heartbroken devastated distraught
    gutted horrified terrified miserable unhappy bored confused overwhelmed trapped ashamed
    embarrassed nervous stranded injured wounded unwell hurt distressed outraged appalled
    disgusted saddened bereaved homesick unemployed
    """,
    )
)
# Every target word starts with one of these (a quick look before the scan).
_TARGET_WORDS = (
    *("manag", "leadership", "slt", "boss", "ceo", "chief", "director", "trustee", "board"),
    *("chair", "colleague", "worker", "staff", "employ", "team", "supervisor", "hr", "office"),
    *("funder", "donor", "commissioner", "assessor", "panel", "council", "county", "authority"),
    *("officer", "partner", "association", "client", "resident", "user", "tenant", "patient"),
    *("volunteer", "beneficiar", "guest", "famil", "parent", "kids", "young", "people"),
    *("charity", "organi", "company", "place", "service", "project", "hostel", "shelter"),
    *("clinic", "centre", "center", "trust", "foundation", "lot", "crowd", "outfit"),
)


_REACH = 90  # characters between a target and its verdict, at most


def _occurrences(lowered: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where each word stands as a whole word, in order (str.find: a regex alternation of the
    words costs ten times as much on a long post)."""
    spans = []
    for word in words:
        i = lowered.find(word)
        while i >= 0:
            j = i + len(word)
            if not (i and lowered[i - 1].isalnum()) and not lowered[j : j + 1].isalnum():
                spans.append((i, j))
            i = lowered.find(word, j)
    return sorted(spans)


def _lexicon_disparagement(text: str, words: frozenset[str]) -> Iterable[Hit]:
    """`words`: the post's words (engine.post_words). Only a sentence holding a word of blame is
    scanned, so a post with none costs one set intersection."""
    blame = (words & blame_words()) - _FELT
    if not blame:
        return
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = text.encode("ascii", "replace").decode().lower()  # same offsets as text
    seen: set[int] = set()
    for start, end in islice(_occurrences(lowered, blame), _MOST_MENTIONS):
        # The target stands within a few words of its verdict, before it ("our funders are
        # so very stingy") or after it ("a stingy offer from our main funder").
        lo, hi = _sentence_bounds(text, start, end)
        lo, hi = max(lo, start - _REACH), min(hi, end + _REACH)
        if not _has(lowered[lo:hi], _TARGET_WORDS):
            continue
        for m in _LEXICON_DISPARAGEMENT.finditer(text, lo, hi):
            if m.start() in seen:
                continue
            seen.add(m.start())
            key = next(k for k in ("word", "deed", "before") if m.group(k))
            word = m.group(key).lower()
            rating = ratings().get(word, 0.0)
            if rating >= 0 or word in _FELT or (key == "deed" and rating > -1.5):
                continue
            target = " ".join((m.group("who") or m.group("whom")).split())
            yield Hit(
                m.start(),
                m.end(),
                message=(
                    f'This runs down {target} ("{word}", a word of blame): the organisation\'s own '
                    "people, funders, partners, the people it serves and other services are not "
                    "judged in its posts, even without an insult word."
                ),
            )


@validator("disparagement")
def disparagement(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    text = ctx.text
    found = []
    spans = _sentences_with(text, _DISPARAGEMENT_WORDS)
    for m in (m for lo, hi in spans for m in _DISPARAGEMENT.finditer(text, lo, hi)):
        found.append(Hit(m.start(), m.end()))
    # Already an insult ("the council are useless"): one finding is enough.
    found = [h for h in found if not any(p.search(text, h.start, h.end) for p in _INSULTS)]
    judged = list(_lexicon_disparagement(text, post_words(ctx)))
    if judged:  # "a complete waste" inside the insult "a complete waste of space": that one
        insults = [m.span() for p in _INSULTS for m in p.finditer(text)]
        found += [h for h in judged if not any(s < h.end and h.start < e for s, e in insults)]
    return _merged([*found, *_listed(ctx, rule)])


# --- profanity ---------------------------------------------------------------------------------

# What people type instead of a letter to slip a word past a filter.
_LOOKALIKES = {
    "a": "@4",
    "b": "8",
    "c": "(k",
    "e": "3",
    "g": "96",
    "i": "1!|l",
    "l": "1|i",
    "o": "0",
    "s": "5$",
    "t": "7+",
    "u": "v",
}
_CENSOR = "*#%"  # stands for any letter but the first: f*ck, sh#t
_VOWEL_CENSOR = "x@"  # stands for a vowel but the first letter: fxck, f@ck (not "boxer" for boner)
# A word as written: letters with look-alikes, censor marks and dots or dashes between them.
_TOKEN = re.compile(r"[\w@$!|+*#%.'-]{3,60}")
# "f u c k", "s.h.i.t": single characters spaced out.
_SPACED = re.compile(r"(?<![\w@$*])(?:[\w@$!|+*#%][ .\-_]{1,2}){2,11}[\w@$!|+*#%](?![\w@$*])")
_LEADING = "#*'.-_(\""
_TRAILING = ".,!?'\"-_:;)"
_REPEATS = re.compile(r"(.)\1{3,}")
_SEPARATORS = str.maketrans("", "", ".-_'")


@dataclass(frozen=True)
class _Lexicon:
    """The rule's single words as patterns, grouped by first character so a token tries few."""

    by_first: dict[str, re.Pattern[str]]
    inside: re.Pattern[str] | None  # words that may sit inside a longer one ("*fuck*", "*shit")
    suggestions: dict[str, str]  # group name → the word's own suggestion
    phrases: dict[str, str]  # several words ("bloody hell"): matched as written
    # A word's verdict, worked out once: (own group or None, likely, person-only, first word of
    # a packaged phrase), by
    # (word, packaged lists on). Most words of most posts are the same few thousand.
    verdicts: dict[tuple[str, bool], tuple[str | None, bool, bool, bool]] = field(
        default_factory=dict, compare=False, repr=False
    )


def _letter(ch: str, first: bool) -> str:
    """One letter as typed to dodge a filter: a look-alike, a censor mark, repeated."""
    alike = _LOOKALIKES.get(ch, "")
    if first:
        # A word never starts with a digit look-alike: "600k" is money, not a slur.
        return f"[{re.escape(ch + ''.join(c for c in alike if not c.isdigit()))}]{{1,3}}"
    vowel = _VOWEL_CENSOR if ch in "aeiou" else ""
    return f"[{re.escape(ch + alike + _CENSOR + vowel)}]{{1,3}}"


def _lexicon(phrases: Mapping[str, str]) -> _Lexicon:
    """The word list as patterns a token can be tried against quickly."""
    starting: dict[str, list[str]] = {}
    inside: list[str] = []
    suggestions: dict[str, str] = {}
    several = {k: v for k, v in phrases.items() if len(k.split()) > 1}
    words = [(k.strip(), v) for k, v in phrases.items() if len(k.split()) == 1]
    for i, (word, suggestion) in enumerate(words):
        stem = word.strip("*").lower()
        if not stem:
            continue
        body = "".join(_letter(ch, n == 0) for n, ch in enumerate(stem))
        suggestions[f"w{i}"] = suggestion
        if word.startswith("*"):
            end = "" if word.endswith("*") else r"\Z"
            inside.append(f"(?P<w{i}>{body}{end})")
            continue
        alternative = f"(?P<w{i}>{body}{'.*' if word.endswith('*') else ''})"
        for first in {stem[0], *_LOOKALIKES.get(stem[0], "")} - set("0123456789"):
            starting.setdefault(first, []).append(alternative)
    return _Lexicon(
        by_first={c: re.compile("|".join(alts)) for c, alts in starting.items()},
        inside=re.compile("|".join(inside)) if inside else None,
        suggestions=suggestions,
        phrases=several,
    )


def _canonical(token: str) -> str:
    return _REPEATS.sub(r"\1\1\1", token.lower().translate(_SEPARATORS))


def _profane(lexicon: _Lexicon, token: str) -> re.Match[str] | None:
    listed = lexicon.by_first.get(token[0])
    found = listed.fullmatch(token) if listed else None
    if found is None and lexicon.inside is not None:
        found = lexicon.inside.search(token)
    return found


# --- packaged term lists (retext-equality and cuss, see data/voice/PROVENANCE.md) --------------

_TERMS_FILE = Path(__file__).resolve().parent / "data" / "voice" / "terms.json"


@functools.cache
def packaged_terms() -> dict[str, Any]:
    """The packaged lists, read once on first use (they ship in the wheel: no download)."""
    data = json.loads(_TERMS_FILE.read_text(encoding="utf-8"))
    return cast(dict[str, Any], data)


def _with_plurals(words: Iterable[Any]) -> dict[str, str]:
    """A list's words and their plurals ("those dicks"), as a lexicon's input."""
    return {f: "" for w in words for f in (str(w), plural(str(w)))}


@functools.cache
def _packaged_lexicons() -> tuple[_Lexicon, _Lexicon]:
    terms = packaged_terms()
    likely = _lexicon(_with_plurals(terms.get("likely") or ()))
    person_only = _lexicon(_with_plurals(terms.get("person_only") or ()))
    return likely, person_only


@functools.cache
def _packaged_person_phrases() -> tuple[re.Pattern[str] | None, frozenset[str]]:
    """cuss's slurs of several words ("fudge packer", "towel head"), written apart, hyphenated
    or run together, singular or plural; they count only aimed at a person, as person_only does.
    Also the first word of each, so a post with none skips the scan."""
    phrases = [str(p).lower().split() for p in packaged_terms().get("person_phrases") or ()]
    if not phrases:
        return None, frozenset()

    def written(words: list[str]) -> str:
        last = f"(?:{re.escape(plural(words[-1]))}|{re.escape(words[-1])})"
        return r"[\s_-]*".join([*map(re.escape, words[:-1]), last])

    body = "|".join(written(ws) for ws in sorted(phrases, key=lambda ws: -len(" ".join(ws))))
    heads = frozenset(ws[0] for ws in phrases)
    return re.compile(rf"(?i:(?<![\w-])(?:{body})(?![\w-]))"), heads


@functools.cache
def _maybe_words() -> frozenset[str]:
    """The rule's own words that cuss rates only "maybe" profane (shit, bitch, bastard): one of
    these mentioned as a word ("a display about the word 'bitch'") is not used."""
    return frozenset(str(w).lower() for w in packaged_terms().get("maybe") or ())


# "the word 'bitch'", "the term “bastard”", "words like 'shit'": a word talked about, not used.
_MENTIONED_BEFORE = re.compile(
    r"(?i:\b(?:word|words|term|terms|phrase|expression|slang|swear\s*word)\s*"
    r"(?:like\s+|such\s+as\s+|[:,]\s*)?[\"'\u2018\u201c]?)\Z"
)


# An ambiguous word ("dick", "tit", "sex") is aimed at a person when it is called at someone
# ("you dick", "what a tit", "called her a slag") — and then it must end the phrase: "you're a sex
# worker" is a job — or when it stands for a person doing something ("the cock from upstairs").
_CALLED_BEFORE = re.compile(
    r"(?i:(?:\byou(?:'re|\s+are|\s+were)?(?:\s+(?:an?|such\s+an?))?|\bwhat\s+an?|"
    r"\bcall(?:ed|ing|s)?\s+(?:him|her|them|me|us|you|someone|people|each\s+other)(?:\s+an?)?|"
    r"\b(?:he's|she's|they're|he\s+is|she\s+is|they\s+are|is\s+such|are\s+such)(?:\s+an?)?|"
    r"\bbunch\s+of|\bpack\s+of)"
    r"(?:\s+(?:total|complete|absolute|utter|right|proper|fucking|bloody|little|big|stupid|old))*"
    r"\s+)\Z"
)
_CALLED_AFTER = re.compile(
    r"(?i:\s*(?:[.,;:!?)\"']|\Z)|\s+(?:who|that|like|and|or|again|over\s+there|for|because|when|just|at)\b)"
)
_DOER_BEFORE = re.compile(
    r"(?i:\b(?:some|the|that|this|these|those|a|an|another|one\s+of\s+the|two|three|a\s+couple\s+of|"
    r"a\s+group\s+of|a\s+gang\s+of)"
    r"(?:\s+(?:fucking|bloody|stupid|old|little|big|absolute|drunk|drunken|random|young|total|"
    r"complete|local)){0,2}\s+)\Z"
)
# What a person does to others: the word before it stands for whoever did it.
_DOER_VERB = (
    r"(?:kept|keeps|keep|shouted|shouting|shouts|yelled|yelling|screamed|screaming|complained|"
    r"complaining|spat|spitting|swore|swearing|threatened|threatening|barged|heckled|heckling|"
    r"harassed|harassing|hassled|hassling|abused|abusing|attacked|pushed|shoved|kicked|punched|"
    r"stole|nicked|robbed|followed|stalked|groped|grabbed|mocked|jeered|sneered|laughed|ranted|"
    r"ranting|whistled|leered|stared|parked|blocked|refused|ignored|vandalised|vandalized|"
    r"trashed|smashed|sworn|started|tried|turned\s+up|showed\s+up|banged|hammered|bothered|"
    r"pestered|insulted|called|told|won't|wouldn't|will\s+not|never|always|just|again|"
    r"(?:has|had|have)\s+(?:been|just|already|never))"
)
_DOER_AFTER = re.compile(
    r"(?i:\s+(?:who|from|next\s+door|upstairs|downstairs|across\s+the|at\s+number|"
    r"like\s+(?:him|her|them|you)|"
    # "a dick on the bus swore at us", "those tits at the bus stop heckled the choir".
    r"(?:(?:on|at|in|outside|near|by|behind|across|down|up|round|around)\s+"
    r"(?:the|a|an|our|this|that|his|her|their)\s+[\w'-]+(?:\s+[\w'-]+)?\s+)?"
    rf"{_DOER_VERB})\b)"
)


def aimed_at_person(text: str, start: int, end: int) -> bool:
    """Whether the word at text[start:end] is called at a person or stands for one."""
    before = text[max(0, start - 40) : start]
    if _CALLED_BEFORE.search(before) and _CALLED_AFTER.match(text, end):
        return True
    return bool(_DOER_BEFORE.search(before) and _DOER_AFTER.match(text, end))


@validator("profanity")
def profanity(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    lexicon = _built(_lexicon, rule.phrases)
    # `options: packaged_terms: false` keeps to the rule's own list.
    packaged = rule.options.get("packaged_terms", True) is not False
    likely, person_only = _packaged_lexicons() if packaged else (lexicon, lexicon)
    text = ctx.text
    # Each distinct token is worked out once (a long post repeats most of its words); only
    # those with a verdict are looked at again where they stand.
    flagged: dict[str, tuple[int, str, tuple[str | None, bool, bool, bool]]] = {}
    phrase_seen = False
    for raw in {*_TOKEN.findall(text), *_SPACED.findall(text)}:
        word = raw.lstrip(_LEADING)
        offset = len(raw) - len(word)
        word = word.rstrip(_TRAILING)
        if raw.startswith("*"):
            word = word.rstrip("*")  # **bold**, not f***
        if len(word) < 3 or not any(c.isalpha() for c in word):
            continue
        verdict = lexicon.verdicts.get((word, packaged))
        if verdict is None:
            verdict = _verdict(lexicon, likely, person_only, packaged, word)
        phrase_seen = phrase_seen or verdict[3]
        if any(verdict[:3]):
            flagged[raw] = (offset, word, verdict)
    candidates: list[tuple[int, str]] = []
    if flagged:
        candidates = [(m.start(), m.group(0)) for m in _TOKEN.finditer(text)]
        candidates += [(m.start(), m.group(0)) for m in _SPACED.finditer(text)]
    for start, raw in candidates:
        if raw not in flagged:
            continue
        offset, word, (own_group, is_likely, is_person_only, _) = flagged[raw]
        start += offset
        if own_group and packaged and _mentioned(text, start, word):
            continue
        if own_group:
            own = lexicon.suggestions[own_group]
            yield Hit(start, start + len(word), suggestion=own or None)
        elif is_likely or (is_person_only and aimed_at_person(text, start, start + len(word))):
            yield Hit(start, start + len(word))
    if packaged:
        regex, _ = _packaged_person_phrases()
        if regex is not None and phrase_seen:
            for m in regex.finditer(text):
                if aimed_at_person(text, m.start(), m.end()):
                    yield Hit(m.start(), m.end())
    # Phrases of several words ("bloody hell", added by an organisation) are matched as written.
    yield from _listed(ctx, rule, lexicon.phrases)


def _mentioned(text: str, start: int, word: str) -> bool:
    """A "maybe" word talked about as a word ("the word 'bitch'"), not called at anyone."""
    return word.lower() in _maybe_words() and bool(
        _MENTIONED_BEFORE.search(text, max(0, start - 40), start)
    )


_MAX_VERDICTS = 50_000  # words remembered per lexicon, so memory stays bounded


def _verdict(
    lexicon: _Lexicon, likely: _Lexicon, person_only: _Lexicon, packaged: bool, word: str
) -> tuple[str | None, bool, bool, bool]:
    canonical = _canonical(word.replace(" ", ""))
    found = _profane(lexicon, canonical)
    own_group = found.lastgroup if found else None
    is_likely = bool(packaged and not own_group and _profane(likely, canonical))
    is_person_only = bool(
        packaged and not own_group and not is_likely and _profane(person_only, canonical)
    )
    if len(lexicon.verdicts) >= _MAX_VERDICTS:
        lexicon.verdicts.clear()
    # "Towel-head" is one token: its first part may start a phrase.
    heads = packaged and word.lower().split("-", 1)[0] in _packaged_person_phrases()[1]
    lexicon.verdicts[(word, packaged)] = verdict = (own_group, is_likely, is_person_only, heads)
    return verdict


# --- stigmatising_term -------------------------------------------------------------------------

# "suffering from depression" → "living with depression": the verb decides the wording.
_LIVING_WITH = {
    "suffers": "lives with",
    "suffer": "live with",
    "suffering": "living with",
    "suffered": "lived with",
    "afflicted": "living with",
    "stricken": "living with",
}


def _condition(name: str) -> str:
    words = r"\s+".join(re.escape(w) for w in name.split())
    # "ME" and "MS" are conditions; "me" and "ms" are not.
    return f"(?-i:{words})" if name.isupper() else words


def _suffering(options: Mapping[str, Any]) -> tuple[re.Pattern[str] | None, dict[str, str]]:
    """The rule's `options: suffering_from` conditions as one pattern, and how each is spelt."""
    conditions = sorted(
        {str(c).strip() for c in options.get("suffering_from") or () if str(c).strip()},
        key=len,
        reverse=True,
    )
    spelling = {" ".join(c.lower().split()): c for c in conditions}
    body = "|".join(_condition(c) for c in conditions)
    if not body:
        return None, spelling
    pattern = re.compile(
        r"(?i:\b(?P<verb>suffers|suffer|suffering|suffered|afflicted|stricken)\s+"
        r"(?:from|with|by)\s+(?:(?:severe|chronic|mild|long-term|clinical|acute)\s+)?"
        rf"(?P<condition>{body})(?![\w-]))"
        rf"|(?i:\b(?P<before>{body})\s+(?P<noun>sufferers?)\b)"
    )
    return pattern, spelling


_PERSON_NOUN = (
    r"(?:man|men|woman|women|person|people|persons|boys?|girls?|child|children|kids?|lads?|"
    r"lady|ladies|gentlem[ae]n|guys?|patients?|clients?|residents?|tenants?|neighbours?|"
    r"neighbors?|sons?|daughters?|husbands?|wi(?:fe|ves)|partners?|brothers?|sisters?|mothers?|"
    r"fathers?|mums?|moms?|dads?|friends?|students?|pupils?|adults?|teenagers?|individuals?|"
    r"volunteers?|members?|guests?|users?|famil(?:y|ies)|couples?|folk|population|community|"
    r"veterans?|workers?|staff|colleagues?)"
)
_DEGREE = r"(?:also|now|quite|very|severely|badly|profoundly|totally|completely|clinically|so)"
# After "is epileptic", a lowercase word other than these makes a compound: "is epileptic
# seizure activity"; "is epileptic and", "is epileptic since…" still describe the person.
_AFTER_LABEL = (
    r"(?!\s+(?!(?:and|or|but|with|since|after|for|now|too|as|in|at|on|so|which|who|like)\b)"
    r"[a-z])"
)


def _alternate(words: Iterable[str]) -> str:
    return "|".join(
        r"[\s-]+".join(re.escape(w) for w in phrase.split())
        for phrase in sorted(words, key=len, reverse=True)
    )


@dataclass(frozen=True)
class _Labels:
    pattern: re.Pattern[str] | None
    phrases: tuple[re.Pattern[str] | None, dict[str, str]]
    words: tuple[str, ...]  # one word of every entry, lower-cased: a post with none skips both
    advice: dict[str, str]  # lower-cased label or noun (singular) → suggestion


@functools.cache
def _packaged_labels() -> _Labels:
    terms = packaged_terms()
    labels = {str(k).lower(): str(v) for k, v in (terms.get("labels") or {}).items()}
    nouns = {str(k).lower(): str(v) for k, v in (terms.get("nouns") or {}).items()}
    before = {str(k).lower(): str(v) for k, v in (terms.get("before_person") or {}).items()}
    plurals = {plural(n): n for n in nouns}
    parts = []
    if labels:
        alt = _alternate(labels)
        parts.append(
            rf"\b(?:is|are|was|were|'s|'re|being|been|become|became|becomes)\s+"
            rf"(?:{_DEGREE}\s+){{0,2}}(?P<copula>{alt})\b{_AFTER_LABEL}"
        )
        parts.append(rf"\b(?P<adjective>{alt})\s+{_PERSON_NOUN}\b")
    if before:
        parts.append(rf"\b(?P<before>{_alternate(before)})\s+{_PERSON_NOUN}\b")
    if nouns:
        parts.append(
            rf"\b(?:an?|the|one|this|that)\s+(?:(?:young|old|elderly|former|local)\s+)?"
            rf"(?P<noun>{_alternate(nouns)})(?=\s*(?:[.,;:!?)\"']|\Z)|\s+(?:who|and|or|but|with|"
            r"from|in|on|at|like|was|is|had|has)\b)"
        )
        parts.append(rf"\b(?P<plural>{_alternate(plurals)})\b")
    pattern = re.compile("(?i:" + "|".join(parts) + ")") if parts else None
    phrases = {str(k): str(v) for k, v in (terms.get("phrases") or {}).items()}
    every = (*labels, *nouns, *before, *(p.lower() for p in phrases))
    return _Labels(
        pattern=pattern,
        phrases=_phrase_list(phrases),
        words=tuple({max(e.replace("-", " ").split(), key=len) for e in every}),
        advice={**before, **nouns, **labels, **{p: nouns[n] for p, n in plurals.items()}},
    )


def _labels(text: str) -> Iterable[Hit]:
    """retext-equality's labels for a person, each with its person-first suggestion."""
    packaged = _packaged_labels()
    spans = list(_sentences_with(text, packaged.words))
    if packaged.pattern is not None:
        for m in (m for lo, hi in spans for m in packaged.pattern.finditer(text, lo, hi)):
            group = m.lastgroup or ""
            word = " ".join(m.group(group).lower().replace("-", " ").split())
            yield Hit(m.start(), m.end(), suggestion=packaged.advice.get(word))
    regex, lookup = packaged.phrases
    for m in (m for lo, hi in spans for m in regex.finditer(text, lo, hi)) if regex else ():
        yield Hit(m.start(), m.end(), suggestion=lookup.get(" ".join(m.group(0).lower().split())))


@validator("stigmatising_term")
def stigmatising_term(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    if rule.options.get("packaged_terms", True) is not False:
        yield from _labels(ctx.text)
    yield from _listed(ctx, rule)
    pattern, spelling = _built(_suffering, rule.options)
    lowered = ctx.text.lower()
    if pattern is None or not any(w in lowered for w in ("suffer", "afflicted", "stricken")):
        return
    for m in pattern.finditer(ctx.text):
        written = m.group("condition") or m.group("before")
        condition = spelling.get(" ".join(written.lower().split()), written)
        if m.group("verb"):
            advice = f'Say "{_LIVING_WITH[m.group("verb").lower()]} {condition}".'
        else:
            people = "people" if m.group("noun").lower().endswith("s") else "a person"
            advice = f'Say "{people} living with {condition}".'
        yield Hit(m.start(), m.end(), suggestion=advice)
