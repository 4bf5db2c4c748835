"""Who someone is to the organisation: one of the people it supports, or one of its own.

Membership cues ("one of our residents", "a client at our hostel", "who comes to our drop-in")
make a named person a possible service user, not a group. Roles ("our chair", "MP",
"volunteer coordinator", "thanks to Sam for raising £500") make them staff, a supporter or a
public figure: people the organisation may thank by name. Pure functions of the text; no other
check module is imported here, so identifiers.py can ask them too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# The people an organisation supports, as it calls them. Plural after "one of our", singular
# after "our"/"a".
_MEMBERS = (
    r"(?:residents?|clients?|service[\s-]users?|tenants?|guests?|members?|patients?|"
    r"participants?|attendees?|regulars?|young\s+people|young\s+persons?|families|family|"
    r"mums?|dads?|women|woman|men|man|lads?|girls?|boys?|kids?|children|child|"
    r"survivors?|service\s+users?|learners?|beneficiar(?:y|ies)|visitors?|users?|"
    r"group\s+members?)"
)
MEMBERS = _MEMBERS  # for the person finder: "Dee, a guest at our night shelter, …"
_SERVICES = (
    r"(?:hostel|refuge|shelter|safe\s+house|project|service|services|group|support\s+group|"
    r"recovery\s+group|drop[\s-]?in|centre|center|home|care\s+home|house|scheme|programme|"
    r"program|cafe|café|clinic|food\s?bank|sessions?|meetings?|circle|hub|club|charity|"
    r"supported\s+housing|accommodation|flats?|night\s+shelter|day\s+centre|ward|unit)"
)
# A home, hostel or project by its name: "the newest resident at Oak Lodge", "a tenant of St
# Anne's Court". Found from the capitalised last word, then checked backwards.
_HOME_WORD = re.compile(
    r"\b(?:Lodge|House|Court|Hostel|Refuge|Shelter|Foyer|Manor|Project|Home|Centre|Center)\b"
)
_MEMBER_AT_NAMED = re.compile(
    rf"(?i:\b(?:an?\s+(?:(?:new|regular|current|former|young)\s+)?|the\s+(?:newest|latest|new|"
    rf"youngest|oldest|longest[\s-]staying)\s+)(?P<single>{_MEMBERS})\s+(?:at|of|in|from|with)\s+)"
    r"(?:St\.?\s+)?(?:[A-Z][\w'’-]{1,20}\s+){1,3}(?:Care\s+)?$"
)
_CUE = re.compile(
    rf"(?i)\b(?:"
    # "one of our residents", "one of the members of our group"
    rf"(?:one|some|two|three|several|many)\s+of\s+(?:our|the)\s+(?:(?:new|longest[\s-]standing|"
    rf"lovely|wonderful|amazing|regular|current|former|younger|older)\s+)?(?P<plural>{_MEMBERS})"
    rf"(?:\s+(?:at|of|in|from)\s+our\s+{_SERVICES})?"
    # "a resident at our hostel", "a member of our recovery group", "the newest resident at
    # Oak Lodge": a service or a named home, hostel or project
    rf"|(?:an?\s+(?:(?:new|regular|current|former|young)\s+)?|the\s+(?:newest|latest|new|"
    rf"youngest|oldest|longest[\s-]staying)\s+)(?P<single>{_MEMBERS})\s+(?:at|of|in|from|with)\s+"
    rf"(?:our|the)\s+(?:\w+\s+)?{_SERVICES}"
    # "our client Sam", "our new resident, Jo"
    # any two words between: "our longest-staying tenant", "our wonderful new resident"
    r"|our\s+(?:[\w'’-]{1,20}\s+){0,2}?"
    r"(?P<ours>resident|client|service[\s-]user|tenant|guest|patient)\b(?!s)"
    # "who comes to our drop-in", "who has been staying at our refuge"
    rf"|who\s+(?:(?:has|had|have)\s+been\s+)?(?:now\s+|still\s+|regularly\s+|often\s+)?"
    rf"(?:comes?|came|coming|attends?|attended|attending|uses?|used|using|stays?|stayed|staying|"
    rf"lives?|lived|living|joined|joins|visits?|visited|sleeps?|slept|sleeping|is\s+supported|"
    rf"was\s+supported|gets?\s+support|got\s+support)\s+(?:to\s+|at\s+|in\s+|by\s+|from\s+)?"
    rf"(?:our|the)\s+(?:\w+\s+)?(?P<service>{_SERVICES})"
    # "Tom from our Tuesday group", "Jo from our recovery group": someone who comes to a group
    # (not "Sarah from our drop-in team", who works there)
    r"|from\s+our\s+(?:[\w'’-]+\s+){0,2}(?P<attends>support\s+group|recovery\s+group|group|"
    r"drop[\s-]?in|hostel|refuge|night\s+shelter|shelter|safe\s+house|circle)"
    r"(?!\s+(?:team|staff|workers?|managers?|co-?ordinators?|leads?|leaders?|facilitators?)\b)"
    r")\b"
)
_CUE_GATE = (
    "our",
    "one of",
    "who ",
)
# "Jo, who we have supported since 2019", "a woman we work with", "someone our team helps":
# found from the "we" or "our team" and its verb (rarer than the words before them), then
# checked backwards for who it is (not "the council, who we work with": a partner's word).
_SUPPORTED = re.compile(
    r"(?i)\b(?:we(?:'ve|’ve|\s+have|\s+had)?|our\s+(?:[\w-]+\s+)?(?:team|staff|workers?|service|"
    r"volunteers?)(?:\s+(?:has|have|had))?)\s+(?:first\s+|now\s+|also\s+)?(?:been\s+)?"
    r"(?P<verb>support|supports|supported|supporting|work\s+with|worked\s+with|working\s+with|"
    r"help|helps|helped|helping|house|housed|housing|look\s+after|looked\s+after|looking\s+after|"
    r"care\s+for|cared\s+for|caring\s+for|"
    # "who our outreach team first met sleeping in the bus station"
    r"first\s+met\s+(?:\w+\s+){0,2}?(?:sleeping|begging|homeless|rough|on\s+the\s+streets?|"
    r"in\s+(?:a|the)\s+(?:doorway|tent|shelter|hostel|cells?|hospital)))\b"
)
_SUPPORTED_WHO = re.compile(
    r"(?i)\b(?:(?P<rel>who|whom|that)|someone|somebody|(?:a|an|one)\s+(?:young\s+|older\s+)?"
    r"(?:man|woman|person|lad|girl|boy|mum|dad|family|gentleman|lady|client|resident))\s+$"
)
# "came to us homeless", "walked through our doors", "referred to us", "staying with us for…":
# found from "us" or "our door", then checked backwards.
_US = re.compile(r"(?i)\b(?:us|our\s+doors?)\b")
_CAME_BEFORE = re.compile(
    r"(?i)\b(?:(?P<to>came|come|comes|coming|referred|turned\s+up|arrived|found\s+(?:her|his|"
    r"their|my)\s+way)\s+to|"
    r"(?P<through>came|walked|come|comes|walks)\s+through|"
    r"(?P<with>staying|stayed|living|lived|housed|been)\s+with|"
    r"after\s+(?:\w+\s+){1,2}(?:with|at))\s+$"
)
_FOR_OR_SINCE = re.compile(r"\s+(?:for|since)\b")
# Both gates are substrings every match holds: most posts say "we" or "us", few say "who we've
# supported" or "came to us".
_WE_GATE = ("we", "our ")
_SUPPORT_GATE = ("support", "help", "work", "hous", "look", "car", "met ")
_PLACE_JOINS = (" at ", " of ", " in ", " from ", " with ")
_US_JOINS = ("to ", "with ", "through ", "at ")
_US_GATE = ("to us", "with us", "at us", "our door")


@dataclass(frozen=True)
class Cue:
    start: int
    end: int
    label: str  # "one of our residents": our own words for the cue, never the post's


_NOUNS = {
    "client": "clients",
    "resident": "residents",
    "service user": "service users",
    "service-user": "service users",
    "tenant": "tenants",
    "guest": "guests",
    "member": "members",
    "patient": "patients",
    "participant": "participants",
}


def _noun(m: re.Match[str]) -> str:
    groups = m.groupdict()
    word = groups.get("plural") or groups.get("single") or groups.get("ours") or ""
    key = " ".join(word.lower().split())
    if key.endswith("s") and key[:-1] in _NOUNS:
        key = key[:-1]
    return f"one of our {_NOUNS[key]}" if key in _NOUNS else "someone we support"


@lru_cache(maxsize=16)
def membership_cues(text: str) -> tuple[Cue, ...]:
    """Every membership cue in the text, in reading order."""
    low = text.lower()
    cues = (
        [Cue(m.start(), m.end(), _noun(m)) for m in _CUE.finditer(text)]
        if any(g in low for g in _CUE_GATE)
        else []
    )
    for home in _HOME_WORD.finditer(text):
        lo = max(0, home.start() - 100)
        if not any(p in text[lo : home.start()] for p in _PLACE_JOINS):
            continue  # a cheap test first: "Oak Lodge" a thousand times must stay linear
        named = _MEMBER_AT_NAMED.search(text, lo, home.start())
        if named:
            cues.append(Cue(named.start(), home.end(), _noun(named)))
    if any(g in low for g in _WE_GATE) and any(g in low for g in _SUPPORT_GATE):
        for m in _SUPPORTED.finditer(text):
            who = _SUPPORTED_WHO.search(text, max(0, m.start() - 40), m.start())
            if who is None or (who.group("rel") and m.group("verb").lower().startswith("work")):
                continue
            cues.append(Cue(who.start(), m.end(), "someone we support"))
    if any(g in low for g in _US_GATE):
        for m in _US.finditer(text):
            if not text[max(0, m.start() - 9) : m.start()].lower().endswith(_US_JOINS):
                continue  # "to us", "with us", "through our doors" — not "join us"
            came = _CAME_BEFORE.search(text, max(0, m.start() - 30), m.start())
            if came is None or (m.group(0).lower() == "us") == bool(came.group("through")):
                continue  # "through our doors", "to us", "with us": not "through us"
            if came.group("with") and not _FOR_OR_SINCE.match(text, m.end()):
                continue  # "staying with us for six months", not "living with us in mind"
            cues.append(Cue(came.start(), m.end(), "someone we support"))
    return tuple(sorted(cues, key=lambda c: c.start))


def membership_cue(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is inside a membership cue ("residents" in "one of our
    residents"): the word names one person's membership, not a group."""
    return any(c.start <= start and end <= c.end for c in membership_cues(text))


def cue_near(text: str, start: int, end: int, reach: int = 80) -> Cue | None:
    """A membership cue close to the person at ``text[start:end]`` in the same line of text."""
    for cue in membership_cues(text):
        if cue.end <= start and start - cue.end <= reach and "\n" not in text[cue.end : start]:
            return cue
        if cue.start >= end and cue.start - end <= reach and "\n" not in text[end : cue.start]:
            return cue
        if cue.start <= start < cue.end or cue.start < end <= cue.end:
            return cue  # "our client Sam" — the finder may count the cue word as the person
    return None


# -- Roles -----------------------------------------------------------------------------------

_TITLES = (
    r"(?:chair(?:man|woman|person)?|vice[\s-]chair|ceo|chief\s+exec(?:utive)?|director|"
    r"(?:deputy\s+|service\s+|project\s+|centre\s+|general\s+|operations\s+|office\s+)?manager|"
    r"(?:volunteer|project|service|youth|outreach|events?|fundraising|community|peer)\s+"
    r"(?:coordinator|co-ordinator|lead|worker|officer|manager|mentor)|coordinator|co-ordinator|"
    r"trustees?|treasurer|secretary|founder|co-founder|patron|ambassador|president|"
    r"(?:support|key|case|outreach|youth|project|housing|family|peer)\s+worker|caseworker|"
    r"team\s+leader|head\s+of\s+\w+|nurse|doctor|gp|counsell?or|therapist|chef|cook|"
    r"receptionist|administrator|admin|staff|colleague|volunteers?|intern|apprentice|"
    r"(?:head\s+)?teacher|head(?:teacher|master|mistress)|principal|chaplain|vicar|"
    r"mp|mep|msp|councillor|cllr|mayor|lord\s+mayor|minister|secretary\s+of\s+state|"
    r"police\s+(?:officer|constable)|pc|sergeant|inspector|commissioner|sponsors?|"
    r"supporters?|donors?|fundraisers?|speaker|guest\s+speaker|host|presenter|journalist|"
    r"author|artist|singer|comedian|bishop|rabbi|imam|reverend|rev|dame|sir|lord|baroness)"
)
_ROLE_BEFORE = re.compile(
    rf"(?i)(?:\b(?:our|the|their|your|a|an|local|new|former|retiring|amazing|brilliant|lovely)"
    rf"\s+(?:(?:own|new|wonderful|amazing|brilliant|lovely|fantastic|fab|incredible|longtime|"
    rf"long-serving|former|retiring|interim|acting)\s+)?{_TITLES}|\b(?:mp|cllr|councillor|"
    rf"mayor|sir|dame|lord|lady|baroness|bishop|rev(?:erend)?|ceo|chair))[\s,:–-]{{1,3}}$"
)
_ROLE_AFTER = re.compile(
    rf"(?i)^(?:'s)?(?:\s*[,(–-]\s*|\s+)(?:(?:is|was|has\s+been|who\s+is|,\s*who\s+is)\s+)?"
    rf"(?:(?:our|the|a|an|one\s+of\s+our|local|new|former)\s+)?(?:\w+\s+){{0,2}}?{_TITLES}\b"
    r"|^\s+(?:MP|MSP|MEP|OBE|MBE|CBE)\b"
)
# Someone the organisation thanks for giving: "thanks to Sam for raising £500", "Jo ran the
# marathon for us", "Priya donated…". Fundraisers are named to be thanked.
_SUPPORTER_AFTER = re.compile(
    r"(?i)^[^.!?\n]{0,40}?\b(?:rais(?:ed|ing|es)|donat(?:ed|ing|es)|sponsor(?:ed|ing|s)|"
    r"fundrais\w*|(?:ran|run|running|walked|walking|cycled|cycling|swam|swimming|climbed|"
    r"climbing|baked|baking|completed|completing|took\s+on|taking\s+on|organised|organized|"
    r"organising|organizing|shaved|skydived|abseiled)\b[^.!?\n]{0,50}?(?:\bfor\s+(?:us|our|"
    r"northside|the\s+charity|charity)|£|\$|\bmarathon\b|\b10k\b|\bhalf\b|\bchallenge\b|"
    r"\bbake\s+sale\b|\bbucket\s+collection\b)|£\s?\d|\$\s?\d|\bgave\b|\bgifted\b|"
    # volunteering themselves, not "hats for every volunteer"
    r"(?<!\bevery\s)(?<!\beach\s)(?<!\bfor\s)(?<!\bthe\s)(?<!\bour\s)(?<!\ball\s)(?<!\bto\s)"
    r"(?<!\bwith\s)\bvolunteer(?:s|ed|ing)?\b)"
)


# Someone who runs a session for us: "thanks @sarah for running our Thursday group".
_LEADS_AFTER = re.compile(
    r"(?i)^[\s,]*(?:for|who)\s+(?:(?:is|was|has\s+been)\s+)?(?:running|leading|led|facilitating|"
    r"facilitated|hosting|hosted|teaching|taught|delivering|delivered|coordinating|coordinated|"
    r"co-ordinating|chairing|chaired|presenting|presented|volunteering|helping\s+(?:out|serve|"
    r"to\s+serve|at|with|us\s+(?:serve|cook|run|set|sort))|serving|cooking|baking)\b"
)


def role_of(text: str, start: int, end: int) -> str | None:
    """ "staff or public figure" when a title stands by the name, "supporter" when they are
    thanked for giving, None when nothing says who they are."""
    if _ROLE_BEFORE.search(text, max(0, start - 45), start):
        return "staff or public figure"
    window = text[end : end + 90]
    if _ROLE_AFTER.match(window):
        return "staff or public figure"
    if _SUPPORTER_AFTER.match(window):
        return "supporter"
    if _LEADS_AFTER.match(window):
        return "staff or public figure"
    return None
