"""The stance and disparagement tests that judge by VADER's lexicon, not by listed phrases: what
they catch, what they say, the clean posts they leave alone, and the shipped word file."""

import importlib.util
from pathlib import Path

import pytest

from bot.checks import run_checks
from bot.checks.evaluative import first_evaluative, ratings
from bot.config.policy_file import load_policy

BOTH = ("x", "facebook")
POLICY = load_policy(None)  # the packaged rules alone
ROOT = Path(__file__).resolve().parents[3]


def findings(text, rule):
    return [f for f in run_checks(text, BOTH, POLICY) if f.rule == rule]


# -- the lexicon ---------------------------------------------------------------------------------


def test_the_lexicon_rates_verdicts_and_leaves_out_the_charitys_own_words():
    rated = ratings()
    assert rated["disgrace"] < 0 < rated["magnificent"]
    assert rated["belittling"] < 0  # a form the build adds (bot/checks/inflect.py)
    # The harms the work is about, how the people it serves feel, its own work and thanks, chat.
    for word in ("crisis", "poverty", "lonely", "scared", "help", "support", "thanks", "free"):
        assert word not in rated
    for word in ("shared", "kindly", "party", "qt", "lmao"):
        assert word not in rated


def test_first_evaluative_skips_the_actor_and_glued_words():
    text = "The Liberal Democrats are so-called reformers, and arrogant."
    word = first_evaluative(text, 0, len(text), skip=(4, 21))
    assert word is not None and word.word == "arrogant" and word.rating < 0
    assert text[word.start : word.end] == "arrogant"


@pytest.mark.skipif(
    importlib.util.find_spec("vaderSentiment") is None,
    reason="vaderSentiment (in the [test] and [vocabulary] extras) is needed to rebuild the file",
)
def test_the_shipped_word_file_is_what_the_script_derives():
    script = ROOT / "scripts" / "make_evaluative_terms.py"
    spec = importlib.util.spec_from_file_location("make_evaluative_terms", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.terms() == dict(ratings())


# -- stance --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,actor,word",
    [
        ("Kemi Badenoch is ignorant about poverty.", "Kemi Badenoch", "ignorant"),
        ("Our local councillor is lazy and arrogant.", "Our local councillor", "lazy"),
        ("The Tories are greedy and selfish.", "Tories", "greedy"),
        ("This government is cowardly on welfare.", "This government", "cowardly"),
        ("The Green Party is the honest choice for our planet.", "Green Party", "honest"),
        ("Keir Starmer is doing a magnificent job.", "Keir Starmer", "magnificent"),
        ("The mayor is a hopeless coward.", "The mayor", "hopeless"),
        ("The Democrats abandoned working families years ago.", "Democrats", "abandoned"),
        ("Starmer's government is heartless.", "Starmer", "heartless"),
        ("Labour's leadership are cowards on child poverty.", "Labour", "cowards"),
    ],
)
def test_a_political_actor_with_a_rated_verdict_blocks_and_says_both(text, actor, word):
    hits = findings(text, "party_political")
    assert hits, text
    message = " ".join(f.message for f in hits)
    assert actor in message and f'"{word}"' in message


@pytest.mark.parametrize(
    "text",
    [
        # Policy criticism and what was not done (CC9 allows both).
        "The government has failed to fund hospices properly.",
        "The council's budget cuts are cruel to families who rely on the crisis fund.",
        # Civic engagement, thanks and a politician's own words reported.
        "Our MP visited the hub and heard how hard this winter has been.",
        "We met Councillor Ahmed to talk about the awful state of temporary accommodation.",
        "Thank you to Councillor Patel for opening our new community fridge.",
        "Our local councillor kindly donated a box of warm coats to the winter appeal.",
        "Our MP shared her own experience of grief at the bereavement cafe.",
        "The council leader praised volunteers for their amazing work during the floods.",
        "Councillor Okafor has agreed to chair our panel on youth homelessness next month.",
        "Best wishes to our new MP, Hannah Lowe, from everyone at the hub.",
        "The Chancellor's cuts to universal credit are devastating for our clients.",
        # No actor at all, or a word that is not a party here.
        "It has been a terrible winter for rough sleepers in Leeds.",
        "The Labour market is brutal for young people without qualifications.",
        "Contact: Oliver Green, 22 Patel Forks, West Amber, L3 9QT. He asked for a call back.",
    ],
)
def test_policy_civic_and_thanks_stay_clean(text):
    assert findings(text, "party_political") == []


# -- disparagement -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,target,word",
    [
        ("The board have betrayed everyone who gave up their weekends.", "board", "betrayed"),
        ("A stingy offer from our main funder, after everything.", "funder", "stingy"),
        ("Some of our donors are so arrogant about their money.", "donors", "arrogant"),
        ("Our partners abandoned the families when the grant ended.", "partners", "abandoned"),
        ("The Hope Street service is frankly dreadful.", "Hope Street service", "dreadful"),
    ],
)
def test_a_verdict_on_our_own_people_blocks_and_says_whom_and_which_word(text, target, word):
    hits = findings(text, "disparagement")
    assert hits, text
    assert target in hits[0].message and f'"{word}"' in hits[0].message


@pytest.mark.parametrize(
    "text",
    [
        "Our volunteers are absolutely brilliant and we could not do this without them.",
        "Residents are furious about the damp, and we are helping them take it to the landlord.",
        "Families were devastated when the factory closed.",
        "The staff are exhausted after a hard winter, so the hub opens at 10 this week.",
        "Young people are angry about the cuts to youth services.",
        "Tenants have struggled with damp and mould for months.",
        "The panel rejected our application, so we will apply again in spring.",
        "Management have cancelled the quiz because of the snow.",
        "Our staff are hopeless at saying no to cake.",
        "Our donors are incredibly generous and the appeal hit its target.",
    ],
)
def test_feelings_facts_and_praise_of_our_people_stay_clean(text):
    assert findings(text, "disparagement") == []


def test_an_insult_is_reported_once_not_again_as_disparagement():
    text = "Our new trustee is a complete waste of space."
    assert findings(text, "insult") and findings(text, "disparagement") == []


@pytest.mark.parametrize(
    ("text", "blocks"),
    [
        # A sentence's capital letter does not make "the government" the one in office: the
        # same words block nowhere in the sentence or everywhere.
        ("The government is a disaster for renters.", False),
        ("Renters know the government is a disaster for them.", False),
        ("The administration has been cruel to asylum seekers.", False),
        ("Local government is under terrible pressure this winter.", False),
        # A government named, or the one in office pointed at, is an actor wherever it sits.
        ("The Scottish Government has been brilliant on this.", True),
        ("Renters say the Scottish Government has been brilliant on this.", True),
        ("This government has been brilliant on this.", True),
    ],
)
def test_a_government_is_an_actor_by_its_name_not_by_a_capital_letter(text, blocks):
    assert bool(findings(text, "party_political")) is blocks, text
