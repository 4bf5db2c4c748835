#!/usr/bin/env python3
"""Generate the external test sets in tests/corpus/external/, deterministically.

Usage: python scripts/make_external_sets.py [--check]

Three sets, in the corpus schema (tests/corpus/README.md), scored by
``python scripts/evaluate_checks.py --all`` and never tuned on:

- ``terms.yaml``: sentences about a person built from retext-equality's pattern data and the
  cuss and LDNOOBW word lists (vendored with their licences under ``external/data/``), each with
  a matched control;
- ``faker.yaml``: Faker-made leaks (names with a condition, UK and US addresses, phones,
  e-mails, dates of birth, NHS/NI/SSN, cards, IBANs, driving licences, passports) and Faker-made
  clean posts (venues, staff, charity numbers, event dates);
- ``identifiers.yaml``: per format, positives with a valid checksum tied to a person, and
  negatives (an invalid checksum or no word for it) laid out as Presidio's recognizer tests are.

Everything is seeded; the same Faker version gives the same files byte for byte. ``--check``
regenerates in memory and exits 1 if a committed file differs. No network.
"""

from __future__ import annotations

import argparse
import random
import re
import string
import sys
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "corpus" / "external"
DATA = OUT / "data"
HEADER_FROM = ROOT / "tests" / "corpus" / "sealed" / "posts.yaml"
SEED = 9  # issue [9]; change it and every file changes

Post = dict[str, Any]


# The corpus's "today": Faker's own date_of_birth counts back from the real day, which made the
# committed set depend on the day the test ran (a CI run with the clock moved failed on it).
CORPUS_TODAY = date(2026, 11, 23)


def _born(fake: Any, youngest: int, oldest: int) -> date:
    """A birth date for someone aged ``youngest`` to ``oldest`` on CORPUS_TODAY."""
    return fake.date_between_dates(
        date_start=CORPUS_TODAY - timedelta(days=365 * oldest),
        date_end=CORPUS_TODAY - timedelta(days=365 * youngest),
    )


def _rng(name: str) -> random.Random:
    # Not for secrets: a fixed seed per set so that each set is reproducible on its own.
    return random.Random(f"{SEED}:{name}")  # noqa: S311


# -- checksums (the generator computes them; tests check them on published examples) ----------


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(prefix: str) -> str:
    return next(prefix + str(c) for c in range(10) if luhn_valid(prefix + str(c)))


def iban_valid(iban: str) -> bool:
    s = iban.replace(" ", "").upper()
    moved = s[4:] + s[:4]
    return int("".join(str(int(ch, 36)) for ch in moved)) % 97 == 1


def iban_make(country: str, bban: str) -> str:
    num = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    return f"{country}{98 - int(num) % 97:02d}{bban}"


def nhs_check_digit(nine: str) -> int | None:
    total = sum(int(d) * (10 - i) for i, d in enumerate(nine))
    check = 11 - total % 11
    return 0 if check == 11 else None if check == 10 else check


def nhs_valid(number: str) -> bool:
    digits = number.replace(" ", "")
    check = nhs_check_digit(digits[:9])
    return len(digits) == 10 and check is not None and check == int(digits[9])


# HMRC: the first letter is not D, F, I, Q, U or V; the second not D, F, I, O, Q, U or V; and
# BG, GB, KN, NK, NT, TN and ZZ are never issued.
NI_FIRST = [c for c in string.ascii_uppercase if c not in "DFIQUV"]
NI_SECOND = [c for c in string.ascii_uppercase if c not in "DFIOQUV"]
NI_NEVER = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}


def ni_valid(ni: str) -> bool:
    s = ni.replace(" ", "")
    return (
        len(s) == 9
        and s[0] in NI_FIRST
        and s[1] in NI_SECOND
        and s[:2] not in NI_NEVER
        and s[2:8].isdigit()
        and s[8] in "ABCD"
    )


def ssn_valid(ssn: str) -> bool:
    area, group, serial = ssn.split("-")
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


def licence_make(surname: str, born: date, female: bool, initials: str, rng: random.Random) -> str:
    """A UK (DVLA) driving licence number: surname (5, padded with 9), decade digit, month
    (+50 for women), day, year digit, two initials (padded with 9), a digit, two letters."""
    letters = re.sub(r"[^A-Z]", "", surname.upper())[:5].ljust(5, "9")
    month = born.month + (50 if female else 0)
    head = f"{letters}{str(born.year)[2]}{month:02d}{born.day:02d}{str(born.year)[3]}"
    tail = (
        initials.upper()[:2].ljust(2, "9")
        + "9"
        + "".join(rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ", k=2))
    )
    return head + tail


def licence_valid(number: str) -> bool:
    month, day = int(number[6:8]), int(number[8:10])
    return (1 <= month <= 12 or 51 <= month <= 62) and 1 <= day <= 31


# -- output ------------------------------------------------------------------------------------


def header() -> dict[str, Any]:
    """The organisation, policy and register shared with the development and sealed parts."""
    data = yaml.safe_load(HEADER_FROM.read_text(encoding="utf-8"))
    return {key: data[key] for key in ("today", "policy", "register")}


class _Dumper(yaml.SafeDumper):
    """Lists of rule ids on one line, as in the hand-written corpus files."""


def _represent_list(dumper: yaml.SafeDumper, data: list[Any]) -> yaml.Node:
    flow = all(isinstance(item, str) for item in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _represent_list)


def render(title: str, notes: Iterable[str], posts: list[Post]) -> str:
    lines = [f"# {title}", "# GENERATED by scripts/make_external_sets.py: do not edit by hand."]
    lines += [f"# {line}" for line in notes]
    body = yaml.dump(
        {**header(), "posts": posts},
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=1000,
    )
    return "\n".join(lines) + "\n\n" + body


class Numbered:
    """Ids like ``cuss-001``, numbered per prefix in the order posts are made."""

    def __init__(self) -> None:
        self.posts: list[Post] = []
        self.counts: dict[str, int] = {}
        self.seen: set[str] = set()

    def add(self, prefix: str, text: str, expect: Iterable[str] = (), **extra: Any) -> None:
        if text in self.seen:  # a matched control can repeat: score each text once
            return
        self.seen.add(text)
        n = self.counts[prefix] = self.counts.get(prefix, 0) + 1
        if n > 999:
            raise ValueError(f"too many posts with prefix {prefix!r}")
        post: Post = {"id": f"{prefix}-{n:03d}", "text": text, "expect": sorted(expect)}
        post.update({k: sorted(v) for k, v in extra.items() if v})
        self.posts.append(post)


# -- terms: retext-equality, cuss and LDNOOBW ------------------------------------------------

# retext-equality entries whose terms label a person, chosen by what a social-care charity's
# moderator would change when the word describes someone (its data also covers software terms,
# idioms and words such as "disabled" that UK charities use by choice). Two kinds:
#   label: a condition or identity used as a label ("an addict", "wheelchair bound") ->
#          stigmatising_term; the control uses retext-equality's person-first alternative.
#   slur:  a word used to demean a person ("retard", "tranny") -> insult (it blocks), with
#          profanity and stigmatising_term allowed; the control swaps in a neutral noun.
RETEXT_LABEL_ADJ = {
    "learning disabled", "intellectually disabled", "mentally ill", "schizophrenic",
    "handicapped", "crippled", "psychotic", "demented", "senile", "epileptic", "paraplegic",
    "quadriplegic", "anorexic", "wheelchair bound", "confined to a wheelchair",
    "bound to a wheelchair", "restricted to a wheelchair", "suffering from a disability",
    "afflicted with a disability", "suffering from schizophrenia", "afflicted with schizophrenia",
    "suffering from multiple sclerosis", "afflicted with multiple sclerosis",
    "suffering from psychosis", "afflicted with psychosis", "suffering from aids",
    "afflicted with aids", "suffering from polio", "afflicted with polio",
    "suffering from a stroke",
    "deaf and dumb", "transgendered", "homosexual", "oriental", "nonwhite",
}  # fmt: skip
RETEXT_LABEL_NOUN = {
    "addict", "junkie", "alcoholic", "alcohol abuser", "stroke victim", "victim of a stroke",
    "aids victim", "victim of aids", "multiple sclerosis victim", "victim of multiple sclerosis",
    "victim of polio", "victim of psychosis", "midget", "dwarf", "stutterer", "insomniac",
    "amputee", "mongoloid", "transvestite", "hermaphrodite", "eskimo", "red indian", "mental case",
}  # fmt: skip
RETEXT_SLURS = {
    "psycho", "loony", "lunatic", "moron", "retard", "schizo", "cripple", "gimp", "spaz",
    "spastic", "cretin", "idiot", "imbecile", "simpleton", "wacko", "maniac", "sociopath", "fag",
    "faggot", "dyke", "homo", "tranny", "shemale", "hymie", "gyppo", "redskin", "fucktard",
    "libtard", "towel heads", "japs",
}  # fmt: skip
SUICIDE_VERBS = {"committed suicide", "completed suicide"}

LABEL_TEMPLATES = (
    "Our outreach team met a man last night who is {term}.",
    "The woman who joined the lunch club this week is {term}.",
)
NOUN_TEMPLATES = (
    "Our outreach team met a man last night who is {a} {term}.",
    "The woman who joined the lunch club this week is {a} {term}.",
)
SLUR_TEMPLATES = (
    "Some {term} kept shouting at our volunteers outside the hub tonight.",
    "The {term} from the flat upstairs complained about our soup run again.",
)
NEUTRAL_NOUNS = (
    "man", "woman", "lad", "neighbour", "bloke", "guy", "teenager", "pensioner", "driver",
    "cyclist", "student", "tourist", "postman", "dog walker", "jogger", "busker", "shopper",
    "taxi driver",
)  # fmt: skip
TWIN_TEMPLATE = (
    "Our volunteers made a display about the word '{term}' for the library's language week."
)


def _article(word: str) -> str:
    return "an" if word[0].lower() in "aeiou" else "a"


def _retext_entries() -> list[tuple[list[str], list[str]]]:
    entries = []
    for name in ("ablist", "lgbtq", "race", "suicide"):
        for entry in yaml.safe_load((DATA / "retext-equality" / f"{name}.yml").read_text()):
            if entry.get("type") != "basic":
                continue

            def words(value: Any) -> list[str]:
                if isinstance(value, str):
                    return [value]
                if isinstance(value, dict):
                    return [str(k) for k in value]
                return [str(v) for v in value or []]

            entries.append((words(entry["inconsiderate"]), words(entry.get("considerate"))))
    return entries


def _person_first(considerate: list[str]) -> str | None:
    """retext-equality's first alternative that names a person, with an article if it needs one."""
    for phrase in considerate:
        first = phrase.split()[0].lower()
        if first in {"person", "individual"}:
            return f"a {phrase}"
        if first == "someone":
            return phrase
    return None


def cuss_ratings() -> dict[str, int]:
    source = (DATA / "cuss" / "index.js").read_text(encoding="utf-8")
    pairs = re.findall(r"^\s+(?:'([^']+)'|(\w+)): (\d),", source, re.M)
    return {quoted or bare: int(rating) for quoted, bare, rating in pairs}


def ldnoobw() -> list[str]:
    lines = (DATA / "ldnoobw" / "en").read_text(encoding="utf-8").splitlines()
    return [w.strip() for w in lines if w.strip()]


def build_terms() -> str:
    rng = _rng("terms")
    out = Numbered()
    for inconsiderate, considerate in _retext_entries():
        control = _person_first(considerate)
        for term in inconsiderate:
            if term in RETEXT_LABEL_ADJ or term in RETEXT_LABEL_NOUN:
                noun = term in RETEXT_LABEL_NOUN
                templates = NOUN_TEMPLATES if noun else LABEL_TEMPLATES
                for template in templates:
                    out.add(
                        "label",
                        template.format(term=term, a=_article(term)),
                        ["stigmatising_term"],
                        allow={"insult"},
                    )
                    if control:
                        out.add(
                            "labelctl",
                            LABEL_TEMPLATES[templates.index(template)].format(term=control),
                        )
            elif term in RETEXT_SLURS:
                for template in SLUR_TEMPLATES:
                    out.add(
                        "slur",
                        template.format(term=term),
                        ["insult"],
                        allow={"profanity", "stigmatising_term"},
                    )
                    out.add("slurctl", template.format(term=rng.choice(NEUTRAL_NOUNS)))
            elif term in SUICIDE_VERBS:
                out.add(
                    "label",
                    f"A young man who used our night shelter {term} last winter.",
                    ["stigmatising_term"],
                )
                out.add(
                    "labelctl",
                    "A young man who used our night shelter died by suicide last winter.",
                )
    # Profanity: a word both lists call bad (in LDNOOBW's English list, and rated 1 or 2 by
    # cuss: "maybe" or "likely" a profanity). Words only one list names are left out, so that
    # the label is not one list's guess. Called at a person, either rating is profanity.
    ratings = cuss_ratings()
    profane = [w for w in ldnoobw() if ratings.get(w, -1) >= 1 and w not in RETEXT_SLURS]
    for term in profane:
        for template in SLUR_TEMPLATES:
            out.add(
                "cuss",
                template.format(term=term),
                ["profanity"],
                allow={"insult", "stigmatising_term"},
            )
            out.add("slurctl", template.format(term=rng.choice(NEUTRAL_NOUNS)))
    # A "maybe" word (cuss rates it 1: sex, anal, rape, penis…) is also a plain word that a
    # sexual-health or rape-crisis service uses: mentioned plainly, not at a person, nothing is
    # expected of it (the line: ambiguous words count only aimed at a person).
    for term in (w for w in profane if ratings[w] == 1):
        out.add("maybe", TWIN_TEMPLATE.format(term=term))
    # Innocent twins: words cuss rates 0 ("likely clean text"), mentioned in a clean sentence.
    for term in sorted(w for w, r in ratings.items() if r == 0):
        out.add("twin", TWIN_TEMPLATE.format(term=term))
    notes = [
        "Sentences about a person built from retext-equality (MIT), cuss (MIT) and LDNOOBW",
        "(CC-BY-4.0) data vendored in data/ (see data/PROVENANCE.md), each with a matched control:",
        "label/labelctl (retext-equality label -> person-first alternative), slur/slurctl and",
        "cuss (the term -> a neutral noun; the controls, shared, are slurctl), twin (cuss words",
        "rated 'likely clean', mentioned in a clean sentence), maybe (cuss words rated 'maybe',",
        "mentioned plainly, not at a person: nothing expected).",
    ]
    return render("External set: term-list sentences.", notes, out.posts)


# -- Faker: leaks and clean posts ----------------------------------------------------------------

CONDITIONS = (
    "has Alzheimer's", "was diagnosed with Parkinson's last spring", "is living with HIV",
    "is in recovery from alcohol addiction", "has bipolar disorder",
    "was released from prison last month", "is waiting for a decision on her asylum claim",
    "has Crohn's disease", "has motor neurone disease", "is on a methadone script",
    "has schizophrenia", "has epilepsy", "starts chemotherapy on Monday",
    "came out as gay this year",
    "is transitioning", "converted to Islam last year", "is fleeing domestic abuse",
    "has multiple sclerosis", "is being treated for hepatitis C", "has early-onset dementia",
    "was sectioned in the summer", "is in treatment for an eating disorder", "is on probation",
    "has been self-harming", "is seven months pregnant", "has a gambling problem",
    "has just been diagnosed with cancer", "is on dialysis", "has sickle cell disease",
    "has been sober for 90 days",
)  # fmt: skip
CONDITION_TEMPLATES = (
    "Please keep {name} in your thoughts: {they} {condition}.",
    "{name} {condition} and has been coming to our Tuesday group since the spring.",
    "Big welcome to {name}, who {condition}. The kettle's on!",
    "Update for the team: {name} {condition}, so go gently.",
)
ADDRESS_TEMPLATES = (
    "Cards for {name} can be sent to {address}.",
    "Christmas deliveries this week: {name}, {address}.",
    "Welcome home, {name}! New address: {address}.",
    "{name} has moved to {address} and would love visitors.",
)
VENUE_TEMPLATES = (
    "Join us at {company} Community Hall, {street}, {city} {postcode}, on {when}"
    " for our winter fair.",
    "Our pop-up pantry is at {company} Sports Centre, {street}, {city}, on {when}."
    " Everyone welcome.",
    "Coffee morning at the {company} Hub, {street}, {city}, {when}."
    " All proceeds to the winter appeal.",
)
STAFF_TEMPLATES = (
    "Welcome to {name}, who joins the team as our new {job}!",
    "Thank you to {name}, our {job}, for ten brilliant years. Enjoy your retirement!",
    "Meet {name}: {job} by day, Saturday pantry volunteer by choice.",
    "Congratulations to {name}, who has been promoted to {job}.",
)
EVENT_TEMPLATES = (
    "Save the date: our quiz night is on {when} at the Kirkgate hub, 7pm.",
    "Applications for the spring volunteer intake close on {when}.",
    "Our AGM will be held on {when}. All members welcome.",
    "The sponsored walk is on {when}: register by the end of the month.",
)
CHARITY_TEMPLATES = (
    "Northside Hope is a registered charity in England and Wales, no. {charity}.",
    "Our partners, {company} Trust (registered charity {charity}), funded the new kitchen.",
    "Thanks to {company} Foundation (charity no. {charity}) for a grant of £{amount}.",
    "Grant received from the {company} Fund, company no. {companyno}. Thank you!",
    "Tacoma donors: {company} Alliance is a 501(c)(3), EIN {ein}. Gifts are tax-deductible.",
)


def _when(day: date, rng: random.Random, us: bool = False) -> str:
    formats = ["%A %-d %B %Y", "%-d %B %Y", "%-d/%m/%Y", "%Y-%m-%d"]
    if us:
        formats = ["%B %-d, %Y", "%A, %B %-d, %Y", "%m/%d/%Y"]
    return day.strftime(rng.choice(formats))


def _uk_mobile(rng: random.Random) -> str:
    return f"07700 900{rng.randrange(1000):03d}"


def _us_phone(rng: random.Random) -> str:
    return f"({rng.choice(['253', '206', '360'])}) 555-01{rng.randrange(100):02d}"


def _ni(rng: random.Random) -> str:
    while True:
        prefix = rng.choice(NI_FIRST) + rng.choice(NI_SECOND)
        if prefix not in NI_NEVER:
            break
    digits = f"{rng.randrange(10**6):06d}"
    return f"{prefix} {digits[:2]} {digits[2:4]} {digits[4:]} {rng.choice('ABCD')}"


def _nhs(rng: random.Random) -> str:
    while True:
        nine = str(rng.randrange(100_000_000, 999_999_999))
        check = nhs_check_digit(nine)
        if check is not None:
            n = nine + str(check)
            return f"{n[:3]} {n[3:6]} {n[6:]}"


def _ssn(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def _card(rng: random.Random) -> str:
    prefix, length = rng.choice(
        [("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("6011", 16), ("37", 15)]
    )
    body = prefix + "".join(rng.choices(string.digits, k=length - len(prefix) - 1))
    number = luhn_complete(body)
    if length == 15:
        return f"{number[:4]} {number[4:10]} {number[10:]}"
    return " ".join(number[i : i + 4] for i in range(0, 16, 4))


def build_faker() -> str:
    import faker
    from faker import Faker

    uk, us = Faker("en_GB"), Faker("en_US")
    uk.seed_instance(SEED)
    us.seed_instance(SEED)
    rng = _rng("faker")
    today = date(2026, 11, 23)
    out = Numbered()

    def person() -> tuple[str, str, bool, Faker]:
        fake = uk if rng.random() < 0.6 else us
        female = rng.random() < 0.5
        name = fake.name_female() if female else fake.name_male()
        return name, ("she" if female else "he"), female, fake

    def one_line(address: str) -> str:
        return ", ".join(part.strip() for part in address.splitlines())

    for _ in range(40):
        name, they, _female, _fake = person()
        template = rng.choice(CONDITION_TEMPLATES)
        out.add(
            "condition",
            template.format(name=name, they=they, condition=rng.choice(CONDITIONS)),
            ["special_category"],
        )
    for fake, prefix in ((uk, "ukaddress"), (us, "usaddress")):
        for _ in range(30):
            name = fake.name()
            out.add(
                prefix,
                rng.choice(ADDRESS_TEMPLATES).format(name=name, address=one_line(fake.address())),
                ["home_address"],
                allow={"postcode"},
            )
    for _ in range(20):
        name, _they, _female, fake = person()
        phone = _uk_mobile(rng) if fake is uk else _us_phone(rng)
        out.add(
            "phone",
            rng.choice(
                [
                    "{name}'s new number is {x}.",
                    "If you see {name}, ask {o} to call {x}.",
                    "{name} (mobile {x}) needs a lift to the hub.",
                ]
            ).format(name=name, x=phone, o="them"),
            ["phone_number"],
        )
    for _ in range(20):
        name, _they, _female, fake = person()
        out.add(
            "email",
            rng.choice(
                [
                    "{name}'s email is {x} if anyone has the forms.",
                    "Referral from {name} ({x}): needs a food parcel this week.",
                    "Send {name} the rota at {x}.",
                ]
            ).format(name=name, x=fake.free_email()),
            ["email_address"],
        )
    for _ in range(20):
        name, _they, _female, fake = person()
        born = _born(fake, 18, 85)
        shown = (
            born.strftime(rng.choice(["%d/%m/%Y", "%-d %B %Y", "%d-%b-%Y", "%Y-%m-%d"]))
            if fake is uk
            else born.strftime(rng.choice(["%m/%d/%Y", "%B %-d, %Y"]))
        )
        out.add(
            "dob",
            rng.choice(
                [
                    "New referral: {name}, DOB {x}.",
                    "{name} (date of birth {x}) starts a tenancy on Monday.",
                    "Intake for {name}, born {x}, approved.",
                ]
            ).format(name=name, x=shown),
            ["date_of_birth"],
        )
    for _ in range(15):
        out.add(
            "nhs",
            f"{uk.name()}'s NHS number is {_nhs(rng)}; please check it before the GP visit.",
            ["nhs_number"],
            allow={"phone_number"},
        )
    for _ in range(15):
        out.add(
            "ni",
            f"{uk.name()}'s National Insurance number is {_ni(rng)},"
            " for the Universal Credit claim.",
            ["ni_number"],
        )
    for _ in range(15):
        out.add(
            "ssn",
            f"Rental assistance for {us.name()}: SSN {_ssn(rng)}.",
            ["ssn"],
            allow={"phone_number"},
        )
    for _ in range(20):
        name, _they, _female, fake = person()
        out.add(
            "card",
            rng.choice(
                [
                    "Please refund {name}'s raffle ticket to card {x}.",
                    "{name}'s donation failed on card {x}; can someone call?",
                    "Found a bank card at the hub: {x}, name {name}.",
                ]
            ).format(name=name, x=_card(rng)),
            ["payment_card"],
        )
    for _ in range(20):
        name, _they, _female, fake = person()
        iban = (
            uk.iban()
            if rng.random() < 0.5
            else _iban(rng.choice(["DE", "FR", "IE", "ES", "NL"]), rng)
        )
        if rng.random() < 0.5:
            iban = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
        out.add("iban", f"Pay {name}'s expenses to {iban} from next month.", ["iban"])
    for _ in range(15):
        female = rng.random() < 0.5
        first, last = (uk.first_name_female() if female else uk.first_name_male()), uk.last_name()
        born = _born(uk, 18, 80)
        number = licence_make(
            last, born, female, first[0] + rng.choice(string.ascii_uppercase + "9"), rng
        )
        out.add(
            "licence",
            f"ID check done for {first} {last}: driving licence {number}.",
            ["driving_licence"],
        )
    for _ in range(15):
        name = us.name() if rng.random() < 0.5 else uk.name()
        out.add(
            "passport",
            rng.choice(
                [
                    "{name}'s passport number is {x}.",
                    "For {name}'s ID appointment: passport no. {x}.",
                ]
            ).format(name=name, x=f"{rng.randrange(10**8, 10**9)}"),
            ["passport_number"],
        )
    # Clean: venues, staff, charity numbers, event dates.
    for _ in range(40):
        fake = uk if rng.random() < 0.6 else us
        when = _when(today + timedelta(days=rng.randrange(7, 200)), rng, us=fake is us)
        template = rng.choice(VENUE_TEMPLATES)
        out.add(
            "venue",
            template.format(
                company=fake.last_name(),
                street=fake.street_address().replace("\n", ", "),
                city=fake.city(),
                postcode=fake.postcode(),
                when=when,
            ),
        )
    for _ in range(40):
        fake = uk if rng.random() < 0.6 else us
        out.add(
            "staff", rng.choice(STAFF_TEMPLATES).format(name=fake.name(), job=fake.job().lower())
        )
    for _ in range(20):
        out.add(
            "charity",
            rng.choice(CHARITY_TEMPLATES).format(
                company=uk.last_name(),
                charity=rng.randrange(1_000_000, 1_200_000),
                amount=f"{rng.randrange(5, 200) * 100:,}",
                companyno=f"{rng.randrange(10**7):08d}",
                ein=f"{rng.randrange(10, 99)}-{rng.randrange(10**7):07d}",
            ),
        )
    for _ in range(30):
        us_post = rng.random() < 0.3
        out.add(
            "event",
            rng.choice(EVENT_TEMPLATES).format(
                when=_when(today + timedelta(days=rng.randrange(7, 300)), rng, us=us_post)
            ),
        )
    notes = [
        f"Faker {faker.VERSION} (en_GB, en_US) seeded with {SEED}; UK phones in Ofcom's drama"
        " range,"
        " US in 555-01xx;",
        "NHS, NI, SSN, card, IBAN and licence numbers computed to pass their checks.",
    ]
    return render("External set: Faker-made leaks and clean posts.", notes, out.posts)


# Each country's BBAN: (bank-code letters, digits), so that the IBAN has the country's length
# (ISO 13616 registry): GB and IE 22, DE 22, FR 27, ES 24, NL 18.
BBAN_SHAPES = {
    "GB": (4, 14),
    "IE": (4, 14),
    "DE": (0, 18),
    "FR": (0, 23),
    "ES": (0, 20),
    "NL": (4, 10),
}
IBAN_LENGTHS = {"GB": 22, "IE": 22, "DE": 22, "FR": 27, "ES": 24, "NL": 18}


def _iban(country: str, rng: random.Random) -> str:
    letters, digits = BBAN_SHAPES[country]
    bban = "".join(rng.choices(string.ascii_uppercase, k=letters))
    bban += "".join(rng.choices(string.digits, k=digits))
    iban = iban_make(country, bban)
    assert len(iban) == IBAN_LENGTHS[country] and iban_valid(iban)
    return iban


# -- identifiers: positives and negatives per format ----------------------------------------------


EVENT_FORMATS = ("%d-%b-%Y", "%d/%m/%Y", "%-d %B %Y")
OCTETS = ((256, 999), (0, 999), (0, 99), (0, 999))  # the first over 255: not an address


def build_identifiers() -> str:
    rng = _rng("identifiers")
    out = Numbered()
    first_names = ("Jo", "Sam", "Kieran", "Aisha", "Dean", "Megan", "Tariq", "Nina", "Leon", "Ruth")
    carriers = (
        "Order number {x} has shipped.",
        "Tracking code {x} for the sleeping bag delivery.",
        "Stock code {x} on the blanket invoice.",
    )

    def who() -> str:
        return rng.choice(first_names)

    # Payment cards: the scheme's prefix and length, Luhn valid; negatives break only the Luhn.
    for _ in range(15):
        card = _card(rng)
        out.add("cardpos", f"Please refund {who()}'s ticket to card {card}.", ["payment_card"])
        broken = card[:-1] + str((int(card[-1]) + 1) % 10)  # same grouping, Luhn broken
        assert not luhn_valid(broken.replace(" ", ""))
        out.add("cardneg", rng.choice(carriers).format(x=broken))
    # IBANs: ISO 13616 mod-97; negatives change one check digit.
    for _ in range(15):
        iban = _iban(rng.choice(["GB", "DE", "FR", "IE", "NL", "ES"]), rng)
        out.add("ibanpos", f"Pay {who()}'s expenses to {iban}.", ["iban"])
        bad = iban[:2] + f"{(int(iban[2:4]) + 1) % 100:02d}" + iban[4:]
        assert not iban_valid(bad)
        out.add("ibanneg", rng.choice(carriers).format(x=bad))
    # NHS numbers: mod-11; negatives have the wrong check digit.
    for _ in range(15):
        nhs = _nhs(rng)
        out.add("nhspos", f"{who()}'s NHS number is {nhs}.", ["nhs_number"], allow={"phone_number"})
        d = nhs.replace(" ", "")
        bad = d[:9] + str((int(d[9]) + 1) % 10)
        if nhs_valid(bad):
            continue
        out.add("nhsneg", rng.choice(carriers).format(x=f"{bad[:3]} {bad[3:6]} {bad[6:]}"))
    # NI numbers: HMRC's prefix rules; negatives use a prefix never issued.
    never = ["D", "F", "I", "U", "V"]
    for _ in range(15):
        ni = _ni(rng)
        out.add("nipos", f"{who()}'s NI number is {ni}.", ["ni_number"])
        bad = (
            rng.choice([rng.choice(never) + ni[1], rng.choice(sorted(NI_NEVER - {"ZZ"}))]) + ni[2:]
        )
        assert not ni_valid(bad)
        out.add("nineg", f"Locker code {bad} for the new volunteer room.")
    # SSNs: area not 000, 666 or 9xx, group not 00, serial not 0000.
    for _ in range(15):
        ssn = _ssn(rng)
        out.add("ssnpos", f"{who()}'s SSN is {ssn}.", ["ssn"], allow={"phone_number"})
        a, g, s = ssn.split("-")
        bad = rng.choice(
            [f"000-{g}-{s}", f"666-{g}-{s}", f"9{a[1:]}-{g}-{s}", f"{a}-00-{s}", f"{a}-{g}-0000"]
        )
        assert not ssn_valid(bad)
        out.add("ssnneg", f"Serial number {bad} on the donated laptop.")
    # UK driving licences: a real month (women +50) and day; negatives have month 13-50 or day 32+.
    for _ in range(15):
        surname = rng.choice(["Hill", "Ward", "Okafor", "Smith", "Nowak", "Patel", "Lee", "Brown"])
        born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
        female = rng.random() < 0.5
        lic = licence_make(surname, born, female, rng.choice(string.ascii_uppercase) + "9", rng)
        assert licence_valid(lic)
        out.add(
            "licencepos",
            f"ID check for {who()} {surname}: driving licence {lic}.",
            ["driving_licence"],
        )
        bad = (
            lic[:6]
            + rng.choice(
                [
                    f"{rng.randrange(13, 51):02d}{lic[8:10]}",
                    f"{lic[6:8]}{rng.randrange(32, 100):02d}",
                ]
            )
            + lic[10:]
        )
        assert not licence_valid(bad)
        out.add("licenceneg", f"Product code {bad} on the donated fridge.")
    # Passports: 9 digits after "passport"/"travel document"; negatives have no word for them.
    for _ in range(15):
        number = str(rng.randrange(10**8, 10**9))
        word = rng.choice(["passport number", "passport no.", "travel document no."])
        out.add(
            "passportpos", f"{who()}'s {word} {number} is needed by Friday.", ["passport_number"]
        )
        out.add("passportneg", f"Raffle ticket {number} won the hamper!")
    # Vehicle registrations (UK current format): with a word tying them to someone, and without.
    for _ in range(15):
        area = rng.choice("ABCDEFGHKLMNOPRSVWY") + rng.choice("ABCDEFGHJKLMNOPRSTUVWXY")
        age = rng.choice(["51", "62", "17", "68", "19", "70", "21", "72"])
        reg = f"{area}{age} {''.join(rng.choices('ABCDEFGHJKLMNOPRSTUVWXYZ', k=3))}"
        out.add(
            "vehiclepos",
            f"{who()} is sleeping in a car, reg {reg}, behind the retail park.",
            ["vehicle_registration"],
        )
        out.add("vehicleneg", f"Use discount code {reg.replace(' ', '')} at the charity shop till.")
    # IP addresses: valid IPv4 (documentation ranges) and IPv6; negatives have an octet over 255.
    for _ in range(15):
        if rng.random() < 0.7:
            ip = f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randrange(1, 255)}"
        else:
            ip = f"2001:db8:{rng.randrange(16**4):x}::{rng.randrange(16**4):x}"
        out.add("ippos", f"{who()} keeps logging in to the peer forum from {ip}.", ["ip_address"])
        out.add(
            "ipneg",
            "Build " + ".".join(str(rng.randrange(lo, hi)) for lo, hi in OCTETS) + " of the app.",
        )
    # Dates of birth after "DOB:" in UK, ISO and form formats; negatives are event dates.
    for _ in range(15):
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(25000))
        shown = born.strftime(
            rng.choice(["%d-%b-%Y", "%d/%m/%Y", "%-d %B %Y", "%Y-%m-%d", "%d.%m.%Y"])
        )
        out.add(
            "dobpos",
            f"New referral: {who()}, DOB: {shown}, needs a bed tonight.",
            ["date_of_birth"],
        )
        event = date(2027, 1, 1) + timedelta(days=rng.randrange(300))
        out.add(
            "dobneg",
            f"Our quiz night is on {event.strftime(rng.choice(EVENT_FORMATS))}, 7pm.",
        )
    notes = [
        "Per format, positives (a valid checksum or word, tied to a person: must block) and",
        "negatives (an invalid checksum, a never-issued prefix or no word for it, in a neutral",
        "sentence: expected not found), as Presidio's recognizer tests lay them out.",
    ]
    return render("External set: identifier cases.", notes, out.posts)


SETS: dict[str, Callable[[], str]] = {
    "terms.yaml": build_terms,
    "faker.yaml": build_faker,
    "identifiers.yaml": build_identifiers,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file differs")
    args = parser.parse_args(argv)
    stale = []
    for name, build in SETS.items():
        text = build()
        path = OUT / name
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)} ({text.count(chr(10) + '- id: ')} posts)")
    if stale:
        print("out of date:", ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
