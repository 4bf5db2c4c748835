"""Identifiers and sensitive facts about a person: the detectors behind rules/identifiers.yaml.

Dates of birth, NHS, National Insurance and Social Security numbers, home addresses and postcodes
tied to a person, special-category data about someone readers can identify, and the
organisation's confidential locations. Every position is in normalised coordinates (`ctx.text`).
Precision matters as much as recall: a social-care organisation names HIV, addiction, asylum and
abuse every day, and event dates and venue addresses are its daily business.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from bot.checks.engine import Context, Hit, validator
from bot.checks.inflect import phrase_forms
from bot.checks.membership import MEMBERS, membership_cue
from bot.checks.names import Gazetteer, gazetteer
from bot.checks.policy import Location, RulePack
from bot.checks.register import in_common_phrase


def _words(text: str) -> frozenset[str]:
    """A word list written as prose, one space apart, so long lists stay readable."""
    return frozenset(text.split())


# ---------------------------------------------------------------------------------------------
# Sentences: a person and what is said about them have to be in the same one.

_BOUNDARY = re.compile(r"[.!?]+[\"')\]]*(?=\s|$)|\n")
_NEXT_CHAR = re.compile(r"[ \t\"'(]*(\S)")
# A full stop after these is not the end of a sentence ("Mr. Ahmed", "d.o.b. 12/03/1987").
_ABBREVIATIONS = _words(
    "mr mrs ms mx dr st rd no nos ave apt prof rev sr jr vs etc approx dept tel fr b nb"
)
_WORD_BEFORE = re.compile(r"(\w{1,6})$")


@lru_cache(maxsize=16)
def _sentence_starts(text: str) -> tuple[int, ...]:
    starts = [0]
    for m in _BOUNDARY.finditer(text):
        if m.group(0).startswith("."):
            before = _WORD_BEFORE.search(text, max(0, m.start() - 6), m.start())
            if before and (len(before.group(1)) == 1 or before.group(1).lower() in _ABBREVIATIONS):
                continue
            after = _NEXT_CHAR.match(text, m.end())
            if after and (after.group(1).islower() or after.group(1).isdigit()):
                continue
        starts.append(m.end())
    return tuple(starts)


# A sentence longer than this either side of a word is a wall of text: looking further back for
# its subject would make hostile input quadratic.
_REACH = 200


def _whole_sentence(text: str, pos: int) -> tuple[int, int]:
    starts = _sentence_starts(text)
    i = bisect.bisect_right(starts, pos) - 1
    return starts[i], starts[i + 1] if i + 1 < len(starts) else len(text)


def _sentence(text: str, pos: int) -> tuple[int, int]:
    """The sentence around ``pos``: the unit a fact and its subject share."""
    start, end = _whole_sentence(text, pos)
    return max(start, pos - _REACH), min(end, pos + _REACH)


def _previous_sentence(text: str, start: int) -> tuple[int, int] | None:
    starts = _sentence_starts(text)
    i = bisect.bisect_right(starts, start) - 1
    return (starts[i - 1], starts[i]) if i > 0 else None


_PHRASE_START = re.compile(r"[:=|/•*–-][^\S\n]*$")


def _sentence_initial(text: str, pos: int) -> bool:
    """First word of a sentence, or of a phrase after a colon or a dash ("U=U: Undetectable")."""
    s, _ = _sentence(text, pos)
    if not any(c.isalnum() for c in text[s:pos]):
        return True
    return bool(_PHRASE_START.search(text, max(s, pos - 4), pos))


@lru_cache(maxsize=16)
def _lower(text: str) -> str:
    return text.lower()


@lru_cache(maxsize=64)
def _mentions(text: str, words: tuple[str, ...]) -> bool:
    """A cheap substring gate before a costly expression scans the whole post."""
    low = _lower(text)
    return any(w in low for w in words)


class _Spans:
    """Spans asked "does any overlap?" and "does any cover?" in log time: 100 KB posts exist."""

    def __init__(self, spans: Iterable[tuple[int, int]]) -> None:
        self.spans = tuple(sorted(set(spans)))
        self.starts = [s for s, _ in self.spans]
        self.reach = list(itertools.accumulate((e for _, e in self.spans), max))
        self.ends = sorted(e for _, e in self.spans)

    def __iter__(self) -> Iterator[tuple[int, int]]:
        return iter(self.spans)

    def overlaps(self, start: int, end: int) -> bool:
        j = bisect.bisect_left(self.starts, end)
        return j > 0 and self.reach[j - 1] > start

    def covers(self, start: int, end: int) -> bool:
        j = bisect.bisect_right(self.starts, start)
        return j > 0 and self.reach[j - 1] >= end

    def ends_between(self, low: int, high: int) -> bool:
        j = bisect.bisect_left(self.ends, low)
        return j < len(self.ends) and self.ends[j] <= high


# ---------------------------------------------------------------------------------------------
# People: who a sentence is about. No language model: capitalised names with guards against
# days, months, places and organisations, names after titles and words like "client", the consent
# register's hits, and specific descriptions ("a 34-year-old", "the woman in room 4").

# Common given names: a sentence-initial "Sarah is…" is a person, "Recovery is…" is not.
_GIVEN_NAMES = _words("""
aaliyah abdul abdullah abi abigail adam adrian ahmed aisha alan alex alexander alfie ali alice
alison amanda amber amelia amina amir amira amy andrea andrew andy angela ann anna anne annie
anthony archie arthur ashley asif ayesha barbara barry ben benjamin beth bethany bilal
bob brian callum carl carol caroline catherine charlie charlotte chloe chris christine claire
colin connor craig daisy dan daniel danny darren dave david dean debbie declan denise
derek diane dominic donna dylan ed eddie edward elaine eleanor elizabeth ella ellie emily emma
eric erin ethan eve evie faisal farah fatima fiona frank freddie freya gareth gary gemma george
georgia gillian graham hamza hannah harry harvey hassan hayley heather helen henry holly
ian imran isaac isabella isla ismail jack jackie jacob jade jake james jamie jane janet jason
jay jayden jean jen jenny jess jessica jo joan joanne joe john jon jonathan jordan joseph josh
joshua julie karen kate katie kayleigh keith kelly kerry kevin khadija kieran kim kirsty kyle
laura lauren layla leah lee leo lewis liam lily linda lisa logan louise lucy luke lydia maddie
maria marie martin mary matt matthew maya megan mel melissa michael michelle mia mike
mohamed mohammed mohammad molly muhammad nadia naomi natalie nathan neil nicola nicole
niamh noah olivia omar oliver oscar owen paige pam patrick paul paula pete peter phil
phoebe priya rachel raj rebecca reece rhys richard robert robyn rory ruby ryan sadia
safiya sajid sally sam samantha samira samuel sandra sara sarah scott sean shabana shane
sharon shaun shauna siobhan simon sofia sophie stacey stephen steve stuart susan tariq
theo thomas tina toby tom tommy tony tracey tyler usman vicky victoria wayne william yasmin
yusuf zain zara zoe mo kayden tia tyrone marcus ken aaron abdi aidan alfred alf amal ashraf
barney bernadette brandon bradley carmen cheryl ciara conor courtney dennis dimitri duncan
eileen elsie enzo fergus francesca gloria gordon hugh ibrahim irene ivan jasmine jemima jerome
jodie josephine julian kamal karl kwame leon leroy lorraine malik margaret marcia martha moses
nasra nathaniel nigel norman olga patricia pauline percy rajesh reggie rita ronan rosa roxanne
sabrina shannon sinead stanley sunita tamara terence trevor valerie vincent wendy winston yvonne
""")
# Names that are also everyday words ("Mark your diaries", "Will you join us?"): at the start of a
# sentence only with stronger evidence ("Mark has…", "Will, who…").
_AMBIGUOUS_NAMES = _words(
    "mark will grace rose pat sue bill dawn rob nick jack frank ray guy "
    "miles holly amber ruby jade heather daisy lily iris ivy penny joy"
)
_AFTER_AMBIGUOUS_NAME = re.compile(
    r"(?:'s\b|,\s+(?:who|aged|\d)|\s*\(|\s+(?:is|was|has|had|who)\b"
    # a past tense is never the everyday word's: "Rob came out", "Will moved", "Mark said"
    r"|\s+(?:came|went|said|told|got|found|won|ran|left|became|spoke|fled|lost|began|wrote|"
    r"[a-z]{2,20}ed)\b|\s+from\s+(?:the\s+)?(?i:year|yr|reception|class)\b)"  # "Lily from Year 5"
)

# Capitalised words that are not people: function words, time, holidays, groups, places.
_NOT_NAMES = _words("""
a about after all also an and any as at august be because before being both but by can come
congratulations could did do during each every everyone everybody few find for from get give
had happy has have he hello help her here hers hi his how i if in into is it its join just last
let like many may me meet more most my new next no not now of on one only or our out over
please read see she so some still such support thank thanks that the their them then there these
they this those through to today together tomorrow tonight two under until up us visit was we
well were what when where which while who why will with would yes yesterday you your
monday tuesday wednesday thursday friday saturday sunday mr mrs ms miss mx dr prof st mon tue
tues wed thu thur thurs fri sat
sun january february march april june july september october november december jan feb mar apr
jun jul aug sep sept oct nov dec spring summer autumn winter
christmas easter eid ramadan diwali hanukkah chanukah passover lent vaisakhi holi pride
halloween bonfire valentine valentines mother father mothers fathers
god allah jesus lord bible quran torah muslim muslims christian christians jewish jew jews hindu
hindus sikh sikhs buddhist buddhists catholic catholics anglican methodist baptist orthodox
protestant quaker pagan islamic
black white asian british english scottish welsh irish european african caribbean american
polish syrian afghan ukrainian eritrean sudanese iranian iraqi kurdish somali albanian romanian
indian pakistani bangladeshi chinese nigerian ghanaian
people person living life world international national local global big little great good
best north south east west central upper lower old new week month day year history awareness
street road avenue lane close drive way place court hall house centre center park church
council trust foundation charity project group team network service services society
association clinic hospital school college university club cafe café aid care uk gb nhs
facebook twitter instagram tiktok youtube linkedin whatsapp zoom google
hiv aids lgbt lgbtq addiction recovery depression anxiety cancer dementia asylum refugee
refugees prison probation abuse violence trans gay lesbian sober sobriety health mental
anyone someone nobody type part phase stage class act chapter grade level section volume book war
undetectable untransmittable free open closed news update reminder warning
""")

# A run of capitalised words ending in one of these is a place or an organisation.
_ORG_NOUNS = _words("""
hall centre center street road avenue lane close drive way place court church trust council
foundation charity project group team network service services society association clinic
hospital school college university club cafe café aid care house park week month day awareness
unit ward office library museum theatre gallery station market square terrace gardens crescent
grove mews walk hill rise green parade community partnership alliance collective coalition
federation institute ministries mission hub shelter refuge hostel kitchen bank pantry uk gb
action matters works org ltd limited cic
""")

_NAME_WORD = re.compile(
    r"(?<![\w#@'’-])[A-Z][a-z]{0,3}[A-Z]?[a-z]{1,20}(?:-[A-Z][a-z]{1,20})?(?![\w])"
)
_TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+([A-Z][\w'’-]{0,30})")
# "client J", "our friend Sam", "thanks to Mo": a name, or an initial, after words like these.
_INTRODUCED = re.compile(
    r"(?i:\b(?:client|resident|service\s+user|tenant|patient|guest|friend|meet|thanks\s+to|"
    r"thank\s+you\s+to|congratulations\s+to|congrats\s+to|well\s+done(?:\s+to)?|mum|dad|son|"
    r"daughter|brother|sister|husband|wife|partner))[\s,]{1,3}"
    r"([A-Z](?:[a-z'’-]{1,20}|\.(?:\s?[A-Z]\.)?|[A-Z]?(?!\w)))"
)
_SPECIFIC = re.compile(
    r"(?i)\b(?:\d{1,3}[- ]year[- ]old|aged\s+\d{1,3}(?!\s*(?:[-–+]|to\b|and\b|or\b))|"
    r"(?:man|woman|lady|gentleman|boy|girl|person|resident|tenant|client|patient|guest|family|"
    r"mum|dad|mother|father)\s+(?:in|from)\s+(?:room|flat|bed|bay|cell|unit)\s+\d{1,4}|"
    # "the man in the blue tent", "the lad outside the station": one person, pointed at.
    r"the\s+(?:(?:young|old|older|elderly)\s+)?(?:man|woman|lady|gentleman|boy|girl|person|guy|"
    r"bloke|lad|lass)\s+(?:in|at|from|by|under|outside|near|with|sleeping|living|staying))\b"
)
_INTRODUCED_GATE = (
    "client",
    "resident",
    "user",
    "tenant",
    "patient",
    "guest",
    "friend",
    "meet",
    "thank",
    "congrat",
    "well done",
    "mum",
    "dad",
    "son",
    "daughter",
    "brother",
    "sister",
    "husband",
    "wife",
    "partner",
)
_SPECIFIC_GATE = ("year", "aged", "room", "flat", "bed", "bay", "cell", "unit", "the ")
# After these a capitalised word is a place or a thing: "in Leeds", "across Yorkshire".
_PLACE_BEFORE = re.compile(
    r"(?i)(?:\b(?:in|at|across|around|throughout|near|within|outside|visit|visiting|via|the|our|"
    r"your|their|its|this|that|a|an)|\d{1,4}[a-z]?)\s+$"  # "3 Kirkgate": a street
)
# One person, named by what they are: "the family at 3 Raynville Mount", "my mum was born…".
_PERSON_NOUN = (
    r"(?:client|resident|tenant|family|man|woman|lady|gentleman|boy|girl|person|mum|"
    r"dad|mother|father|couple|household|neighbou?r|pensioner|child|son|daughter|"
    r"carer|flatmate|lodger|patient|sister|brother|grandmother|grandfather|gran|"
    r"grandad|nan|baby|twins|grandson|granddaughter|husband|wife|partner)"
)
# Words a sentence-initial name is often followed by: "Amira survived…", "Jo, who…".
_AFTER_INITIAL_NAME = re.compile(
    # "Marek, one of our regulars, …", "Harriet, the newest resident at…", "Dee, a guest at…":
    # an apposition that says which of the people we support (or which person) this is.
    rf"(?:,\s+(?:one\s+of\s+(?:our|the)\s+|(?:a|an|the|our)\s+)(?:[\w'’-]{{1,20}}\s+){{0,2}}?"
    rf"(?:{MEMBERS}|{_PERSON_NOUN}s?)\b|"
    r"'s\b|,\s+(?:who|aged|\d)|\s*\((?:\d|aged|dob|d\.o\.b)|"
    r"\s+(?:who|survived|joined|spoke|shared|lives|lived|moved|came|completed|celebrates|celebrated|turned|became|started|left|won|ran|raised|told|tells|says|"
    r"suffers|struggles|battles|attends|loves|enjoys|"
    r"said|struggled|fled|escaped|arrived|received|graduated|overcame|beat|went|got|found|used|"
    r"uses|wrote|writes|talks|talked|explains|explained|describes|described|volunteers|"
    r"volunteered|recently|now|first|finally|never|always|knows|knew|feels|felt|wants|wanted|"
    r"hopes|hoped|needs|needed)\b|\s+[a-z]{2,20}ed\b)"
)
_AFTER_KNOWN_NAME = re.compile(r"(?:'s\b|,|\s+[a-z]|\s*\()")
_HEADLINE_WORD = re.compile(r"[A-Za-z][\w'’-]*")
_PRONOUN = re.compile(r"(?i)\b(?:she|he|her|his|him|hers|herself|himself)\b")


def _is_headline(text: str, start: int, end: int) -> bool:
    """Title Case Headings capitalise every word: none of them is a name on that evidence alone."""
    words = _HEADLINE_WORD.findall(text, start, end)
    if len(words) < 4:
        return False
    return sum(w[0].isupper() for w in words) >= 0.7 * len(words)


@lru_cache(maxsize=16)
def _people(text: str) -> tuple[tuple[int, int], ...]:
    """Spans that name or single out a person, in reading order."""
    found: set[tuple[int, int]] = set()
    for m in _TITLED.finditer(text):
        found.add((m.start(), m.end(1)))
    for m in _INTRODUCED.finditer(text) if _mentions(text, _INTRODUCED_GATE) else ():
        word = m.group(1).rstrip(".")
        if len(word) == 1 or (
            word.lower() not in _NOT_NAMES and not _ends_in_org_noun(text, m.end(1))
        ):
            found.add(m.span(1))
    for m in _SPECIFIC.finditer(text) if _mentions(text, _SPECIFIC_GATE) else ():
        found.add(m.span())
    headline: dict[int, bool] = {}
    names = gazetteer()
    for m in _NAME_WORD.finditer(text):
        word = m.group(0)
        key = word.lower()
        if key in _NOT_NAMES or key in _ORG_NOUNS:
            continue
        given = key in _GIVEN_NAMES or names.is_given_name(key)
        pair = _given_and_surname(text, m, names) if given else None
        if pair is not None:
            found.add(pair)  # "Mary Green", "Tom Day": a surname that is also a place word
            continue
        if _ends_in_org_noun(text, m.end()):
            continue
        if not given and names.is_common_word(key.split("-")[0]):
            continue  # "Visibility", "Specialist", "Yorkshire": nobody's name, a common word
        s, e = _whole_sentence(text, m.start())
        if s not in headline:
            headline[s] = _is_headline(text, s, min(e, s + 2 * _REACH))
        ambiguous = key in _AMBIGUOUS_NAMES
        known = given or key.split("-")[0] in _GIVEN_NAMES or ambiguous
        if headline[s] and not known:
            continue
        if _sentence_initial(text, m.start()):
            after = (
                _AFTER_AMBIGUOUS_NAME
                if ambiguous
                else _AFTER_KNOWN_NAME
                if known
                else _AFTER_INITIAL_NAME
            )
            if not after.match(text, m.end()) and not _full_name_follows(text, m.end()):
                continue
        elif not known and _PLACE_BEFORE.search(text, max(0, m.start() - 12), m.start()):
            continue
        found.add(m.span())
    return tuple(sorted(found))


_NEXT_CAPS = re.compile(r"(?:\s+[A-Z][\w'’-]{0,30}){1,4}")
_SURNAME_NEXT = re.compile(r"[^\S\n]+([A-Z][a-z]{1,20})(?![\w'’-])")
# Words that make a given name a street or a venue whatever the census says ("Mary Street").
_STREET_WORDS = _words("""
street road avenue close drive way place court crescent terrace square gardens grove mews
walk rise parade row view vale centre center
""")
_SURNAME_PLACE_BEFORE = re.compile(r"(?i)\b(?:in|at|on|along|near|via|visit|visiting)\s+$")


def _given_and_surname(text: str, m: re.Match[str], names: Gazetteer) -> tuple[int, int] | None:
    """A given name then a census surname that is also a common word, and nothing after that
    makes the pair a place: "Mary Green", "Jo Park" — but "Victoria Park Road", "at Ashley Park".
    """
    nxt = _SURNAME_NEXT.match(text, m.end())
    if nxt is None:
        return None
    surname = nxt.group(1).lower()
    if surname not in _ORG_NOUNS and surname not in _NOT_NAMES:
        return None  # an ordinary surname: the word loop finds it on its own
    if surname in _NOT_NAMES - _ORG_NOUNS or not names.is_surname_after_given(surname):
        return None
    if _ends_in_org_noun(text, nxt.end()):
        return None  # "Mary Green Community Centre"
    if surname in _STREET_WORDS:
        return None
    # "at Ashley Park", "in Mary Hill": a place unless a person's verb follows ("…Hill, who").
    if _SURNAME_PLACE_BEFORE.search(
        text, max(0, m.start() - 12), m.start()
    ) and not _AFTER_INITIAL_NAME.match(text, nxt.end()):
        return None
    return m.start(), nxt.end()


def _ends_in_org_noun(text: str, end: int) -> bool:
    """ "Leeds City Council", "Church Road": the capitalised run names a place or a body."""
    run = _NEXT_CAPS.match(text, end)
    if not run:
        return False
    return any(
        w.lower().rstrip("'’s") in _ORG_NOUNS or w.lower() in _ORG_NOUNS
        for w in run.group(0).split()
    )


def _full_name_follows(text: str, end: int) -> bool:
    run = _NEXT_CAPS.match(text, end)
    if not run:
        return False
    first = run.group(0).split()[0].lower()
    return first not in _NOT_NAMES and not _ends_in_org_noun(text, end)


def _register_spans(ctx: Context) -> list[tuple[int, int]]:
    text = ctx.text
    return [
        (h.start, h.end)
        for h in ctx.register_hits()
        if not in_common_phrase(text, h.start, h.end)  # "Ash Wednesday" is not Ash
    ]


def _once_per_run(ctx: Context, name: str, compute: Callable[[], Any]) -> Any:
    """What several rules need from one post is worked out once, in the run's own memo."""
    key = f"identifiers.{name}"
    if key not in ctx._memo:
        ctx._memo[key] = compute()
    return ctx._memo[key]


def _everyone(ctx: Context) -> _Spans:
    """Everyone the post names or singles out, the consent register's hits included."""
    found: _Spans = _once_per_run(
        ctx, "everyone", lambda: _Spans((*_people(ctx.text), *_register_spans(ctx)))
    )
    return found


# ---------------------------------------------------------------------------------------------
# Organisations speaking about themselves: "our charity was born in 1987", "we've moved to…".

_ORG_SUBJECT = re.compile(
    r"(?i)\b(?:we|we've|we're|we'll|we'd|(?:our|the)\s+(?:charity|organisation|organization|"
    r"project|service|services|group|campaign|movement|club|initiative|company|centre|center|"
    r"network|idea|scheme|foundation|trust|partnership|festival|event|business|shop|cafe|café|"
    r"office|offices|team|hub|clinic|foodbank|food\s+bank|drop-in|hq|headquarters|base|"
    r"choir|helpline|website|app|newsletter|podcast))\s+(?:[\w'’-]{1,20}\s+){0,3}$"
)


def _org_speaking(text: str, cue_start: int) -> bool:
    """True when, before the cue in its sentence, the subject is the organisation itself."""
    s, _ = _sentence(text, cue_start)
    return bool(_ORG_SUBJECT.search(text, max(s, cue_start - 80), cue_start))


# ---------------------------------------------------------------------------------------------
# date_of_birth

_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|"
    r"december|(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\.?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
_DATE = (
    rf"(?P<date>(?P<d1>\d{{1,2}})[/.\-](?P<d2>\d{{1,2}})[/.\-](?P<y1>\d{{4}}|\d{{2}})"
    rf"|(?P<y2>{_YEAR})[/.\-](?P<m2>\d{{1,2}})[/.\-](?P<d3>\d{{1,2}})"
    # "5 May 1990", "the 5th of May, 1990", and on forms "05-May-1990"
    rf"|(?:the\s+)?{_DAY}(?:\s+(?:of\s+)?|[-/]){_MONTH}(?:(?:,?\s+|[-/])(?P<y3>{_YEAR}|'\d{{2}}))?"
    rf"|{_MONTH}\s+{_DAY}(?:,?\s+(?P<y4>{_YEAR}))?"
    rf"|{_MONTH}\s+(?P<y5>{_YEAR}))(?![\w/])"
)
_JOIN = r"(?:[\s:=,(\-]|\b(?:is|was|on|in|of|being)\b){1,8}"
_BIRTH_DATE = re.compile(
    rf"(?i)(?P<cue>(?<![\w.])d\.?\s?o\.?\s?b(?![a-z])\.?|\bdate\s+of\s+birth\b|\bbirth\s*date\b|"
    rf"\bborn\b|\(b\.){_JOIN}{_DATE}"
)
_BIRTH_YEAR = re.compile(
    rf"(?i)(?P<cue>\bborn\b|\(b\.)\s*(?:in\s+)?(?P<year>{_YEAR})(?!\d|'?s\b|-|/)"
)
_BIRTHDAY = re.compile(rf"(?i)(?P<cue>\b(?:birthday|b'?day)\b){_JOIN}{_DATE}")
_BIRTHDAY_OWNER = re.compile(
    r"(?i)(?:(?P<person>\b(?:his|her|their|my)|[A-Za-z]'s|[A-Za-z]s')|(?P<org>\b(?:our|its|the)))"
    r"\s+(?:\d{1,3}(?:st|nd|rd|th)\s+|big\s+|special\s+)?$"
)
_WAS_BORN = re.compile(r"(?i)(?P<subject>[\w'’]{1,30})[\s,]+(?:was|were|is|got)\s+(?:first\s+)?$")
# "Born on 1 May 2021, it has saved 20 tonnes of food": the subject comes after.
_THING_AFTER = re.compile(r"(?i),?\s+(?:it|this|we|our|its)\b")
_PERSON_SUBJECT = re.compile(rf"(?i)(?:she|he|i|you|they|{_PERSON_NOUN}s?)$")


def _plausible(m: re.Match[str], today: date | None) -> bool:
    """A real calendar date, and not in the future when we know today's date."""
    if m.group("d1"):
        a, b = int(m.group("d1")), int(m.group("d2"))
        if not (1 <= a <= 31 and 1 <= b <= 31 and min(a, b) <= 12):
            return False
    if m.group("y2") and not (1 <= int(m.group("m2")) <= 12 and 1 <= int(m.group("d3")) <= 31):
        return False
    year = next((m.group(g) for g in ("y1", "y2", "y3", "y4", "y5") if m.group(g)), None)
    return not (year and len(year) == 4 and today is not None and int(year) > today.year)


def _has_year(m: re.Match[str]) -> bool:
    return any(m.group(g) for g in ("y1", "y2", "y3", "y4", "y5"))


@validator("date_of_birth")
def date_of_birth(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A date said to be someone's birth date: the key to their identity and records."""
    text = ctx.text
    if not _mentions(text, ("dob", "d.o.b", "d o b", "birth", "born", "(b.", "bday", "b'day")):
        return
    for m in _BIRTH_DATE.finditer(text):
        cue = m.group("cue").lower()
        if not _plausible(m, ctx.today):
            continue
        if cue == "born" and (
            _not_a_person_born(text, m.start()) or _THING_AFTER.match(text, m.end("date"))
        ):
            continue
        yield Hit(m.start(), m.end("date"))
    for m in _BIRTH_YEAR.finditer(text):
        if ctx.today is not None and int(m.group("year")) > ctx.today.year:
            continue
        if not _not_a_person_born(text, m.start()):
            yield Hit(m.start(), m.end("year"))
    for m in _BIRTHDAY.finditer(text):
        if not _plausible(m, ctx.today):
            continue
        owner = _BIRTHDAY_OWNER.search(text, max(0, m.start() - 30), m.start())
        if owner and owner.group("org"):
            continue
        if (owner and owner.group("person")) or _has_year(m):
            yield Hit(m.start(), m.end("date"))


def _not_a_person_born(text: str, cue_start: int) -> bool:
    """ "Our charity was born in 1987", "the NHS was born on 5 July 1948": a founding."""
    m = _WAS_BORN.search(text, max(0, cue_start - 45), cue_start)
    if m is None:
        return False  # "Kayden, born 14/02/2009", "(born 1990)": said of whoever was named
    subject = m.group("subject")
    if _PERSON_SUBJECT.match(subject):
        return False
    if subject.isupper() or subject.lower() == "it":
        return True  # "the NHS was born…", "it was born…"
    if subject[0].isupper():
        # A capitalised word is taken for a name unless it names a place or a body.
        return subject.lower() in _ORG_NOUNS or subject.lower() in _NOT_NAMES
    return True  # "our charity was born…", "the idea was born…"


# ---------------------------------------------------------------------------------------------
# nhs_number

_TEN_DIGITS = re.compile(r"(?<![\w+(])\d{3}(?P<s1>[ -]?)\d{3}(?P<s2>[ -]?)\d{4}(?![\w]|-\d)")
_NHS_BEFORE = re.compile(r"(?i)\bNHS\b(?:[\s:#.\-]{0,3}[A-Za-z]{1,10}){0,4}[\s:#.\-]{0,3}$")
_NHS_AFTER = re.compile(r"(?i)[\s(\-]{0,3}NHS\b")
_COUNTRY_CODE_BEFORE = re.compile(r"\+\d{1,3}[\s\-]{0,2}(?:\(0\)\s?)?$")


def nhs_check_digit_ok(digits: str) -> bool:
    """The NHS modulus-11 check: weights 10 to 2, 11 means 0, 10 means no valid number."""
    if len(digits) != 10 or not digits.isdigit() or len(set(digits)) == 1:
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_context(text: str, start: int, end: int) -> bool:
    return bool(_NHS_BEFORE.search(text, max(0, start - 30), start) or _NHS_AFTER.match(text, end))


def nhs_number_spans(ctx: Context) -> Iterator[tuple[int, int]]:
    """Every NHS number in the text (for the phone rule to leave alone, too): found once."""
    spans: list[tuple[int, int]] = _once_per_run(ctx, "nhs", lambda: list(_nhs_number_spans(ctx)))
    return iter(spans)


def _nhs_number_spans(ctx: Context) -> Iterator[tuple[int, int]]:
    text = ctx.text
    for m in _TEN_DIGITS.finditer(text):
        digits = re.sub(r"\D", "", m.group(0))
        if not nhs_check_digit_ok(digits):
            continue
        if _nhs_context(text, m.start(), m.end()):
            yield m.span()
            continue
        formatted = m.group("s1") != "" and m.group("s1") == m.group("s2")
        # 3-3-4 is also how London (020) numbers and all US numbers are written.
        if not formatted or digits[0] == "0" or ctx.policy.country == "US":
            continue
        if _COUNTRY_CODE_BEFORE.search(text, max(0, m.start() - 8), m.start()):
            continue
        yield m.span()


@validator("nhs_number")
def nhs_number(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A 10-digit number that passes the NHS check and is written or labelled as one."""
    for start, end in nhs_number_spans(ctx):
        yield Hit(start, end)


# ---------------------------------------------------------------------------------------------
# ni_number

_NINO = re.compile(
    r"(?i)(?<![\w])(?P<prefix>[A-Z]{2})[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}(?:[ -]?(?P<suffix>[A-D]))?"
    r"(?![\w])"
)
_NINO_CONTEXT = re.compile(
    r"(?i)(?:\bnational\s+insurance\b|\bNI\s*(?:number|no\b\.?|num\b|#)|\bNINO\b|\bN\.I\.)"
    r"[^!?\n]{0,20}$"
)
_NINO_BAD_PREFIXES = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})


def ni_prefix_ok(prefix: str) -> bool:
    """HMRC's allocation rules, except that its example prefix QQ counts as real."""
    prefix = prefix.upper()
    if prefix == "QQ":
        return True
    return (
        prefix[0] not in "DFIQUV"
        and prefix[1] not in "DFIOQUV"
        and prefix not in _NINO_BAD_PREFIXES
    )


@validator("ni_number")
def ni_number(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A National Insurance number: two letters, six digits, A to D."""
    text = ctx.text
    for m in _NINO.finditer(text):
        if not ni_prefix_ok(m.group("prefix")):
            continue
        written_as_one = m.group(0).isupper() and m.group("suffix")
        if written_as_one or _NINO_CONTEXT.search(text, max(0, m.start() - 40), m.start()):
            yield Hit(m.start(), m.end())


# ---------------------------------------------------------------------------------------------
# ssn

_SSN = re.compile(r"(?<![\w+\-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|-\d)")
_NINE_DIGITS = re.compile(r"(?<![\w+\-])(\d{3})[- ]?(\d{2})[- ]?(\d{4})(?![\w]|-\d)")
_SSN_CONTEXT = re.compile(r"(?i)(?:\bSSNs?\b|\bSS#|\bsocial\s+security\b)[^!?\n]{0,25}$")


def ssn_ok(area: str, group: str, serial: str) -> bool:
    """Ranges the Social Security Administration never issues."""
    return (
        area not in {"000", "666"}
        and not area.startswith("9")
        and group != "00"
        and serial != "0000"
    )


def ssn_spans(ctx: Context) -> Iterator[tuple[int, int]]:
    """Every Social Security number in the text (for the phone rule to leave alone, too):
    found once."""
    spans: list[tuple[int, int]] = _once_per_run(ctx, "ssn", lambda: list(_ssn_spans(ctx)))
    return iter(spans)


def _ssn_spans(ctx: Context) -> Iterator[tuple[int, int]]:
    text = ctx.text
    seen: set[int] = set()
    for m in _SSN.finditer(text):
        if ssn_ok(m.group(1), m.group(3), m.group(4)):
            seen.add(m.start())
            yield m.span()
    for m in _NINE_DIGITS.finditer(text):
        if m.start() in seen or not ssn_ok(m.group(1), m.group(2), m.group(3)):
            continue
        if _SSN_CONTEXT.search(text, max(0, m.start() - 45), m.start()):
            yield m.span()


@validator("ssn")
def ssn(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A US Social Security number, written 3-2-4 or labelled as one."""
    for start, end in ssn_spans(ctx):
        yield Hit(start, end)


# ---------------------------------------------------------------------------------------------
# home_address and postcode

# Street types. US: every primary suffix name of USPS Publication 28, Appendix C1 ("Street
# Suffix Abbreviations", https://pe.usps.com/text/pub28/28apc_002.htm) and its standard
# abbreviation, less the abbreviations that are everyday words or codes ("is", "un", "via",
# "est", "pr", "cp"…). UK: Royal Mail's Postcode Address File keeps the street type in its own
# "thoroughfare descriptor" field (Royal Mail Programmer's Guide, Edition 7; see the pypaf
# package's README) but publishes no closed list of them, so the UK list is the common types
# written out by us, local ones included (wynd, garth, fold, brow…). Faker's en_GB street names
# end in lower-case types ("Patel bypass"), so the type is matched in any case.
_USPS_SUFFIXES = """
alley aly annex anx arcade arc avenue ave av bayou byu beach bch bend bnd bluff blf bluffs blfs
bottom btm boulevard blvd branch bridge brg brook brk brooks brks burg burgs bypass byp camp canyon
cyn cape cpe causeway cswy center centre ctr centers circle cir circles cirs cliff clf cliffs clfs
club clb common cmn commons cmns corner cor corners cors course crse court ct courts cts cove cv
coves creek crk crescent cres crest crst crossing xing crossroad xrd crossroads xrds curve curv
dale dam divide drive dr drives drs estate estates ests expressway expy extension ext extensions
exts fall falls fls ferry fry field fld fields flds flats flts ford frd fords forest frst forge
frg forges fork frk forks frks fort freeway fwy garden gdn gardens gdns gateway gtwy glen gln
glens green grn greens grove grv groves harbor harbour hbr harbors haven hvn heights hts highway
hwy hill hl hills hls hollow holw inlet inlt island islands isle junction jct junctions key keys
knoll knl knolls lake lk lakes lks land landing lndg lane ln light lights loaf lock lck locks
lodge ldg loop mall manor mnr manors meadow mdw meadows mdws mews mill mills mission msn motorway
mtwy mount mountain mtn mountains neck orchard orch oval overpass park parks parkway pkwy
parkways pass passage psge path pike pine pines place pl plain pln plains plaza plz point pt
points port prt ports prairie radial radl ramp ranch rnch rapid rpd rapids rest ridge rdg
ridges river riv road rd roads route rte row rue run shoal shoals shore shr shores skyway skwy
spring spg springs spur spurs square sq squares station stravenue stream strm street st streets
summit smt terrace ter throughway trwy trace trce track trak trafficway trfy trail trl trailer
trlr tunnel tunl turnpike tpke underpass union unions valley vly valleys view vw views village
vlg villages ville vista vis walk walks wall way ways well wells
"""
_UK_STREET_TYPES = """
road street avenue lane close drive gardens crescent way place terrace court grove square row
mews walk hill park rise view boulevard parade green vale yard wharf approach chase croft villas
cottages buildings mount fold garth bank brow dale wynd side wood common lea mead hey top end
gate circus embankment esplanade quay passage broadway precinct promenade hollow heath meadow
fields meadows heights ridge gdns cres terr tce sq pde
"""
# Pub 28's types that name a venue far more often than a street ("Community Centre", "Social
# Club") are left out: a venue's address is no one's home.
_VENUE_TYPES = _words("center centre centers ctr club clb mall station union unions mission")
_SUFFIX_WORDS = frozenset((_USPS_SUFFIXES + _UK_STREET_TYPES).split()) - _VENUE_TYPES
# Longest first, so that "streets" is not cut to "street" and "st" never wins over "street".
_SUFFIX = "(?:" + "|".join(sorted(_SUFFIX_WORDS, key=lambda w: (-len(w), w))) + ")"
_UK_POSTCODE = (
    r"(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|"
    r"[A-HK-Y]\d[ABEHMNPRVWXY]) ?\d[ABD-HJLNP-UW-Z]{2})"
)
# A flat, apartment, studio or suite: before the house number ("Apartment 3, 10 Mill Lane"), or
# instead of one ("Flat 6, Regent Court"). US house numbers run to five digits (Pub 28, 231).
_UNIT = r"(?i:flat|apartment|apt|unit|room|studio|suite|ste)\.?[^\S\n]*\d{1,5}[A-Za-z]?"
# Without a house number only a flat or a studio makes an address: "Room 4 at Beech Court" is
# a room in a care home.
_FLAT = r"(?i:flat|apartment|apt|studio)\.?[^\S\n]*\d{1,5}[A-Za-z]?"
_HOUSE = rf"(?:(?:{_UNIT},?\s+)?\d{{1,5}}[A-Za-z]?(?:\s?[-–]\s?\d{{1,5}})?,?\s+|{_FLAT},?\s+)"
# A street's words: capitalised ("Maple", "St Mary's") or numbered ("5th", "W 34th").
_STREET_WORD = r"(?:[A-Z][\w'’-]{0,20}|\d{1,3}(?:st|nd|rd|th))"
_DIRECTIONAL = r"(?:[^\S\n]+(?:N|S|E|W|NE|NW|SE|SW)\b)?"
_TOWN = r"[A-Z][a-z]{2,20}(?:[^\S\n][A-Z][a-z]{2,20}){0,2}"
# After the street: a unit, up to two town or area names, then a UK postcode or a US state and
# ZIP or ZIP+4 ("Tacoma, WA 98402-1234").
_TRAIL = (
    rf"(?:,?\s*(?i:apt|apartment|flat|unit|suite|ste|\#)\.?\s*\d{{1,5}}[A-Za-z]?)?"
    rf"(?:,?\s+{_TOWN}){{0,2}}"
    rf"(?:,?\s+(?:{_UK_POSTCODE}|[A-Z]{{2}},?[^\S\n]+\d{{5}}(?:-\d{{4}})?)(?![\w]))?"
)
_STREET = re.compile(
    rf"(?<![\w£$.,])(?P<street>{_HOUSE}(?:{_STREET_WORD}[^\S\n]+){{1,3}}(?i:{_SUFFIX})\b"
    rf"{_DIRECTIONAL})"
    rf"{_TRAIL}"
)
# A street whose type is one Pub 28 lists but that usually names a venue (Faker's "Smith
# Union", "Kelly Mission", "Lee Station"): a street only with a town and a ZIP or postcode after
# it, the way a postal address is written.
_STREET_POSTAL = re.compile(
    rf"(?<![\w£$.,])(?P<street>{_HOUSE}(?:{_STREET_WORD}[^\S\n]+){{1,3}}"
    r"(?i:centers|center|centre|ctr|club|clb|mall|station|unions|union|mission|viaduct|via|flat)\b"
    rf"{_DIRECTIONAL})"
    rf"(?:,?\s*(?i:apt|apartment|flat|unit|suite|ste|\#)\.?\s*\d{{1,5}}[A-Za-z]?)?"
    rf"(?:,?\s+{_TOWN}){{1,2}}"
    rf",?\s+(?:{_UK_POSTCODE}|[A-Z]{{2}},?[^\S\n]+\d{{5}}(?:-\d{{4}})?)(?![\w])"
)
_POSTAL_GATE = ("cent", "ctr", "club", "clb", "mall", "station", "union", "mission", "via", "flat")
# US military mail (USPS Publication 28, 225 "Military Addresses"): a PSC, CMR or unit and a
# box, or a ship, then APO, FPO or DPO and AA, AE or AP with the ZIP. One person's mail.
_MILITARY = re.compile(
    r"(?<![\w])(?P<street>(?:(?:PSC|CMR|UNIT|Unit)[^\S\n]+\d{1,5},?[^\S\n]+Box[^\S\n]+\d{1,5}|"
    r"(?:USNS|USS|USNV|USCGC)[^\S\n]+[A-Z][a-z]{1,20})"
    r",?\s+(?:APO|FPO|DPO),?[^\S\n]+A[AEP][^\S\n]+\d{5}(?:-\d{4})?)(?![\w])"
)
# Straight after "lives at", a lower-case address still counts: "lives at 12 acacia avenue".
_STREET_ANY_CASE = re.compile(
    rf"(?i)(?P<street>{_HOUSE}(?:[a-z][\w'’-]{{0,20}}\s+){{1,3}}{_SUFFIX}\b)"
)
_RESIDENCE = (
    r"(?:lives|living|live|lived|stays|staying|stayed|resides|residing|resident|sleeps|sleeping|"
    r"slept|housed|placed|moved|moving|move|relocated|settled|settling|settles|renting|rents|"
    r"rented|lodging|lodges|lodged|squatting|sofa[\s-]surfing|"
    r"(?:moved|moving|moves)\s+in)\s+(?:at|in|on|to|into)"
)
# Cues found apart, behind their own gate (one more alternative in _HOME_CUE costs every post
# that mentions a home): "has the keys to flat 3b, 22 Mill Road", "has found a room at…", "was
# offered a flat on…", "secured her own tenancy at…".
_HOME_CUE_MORE = re.compile(
    r"(?i)\b(?:keys?\s+(?:to|for)|(?:found|got|secured|given|offered|allocated|accepted|"
    r"signed\s+for)\s+(?:a|an|her|his|their)\s+(?:own\s+|new\s+|first\s+)?(?:room|flat|bedsit|"
    r"house|home|place|tenancy|apartment))\b"
)
# Between "keys to" or "found a room" and the address: nothing, or whose home it is.
_MORE_GAP = re.compile(
    r"(?i)[\s,:–-]*(?:(?:at|on|in)\s+|(?:(?:his|her|their|a|an)\s+)?(?:own\s+|new\s+|first\s+)?"
    r"(?:flat|house|home|place|bungalow|room|bedsit|tenancy|apartment)\s+(?:at|on|in)\s+)?"
)
_HOME_CUE_MORE_GATE = (
    "key",
    "found",
    "got",
    "secured",
    "given",
    "offered",
    "allocated",
    "accepted",
    "signed",
)
_HOME_CUE = re.compile(
    rf"(?i)\b(?:{_RESIDENCE}|(?:his|her|their|my|home)\s+(?:home\s+)?address|"
    r"(?:his|her|their|my)\s+(?:[a-z]{2,12}\s+)?(?:home|house|flat|apartment|place|bedsit|"
    r"tenancy|bungalow|cottage|maisonette|caravan|houseboat)|\b(?:a|the)\s+new\s+(?:home|house|flat|apartment|bedsit)|"
    r"(?<=[a-z])(?:'|’)s\s+(?:[a-z]{2,12}\s+)?(?:flat|house|home|apartment|place|address|bedsit|"
    r"tenancy|room))\b"
)
_HOME_CUE_GATE = (
    "renting",
    "rents",
    "rented",
    "lodg",
    "squat",
    "surf",
    "settl",
    "liv",
    "stay",
    "resid",
    "sleep",
    "slept",
    "housed",
    "placed",
    "mov",
    "relocat",
    "address",
    "home",
    "house",
    "flat",
    "apartment",
    "place",
    "bedsit",
    "tenancy",
    "bungalow",
    "cottage",
    "maisonette",
    "caravan",
)
_CUE_GAP = 40
_CUE_BREAK = re.compile(r"(?i)\b(?:and|but)\b|;")
# Someone, then "at", "of", "in": "Ken at 48 Cowper Street", "a resident of WF1 5NL".
_SURNAME_BEFORE = re.compile(r"(?<=[^\S\n])[A-Z][a-z'’]{1,20}(?:-[A-Z][a-z'’]{1,20})?$")
_PLACE_PREPOSITION = re.compile(r"(?i)(?:\b(?:at|of|in|from|near)|\()\s*$")
_PERSON_NOUN_BEFORE = re.compile(rf"(?i)\b{_PERSON_NOUN}\s*$")  # one household, not "families"
_STILL_AT = re.compile(
    r"(?i)\b(?:now|still|back|currently)\s+(?:living\s+|staying\s+|sleeping\s+)?(?:at|in)\s*$"
    # "he's at 14 Oak Avenue now", "Bill is at number 14": someone named in the sentence is
    # at a house number (a venue after the street is ruled out where addresses are found)
    r"|\b(?:he|she|they|(?<=[a-z])\s+(?:is|was))(?:'s|'re|\s+is|\s+are|\s+was)?\s+"
    r"(?:now\s+|still\s+)?at\s+(?:number\s+)?$"
)
# After the address: "12 Cedar Close is now his", "…, Leeds — her new home", "will be theirs".
_HOME_AFTER = re.compile(
    r"(?i)[^\S\n]*(?:[,–—-][^\S\n]*)?(?:(?:is|was|will\s+be|becomes|became)\s+(?:now\s+|"
    r"officially\s+|finally\s+|all\s+)?(?:his|hers|theirs|her|their|home)\b|"
    r"(?:his|her|their)\s+(?:new\s+|own\s+|first\s+)?(?:home|flat|house|place|tenancy)\b)"
)
# Without a house number, a street tied to someone's home still narrows down where they live:
# "her place on Elm Ave", "lives on Cardigan Road". Only types that are always streets: not
# Park, Hill or Green, which name areas ("living in Hyde Park").
_STREET_ONLY_TYPES = _words("""
road rd street st avenue ave av lane ln close drive dr crescent cres terrace ter tce terr grove
grv boulevard blvd trail trl loop turnpike tpke court ct mews gardens gdns walk way place pl
""")
_NAMED_STREET = re.compile(
    r"[^\S\n]*(?:on|in|off|at|along)?[^\S\n]*(?P<street>(?:[A-Z][\w'’-]{0,20}[^\S\n]+){1,3}"
    r"(?i:" + "|".join(sorted(_STREET_ONLY_TYPES, key=lambda w: (-len(w), w))) + r"))\b"
)
# A cue that says whose home it is: "her place", "Tom's flat" (not "independent living at").
_WHOSE_HOME = re.compile(r"(?i)^(?:his|her|their|my)\b|^\w+(?:'|’)s\b")
_OLD_ADDRESS = re.compile(
    r"(?i)\b(?<!our\s)(?:old|new|home|previous|last|current)\s+address[\s,:]*$"
)
# "Meet Sarah at 1 High Street": an invitation to a venue, not where Sarah lives.
_INVITATION = re.compile(r"(?i)\b(?:join|meet|come|visit|see|find|pop|drop|chat|say\s+hello)\b")
# "Please visit Lillian at 5 Brook Terrace", "pop in to see Stan at…": calling on a person, at
# their door — not us or an event.
_CALLING_ON = re.compile(
    r"(?i)\b(?:visit|visiting|see|seeing|call\s+on|calling\s+on|pop\s+in\s+(?:to|and)\s+see|"
    r"drop\s+in\s+on|check\s+(?:in\s+)?on)\s+(?!us\b|our\b|the\b|we\b)[A-Z][\w'’-]{1,20}"
    r"(?:\s+[A-Z][\w'’-]{1,20})?\s*$"
)
_VENUE_AFTER = re.compile(r"[^\S\n]+([A-Z][\w'’-]{1,20})")
# "join us at 14 Elm Road community hall": a venue named after the street, in any case.
_VENUE_AFTER_ANY_CASE = re.compile(
    r"(?i)[^\S\n]+(?:hall|centre|center|church|library|hub|office|offices|cafe|café|clinic|"
    r"hospital|school|college|club|community|station|market|theatre|museum|gallery|surgery)\b"
)
# A name just before the address, parted only by punctuation: "Maureen Kelly, 22 Bank Street",
# "Residents: Tom Price, 14 Elm Road; …", a name on one line and the address on the next.
_SEPARATORS = " \t\n,:;–—-(|•*!"  # "Welcome home, Marcus Reed! 1423 Maple Trail"
_NAME_RUN_BEFORE = re.compile(
    r"(?<![\w'’.-])(?:[A-Z][\w'’.-]{0,30}[^\S\n]+){0,3}[A-Z][\w'’.-]{0,30}$"
)
# Sent or taken to someone's door: "cards can be sent to …", "drop round to …", "post it to …".
_DELIVERY_CUE = re.compile(
    r"(?i)\b(?:(?:send|sent|sending|post|posted|deliver|delivered|delivering|forward|forwarded)"
    r"(?:[^\S\n]+[\w'’]{1,12}){0,4}?[^\S\n]+(?:to|at)|"
    r"(?:drop|dropped|dropping|pop|popped|popping|go|come|nip)[^\S\n]+(?:round|over)"
    r"(?:[^\S\n]+(?:to|at))?"
    # "cards for Maureen can go to…", "letters should be addressed to…"
    r"|(?:can|could|should|will|may)[^\S\n]+(?:go|be\s+sent|be\s+posted|be\s+addressed|"
    r"be\s+dropped(?:\s+off)?|be\s+left)[^\S\n]+(?:to|at)|addressed[^\S\n]+to)[^\S\n]*$"
)
_DELIVERY_GATE = (
    "send",
    "sent",
    "post",
    "deliver",
    "forward",
    "round",
    "over",
    "go ",
    "address",
    "dropped",
    "left",
)
# "Drop the parcel round to Seth Clark, 45383…", "take it over to Jo, 3 Elm Road": not an
# invitation to a venue, a delivery to a named person's door.
_DELIVER_TO_BEFORE = re.compile(
    r"(?i)\b(?:round|over|off|send|sent|post|posted|deliver|delivered|take|took|bring|brought)\b"
    r"[^.!?\n]{0,30}\b(?:to|for)[^\S\n]+$"
)
_FOR_SOMEONE = re.compile(
    r"(?i)\b(?:cards?|gifts?|presents?|flowers|birthday|get\s+well|him|her|family|"
    r"them|she|he|they)\b"
)
_OURS = re.compile(r"(?i)\b(?:us|our|we|we're|we've)\b")
# "Address: 14 Elm Road" on a form-like post that names someone.
_ADDRESS_LABEL = re.compile(
    r"(?i)(?<!our )(?<!office )\baddress(?:es)?(?:[^\S\n]+(?:for|to|of)[^\S\n]+[\w'’-]{1,15}"
    r"(?:[^\S\n]+[\w'’-]{1,15})?)?[^\S\n]*[:=–-][^\S\n]*$"  # "Address for cards: …"
)


def _allowed_spans(ctx: Context) -> _Spans:
    """Where the organisation's public venues and names (allow.terms) appear: never findings."""
    spans: _Spans = _once_per_run(
        ctx,
        "allowed",
        lambda: _Spans(m.span() for m in _allowed_regex(ctx.policy.allow.terms).finditer(ctx.text)),
    )
    return spans


@lru_cache(maxsize=8)
def _allowed_regex(terms: tuple[str, ...]) -> re.Pattern[str]:
    return _loose_regex(terms) or re.compile(r"(?!)")


# Each _HOME_CUE match holds one of these words (its gate, and "room" after "'s"), with at
# most 17 non-space characters before it ("their" and a 12-letter word) and 18 after it; each
# _HOME_CUE_MORE match starts with one of its gate words and has at most 20 non-space
# characters after it ("allocated their first apartment"). Scanning only the stretches around
# these words finds the same matches as scanning the whole post (the margins are generous).
_HOME_CUE_WORD = re.compile("|".join((*_HOME_CUE_GATE, "room")))
_HOME_CUE_MORE_WORD = re.compile("|".join(_HOME_CUE_MORE_GATE))
_NON_SPACES_BEFORE = re.compile(r"(?:\s*\S){1,24}")  # run on the reversed text
_NON_SPACES_AFTER = re.compile(r"(?:\s*\S){1,40}")
# Letters that (?i) matches to an ASCII letter but str.lower() does not fold to it ("İ" also
# lengthens the lowered text): a post holding one is scanned whole.
_ODD_FOLDS = ("\u0130", "\u0131", "\u017f", "\u212a")


def _cue_windows(text: str, words: re.Pattern[str]) -> list[tuple[int, int]] | None:
    """Stretches of ``text`` around each of ``words`` (merged) that hold every match of the
    cue pattern those words gate; None: scan the whole text."""
    low = _lower(text)
    if len(low) != len(text) or (not text.isascii() and any(c in text for c in _ODD_FOLDS)):
        return None
    reverse: str | None = None
    windows: list[tuple[int, int]] = []
    most = 16 + len(text) // 64  # denser (a wall of cue words), the whole scan is cheaper
    for count, word in enumerate(words.finditer(low)):
        if count > most:
            return None
        reverse = text[::-1] if reverse is None else reverse
        back = _NON_SPACES_BEFORE.match(reverse, len(text) - word.start())
        ahead = _NON_SPACES_AFTER.match(text, word.end())
        lo = word.start() - (back.end() - back.start() if back else 0)
        hi = (ahead.end() if ahead else word.end()) + 1  # \b looks one character on
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows


def _home_cue_windows(text: str) -> list[tuple[int, int]] | None:
    return _cue_windows(text, _HOME_CUE_WORD)


def _cue_matches(
    pattern: re.Pattern[str], words: re.Pattern[str], text: str, lo: int, hi: int
) -> list[re.Match[str]]:
    windows = _cue_windows(text, words) if (lo, hi) == (0, len(text)) else None
    if windows is None:
        return list(pattern.finditer(text, lo, hi))
    found: list[re.Match[str]] = []
    for start, end in windows:
        found += pattern.finditer(text, start, min(end, len(text)))
    return found


def _home_cues(text: str, lo: int, hi: int) -> list[re.Match[str]]:
    """Every home cue in ``text[lo:hi]``, in reading order."""
    cues: list[re.Match[str]] = []
    if _mentions(text, _HOME_CUE_GATE):
        cues = _cue_matches(_HOME_CUE, _HOME_CUE_WORD, text, lo, hi)
    if _mentions(text, _HOME_CUE_MORE_GATE):
        cues += _cue_matches(_HOME_CUE_MORE, _HOME_CUE_MORE_WORD, text, lo, hi)
        cues.sort(key=lambda m: m.start())
    return cues


def _tied_to_resident(text: str, start: int, people: Callable[[], _Spans]) -> bool:
    """Whether the address or postcode at ``start`` is said to be where a person lives."""
    s, _ = _sentence(text, start)
    lo = max(s, start - _CUE_GAP - 30)
    for cue in _home_cues(text, lo, start):
        gap = text[cue.end() : start]
        if cue.re is _HOME_CUE_MORE and not _MORE_GAP.fullmatch(gap):
            continue  # "has the keys to the hall at 3 Mill Lane": a venue's keys
        if (
            len(gap) <= _CUE_GAP
            and not _CUE_BREAK.search(gap)
            and not _org_speaking(text, cue.start())
        ):
            return True
    near = max(s, start - 40)
    if _OLD_ADDRESS.search(text, near, start):
        return True
    if _STILL_AT.search(text, near, start) and people().overlaps(s, start):
        return True
    preposition = _PLACE_PREPOSITION.search(text, near, start)
    if preposition is None:
        return False
    before = preposition.start()
    while before > s and text[before - 1] in " \t,":
        before -= 1
    named = people().ends_between(before - 2, before)
    if not named:
        # "Gareth Lambert of 20 Rita Meadow": a surname the finder left out (a headline-like
        # run of capitals) after a name it found
        surname = _SURNAME_BEFORE.search(text, max(s, before - 32), before)
        named = surname is not None and people().ends_between(surname.start() - 2, surname.start())
    if not named and not _PERSON_NOUN_BEFORE.search(text, max(s, before - 20), before):
        return False
    if named and _CALLING_ON.search(text, max(s, before - 60), before):
        return True
    return not _INVITATION.search(text, s, before)


# Words that end a business's or a venue's name, not a person's ("Leeds Playhouse, 1 …").
_VENUE_WORDS = _words("""
playhouse arena stadium pub inn arms tavern express extra supermarket store stores shop shops
bakery pharmacy chemist chemists garage hotel cinema pool leisure gym bar restaurant surgery
practice salon studio studios barbers dental pantry larder depot warehouse yard mill chambers
""")
_NAME_WORD_ONLY = re.compile(r"[A-Z][a-z'’-]{1,30}")
# At a line's or an item's start, perhaps after a day or a label and a dash ("Mon – Edna Shaw").
_LINE_OR_LABEL_BEFORE = re.compile(
    r"(?:^|[\n;:•*|])[^\S\n]*(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]{0,6}\.?[^\S\n]*)?"
    r"(?:[-–—][^\S\n]*)?$"
)


def _names_a_place(run: str) -> bool:
    """ "Hillside Surgery", "Leeds Civic Hall": a capitalised run that names a place or a body."""
    return any(
        w.lower().rstrip("'’s") in _ORG_NOUNS or w.lower() in _VENUE_WORDS for w in run.split()
    )


def _looks_like_a_listed_name(text: str, run: re.Match[str]) -> bool:
    """Two or three plain capitalised words opening a line or an item ("Maureen Kelly, 22 Bank
    Street"): a name the person finder does not know, listed with an address, is exposure."""
    words = run.group(0).split()
    if not 2 <= len(words) <= 3:
        return False
    for w in words:
        key = w.lower()
        if not _NAME_WORD_ONLY.fullmatch(w) or key in _NOT_NAMES or key in _ORG_NOUNS:
            return False
        if key in _VENUE_WORDS:
            return False
    return bool(_LINE_OR_LABEL_BEFORE.search(text, max(0, run.start() - 40), run.start()))


def _tied_loosely(text: str, start: int, people: Callable[[], _Spans], allowed: _Spans) -> bool:
    """Tied to a person without "lives at": a name or a client just before it, a delivery to
    someone's door, or an "Address:" label on a post that names someone."""
    before = start
    while before > max(0, start - 4) and text[before - 1] in _SEPARATORS:
        before -= 1
    s, _ = _sentence(text, start)
    if before < start:
        run = _NAME_RUN_BEFORE.search(text, max(0, before - 100), before)
        # Not a shop or a venue ("Sainsbury's Moortown", "Hillside Surgery"), not an allowed
        # name, not an invitation ("Meet Sarah Jones, 25 Church Road, every Tuesday").
        if (
            run
            and not allowed.overlaps(run.start(), run.end())
            # "Oliver Green, 22 Patel Forks": a given name and a surname that is also a place
            # word are a person, which the finder has already seen
            and (not _names_a_place(run.group(0)) or people().covers(run.start(), run.end()))
            and "'" not in run.group(0)
            and "’" not in run.group(0)
            and (
                not _INVITATION.search(text, min(s, run.start()), before)
                or _DELIVER_TO_BEFORE.search(text, max(s, run.start() - 50), run.start())
            )
        ) and (people().overlaps(run.start(), run.end()) or _looks_like_a_listed_name(text, run)):
            return True
        if _PERSON_NOUN_BEFORE.search(text, max(0, before - 20), before):
            return True
    gated = _mentions(text, _DELIVERY_GATE)
    cue = _DELIVERY_CUE.search(text, max(s, start - 60), start) if gated else None
    if cue and not _OURS.search(text, max(s, cue.start() - 40), start):
        around_start = _previous_sentence(text, s)
        lo = around_start[0] if around_start else s
        _, hi = _whole_sentence(text, start)
        if _FOR_SOMEONE.search(text, lo, hi) or people().overlaps(lo, hi):
            return True
    if _mentions(text, ("address",)) and _ADDRESS_LABEL.search(text, max(0, start - 40), start):
        return people().overlaps(max(0, start - 150), start + 150)
    return False


def _home_addresses(ctx: Context) -> _Spans:
    homes: _Spans = _once_per_run(ctx, "homes", lambda: _Spans(_find_home_addresses(ctx)))
    return homes


_DIGIT = re.compile(r"\d")  # any digit, as _HOUSE's and _MILITARY's \d take it
# _MILITARY needs "APO", "FPO" or "DPO"; _STREET_POSTAL ends with a ZIP (five digits) or a UK
# postcode, whose inward code is a digit and two capitals (GIR 0AA's too).
_MILITARY_GATE = ("apo", "fpo", "dpo")
_POSTCODE_OR_ZIP_END = re.compile(r"\d[ABD-HJLNP-UW-Z]{2}|\d{5}")


def _find_home_addresses(ctx: Context) -> list[tuple[int, int]]:
    text = ctx.text
    allowed = _allowed_spans(ctx)
    people = lambda: _everyone(ctx)  # noqa: E731 - only worked out when an address needs it
    found: list[tuple[int, int]] = []
    # Both patterns need a house number or a box number: a post without a digit skips them.
    streets: tuple[re.Pattern[str], ...] = ()
    if _DIGIT.search(text):
        streets = (_STREET,)
        if _mentions(text, _MILITARY_GATE):
            streets += (_MILITARY,)
        if _mentions(text, _POSTAL_GATE) and _POSTCODE_OR_ZIP_END.search(text):
            streets += (_STREET_POSTAL,)
    for m in itertools.chain.from_iterable(p.finditer(text) for p in streets):
        if allowed.covers(m.start("street"), m.end("street")):
            continue
        if _venue_follows(text, m.end("street")):
            continue
        if (
            _tied_to_resident(text, m.start(), people)
            or _tied_loosely(text, m.start(), people, allowed)
            or _HOME_AFTER.match(text, m.end())
        ):
            found.append(m.span())
    if not (_mentions(text, _HOME_CUE_GATE) or _mentions(text, _HOME_CUE_MORE_GATE)):
        return found
    capitalised = _Spans(found)
    for cue in _home_cues(text, 0, len(text)):
        street = _STREET_ANY_CASE.match(text, _skip_separators(text, cue.end()))
        span = street.span() if street else _numberless_street(text, cue, people)
        if not span or capitalised.overlaps(*span) or allowed.covers(*span):
            continue
        # "We visited Harold in his bungalow on…": whose home the cue says, whoever speaks.
        whose = _WHOSE_HOME.match(cue.group(0))
        if not _venue_follows(text, span[1]) and (whose or not _org_speaking(text, cue.start())):
            found.append(span)
    return found


def _numberless_street(
    text: str, cue: re.Match[str], people: Callable[[], _Spans]
) -> tuple[int, int] | None:
    """ "her place on Elm Ave", "Tom lives on Cardigan Road": a named street just after a home
    cue, with no house number, when the cue or the sentence says whose home it is."""
    m = _NAMED_STREET.match(text, cue.end())
    if m is None:
        return None
    if any(w.lower() in _NOT_NAMES - _ORG_NOUNS for w in m.group("street").split()[:-1]):
        return None  # "her flat in The Way…" is a title, "at Christmas Street…" a word run
    if not _WHOSE_HOME.match(cue.group(0)) and not people().overlaps(
        _sentence(text, cue.start())[0], cue.start()
    ):
        return None  # "Independent living at Beech Court": nobody's home in particular
    return m.span("street")


def _skip_separators(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t:,":
        pos += 1
    return pos


def _venue_follows(text: str, end: int) -> bool:
    """ "25 Church Road Community Centre": the street names a venue, not a home."""
    venue = _VENUE_AFTER.match(text, end)
    if venue and (venue.group(1).lower() in _ORG_NOUNS or venue.group(1).lower() in _VENUE_WORDS):
        return True
    return bool(_VENUE_AFTER_ANY_CASE.match(text, end))


@validator("home_address")
def home_address(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A street address said to be where a person lives; venues and allowed terms are fine."""
    for start, end in _home_addresses(ctx):
        yield Hit(start, end)


_POSTCODE = re.compile(
    rf"(?<![\w])(?:(?P<uk>{_UK_POSTCODE})|(?P<zip4>\d{{5}}-\d{{4}}))(?![\w]|-\d)"
)
_POSTCODE_ANY_CASE = re.compile(rf"(?i)(?<![\w])(?P<uk>{_UK_POSTCODE})(?![\w])")
_ZIP5 = re.compile(r"(?<![\w\-])\d{5}(?![\w]|-\d)")
_POSTCODE_OWNER = re.compile(
    r"(?i)(?:\b(?:his|her|their|my)|(?<=[a-z])'s)\s+(?:home\s+)?"
    r"(?:post\s?code|address|zip(?:\s+code)?)(?:\s+is)?[\s:,-]{0,3}$"
)
_FROM = re.compile(r"(?i)\bfrom\s+$")
_LABEL_BEFORE = re.compile(r"[,:–-][^\S\n]*$")


def _postcode_tied(ctx: Context, start: int) -> bool:
    text = ctx.text
    if _POSTCODE_OWNER.search(text, max(0, start - 40), start):
        return True
    if _tied_to_resident(text, start, lambda: _everyone(ctx)):
        return True
    label = _LABEL_BEFORE.search(text, max(0, start - 4), start)
    if label and _everyone(ctx).ends_between(label.start() - 1, label.start()):
        return True  # "Postcode for the parcel: Aaron, LS13 2QP"
    if _FROM.search(text, max(0, start - 6), start):
        s, _ = _sentence(text, start)
        return _everyone(ctx).overlaps(s, start) or bool(_PRONOUN.search(text, s, start))
    # As loosely as an address: "Residents: Tom Price, LS6 1AA; …", "cards can be sent to …";
    # but not the postcode ending a street address that is no one's home ("… Leeds LS7 3PQ").
    streets: _Spans = _once_per_run(
        ctx, "streets", lambda: _Spans(m.span() for m in _STREET.finditer(text))
    )
    if streets.overlaps(start, start + 1):
        return False
    return _tied_loosely(text, start, lambda: _everyone(ctx), _allowed_spans(ctx))


@validator("postcode")
def postcode(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A full postcode (or ZIP+4) tied to a person; an office's or a venue's is no finding."""
    text = ctx.text
    allowed = _allowed_spans(ctx)
    spans = [m.span() for m in _POSTCODE.finditer(text)]
    for m in _POSTCODE_ANY_CASE.finditer(text):
        if not m.group(0).isupper() and _POSTCODE_OWNER.search(
            text, max(0, m.start() - 40), m.start()
        ):
            spans.append(m.span())
    for m in _ZIP5.finditer(text):
        if _POSTCODE_OWNER.search(text, max(0, m.start() - 40), m.start()):
            spans.append(m.span())
    for start, end in sorted(set(spans)):
        if _home_addresses(ctx).covers(start, end) or allowed.covers(start, end):
            continue
        if _postcode_tied(ctx, start):
            yield Hit(start, end)


# ---------------------------------------------------------------------------------------------
# special_category

_LABELS = {
    "health": "health information",
    "addiction": "drug or alcohol use",
    "sexuality": "sexual orientation",
    "gender_identity": "gender identity",
    "religion": "religious belief",
    "immigration": "immigration status",
    "criminal_record": "a criminal record",
    "abuse": "experience of abuse",
    "gambling": "a gambling problem",
}
_TOKEN = re.compile(r"\w+")
_POSSESSIVE_BEFORE = re.compile(
    r"(?i)(?:\b(?:his|her|their|my)|(?<=[a-z])'s|(?<=[a-z])s')\s+"
    r"(?:(?!(?:with|to|for|from|about|on|at|in|and|or|the|a|an)\b)[\w-]{1,20}\s+){0,2}$"
)
_PERSONAL_VERB_BEFORE = re.compile(
    r"(?i)\b(?:has|had|have|got|with|battl\w*(?:\s+with)?|beat|beaten|beating|"
    r"surviv\w*(?:\s+of)?|victim\s+of|overc[ao]me\w*|kicked|quit|treated\s+for|using|uses|used|"
    r"diagnos\w*(?:\s+with)?|suffer\w*(?:\s+from)?|struggl\w*(?:\s+with)?|experienc\w*|"
    r"endur\w*|fled(?:\s+from)?|flee\w*(?:\s+from)?|escap\w*(?:\s+from)?|subjected\s+to|"
    r"recover\w*\s+from|addicted\s+to|hooked\s+on|lost\s+(?:\w+\s+){1,2}to|died\s+(?:of|from)|"
    r"dying\s+of|liv(?:ing|es|ed)\s+with|sober\s+from|clean\s+from|off)\s+"
    r"(?:(?!(?:for|to|about|on|at|in|into|from|by|of|against|around)\b)[\w'-]{1,20}\s+){0,2}$"
)
_TOPIC_PREPOSITION = re.compile(
    r"(?i)\b(?:about|around|regarding|re|tackling|tackle|tackles|fighting|against|ending|end|"
    r"into|understanding|discuss|discussing|explore|exploring|explores|learn|learning|"
    r"awareness\s+of|(?:talk|talks|session|workshop|training|course|speak|speaks|spoke|speaking|"
    r"presentation|webinar|article|blog|guide|advice|information|info|leaflet|research|panel|"
    r"discussion|podcast|video|film|focus|work|working|campaign|campaigning|expert|lead|policy|"
    r"report|update|conference|event|views|story|stories)(?:\s+\w+){0,2}\s+on)\s+$"
)  # "a talk on addiction" is a subject; "well done to Jade on getting clean" is news
_WORDS_AFTER = re.compile(r"[^\S\n]*([\w'’-]+)(?:[^\S\n]+([\w'’-]+))?")
_CAPITAL_AFTER = re.compile(r"[^\S\n]+[A-Z]")
_CAPITAL_BEFORE = re.compile(r"(?<![.!?:]\s)(?<!^)\b[A-Z][a-z]{1,20}[^\S\n]+$")
_WORKPLACE_BEFORE = re.compile(
    r"(?i)\b(?:works?|working|worked|volunteers?|volunteering|volunteered|nurses?|staff|runs?|"
    r"running|ran|manages?|managing|managed|teach(?:es|ing)?|taught|visits?|visiting|visited|"
    r"chaplain|based|employed|job|shift|placement)\s+"
    r"(?:(?!(?:has|had|have|is|was|who|with)\b)\w+\s+){0,2}$"  # not "volunteer Pete has MS"
)
_HELPING_WITH = re.compile(
    r"(?i)\b(?:help|helps|helped|helping|assist|assists|assisted|assisting|advice|advise|"
    r"advises|advised|advising|volunteer|volunteers|volunteered|volunteering)\s+"
    r"(?:out\s+)?with\s+(?:(?:the|our|a|an|some|any)\s+)?$"
)
_FUNCTION_WORDS = _words(
    "a an the this that these those last next every each for since in on at "
    "and but or so to of with from by is was are were be been has had have "
    "will would can could our their his her its my your all"
)
_GROUP_GAP_WORDS = 5
_WINDOW = 150


# In term lists, <n> stands for a number ("clean for <n> years"), <word> for any one word.
_WILDCARDS = {"<n>": r"\d{1,4}", "<word>": r"[\w'’-]{1,30}"}


# Compiled on first use: the condition vocabulary has thousands of names, and a post meets few.
_COMPILED: dict[tuple[str, int], re.Pattern[str]] = {}


@dataclass(frozen=True)
class _Term:
    pattern: str
    flags: int
    category: str
    topic: bool
    single_word: bool
    unless_next: frozenset[str]  # "transitioning to a new role" is not about gender
    second: str  # its second word, lower case ("" if none or a wildcard): a cheap first test

    @property
    def regex(self) -> re.Pattern[str]:
        key = (self.pattern, self.flags)
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = _COMPILED[key] = re.compile(self.pattern, self.flags)
        return compiled


@lru_cache(maxsize=8)
def _vocabulary(name: str) -> tuple[str, ...]:
    """A word list shipped under bot/checks/data/ (built by a script in scripts/), one a line."""
    path = resources.files("bot.checks").joinpath("data", *name.split("/"))
    if ".." in name.split("/") or not path.is_file():
        raise ValueError(
            f"special_category: vocabularies names {name!r}, which is not a word list shipped "
            "with Countersign (for example conditions/icd10cm.txt)"
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@dataclass(frozen=True)
class _Lexicon:
    by_word: _ByWord  # first word, lower case
    by_exact_word: Mapping[str, tuple[_Term, ...]]  # first word of ALL-CAPS terms, as written
    followers: frozenset[str]
    groups: frozenset[str]


_LEXICONS: dict[int, tuple[object, _Lexicon]] = {}


def _lexicon(rule: RulePack) -> _Lexicon:
    options = rule.options
    cached = _LEXICONS.get(id(options))
    if cached is not None and cached[0] is options:
        return cached[1]
    by_word: dict[str, list[_Term]] = {}
    by_exact: dict[str, list[_Term]] = {}
    # (phrase, category, topic, the listed phrase it comes from)
    entries: list[tuple[str, str, bool, str]] = []
    for key, topic in (
        ("terms", False),
        ("extra_terms", False),
        ("topics", True),
        ("extra_topics", True),
    ):
        for category, phrases in (options.get(key) or {}).items():
            for p in phrases or ():
                listed = str(p)
                entries.append((listed, str(category), topic, listed))
                # "convictions", "sectioning", "relapses": the listed word's other forms.
                entries += [(f, str(category), topic, listed) for f in phrase_forms(listed)]
    unless = {
        str(k).lower(): frozenset(str(w).lower() for w in v or ())
        for k, v in (options.get("not_followed_by") or {}).items()
    }
    for phrase, category, topic, listed in sorted(entries, key=lambda e: -len(e[0])):
        words = phrase.split()
        if not words or words[0] in _WILDCARDS:
            continue
        exact = phrase.isupper()
        term = _Term(
            _term_regex(words),
            0 if exact else re.IGNORECASE,
            category,
            topic,
            len(words) == 1,
            unless.get(listed.lower(), frozenset()),
            _second_token(words),
        )
        first = _TOKEN.match(words[0])
        if not first:
            continue
        if exact:
            by_exact.setdefault(first.group(0), []).append(term)
        else:
            by_word.setdefault(first.group(0).lower(), []).append(term)
    # Shipped vocabularies ("health: [conditions/icd10cm.txt]"), read as topic words: a
    # condition's name is a subject until "has", "diagnosed with" or "her" ties it to someone.
    # Their terms are made once per process, whatever policy is loaded.
    vocabularies = tuple(
        _vocabulary_terms(str(name), str(category))
        for category, names in (options.get("vocabularies") or {}).items()
        for name in names or ()
    )
    groups = frozenset(str(w).lower() for w in options.get("group_words") or ())
    followers = frozenset(str(w).lower() for w in options.get("topic_followers") or ()) | groups
    lexicon = _Lexicon(
        _ByWord({k: tuple(v) for k, v in by_word.items()}, vocabularies),
        {k: tuple(v) for k, v in by_exact.items()},
        followers,
        groups,
    )
    if len(_LEXICONS) > 8:
        _LEXICONS.clear()  # policies reloaded many times over: keep only the recent ones
    _LEXICONS[id(options)] = (options, lexicon)
    return lexicon


class _VocabularyTerms:
    """A shipped vocabulary's phrases by first word. A word's terms are made when a post first
    meets it: making all 6,400 condition names' terms took a tenth of a second of the first
    check in every new process (`countersign check`), for the few words a post holds."""

    def __init__(self, category: str, phrases: dict[str, list[list[str]]]) -> None:
        self.category = category
        self.phrases = phrases  # first word, lower case → each phrase's words, in file order
        self._terms: dict[str, tuple[_Term, ...]] = {}

    def terms(self, word: str) -> tuple[_Term, ...]:
        made = self._terms.get(word)
        if made is None:
            made = self._terms[word] = tuple(
                _Term(
                    _term_regex(words),
                    re.IGNORECASE,
                    self.category,
                    True,
                    len(words) == 1,
                    frozenset(),
                    _second_token(words),
                )
                for words in self.phrases.get(word, ())
            )
        return made


@lru_cache(maxsize=8)
def _vocabulary_terms(name: str, category: str) -> _VocabularyTerms:
    by_word: dict[str, list[list[str]]] = {}
    for phrase in _vocabulary(name):
        words = phrase.split()
        first = _TOKEN.match(words[0]) if words else None
        if first is None:
            continue
        by_word.setdefault(first.group(0).lower(), []).append(words)
    return _VocabularyTerms(category, by_word)


class _ByWord(Mapping[str, tuple[_Term, ...]]):
    """First word → terms: the policy's listed terms, then each vocabulary's, in that order."""

    def __init__(
        self, listed: dict[str, tuple[_Term, ...]], vocabularies: tuple[_VocabularyTerms, ...]
    ) -> None:
        self._listed = listed
        self._vocabularies = vocabularies
        # Every first word: tested as a plain set (a method call per word costs a post's
        # thousand words more).
        self.words = frozenset(listed).union(*(v.phrases for v in vocabularies))
        self._joined: dict[str, tuple[_Term, ...]] = {}

    def __contains__(self, word: object) -> bool:
        return word in self.words

    def __getitem__(self, word: str) -> tuple[_Term, ...]:
        found = self.get(word)
        if found is None:
            raise KeyError(word)
        return found

    def get(self, word: str, default: Any = None) -> Any:
        joined = self._joined.get(word)
        if joined is None:
            if word not in self.words:
                return default
            joined = self._listed.get(word, ())
            for vocabulary in self._vocabularies:
                joined += vocabulary.terms(word)
            self._joined[word] = joined
        return joined

    def __iter__(self) -> Iterator[str]:
        return iter(self.words)

    def __len__(self) -> int:
        return len(self.words)


def _second_token(words: Sequence[str]) -> str:
    tokens = _TOKEN.findall(words[0])
    if len(tokens) > 1:
        return tokens[1].lower()  # "alzheimer's" → "s", "self-harm" → "harm"
    if len(words) > 1 and words[1] not in _WILDCARDS:
        following = _TOKEN.findall(words[1])
        return following[0].lower() if following else ""
    return ""


def _term_regex(words: Sequence[str]) -> str:
    parts = []
    for word in words:
        if word in _WILDCARDS:
            parts.append(_WILDCARDS[word])
        else:
            parts.append(r"[\s-]?".join(re.escape(p) for p in word.split("-")))
    body = r"\s+".join(parts)
    tail = r"(?![\w])(?!-\w)" if words[-1][-1].isalnum() else r"(?![\w+])"
    return body + tail


def _term_hits(text: str, lexicon: _Lexicon) -> Iterator[tuple[int, int, _Term]]:
    """Every term in reading order, longest first at a position, never overlapping."""
    done = 0
    # Only tokens that start a term are looked at: the post's distinct words are checked once.
    words = _TOKEN.findall(text)
    exact, first_words = lexicon.by_exact_word, lexicon.by_word.words
    starting = {w for w in set(words) if w in exact or w.lower() in first_words}
    if not starting:
        return
    tokens = list(_TOKEN.finditer(text))
    for i in [i for i, w in enumerate(words) if w in starting]:
        token = tokens[i]
        if token.start() < done:
            continue
        if token.start() > 0 and text[token.start() - 1] in "#@":
            continue
        candidates = (
            *lexicon.by_exact_word.get(token.group(0), ()),
            *lexicon.by_word.get(token.group(0).lower(), ()),
        )
        if not candidates:
            continue
        following = tokens[i + 1].group(0).lower() if i + 1 < len(tokens) else ""
        best: tuple[int, _Term] | None = None
        for term in candidates:
            if term.second and term.second != following:
                continue  # thousands of condition names share a first word ("chronic")
            m = term.regex.match(text, token.start())
            if not m or (best is not None and m.end() <= best[0]):
                continue
            if term.unless_next:
                after = _WORDS_AFTER.match(text, m.end())
                if after and (after.group(1) or "").lower() in term.unless_next:
                    continue
            best = (m.end(), term)
        if best is not None:
            done = best[0]
            yield token.start(), best[0], best[1]


def states_a_sensitive_fact(ctx: Context) -> bool:
    """Whether the post states a sensitive fact anywhere ("100 days clean", "came out",
    "granted asylum"), whoever it is about: a topic word alone ("HIV testing") is not one. The
    tagged-handle rule asks it, since a handle is a person the name finder does not see."""

    def compute() -> bool:
        rule = ctx.policy.rule("special_category")
        if rule is None or not rule.enabled:
            return False
        lexicon = _lexicon(rule)
        for start, end, term in _term_hits(ctx.text, lexicon):
            if not term.topic and not _about_topic(ctx.text, start, end, term, lexicon):
                return True
        return False

    found: bool = _once_per_run(ctx, "sensitive_fact", compute)
    return found


def _about_group(
    text: str, start: int, sentence_start: int, lexicon: _Lexicon, people: _Spans
) -> bool:
    """ "people living with HIV", "for women who have survived abuse": a group, not a person."""
    words = list(_TOKEN.finditer(text, max(sentence_start, start - 60), start))
    for w in words[-_GROUP_GAP_WORDS:]:
        if (
            w.group(0).lower() in lexicon.groups
            and not people.overlaps(w.end(), start)
            and not membership_cue(text, w.start(), w.end())  # "(one of our residents)": one
        ):
            return True
    return False


def _about_topic(text: str, start: int, end: int, term: _Term, lexicon: _Lexicon) -> bool:
    """ "HIV testing", "Refugee Week", "Christian Aid", "a talk about addiction"."""
    after = _WORDS_AFTER.match(text, end)
    if after:
        first, second = (w.lower() if w else "" for w in after.groups())
        if first in lexicon.followers and first not in _FUNCTION_WORDS:
            return True  # "HIV testing"; not "goes to Mass every morning"
        # "HIV treatment nurse" is a job; "prison last week" is a story.
        if second in lexicon.followers and first not in _FUNCTION_WORDS:
            return True
    if term.single_word and _CAPITAL_AFTER.match(text, end):
        return True  # "Christian Aid", "Refugee Week", "Sober October"
    if (
        term.single_word
        and text[start].isupper()
        and _CAPITAL_BEFORE.search(text, max(0, start - 25), start)
    ):
        return True  # "Sarah Gay from the council": a surname
    if _HELPING_WITH.search(text, max(0, start - 40), start):
        return True  # "Sarah is helping with asthma checks"; not "help with her asthma"
    if _WORKPLACE_BEFORE.search(text, max(0, start - 40), start):
        return True  # "works in prison", "volunteers in our refuge"
    return bool(_TOPIC_PREPOSITION.search(text, max(0, start - 25), start))


# "Bernie is undocumented", "Kev has a gambling problem": an unfamiliar capitalised first
# word, then "is" or "has", then the fact. "Has" asks more of the word (below): "Leeds has a
# gambling problem" is a place, and a place's name is a common word to wordfreq.
_SUBJECT_IS = re.compile(
    r"([A-Z][a-z]{1,20})\s+(?:is|was|has\s+been|had\s+been|(?P<has>has|had|has\s+got))\s+"
    r"(?:(?:now|still|also|just|recently|currently|newly|a|an|on|in|the|under|back)\s+){0,3}$"
)


def _named_subject(text: str, sentence_start: int, start: int, lexicon: _Lexicon) -> bool:
    m = _SUBJECT_IS.search(text, max(sentence_start, start - 60), start)
    if m is None or not _sentence_initial(text, m.start()):
        return False
    word = m.group(1).lower()
    if word in _NOT_NAMES or word in _ORG_NOUNS or word in lexicon.by_word.words:
        return False
    return not (m.group("has") and gazetteer().is_common_word(m.group(1)))


# "Ahmed goes to our group for LGBTQ+ asylum seekers", "Sarah attends the trans support group":
# going to a group for people with something says they have it.
_ATTENDS_BEFORE = re.compile(
    r"(?i)\b(?:goes|go|going|went|attends|attended|attending|comes|came|coming|joined|joins|"
    r"member\s+of|regular\s+at|started\s+going)\s+(?:to\s+)?"
    r"(?:(?:our|the|a|an|her|his|their|weekly|local|new)\s+)*"
    r"(?:(?:[\w+'’-]+\s+){0,3}?(?:group|meeting|meetings|club|network|circle|cafe|café|"
    r"session|sessions)\s+for\s+(?:(?:other|young|local|fellow)\s+)?)?$"
)
_MEMBERSHIP = _words("group groups meeting meetings club network circle support anonymous cafe")


def _attends(text: str, start: int, end: int, lexicon: _Lexicon) -> bool:
    if not _ATTENDS_BEFORE.search(text, max(0, start - 70), start):
        return False
    after = _WORDS_AFTER.match(text, end)
    if after is None:
        return True
    following = [(w or "").lower() for w in after.groups()]
    # "went to the cancer research fun run" is an outing; "the HIV support group", membership.
    return any(w in _MEMBERSHIP for w in following) or not any(
        w in lexicon.followers for w in following
    )


def _tied_to_person(
    text: str, start: int, end: int, term: _Term, lexicon: _Lexicon, people: _Spans
) -> bool:
    s, e = _sentence(text, start)
    s, e = max(s, start - _WINDOW), min(e, end + _WINDOW)
    # Someone other than the term itself ("Christian" is a name too).
    if not (
        people.overlaps(s, start)
        or people.overlaps(end, e)
        or _named_subject(text, s, start, lexicon)
    ):
        previous = _previous_sentence(text, s)
        if previous is None or not _PRONOUN.search(text, s, e):
            return False  # "Meet Sarah. She was diagnosed…" reaches back one sentence
        if not people.overlaps(*previous):
            return False
    if _about_group(text, start, s, lexicon, people):
        return False
    if _attends(text, start, end, lexicon):
        return True
    if _about_topic(text, start, end, term, lexicon):
        return False
    if term.topic:
        return bool(
            _POSSESSIVE_BEFORE.search(text, max(0, start - 40), start)
            or _PERSONAL_VERB_BEFORE.search(text, max(0, start - 60), start)
        )
    return True


@validator("special_category")
def special_category(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """Health, sexuality, religion, immigration, criminal or abuse facts about someone named."""
    text = ctx.text
    lexicon = _lexicon(rule)
    people: _Spans | None = None
    last: tuple[int, int, str] | None = None
    for start, end, term in _term_hits(text, lexicon):
        if people is None:
            people = _everyone(ctx)
        if not _tied_to_person(text, start, end, term, lexicon, people):
            continue
        # "6 months sober from heroin" is one fact, not two findings.
        if last and last[2] == term.category and start - last[1] <= 12:
            last = (last[0], end, term.category)
            continue
        if last:
            yield _special_hit(*last)
        last = (start, end, term.category)
    if last:
        yield _special_hit(*last)


def _special_hit(start: int, end: int, category: str) -> Hit:
    what = _LABELS.get(category, category.replace("_", " "))
    return Hit(
        start,
        end,
        message=f"This reveals {what} about a person readers can identify: "
        "special-category data that needs their explicit consent.",
    )


# ---------------------------------------------------------------------------------------------
# confidential_location

# Street words as people write them: "12 Acacia Ave" is "12 Acacia Avenue".
_SAME_WORDS = (
    ("avenue", "ave", "av"),
    ("road", "rd"),
    ("street", "st", "str"),
    ("lane", "ln"),
    ("drive", "dr"),
    ("close", "cl"),
    ("crescent", "cres"),
    ("gardens", "gdns"),
    ("court", "ct"),
    ("place", "pl"),
    ("terrace", "tce", "terr"),
    ("square", "sq"),
    ("grove", "gr"),
    ("saint", "st"),
    ("mount", "mt"),
    ("house", "ho"),
    ("north", "n"),
    ("south", "s"),
    ("east", "e"),
    ("west", "w"),
    ("flat", "apartment", "apt"),
)
_SYNONYMS: dict[str, frozenset[str]] = {}
for _group in _SAME_WORDS:
    for _word in _group:
        _SYNONYMS[_word] = _SYNONYMS.get(_word, frozenset()) | frozenset(_group)
_ADDRESS_PART = re.compile(r"\d")
_POSTCODE_IN = re.compile(rf"(?i)(?<![\w]){_UK_POSTCODE}(?![\w])")
_STREET_IN = re.compile(rf"(?i)\d{{1,4}}[a-z]?\s+(?:[a-z][\w'’-]{{0,20}}\s+){{1,3}}{_SUFFIX}\b")


def _token_regex(token: str) -> str:
    key = token.lower()
    options = _SYNONYMS.get(key, frozenset({key}))
    if len(options) == 1:
        return re.escape(key)
    return "(?:" + "|".join(re.escape(o) for o in sorted(options, key=len, reverse=True)) + ")"


def _loose_phrase(phrase: str) -> str | None:
    """A phrase matched whatever the case, spacing, punctuation or street-word abbreviation."""
    tokens = _TOKEN.findall(phrase)
    if not tokens:
        return None
    return r"\.?[\W_]{0,4}".join(_token_regex(t) for t in tokens)


def _loose_regex(phrases: Iterable[str]) -> re.Pattern[str] | None:
    bodies = sorted({b for p in phrases if (b := _loose_phrase(p))}, key=len, reverse=True)
    if not bodies:
        return None
    return re.compile(rf"(?i)(?<![\w])(?:{'|'.join(bodies)})(?![\w])")


def _location_parts(phrase: str) -> list[str]:
    """The whole phrase, its address lines with a number in them, its postcode, its street."""
    parts = [phrase]
    if "," in phrase:
        parts += [
            p.strip()
            for p in phrase.split(",")
            if _ADDRESS_PART.search(p) and len(_TOKEN.findall(p)) >= 2
        ]
    parts += [m.group(0) for m in _POSTCODE_IN.finditer(phrase)]
    parts += [m.group(0) for m in _STREET_IN.finditer(phrase)]
    return parts


@lru_cache(maxsize=8)
def _location_regexes(
    locations: tuple[Location, ...],
) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for location in locations:
        parts = [part for phrase in location.phrases for part in _location_parts(phrase)]
        regex = _loose_regex(parts)
        if regex is not None:
            compiled.append((location.label, regex))
    return tuple(compiled)


@validator("confidential_location")
def confidential_location(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A refuge's or safe house's address or name; the finding names the label, never the place."""
    for label, regex in _location_regexes(ctx.policy.locations):
        spans: list[list[int]] = []
        for m in regex.finditer(ctx.text):
            if spans and m.start() <= spans[-1][1]:
                spans[-1][1] = max(spans[-1][1], m.end())
            else:
                spans.append([m.start(), m.end()])
        for start, end in spans:
            yield Hit(
                start,
                end,
                message=f"This names a confidential location ({label}); "
                "publishing it can lead an abuser to the people there.",
            )
