"""Issue [9], confidentiality recall on posts nobody tuned the checks on: each widened mechanism
(phone plausibility, the person finder's appositions, membership cues, roles, condition names,
loose address ties, children's schools, handles, case references), with near misses that must
stay clean. People, numbers and places are fictional."""

from dataclasses import replace

import pytest

from bot.checks import run_checks
from bot.checks.identifiers import _people, nhs_check_digit_ok
from bot.checks.membership import membership_cues, role_of
from bot.config.policy_file import load_policy

BOTH = ("x", "facebook")
POLICY = load_policy(None)  # the packaged rules alone


def found(text, rule, policy=POLICY):
    return [f.excerpt for f in run_checks(text, BOTH, policy) if f.rule == rule]


def rules(text, policy=POLICY):
    return {f.rule for f in run_checks(text, BOTH, policy)}


def blocks(text, policy=POLICY):
    return {f.rule for f in run_checks(text, BOTH, policy) if f.severity.name == "BLOCK"}


# -- phone_number: a 10-digit run is a phone number only if it could be dialled as written -----


@pytest.mark.parametrize(
    "text",
    [
        "Patient 943 476 5871 was seen on the ward.",  # NHS-shaped, wrong check digit
        "Item 9434765871 arrived with the donations today.",
        "Mrs Green, NHS 943 476 5871, attended the clinic.",
        "Reading 485 777 3456 on the meter this morning.",
    ],
)
def test_ten_digits_no_one_writes_as_a_uk_phone_number_do_not_block(text):
    assert not any(nhs_check_digit_ok(d) for d in ("9434765871", "4857773456"))
    assert "phone_number" not in rules(text)
    assert not blocks(text)


@pytest.mark.parametrize(
    "text,number",
    [
        ("Call Maria on (206) 555-0147 after six.", "(206) 555-0147"),
        ("Maria: 206-555-0148", "206-555-0148"),
        ("Reach Jo at 943 476 5871 any evening.", "943 476 5871"),  # called a number to ring
        ("Sam's mobile is 07700 900123.", "07700 900123"),
        ("Ring +44 7700 900123 for Sam.", "+44 7700 900123"),
    ],
)
def test_numbers_written_as_phone_numbers_still_block(text, number):
    assert found(text, "phone_number") == [number]


def test_in_the_us_a_bare_ten_digit_number_is_still_a_phone_number():
    us = replace(POLICY, country="US")
    assert found("Patient 943 476 5871 was seen.", "phone_number", us) == ["943 476 5871"]


# -- the person finder: an apposition says who someone is ----------------------------------------


@pytest.mark.parametrize(
    "text,person",
    [
        ("Marek, one of our regulars at the soup run, was released last week.", "Marek"),
        ("Dorota, a guest at our night shelter, knitted the hats.", "Dorota"),
        ("Thandiwe, the newest resident at Oak Lodge, moved in on Monday.", "Thandiwe"),
    ],
)
def test_an_unfamiliar_name_with_an_apposition_is_a_person(text, person):
    assert person in [text[s:e] for s, e in _people(text)]


def test_a_place_with_an_apposition_is_not_a_person():
    text = "Leeds, one of the biggest cities in the north, has a housing crisis."
    assert "Leeds" not in [text[s:e] for s, e in _people(text)]


def test_a_fact_about_someone_named_by_an_apposition_blocks():
    text = "Marek, one of our regulars at the soup run, was released from HMP Leeds last week."
    assert {"service_user", "special_category"} <= blocks(text)


# -- membership cues -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Big welcome to Harriet, the newest resident at Oak Lodge, who has a cat.",
        "Harriet, a tenant of St Anne's Court, turns 90 on Sunday.",
        "Jo, who we have supported since 2019, got her keys today.",
        "Jo, who we've helped for years, is moving on.",
        "Kerry, a woman we work with, told us her news.",
        "Graham, who our outreach team first met sleeping in the bus station, came today.",
        "Sam came to us homeless in 2021 and now has a job.",
        "Sam walked through our doors in 2019.",
        "Jo has been staying with us for a year.",
        "Our longest-staying tenant at Elm Court, Bridget, turns 90 on Sunday!",
    ],
)
def test_a_person_named_as_someone_we_support_blocks(text):
    assert membership_cues(text)
    assert "service_user" in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks to Jane Smith from the council, who we work with closely.",  # a partner
        "Thanks to Sam, who we first met at a conference.",
        "Sam has a house with room for us in mind.",
        "The residents at Oak Lodge baked cakes.",  # a group
    ],
)
def test_partners_and_groups_are_not_someone_we_support(text):
    assert "service_user" not in rules(text)


def test_one_finding_per_membership_cue():
    text = "Harriet, a tenant of St Anne's Court, turns 90."
    assert len(found(text, "service_user")) == 1


# -- roles -----------------------------------------------------------------------------------


def test_someone_who_runs_a_session_is_staff_and_a_volunteer_in_the_object_is_no_role():
    text = "Thanks @sarah_k for running our Thursday group!"
    assert role_of(text, 7, 15) == "staff or public figure"
    assert "tagged_handle" not in rules(text)
    text = "A guest at our night shelter, Dee, knitted hats for every volunteer."
    start = text.index("Dee")
    assert role_of(text, start, start + 3) is None
    assert "service_user" in blocks(text)


# -- special_category: condition names people write -----------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Our friend Winston, who is living with COPD, walks to the lunch club.",
        "Jo was diagnosed with MS in 2019.",
        "Tom has fibromyalgia and still runs the allotment.",
        "Sam, who lives with hep B, joined the choir.",
        "Leon, a regular at our soup kitchen, has been clean for six months.",
    ],
)
def test_condition_names_and_abbreviations_about_a_person_block(text):
    assert "special_category" in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Ms Shah spoke about the MS Society's new guide.",
        "COPD, MS, PTSD and ADHD are all topics at next week's health awareness talks.",
        "Karen ran a workshop on asthma for parents.",
        "The group is open to people living with MS, COPD or long Covid and their carers.",
    ],
)
def test_condition_names_as_subjects_are_clean(text):
    assert "special_category" not in rules(text)


# -- home_address: loose ties ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text,address",
    [
        ("Jo has the keys to flat 3b, 22 Mill Road.", "flat 3b, 22 Mill Road"),
        (
            "Marisol is settled into apt 4, 1017 Ridge Trail, Austin TX 78701 now.",
            "apt 4, 1017 Ridge Trail, Austin TX 78701",
        ),
        ("Ciaran has found a room at 9 Crossley Street, Halifax.", "9 Crossley Street, Halifax"),
        (
            "Celebrating Desmond: 12 Cedar Close, Chapel Allerton is now his.",
            "12 Cedar Close, Chapel Allerton",
        ),
        ("Brenda has finally got her place on Elm Ave sorted.", "Elm Ave"),
        ("Tom lives on Cardigan Road.", "Cardigan Road"),
        ("Cards for Maureen can go to 31 Woodhouse Lane, Leeds.", "31 Woodhouse Lane, Leeds"),
        ("Please visit Lillian at 5 Brook Terrace, Otley.", "5 Brook Terrace, Otley"),
        ("Anil's tenancy at 19 Farm Hill Crescent starts Monday.", "19 Farm Hill Crescent"),
    ],
)
def test_an_address_tied_loosely_to_a_person_blocks(text, address):
    assert found(text, "home_address") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Independent living at Beech Court: two one-bed flats are available.",
        "Our drop-in has moved to Mill Road while the hall is repaired.",
        "We handed over the keys to 14 Elm Road to the tenants' association.",
        "Tom lives in Hyde Park and cycles in.",
        "The keys to success are simple.",
        "Meet Sarah at 1 High Street for the walk.",
    ],
)
def test_venues_areas_and_the_organisations_moves_are_not_homes(text):
    assert "home_address" not in rules(text)


# -- child_school ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Well done to Keira, Year 6 at St Mary's, who read her poem.",
        "Little Oscar goes to Oakfield Primary and drew the picture.",
        "Ruby, who is in Year 3 at Meanwood CE Primary, won.",
        "Congratulations to Lucas, a Year 11 student at Roundhay School, on his results!",
        "Amara, who is 7 and in Reception at Christ Church, painted the window.",
    ],
)
def test_a_child_with_their_school_in_other_words_blocks(text):
    assert "child_school" in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Mrs Patel, Year 6 teacher at St Mary's, ran the stall.",
        "Year 6 pupils from St Mary's sang at the care home. Thank you, St Mary's!",
        "Jess teaches Year 6 at Oakfield.",
    ],
)
def test_teachers_and_classes_are_not_a_named_child(text):
    assert "child_school" not in rules(text)


# -- tagged_handle ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "So proud of @liamt_93: one year clean today!",  # a fact, no service named
        "Huge congratulations to @amir.rz, granted asylum this morning.",
        "Welcome back @mags_h to our Thursday group, we missed you!",
        "Thanks @dee_h for the bunting from the night shelter craft table.",
    ],
)
def test_a_handle_in_a_post_stating_a_sensitive_fact_or_about_a_group_blocks(text):
    assert "tagged_handle" in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks @jo_bakes for the cakes at the fun run.",
        "Thank you @kirkgate_market and @LeedsHospitalsCharity for supporting our recovery cafe.",
        "Thanks @sarah_k for running our Thursday group so brilliantly.",
    ],
)
def test_handles_of_businesses_staff_and_bakers_are_clean(text):
    assert "tagged_handle" not in rules(text)


# -- case_reference --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,ref",
    [
        ("For Karl's PIP tribunal, our ref is SC/2026/0412.", "SC/2026/0412"),
        ("Tribunal no. 4471 is listed for Friday.", "Tribunal no. 4471"),
        ("His appeal number was 88213, says the letter.", "appeal number was 88213"),
    ],
)
def test_references_after_is_and_for_tribunals_and_appeals_block(text, ref):
    assert found(text, "case_reference") == [ref]


@pytest.mark.parametrize(
    "text",
    [
        "The appeal was upheld in 2024.",
        "Our application is 100% complete.",
        "The tribunal is 3 weeks away.",
        "Our winter appeal 2026 raised £4,000.",
        "Booking reference 4471 confirms the minibus.",
    ],
)
def test_years_amounts_and_bookings_are_not_case_references(text):
    assert "case_reference" not in rules(text)


# -- more forms: labels with words, drop-offs for a family, renting, past tenses, appositions ---


@pytest.mark.parametrize(
    "text,rule",
    [
        (
            "Address for cards: Flat 2, 18 Beech Road, Leeds. Nora would love to hear.",
            "home_address",
        ),
        (
            "Donations for the Garcia family can be dropped at 2210 N 30th St, Tacoma.",
            "home_address",
        ),
        ("Bev is now renting at 45 Kings Road.", "home_address"),
        ("Rob came out as gay to his mum last week.", "special_category"),  # "Rob": a name here
        ("Sipho is on the sex offenders register.", "special_category"),
        ("Aled suffers from depression.", "special_category"),
        ("Tariq fled the war in Syria in 2015.", "special_category"),
        ("Paul lost his leg to diabetes last year.", "special_category"),
    ],
)
def test_more_forms_independent_writers_use_block(text, rule):
    assert rule in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Donations for the food bank can be dropped at 12 Church Road.",
        "Mark said the quiz was a hit: £312 raised.",
        "Will you join us? Mark your diaries.",
        "Leeds is on the up: rough sleeping fell by a third.",
    ],
)
def test_their_near_misses_stay_clean(text):
    assert not blocks(text)


@pytest.mark.parametrize(
    "text,rule",
    [
        ("We visited Harold in his bungalow on Woodland Drive.", "home_address"),
        ("Lily from the Year 5 class at Hawksworth Wood Primary won.", "child_school"),
        ("Mia started Reception at Little London Academy today!", "child_school"),
        ("Case 4471: Ms Reid, eviction hearing Tuesday.", "case_reference"),
        ("PIP ref: 9988 7766 5544", "case_reference"),
        ("Crime reference number 13/45678/23 for the break-in.", "case_reference"),
    ],
)
def test_possessive_homes_school_classes_and_spaced_references_block(text, rule):
    assert rule in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "In case 1000 people come, we have chairs.",
        "We've moved to 12 Mill Road.",
        "Court 3 is on the left.",
        "Could someone call Julie at 7 Clover Court?",  # no number after "Court" to take
    ],
)
def test_the_case_word_and_the_organisations_move_stay_clean(text):
    assert "case_reference" not in rules(text)
    assert "home_address" not in rules(text) or "Julie" in text


@pytest.mark.parametrize(
    "text",
    [
        "Bella has been in and out of psychiatric hospital this year.",
        "After his heart bypass, Tony is back at the allotment.",
        "Dev has been off the drink for six months.",
        "Carl is on a methadone programme and doing well.",
        "Ben served 6 years for armed robbery and now mentors lads.",
        "Gerry has been dry for 2 years.",
        "Babs is on oxygen now but still comes to bingo.",
        "Ollie is on the autism spectrum.",
    ],
)
def test_facts_in_everyday_words_block(text):
    assert "special_category" in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Sue served 10 years as our treasurer.",
        "Our methadone programme runs daily.",
        "Dry for January: Tom is doing it for the shelter.",
    ],
)
def test_their_everyday_twins_stay_clean(text):
    assert "special_category" not in rules(text)


@pytest.mark.parametrize(
    "text",
    [
        "Happy birthday @sunny_days_99 from everyone at the women's centre!",
        "@marcy_lou thanks for being so brave at group last night.",
        "So glad @tanya_p found her way to us.",
    ],
)
def test_handles_at_group_at_the_womens_centre_or_found_their_way_to_us_block(text):
    assert "tagged_handle" in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks @lee_h for helping serve at the soup run tonight.",  # a volunteer
        "Thanks @jo_events for sorting the group booking for the panto trip.",
    ],
)
def test_volunteers_handles_and_group_bookings_stay_clean(text):
    assert "tagged_handle" not in rules(text)


@pytest.mark.parametrize(
    "text,address",
    [
        (
            "Maria Lopez lives at 4821 Kelly Mission Apt. 221, North Jennifer, NC 27410.",
            "4821 Kelly Mission Apt. 221, North Jennifer, NC 27410",
        ),
        (
            "Send cards to Tom at 77 Smith Union, Port Williamton, WA 98402.",
            "77 Smith Union, Port Williamton, WA 98402",
        ),
        (
            "Address of Keith Ward: 3 Davies lights, Lake Rosieburgh, B2 4XY",
            "3 Davies lights, Lake Rosieburgh, B2 4XY",
        ),
        (
            "Contact: Oliver Green, 22 Patel Forks, West Amber, L3 9QT",
            "22 Patel Forks, West Amber, L3 9QT",
        ),
    ],
)
def test_venue_type_streets_with_a_zip_and_names_with_place_words_block(text, address):
    assert found(text, "home_address") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Our Tacoma food pantry at 300 Pine Station, Tacoma, WA 98402 is open Saturdays.",
        "Meet at Leeds Station, 12 noon.",
        "Hillside Surgery, 25 Church Road, Leeds",
    ],
)
def test_venues_with_a_zip_stay_clean(text):
    assert "home_address" not in rules(text)


# -- iban: the shape runs on into the next word --------------------------------------------------


@pytest.mark.parametrize(
    "text,iban",
    [
        ("Pay into ES98 2914 1777 7663 1706 6907 please", "ES98 2914 1777 7663 1706 6907"),
        ("Sam's account GB82 WEST 1234 5698 7654 32 then", "GB82 WEST 1234 5698 7654 32"),
    ],
)
def test_an_iban_followed_by_a_word_is_still_found(text, iban):
    assert found(text, "iban") == [iban]


@pytest.mark.parametrize(
    "text,rule",
    [
        (
            "Drop the parcel round to Seth Clark, 4538 Shelley Spurs, South Kent, MN 54883.",
            "home_address",
        ),
        ("Happy birthday Gareth Lambert of 20 Rita Meadow, Kennethfurt!", "home_address"),
        ("Jeffrey Alexander, 779 Dale Via, Jenningsborough, AL 04809", "home_address"),
        ("Aaron James lives at 4017 Potter Flat, Patrickport, MH 65874.", "home_address"),
        ("Natalie has a heart condition.", "special_category"),
        ("Bradley has been battling ME for years.", "special_category"),
    ],
)
def test_deliveries_to_a_named_door_headline_surnames_and_condition_words_block(text, rule):
    assert rule in blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Drop in and meet Sam at 14 Elm Road community hall on Friday.",
        "Give ME a call, says the poster.",
        "A talk on heart conditions for carers at the hub.",
    ],
)
def test_invitations_and_topics_stay_clean(text):
    assert not blocks(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tickets for the quiz: ref QUIZ2026 at the door.",
        "Our Christmas appeal reference is XMAS25 on the donation page.",
        "Lucy from Oakfield Primary PTA ran the tombola.",
        "Our caretaker Bob has the keys to the hall at 3 Mill Lane.",
    ],
)
def test_campaign_codes_school_parents_and_a_venues_keys_stay_clean(text):
    assert not blocks(text)


def test_keys_to_someones_own_home_still_block():
    assert found("Sam got the keys to his new flat at 9 Elm Road.", "home_address") == [
        "9 Elm Road"
    ]
