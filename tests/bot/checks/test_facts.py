"""special_category: the vocabularies it draws on (ICD-10-CM conditions, religion, immigration,
justice, gambling) and the other forms of listed words."""

import importlib.util
from importlib import resources

import pytest

from bot.checks import run_checks
from bot.checks.inflect import forms, phrase_forms
from bot.config.policy_file import load_policy
from bot.domain.findings import Severity

BOTH = ("x", "facebook")
POLICY = load_policy(None)


def special(text):
    return [f for f in run_checks(text, BOTH, POLICY) if f.rule == "special_category"]


def excerpts(text):
    return [f.excerpt for f in special(text)]


# -- 1. conditions from ICD-10-CM, and lay words ICD lacks ------------------------------------


@pytest.mark.parametrize(
    "text,excerpt",
    [
        ("Our client Margaret has Alzheimer's and loves the garden.", "Alzheimer's"),
        ("Our client Margaret has Alzheimers and loves the garden.", "Alzheimers"),
        ("Thanks to Derek, who has Parkinson's, for the talk.", "Parkinson's"),
        ("Priya has Crohn's disease and needs a seat near the loo.", "Crohn's disease"),
        ("Sarah has multiple sclerosis and uses a stick.", "multiple sclerosis"),
        ("Jo has bipolar disorder and is doing brilliantly.", "bipolar disorder"),
        ("Mark is on dialysis three times a week.", "on dialysis"),
        (
            "Our resident Ken was diagnosed with motor neurone disease.",
            "diagnosed with motor neurone disease",
        ),
        ("Tom, who has MND, opened our garden.", "MND"),
        ("Big thanks to Ruth, who lives with cystic fibrosis.", "cystic fibrosis"),
        ("Aisha has sickle cell and loves painting.", "sickle cell"),
        ("Well done to Bev, who has type 2 diabetes and ran 5k.", "type 2 diabetes"),
        ("Our volunteer Pete has Huntington's.", "Huntington's"),
        ("Gemma's leukaemia is back, she told us.", "leukaemia"),
        ("Derek has epilepsy and cannot drive.", "epilepsy"),
        ("Our client Gary picks up his methadone script on Mondays.", "methadone script"),
        ("Thanks to Dave, who has been clean for a year!", "clean for a year"),
        ("Our client Kev has a gambling problem and owes money.", "gambling problem"),
        ("Our client Paul has a personality disorder.", "personality disorder"),
        ("Tom is doing well after his stroke.", "stroke"),
        ("Kev has a gambling problem and we are helping him.", "gambling problem"),
    ],
)
def test_conditions_from_the_vocabulary_tied_to_a_person_block(text, excerpt):
    findings = special(text)
    assert [f.excerpt for f in findings] == [excerpt]
    assert findings[0].severity is Severity.BLOCK


def test_the_message_names_the_kind_of_fact():
    (finding,) = special("Priya has Crohn's disease and needs a seat near the loo.")
    assert "health information" in finding.message
    (finding,) = special("Our client Kev has a gambling problem and owes money.")
    assert "a gambling problem" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "Alzheimer's awareness week starts Monday: come to our memory cafe.",
        "Come and improve your swimming stroke at our Tuesday session.",
        "Leeds has a gambling problem, says the council's new report.",
        "Sarah ran the Great North Run for Parkinson's UK – thank you!",
        "Our dementia friends session with Sarah is on Tuesday.",
        "Sarah gave a brilliant talk on multiple sclerosis and work.",
        "Dr Patel will speak about epilepsy at the library.",
        "We support people living with Crohn's disease and colitis.",
        "Thanks to Mark for organising the Alzheimer's Society coffee morning.",
        "Sarah, our diabetes specialist nurse, is here on Fridays.",
        "Sarah's team raised £400 for motor neurone disease research.",
        "Join Sarah for our schizophrenia awareness training.",
        "Our HIV testing day with Sarah was a success.",
        "Sarah works on the dementia ward at St James's.",
        "Thanks to Sarah for the bake sale. Dementia affects 1 in 14 people over 65.",
        "Sarah had a cold last week but is back now.",
        "Tom's fall at the allotment was nothing serious.",
        "Sarah broke her wrist playing netball.",
        "Congratulations to Sarah, who came back to work with her infant son in tow!",
        "Sarah is helping with asthma checks at the GP surgery.",
        "Sarah helped with the epilepsy first aid course.",
        "Sarah had malaria jabs before her trip.",
        "Sarah got the rabies vaccine for her trip.",
    ],
)
def test_conditions_about_a_topic_or_not_sensitive_stay_clean(text):
    assert excerpts(text) == []


def _condition_names() -> set[str]:
    path = resources.files("bot.checks").joinpath("data", "conditions", "icd10cm.txt")
    return set(path.read_text(encoding="utf-8").splitlines())


def test_the_condition_vocabulary_has_what_people_write_and_no_ordinary_words():
    names = _condition_names()
    assert len(names) > 3000
    for head in (
        "alzheimer's",
        "alzheimers",
        "parkinson's",
        "crohn's disease",
        "multiple sclerosis",
        "motor neuron disease",
        "bipolar disorder",
        "schizophrenia",
        "hepatitis c",
        "leukaemia",
        "type 1 diabetes",
    ):
        assert head in names
    for ordinary in ("fall", "fracture", "cold", "hand", "pain", "bells", "hunters", "cough"):
        assert ordinary not in names


@pytest.mark.skipif(
    importlib.util.find_spec("simple_icd_10_cm") is None,
    reason="simple-icd-10-cm (in the [test] and [vocabulary] extras) is needed to rebuild the list",
)
@pytest.mark.filterwarnings("ignore:.*Use files\\(\\) instead:DeprecationWarning")  # the package
def test_the_shipped_condition_list_is_what_the_script_derives():
    from pathlib import Path

    script = Path(__file__).resolve().parents[3] / "scripts" / "make_condition_terms.py"
    spec = importlib.util.spec_from_file_location("make_condition_terms", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.derive() == sorted(_condition_names())


def test_condition_terms_made_on_first_meeting_are_the_listed_then_the_vocabulary_ones():
    """The vocabulary's terms are made per first word when a post meets it: for every first
    word, the listed terms (longest first) and then the condition names in the file's order,
    as making them all up front gave (a tie between two terms goes to the earlier one)."""
    from bot.checks.identifiers import _TOKEN, _lexicon, _term_regex, _vocabulary

    rule = POLICY.rule("special_category")
    lexicon = _lexicon(rule)
    by_first: dict[str, list[str]] = {}
    for phrase in _vocabulary("conditions/icd10cm.txt"):
        words = phrase.split()
        first = _TOKEN.match(words[0]) if words else None
        if first:
            by_first.setdefault(first.group(0).lower(), []).append(_term_regex(words))
    assert set(by_first) <= set(lexicon.by_word)
    for word in [*sorted(by_first)[::25], "hiv", "cancer", "multiple", "parkinson"]:
        patterns = [term.pattern for term in lexicon.by_word[word]]
        made = by_first.get(word, [])
        assert patterns[len(patterns) - len(made) :] == made, word
        listed = patterns[: len(patterns) - len(made)]
        assert all(t.topic for t in lexicon.by_word[word][len(listed) :]), word
    assert "alzheimer" in lexicon.by_word and lexicon.by_word.get("zzyzx") is None


# -- 2. religion, immigration, justice, gambling, sexuality and gender groups -----------------


@pytest.mark.parametrize(
    "text,excerpt,kind",
    [
        ("Sarah became a Jehovah's Witness last year.", "became a Jehovah's Witness", "religious"),
        ("Our client Imran reverted to Islam last year.", "reverted to Islam", "religious"),
        ("Thanks to Beth, who was baptised on Sunday.", "was baptised", "religious"),
        ("Our resident Ken goes to Mass every morning.", "goes to Mass", "religious"),
        ("Kwame is in a detention centre near Heathrow.", "detention centre", "immigration"),
        ("Thanks to Ana, who finally has settled status.", "settled status", "immigration"),
        (
            "Our client Yonas reports to the Home Office weekly.",
            "reports to the Home Office",
            "immigration",
        ),
        (
            "Welcome Dawit, who came on a small boat last year.",
            "came on a small boat",
            "immigration",
        ),
        (
            "Darren did three years inside and now volunteers with us.",
            "did three years inside",
            "criminal record",
        ),
        ("Tom has two convictions for theft.", "two convictions", "criminal record"),
        ("Darren spent 2 years in HMP Leeds.", "in HMP", "criminal record"),
        (
            "Congratulations to Joe Bloggs, who has completed his community payback order.",
            "community payback order",
            "criminal record",
        ),
        ("Mark is on the sex offenders register.", "sex offenders register", "criminal record"),
        ("Our client Lee wears an electronic tag.", "electronic tag", "criminal record"),
        (
            "Our client Jay was released on licence in May.",
            "released on licence",
            "criminal record",
        ),
        ("Thanks to Kev, a compulsive gambler, for his honesty.", "compulsive gambler", "gambling"),
        ("Our client Sue goes to Gamblers Anonymous on Mondays.", "Gamblers Anonymous", "gambling"),
        ("Ahmed goes to our group for LGBTQ+ asylum seekers.", "LGBTQ+", "sexual orientation"),
        (
            "Sarah attends the trans support group on Tuesdays.",
            "trans support group",
            "gender identity",
        ),
        (
            "Thanks to Alex, who started hormones this spring.",
            "started hormones",
            "gender identity",
        ),
    ],
)
def test_facts_from_the_other_vocabularies_block_and_say_what_kind(text, excerpt, kind):
    findings = special(text)
    assert [f.excerpt for f in findings] == [excerpt]
    assert kind in findings[0].message


@pytest.mark.parametrize(
    "text",
    [
        "Our prison outreach team visited HMP Leeds today.",
        "Sarah gave a talk on prison reform at the town hall.",
        "Ramadan starts next week: see our faith calendar for opening times.",
        "Thanks to Sarah for the Diwali lights in reception.",
        "Sarah from Gamblers Anonymous spoke at our event.",
        "Sarah went to the cancer research fun run on Saturday.",
        "Sarah runs our group for LGBTQ+ asylum seekers.",
        "Sarah locked up the office and went home.",
        "Sarah spoke with real conviction about housing.",
        "Sarah was stuck in detention after school as a kid, she jokes.",
        "Sarah crossed the Channel on the ferry for her holiday.",
        "Sarah bailed on the pub quiz again!",
        "Sarah tagged us in her photos from the fun day.",
        "Sarah, our probation liaison officer, joined the panel.",
        "Refugee Week: Sarah is cooking food from Syria at the cafe.",
        "Sarah works at the immigration removal centre as a visitor.",
    ],
)
def test_near_misses_from_the_other_vocabularies_stay_clean(text):
    assert excerpts(text) == []


# -- 3. other forms of listed words ----------------------------------------------------------


@pytest.mark.parametrize(
    "word,expected",
    [
        ("sectioned", {"sectioning"}),
        ("relapsed", {"relapsing"}),
        ("overdosed", {"overdosing"}),
        ("admitted", {"admitting"}),
        ("hospitalised", {"hospitalising"}),
        ("conviction", {"convictions"}),
        ("diagnosis", {"diagnoses"}),
        ("relapse", {"relapses"}),
        ("injury", {"injuries"}),
        ("miscarriage", {"miscarriages"}),
        # People nouns keep their one form: the plural names a group.
        ("offender", set()),
        ("addict", set()),
        ("refugee", set()),
        # Forms that are other words.
        ("arrested", set()),
        ("groomed", set()),
        ("sober", set()),
    ],
)
def test_forms_of_a_word(word, expected):
    assert forms(word) == expected


def test_phrase_forms_change_the_last_word_only():
    assert phrase_forms("criminal conviction") == ("criminal convictions",)
    assert phrase_forms("clean for <n>") == ()
    assert phrase_forms("NRPF") == ()


@pytest.mark.parametrize(
    "text,excerpt",
    [
        ("Paul's sectioning was awful for the family.", "sectioning"),
        ("Tom has previous convictions for burglary.", "previous convictions"),
        ("Our client Mo has had three overdoses this year.", "overdoses"),
        ("Lisa keeps relapsing, bless her.", "relapsing"),
        ("Thanks to Jo, who had two miscarriages.", "miscarriages"),
        ("Our client Dean has two criminal convictions.", "criminal convictions"),
        ("Big thanks to Amir, who has learning disabilities.", "learning disabilities"),
    ],
)
def test_other_forms_of_listed_words_block(text, excerpt):
    assert excerpts(text) == [excerpt]


@pytest.mark.parametrize(
    "text",
    [
        "Sarah is grooming the dogs at the fun day.",
        "Sarah wrote two sections of the annual report.",
        "Sarah gave an arresting speech at the dinner.",
        "Sarah found the report sobering reading.",
        "Priya sectioned the garden into beds for each resident.",
        "Priya is sectioning off part of the hall for the quiet room.",
    ],
)
def test_other_words_that_look_like_forms_stay_clean(text):
    assert excerpts(text) == []


def test_an_unknown_vocabulary_is_named_in_the_error():
    from dataclasses import replace

    rule = POLICY.rule("special_category")
    broken = replace(rule, options={**rule.options, "vocabularies": {"health": ["nope.txt"]}})
    policy = replace(POLICY, rules=tuple(broken if r is rule else r for r in POLICY.rules))
    with pytest.raises(ValueError, match=r"nope\.txt"):
        run_checks("Sarah has asthma.", BOTH, policy)
