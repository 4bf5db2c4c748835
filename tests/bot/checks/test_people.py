"""Who a post is about: the name gazetteer, membership cues, roles, handles, children, aliases."""

import pytest

from bot.checks import run_checks
from bot.checks.identifiers import _people
from bot.checks.names import gazetteer
from bot.policy_file import load_policy

BOTH = ("x", "facebook")
POLICY = load_policy(None)  # the packaged rules alone


def rules(text, policy=POLICY, **kwargs):
    return {f.rule for f in run_checks(text, BOTH, policy, **kwargs)}


def named(text):
    return [text[s:e] for s, e in _people(text)]


# -- 1. the gazetteer: a name, or a word that is also a name? --------------------------------


def test_gazetteer_weighs_names_against_words():
    g = gazetteer()
    assert g.is_given_name("Mary") and g.is_given_name("siobhan")
    assert not g.is_given_name("Hope") and not g.is_given_name("Will")
    assert g.is_surname_after_given("Green") and g.is_surname_after_given("Day")
    assert not g.is_surname_after_given("Road")
    assert g.is_common_word("Visibility") and g.is_common_word("Specialist")
    assert not g.is_common_word("Okafor") and not g.is_common_word("Mary")


@pytest.mark.parametrize(
    "text,person",
    [
        ("Mary Green has been diagnosed with cancer.", "Mary Green"),
        ("Please send your cards to Tom Day, who is back in hospital.", "Tom Day"),
        ("Everyone at the drop-in misses Jo Hall since her diagnosis.", "Jo Hall"),
        ("Big thanks to Daniel Ward for the flapjacks.", "Daniel Ward"),
        ("Karen Hill turned 80 today!", "Karen Hill"),
        ("We said goodbye to Lucy Lane this week.", "Lucy Lane"),
        ("Get well soon Sunita Park!", "Sunita Park"),
    ],
)
def test_a_surname_that_is_also_a_place_word_is_a_person_after_a_given_name(text, person):
    assert person in named(text)


@pytest.mark.parametrize(
    "text",
    [
        "Meet us on the village green on Saturday.",
        "Join the walk from Victoria Street to the river.",
        "Our stall is at Ashley Park all day.",
        "Mary Green Community Centre opens at ten.",
    ],
)
def test_place_words_after_a_given_name_stay_places(text):
    assert not [n for n in named(text) if " " in n]


@pytest.mark.parametrize(
    "text,word",
    [
        ("Trans Day of Visibility: Visibility is survival, and support saves lives.", "Visibility"),
        ("Specialist advice for anyone diagnosed with HIV this year.", "Specialist"),
        ("Lancashire and Cumbria services meet on Friday.", "Lancashire"),
    ],
)
def test_a_common_word_that_is_nobodys_name_is_not_a_person(text, word):
    assert word not in named(text)


def test_mary_green_with_a_diagnosis_blocks():
    assert "special_category" in rules("Mary Green was diagnosed with cancer in the spring.")


def test_visibility_is_not_a_person_with_a_diagnosis():
    text = "Visibility matters: diagnosed early, HIV is a long-term condition, not a sentence."
    assert "special_category" not in rules(text)
