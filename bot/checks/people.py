"""Who a post is about: possible service users, tagged handles and children named with a school.

The person finder is in identifiers.py (`_people`, `_everyone`); membership cues and roles are in
membership.py. These rules put them together: a person tied to "one of our residents" and to a
contact detail, an address, an identifier or a sensitive fact is someone we support, identified.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.checks.engine import Context, Hit, raw_blocks, validator
from bot.checks.identifiers import (
    _everyone,
    _once_per_run,
    _register_spans,
    _Spans,
    states_a_sensitive_fact,
)
from bot.checks.membership import Cue, cue_near, membership_cues, role_of
from bot.checks.policy import RulePack

# What other rules find that, with a membership cue, identifies a person we support; each in
# words for the message.
_EVIDENCE = {
    "phone_number": "a phone number",
    "email_address": "an e-mail address",
    "home_address": "a home address",
    "postcode": "a postcode",
    "confidential_location": "a confidential location",
    "refuge_location": "where a refuge is",
    "date_of_birth": "a date of birth",
    "nhs_number": "an NHS number",
    "ni_number": "a National Insurance number",
    "ssn": "a Social Security number",
    "case_reference": "a case reference",
    "passport_number": "a passport number",
    "driving_licence": "a driving licence number",
    "vehicle_registration": "a vehicle registration",
    "special_category": "a sensitive fact (health, sexuality, religion, immigration, "
    "criminal record or abuse)",
}


def _evidence(ctx: Context) -> list[str]:
    """What the evidence rules find in this post, in words (worked out only when a post has a
    membership cue next to a person — a few posts in a hundred — from what the engine found)."""

    def compute() -> list[str]:
        seen: list[str] = []
        for rule in ctx.policy.rules:
            if rule.id not in _EVIDENCE or not rule.enabled or rule.validator is None:
                continue
            # The engine has already run the evidence rules listed before this one.
            if raw_blocks(ctx, rule):
                seen.append(_EVIDENCE[rule.id])
        return seen

    found: list[str] = _once_per_run(ctx, "people.evidence", compute)
    return found


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


@validator("service_user")
def service_user(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A person named as one of the people we support, with something that identifies them."""
    text = ctx.text
    if not membership_cues(text):
        return
    told: set[Cue] = set()
    for start, end in _everyone(ctx):
        cue = cue_near(text, start, end)
        if cue is None or cue in told or role_of(text, start, end):
            continue
        told.add(cue)  # one finding per cue: "St Anne" inside "a tenant of St Anne's Court"
        evidence = _evidence(ctx)
        if evidence:
            yield Hit(
                min(start, cue.start),
                max(end, cue.end),
                message=f"This names a person as {cue.label} together with "
                f"{_listed(evidence)}: together they identify someone we support.",
            )
        elif not _registered(ctx, start, end):
            # Being named as a client of a refuge, an HIV or a recovery service is itself the
            # sensitive fact (issue [9]: a possible service user seen with a membership cue).
            # Consent is what makes it fine, and the register is where consent is recorded:
            # a registered name is judged by `registered_person` on its consent instead.
            yield Hit(
                min(start, cue.start),
                max(end, cue.end),
                message=f"This names a person as {cue.label}, and they are not on the consent "
                "register: naming someone we support needs their recorded consent.",
                suggestion="Leave the name out, or record their consent first "
                "(an admin: `/countersign people add`) if they have agreed to be named.",
            )


def _registered(ctx: Context, start: int, end: int) -> bool:
    """Whether the consent register names the person at this span (whatever their consent)."""
    return _Spans(_register_spans(ctx)).overlaps(start, end)


# -- tagged_handle ---------------------------------------------------------------------------

# X handles are at most 15 letters, digits and underscores; Instagram's 30, dots allowed.
_HANDLE = re.compile(r"(?<![\w@./])@([A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?)(?![\w@])")
# A post about a service whose users are private: tagging someone there says they use it.
_SERVICE_CONTEXT = re.compile(
    r"(?i)\b(?:support\s+group|recovery|in\s+recovery|refuge|safe\s+house|asylum|hiv|aids\b|"
    r"prep\b|sexual\s+health|rehab|detox|sober|sobriety|aa\s+meeting|na\s+meeting|"
    r"(?:alcoholics|narcotics|gamblers)\s+anonymous|hostel|homeless|rough\s+sleep\w*|"
    r"domestic\s+(?:abuse|violence)|survivors?(?:'|’)?\s+(?:group|circle|network)|"
    r"peer\s+support|mental\s+health|self[\s-]harm|addiction|methadone|probation|"
    r"prison\s+leavers?|food\s?bank|bereavement\s+group|eating\s+disorders?|"
    r"dementia\s+(?:cafe|café|group)|carers?(?:'|’)?\s+group|trans\s+(?:group|support)|"
    # whose members are private too: survivors, LGBTQ+ young people, care leavers, the
    # bereaved, a domestic-abuse course; and someone "sharing their story" is telling one
    r"survivors?\b|lgbt\w*|queer|youth\s+(?:group|club|project|service)|care\s+leavers?|"
    r"bereave\w*|grief|counselling|therapy\s+group|freedom\s+programme|"
    r"shar(?:e|ed|ing)\s+(?:your|their|his|her)\s+(?:story|journey|experience)|"
    # and more services whose users are private: night shelters, soup runs, needle exchanges,
    # sanctuary and migrant groups, gender clinics, prison and hospital stays
    r"night\s+shelter|soup\s+(?:run|kitchen)|needle\s+exchange|harm\s+reduction|naloxone|"
    r"sanctuary|migrants?|refugees?|gender\s+clinic|prison|hmp\b|psychiatric|"
    r"(?:days?|weeks?|months?|years?)\s+(?:clean|sober)|clean\s+and\s+sober|"
    r"(?:12|twelve)[\s-]step|women'?s\s+aid|hepatitis|hep\s+c\b|cancer\s+support|"
    r"(?:our|the|at|to)\s+(?:(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"weekly|women'?s|men'?s|peer|parents?'?|carers?'?)\s+)(?:group|circle|session|drop[\s-]?in|"
    r"centre|center)|"
    # "brave at group last night": a bare "group" is a therapy or support group
    r"(?:at|to|in|after|before|from)\s+group\b(?!\s+(?:level|size|rates?|bookings?|leaders?)))"
)
# Handles that are bodies, not people: "@LeedsCC", "@NHSEngland", "@ForumCentral". Long words
# anywhere in the handle; short ones only at its start or end, or between underscores
# ("@luke_b" is not "uk", "@aidan_k" not "aid", "@rebecca" not "cc").
_ORG_WORD = re.compile(
    r"(?i)(?:council|trust|charity|charities|foundation|official|news|project|team|group|"
    r"network|service|centre|center|support|radio|police|samaritans|shelter|forum|society|"
    r"market|bakery|kitchen|brewery|festival|gallery|studio|collective|hospice|pharmacy|"
    r"surgery|practice|football|rugby|cricket|sports|"
    r"alliance|partnership|together|church|mosque|school|college|library|museum|theatre|"
    r"housing|health|clinic|hospital|action|media|press|times|magazine|mayor|minister|"
    r"county|city|leeds|cafe|club)"
)
_ORG_AFFIX = re.compile(
    r"(?i)(?:^|_)(?:nhs|gov|hq|cic|uk|cc|fc|fm|tv|org|ltd|inc|uni|aid|bbc|itv|sky|mp|mep|"
    r"cllr|hub|care|hope|mind|post|echo|live|bank|coop)(?:_|$)|"
    r"^(?:nhs|gov|bbc|itv|cllr)|(?:nhs|gov|hq|cic|uk|cc|fc|fm|tv|org|ltd|inc|mp|"
    r"mep|hub|care|hope|mind|bank|coop|aid)$"
)


def _organisation_handle(handle: str) -> bool:
    return bool(_ORG_WORD.search(handle) or _ORG_AFFIX.search(handle))


def _own_handles(ctx: Context) -> frozenset[str]:
    """The organisation's own names squashed ("Northside Hope" → "northsidehope"), from
    allow.terms and the allowed e-mail domains: its handles are one of these."""
    allow = ctx.policy.allow
    names = {re.sub(r"[\W_]", "", t.lower()) for t in allow.terms}
    names |= {d.split(".")[0].replace("-", "") for d in allow.email_domains}
    names |= {e.split("@")[-1].split(".")[0].replace("-", "") for e in allow.emails}
    return frozenset(n for n in names if n)


@validator("tagged_handle")
def tagged_handle(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A person's @handle in a post about a support, recovery, HIV, refuge or asylum service."""
    text = ctx.text
    if "@" not in text:
        return
    handles = list(_HANDLE.finditer(text))
    # A post about a private service, one naming someone as one of ours, or one stating a
    # sensitive fact ("100 days clean", "granted asylum") about whoever it tags.
    if not handles or not (
        _SERVICE_CONTEXT.search(text) or membership_cues(text) or states_a_sensitive_fact(ctx)
    ):
        return
    own = _own_handles(ctx)
    for m in handles:
        name = m.group(1).lower().replace("_", "").replace(".", "")
        if name in own or any(o and (name.startswith(o) or o.startswith(name)) for o in own):
            continue
        if _organisation_handle(m.group(1)) or role_of(text, m.start(), m.end()):
            continue
        yield Hit(m.start(), m.end())


# -- child_school ----------------------------------------------------------------------------

# Every repeat is bounded: "Primary Primary Primary…" must stay linear.
_SCHOOL = re.compile(
    r"(?:\b(?:St\.?|Saint)\s+)?\b[A-Z][\w'’]{1,20}(?:\s+[A-Z][\w'’]{1,20}){0,3}\s+"
    r"(?:(?:C\s?of\s?E|CE|RC|Catholic|Church\s+of\s+England|Community|Junior|Infant|Primary|"
    r"Secondary|High|Grammar|Middle|Nursery|Free|Academy|Junior\s+and\s+Infant|Infant\s+and\s+"
    r"Junior)\s+){0,3}(?:Primary|Academy|School|Nursery|Juniors|Infants|High|Grammar|Prep)\b"
)
# "Year 6 at St Mary's", "in Reception at Oakwood": a school year then a school by its name
# alone, with no "Primary" or "School" after it.
_YEAR_AT_SCHOOL = re.compile(
    r"(?i:\b(?:year|yr)\s?\d{1,2}|\breception)\s+(?:at|in)\s+(?:the\s+)?"
    r"(?:(?:St\.?|Saint)\s+)?[A-Z][\w'’-]{1,20}(?:\s+[A-Z][\w'’-]{1,20}){0,3}"
)
_SCHOOL_GATE = (
    "primary",
    "academy",
    "school",
    "nursery",
    "juniors",
    "infants",
    "high",
    "prep",
)
_YEAR_GATE = ("year", "yr", "reception")
# _SCHOOL ends with one of these words, in this case: "the school run" never matches.
_SCHOOL_TYPES = (
    "Primary",
    "Academy",
    "School",
    "Nursery",
    "Juniors",
    "Infants",
    "High",
    "Grammar",
    "Prep",
)
# What joins a child to a school: "Jayden from St Mary's", "Amira (Year 4, Oakwood Academy)",
# "Lily from Year 5 at St Anne's Primary".
# "Ruby, who is in Year 3 at…", "Oscar goes to…", "Mia (8) started at…".
_CHILD_LINK = re.compile(
    r"(?i)^[\s,(–-]*(?:(?:who|that)\s+(?:is|was|'s|’s)\s+(?:now\s+|currently\s+|just\s+)?"
    r"|(?:is|was|'s|’s)\s+(?:now\s+|currently\s+)?)?(?:\d{1,2}\s+and\s+)?(?:an?\s+)?"
    # "Mia started Reception at…", "Leo has moved up to Year 3 at…"
    r"(?:(?:has\s+|just\s+)?(?:started|starts|starting|joined|joins|moved\s+up\s+to|moves\s+up\s+to|"
    r"is\s+starting)\s+)?"
    r"(?:(?:aged\s+\d{1,2}|\d{1,2}|in\s+|from\s+)?(?:the\s+)?[\s,)]*(?:year|yr|y)\s?\d{1,2}"
    r"(?:\s+(?:class|group|form))?[\s,]*"
    r"|(?:in\s+)?reception[\s,]*|(?:in\s+)?nursery[\s,]*|aged\s+\d{1,2}[\s,)]*|\d{1,2}\)\s*)?"
    r"(?:(?:pupil|student|learner|girl|boy)s?\s+)?"
    r"(?:from|at|of|in|(?:who\s+)?(?:goes|go|went|going|started|starts|starting|moved|moves|"
    r"has\s+started|is\s+starting|is\s+going)\s+(?:to|at)|(?:who\s+)?(?:attends|attended|"
    r"attending)|(?:a\s+)?(?:pupil|student)\s+at|,|\()?\s*(?:the\s+)?$"
)
_SCHOOL_ADULTS_AFTER = re.compile(
    r"(?:'s|’s)?\s+(?:PTA|PTFA|PFA|[Gg]overnors?|[Ss]taff|[Pp]arents?(?:'|’)?|[Tt]eachers?|"
    r"[Hh]ead(?:teacher)?|[Oo]ffice|[Tt]eam|[Cc]aretaker|[Cc]hair)\b"
)
_PUPIL_BETWEEN = re.compile(r"(?i)(?:'s?|’s?)?\s+(?:pupils?|students?|learners?|year\s?\d{1,2})\s+")
_TITLE = re.compile(r"(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\b")
_TITLE_BEFORE = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+$")


@validator("child_school")
def child_school(ctx: Context, rule: RulePack) -> Iterable[Hit]:
    """A given name and the school the child goes to: enough to find a child."""
    text = ctx.text
    low = text.lower()
    schools = (
        list(_SCHOOL.finditer(text))
        if any(g in low for g in _SCHOOL_GATE) and any(w in text for w in _SCHOOL_TYPES)
        else []
    )
    if any(g in low for g in _YEAR_GATE):
        schools += [
            m
            for m in _YEAR_AT_SCHOOL.finditer(text)
            if not any(s.start() < m.end() and m.start() < s.end() for s in schools)
        ]
    if not schools:
        return
    people = [p for p in _everyone(ctx) if not any(s.start() <= p[0] < s.end() for s in schools)]
    for school in schools:
        for start, end in people:
            if (
                _TITLE.match(text, start)
                or _TITLE_BEFORE.search(text, max(0, start - 6), start)
                or role_of(text, start, end)
            ):
                continue  # "Mrs Patel from Oakwood Academy": a teacher
            if _SCHOOL_ADULTS_AFTER.match(text, school.end()):
                continue  # "Lucy from Oakfield Primary PTA": a parent or a governor
            if end <= school.start() and _CHILD_LINK.match(text[end : school.start()]):
                yield Hit(start, school.end())
            elif school.end() <= start and _PUPIL_BETWEEN.fullmatch(text, school.end(), start):
                yield Hit(school.start(), end)  # "Oakwood Academy pupil Jayden"
