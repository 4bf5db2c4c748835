"""Who a post is about: the name gazetteer, membership cues, roles, handles, children, aliases."""

import pytest

from bot.checks import run_checks
from bot.checks.identifiers import _people
from bot.checks.membership import role_of
from bot.checks.names import VERDICTS, gazetteer, verdicts, verdicts_text, weigh
from bot.config.policy_file import load_policy

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


def test_the_weighing_gives_those_answers_from_the_sources():
    """The thresholds at work on the census lists and wordfreq, before any file is written."""
    w = weigh()
    assert w.name_weight("Mary") >= 5 > w.name_weight("Hope")
    assert w.is_given_name("siobhan") and not w.is_given_name("will")
    assert w.is_surname_after_given("day") and not w.is_surname_after_given("road")
    assert w.is_common_word("visibility") and not w.is_common_word("okafor")


@pytest.fixture(scope="module")
def shipped_and_fresh():
    from importlib import resources

    shipped = resources.files("bot.checks").joinpath(VERDICTS).read_text("utf-8")
    return shipped, verdicts(weigh())


def test_the_shipped_verdicts_are_a_fresh_weighing_of_the_sources(shipped_and_fresh):
    """The file the bot reads is what scripts/make_name_verdicts.py writes today: after a
    change to the lists, wordfreq or the thresholds, run the script again."""
    shipped, fresh = shipped_and_fresh
    assert shipped == verdicts_text(fresh)


def test_the_loaded_verdicts_answer_as_the_weighing_does(shipped_and_fresh):
    """Every word either source holds, in the case the checks may meet it, and words neither
    holds: the set look-ups give the weighing's answers."""
    _, fresh = shipped_and_fresh
    w, g = weigh(), gazetteer()
    assert g == fresh
    words = w.given.keys() | w.surnames.keys() | w.word_freq.keys()
    for word in [*sorted(words)[::7], "Mary", "GREEN", "Zzyzx", "", "Visibility"]:
        key = word.lower()
        assert g.is_given_name(word) == w.is_given_name(key), word
        assert g.is_surname_after_given(word) == w.is_surname_after_given(key), word
        assert g.is_common_word(word) == w.is_common_word(key), word


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


# -- 2. membership cues: a possible service user, not a group --------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Sam (one of our residents) was diagnosed with HIV last month and is doing well.",
        "Tyrone, one of our clients, has been sectioned again, so the art group is off.",
    ],
)
def test_a_membership_cue_is_one_person_not_a_group(text):
    assert "special_category" in rules(text)


@pytest.mark.parametrize(
    "text,saw",
    [
        (
            "Please call Kerry (one of our residents) on 07700 900123 about her bike.",
            "a phone number",
        ),
        (
            "Josh, a resident at our hostel, lost his wallet: josh.m.leeds@gmail.com if found.",
            "an e-mail address",
        ),
        (
            "Danielle, who comes to our drop-in, has been diagnosed with bipolar disorder.",
            "a sensitive fact",
        ),
        (
            "Our client Mo (DOB 02/03/1991) needs a lift to the housing office.",
            "a date of birth",
        ),
    ],
)
def test_a_possible_service_user_with_an_identifying_detail_blocks(text, saw):
    findings = [f for f in run_checks(text, BOTH, POLICY) if f.rule == "service_user"]
    assert findings, text
    assert findings[0].severity.value == "block"
    assert saw in findings[0].message
    # The message is in our words: the post's name never appears in it.
    assert text.split()[0].strip(",") not in findings[0].message.replace("Our ", "")


@pytest.mark.parametrize(
    "text",
    [
        "One of our residents made this amazing cake – come and try a slice!",
        "People living with HIV are welcome at all our residents' meetings.",
        "A huge thank you to our volunteer Sam, who baked bread for the residents today.",
        "Say hello to Sarah from our drop-in team at the summer fair.",
    ],
)
def test_a_membership_cue_without_a_named_person_is_not_a_block(text):
    assert "service_user" not in rules(text)


NAMED_MEMBERS = [
    "Tom from our Tuesday group is doing well and sends his love to everyone.",
    "Sam (one of our residents) baked bread for the whole house today.",
    "Our resident Margaret turned 90 today and still does the crossword every morning.",
    "Shout out to Priya, one of our clients, who ran her first 5k on Sunday!",
]


@pytest.mark.parametrize("text", NAMED_MEMBERS)
def test_a_named_person_we_support_needs_recorded_consent(text):
    """Being named as a client of a refuge, an HIV or a recovery service is the sensitive fact
    itself: without a register entry, the name blocks, and the message says why."""
    findings = [f for f in run_checks(text, BOTH, POLICY) if f.rule == "service_user"]
    assert findings, text
    assert findings[0].severity.value == "block"
    assert "consent register" in findings[0].message


def consenting_register():
    from bot.checks.register import ConsentRegister, RegisterEntry, name_hashes

    key = b"a test key of at least 16 bytes"
    names = ("Sam Okafor", "Sam", "Margaret Hill", "Margaret", "Priya Shah", "Priya", "Tom")
    entry = RegisterEntry("P-031", name_hashes(key, names), consent=True, max_tokens=2)
    return ConsentRegister(key, (entry,))


@pytest.mark.parametrize("text", NAMED_MEMBERS)
def test_a_named_person_on_the_register_is_judged_on_their_consent_instead(text):
    found = rules(text, register=consenting_register())
    assert "service_user" not in found
    assert "registered_person" in found  # a note: their consent covers the post


# -- 3. roles: staff, supporters and public figures are not possible service users ----------


@pytest.mark.parametrize(
    "text,name,role",
    [
        ("A warm welcome to our chair Tom Day, who", "Tom Day", "staff or public figure"),
        ("Jo, our volunteer coordinator, will be at the stall.", "Jo", "staff or public figure"),
        ("We met Councillor Patel at the hub.", "Patel", "staff or public figure"),
        ("Alex Sobel MP visited the hostel.", "Alex Sobel", "staff or public figure"),
        ("Huge thanks to Kerry for raising £350 for the garden!", "Kerry", "supporter"),
        ("Priya ran the Leeds half marathon for us in May.", "Priya", "supporter"),
        ("Sam was diagnosed with cancer in May.", "Sam", None),
        ("Please call Kerry on 07700 900123.", "Kerry", None),
    ],
)
def test_role_of(text, name, role):
    start = text.index(name)
    assert role_of(text, start, start + len(name)) == role


@pytest.mark.parametrize(
    "text",
    [
        "Sam, one of our members, ran the Leeds 10k for us and raised £600 – "
        "to sponsor him, e-mail sam.runs.leeds@gmail.com",
        "Jo, our volunteer coordinator and one of our members, is on 07700 900777 this week.",
    ],
)
def test_a_named_supporter_or_staff_member_is_not_a_service_user(text):
    assert "service_user" not in rules(text)


def test_the_same_post_without_the_role_blocks():
    text = "Sam, one of our members, is asking for help – e-mail sam.runs.leeds@gmail.com"
    assert "service_user" in rules(text)


# -- 4. @handles tagged in a post about a support service ------------------------------------

OUR_POLICY = load_policy(None)


def with_terms(*terms):
    from dataclasses import replace

    return replace(POLICY, allow=replace(POLICY.allow, terms=terms))


@pytest.mark.parametrize(
    "text",
    [
        "Lovely to see @jess_m_92 and @dazza.k at Thursday's recovery group – 90 days sober!",
        "Our HIV peer support circle was packed tonight. Welcome back @tomoakes84",
        "Great turnout at the refuge coffee morning, thanks @ShaunaB for coming along.",
        "Thanks @sarah_louise for sharing your story at the survivors' evening",
        "Great turnout at the LGBTQ+ youth group tonight – shout out @kai.moves",
        "Congratulations @leanne_w on finishing the Freedom Programme with us",
    ],
)
def test_a_persons_handle_in_a_support_service_post_blocks(text):
    assert "tagged_handle" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "We love working with @LeedsCC and @ForumCentral on the winter plan.",  # no service
        "Our recovery cafe is open on Fridays – follow @NorthsideHope for updates.",  # ours
        "Thanks to @NHSEngland for funding our HIV testing van.",  # a body
        "Our recovery group meets on Tuesdays: e-mail hello@northsidehope.org.uk",  # an e-mail
        "Huge thanks to our chair @ruthmoss for opening the new hostel wing.",  # staff
        "Huge thanks to @sarah_louise for raising £500 for survivors of abuse",  # a supporter
    ],
)
def test_organisations_staff_and_e_mails_are_not_tagged_people(text):
    assert "tagged_handle" not in rules(text, with_terms("Northside Hope"))


# -- 5. a child named with their school ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Well done to Jayden from St Mary's Primary for his brilliant poster!",
        "Well done to Lily from Year 5 at St Anne's Primary for her poem.",
        "Amira, Year 4 at Oakwood Academy, won our young writers' prize.",
        "A big shout-out to Oakwood Academy pupil Leo for collecting 40 tins.",
        "Congratulations Tia (Year 6, Beechwood Primary School) on her award.",
    ],
)
def test_a_child_named_with_their_school_blocks(text):
    assert "child_school" in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "Pupils from St Mary's Primary sang carols at the hostel today.",
        "Thank you to Mrs Patel from Oakwood Academy for the harvest donation.",
        "Our youth worker Jo Hill visits Beechwood Primary School every Monday.",
        "St Mary's Primary raised £420 for the food bank – thank you!",
    ],
)
def test_schools_without_a_named_child_are_clean(text):
    assert "child_school" not in rules(text)


# -- 6. a register alias inside a common phrase ----------------------------------------------


def ash_register():
    from bot.checks.register import ConsentRegister, RegisterEntry, name_hashes

    key = b"a test key of at least 16 bytes"
    names = ("Ashley Morley", "Ash", "Rose Tanner", "Rose", "Hope Ibe", "Hope")
    entry = RegisterEntry("P-021", name_hashes(key, names), consent=False, max_tokens=2)
    return ConsentRegister(key, (entry,))


@pytest.mark.parametrize(
    "text",
    [
        "Join us for our Ash Wednesday service at 7pm – all welcome.",
        "The Rose Garden volunteers meet again in spring.",
        "Our new office is on Hope Street, next to the library.",
        "Pancakes on Shrove Tuesday, then the Ash Wednesday breakfast.",
    ],
)
def test_a_register_alias_inside_a_common_phrase_is_not_the_person(text):
    assert "registered_person" not in rules(text, register=ash_register())


@pytest.mark.parametrize(
    "text",
    [
        "Ash did brilliantly at the quiz night!",
        "Thanks to Ash Morley for the football kit.",
        "Rose has moved into her new flat this week.",
        "Say hello to Hope at the café on Wednesday.",
    ],
)
def test_a_register_alias_on_its_own_is_still_the_person(text):
    assert "registered_person" in rules(text, register=ash_register())


@pytest.mark.parametrize(
    "text",
    [
        "Great to talk homelessness with @BBCLookNorth this morning.",
        "Thank you @AlexSobelMP for visiting the hostel today.",
    ],
)
def test_media_and_politicians_handles_are_not_tagged_service_users(text):
    assert "tagged_handle" not in rules(text)


@pytest.mark.parametrize("handle", ["luke_b", "aidan_k", "rebecca", "eunice.m", "olive_92"])
def test_short_organisation_words_inside_a_persons_handle_do_not_excuse_it(handle):
    assert "tagged_handle" in rules(f"Lovely to see @{handle} back at the recovery group.")


def test_the_evidence_for_a_possible_service_user_is_not_looked_for_twice(monkeypatch):
    # The evidence rules run before service_user in the policy: it reuses what they found
    # rather than running every one of them again on the post.
    from bot.checks import engine

    calls = {"phone_number": 0, "special_category": 0}
    for rule_id in calls:
        validator = engine.VALIDATORS[rule_id]

        def counted(ctx, rule, validator=validator, rule_id=rule_id):
            calls[rule_id] += 1
            return validator(ctx, rule)

        monkeypatch.setitem(engine.VALIDATORS, rule_id, counted)
    text = "Please call Kerry (one of our residents) on 07700 900123 about her bike."
    findings = [f for f in run_checks(text, BOTH, POLICY) if f.rule == "service_user"]
    assert findings and "a phone number" in findings[0].message
    assert calls == {"phone_number": 1, "special_category": 1}
