"""The review channel never shows what the checks block (issue [10]): a version the checks
block keeps its words, its pictures' names and what the checks saw in the proposer's thread.
Every path that draws something in the review channel is tried: proposing, editing, redrawing
after a restart, the Home tab and "Show the whole post"."""

from __future__ import annotations

from bot.domain.posts import PostStatus
from bot.slack.blocks import FULL_TEXT_ACTION
from tests.bot.slack.test_review_buttons import click
from tests.conftest import BOB, CAROL, PROPOSALS, REVIEW, card_text, close_harness, make_harness

CLEAN = "Our drop-in centre is open every weekday from 10am. Everyone is welcome."
# Fictional: an Ofcom drama-range number and the NHS's own example number.
SECRETS = ("07700 900123", "943 476 5919", "HIV positive")
BLOCKED = f"{CLEAN} Call Sam on {SECRETS[0]}, NHS number {SECRETS[1]}; he is {SECRETS[2]}."


def review_channel_text(h) -> str:
    """Everything anyone in the review channel can read now (each message as last drawn)."""
    return "\n".join(card_text(m) for m in h.slack.messages(REVIEW))


def assert_no_blocked_words(text: str) -> None:
    for secret in (*SECRETS, "Call Sam", "HIV", "drop-in centre"):
        assert secret not in text, secret


def test_an_edit_the_checks_block_takes_its_words_off_the_card(harness):
    ts = harness.propose(CAROL, CLEAN)
    assert CLEAN in card_text(harness.card(harness.post_for(ts)))
    harness.edit(CAROL, ts, BLOCKED)
    post = harness.post_for(ts)
    assert post.status is PostStatus.BLOCKED
    assert {"phone_number", "nhs_number", "special_category"} <= {f.rule for f in post.findings}
    card = card_text(harness.card(post))
    assert_no_blocked_words(card)
    assert_no_blocked_words(review_channel_text(harness))
    # It says that it is blocked, by what, and where the proposer was told.
    assert "blocked by the checks" in card and "phone number" in card
    assert f"<@{CAROL}>" in card and f"<#{PROPOSALS}>" in card
    assert not [b for b in harness.card(post)["blocks"] if b.get("block_id") == "review"]
    # The proposer's thread has the findings, words included.
    report = card_text(harness.slack.thread(PROPOSALS, ts)[-1])
    assert "NHS number" in report and SECRETS[1] in report


def test_a_passing_edit_brings_the_words_back(harness):
    ts = harness.propose(CAROL, BLOCKED)
    assert harness.slack.messages(REVIEW) == []  # a blocked proposal never reaches it
    harness.edit(CAROL, ts, CLEAN)
    assert CLEAN in card_text(harness.card(harness.post_for(ts)))


def test_a_blocked_card_redrawn_after_a_restart_still_shows_no_words(tmp_path):
    h = make_harness(tmp_path)
    try:
        ts = h.propose(CAROL, CLEAN)
        h.edit(CAROL, ts, BLOCKED)
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        h.delete(ts)  # withdrawn: the card is redrawn by the restarted process
        assert h.post_for(ts).status is PostStatus.WITHDRAWN
        # The restarted emulator forgot the old messages: what the app sent is what counts.
        [redrawn] = [c.json for c in h.slack.calls_to(r"chat\.update$")]
        assert redrawn["channel"] == REVIEW
        assert "Withdrawn" in card_text(redrawn)
        assert_no_blocked_words(card_text(redrawn))
    finally:
        close_harness(h)


def test_the_home_tab_shows_approvers_no_blocked_words(harness):
    ts = harness.propose(CAROL, CLEAN)
    harness.edit(CAROL, ts, BLOCKED)
    harness.event(
        {
            "type": "app_home_opened",
            "user": BOB,
            "channel": "D0BOB",
            "tab": "home",
            "event_ts": "1.1",
        }
    )
    [published] = [v for v in harness.slack.views if v.get("user_id") == BOB]
    assert_no_blocked_words(str(published["view"]))


def test_show_the_whole_post_from_before_a_blocked_edit_shows_nothing(harness):
    harness.service.platforms = ("facebook",)  # far too long for X
    long_clean = "We are open every day this winter. " * 120
    ts = harness.propose(CAROL, long_clean)
    stale = harness.card(harness.post_for(ts))
    [button] = [
        e for b in stale["blocks"] if b.get("block_id") == "full_text" for e in b["elements"]
    ]
    harness.edit(CAROL, ts, long_clean + BLOCKED)
    assert harness.post_for(ts).status is PostStatus.BLOCKED
    click(harness, FULL_TEXT_ACTION, button["value"], BOB, stale)
    assert harness.slack.views == []
    assert "blocked by the checks" in harness.slack.ephemerals(BOB)[-1]["text"]
    # Its proposer may still read their own words.
    click(harness, FULL_TEXT_ACTION, button["value"], CAROL, stale)
    [opened] = harness.slack.views
    assert SECRETS[1] in str(opened["view"])


# -- pictures' file names: checked like words, shown on the card only when they pass ----------


def propose_photo(h, name: str, text: str = "Our garden project in bloom this week."):
    from bot.emulators.slack import message_event, new_ts
    from tests.bot.slack.test_images import jpeg

    photo = h.slack.add_file(name, jpeg())
    ts = new_ts()
    h.event(message_event(PROPOSALS, CAROL, text, ts, files=[photo]))
    return h.post_for(ts)


def test_a_file_name_run_together_is_checked_against_the_register(harness):
    from tests.conftest import DANA

    harness.command('people add "Mary Green" --consent no --label P-3', DANA)
    post = propose_photo(harness, "MaryGreenAtTheRefuge.jpg")
    assert post.status is PostStatus.BLOCKED
    assert "registered_person" in {f.rule for f in post.findings}
    assert harness.slack.messages(REVIEW) == []
    assert not any("Mary" in card_text(m) for m in harness.slack.messages(REVIEW))


def test_a_file_name_in_lower_case_is_read_with_its_capitals(harness):
    from tests.conftest import DANA

    # Consent to be named is recorded; where she is staying is another matter.
    harness.command('people add "Mary Green" --consent yes --label P-3', DANA)
    post = propose_photo(harness, "mary_green_at_the_refuge.jpg")
    assert post.status is PostStatus.BLOCKED
    assert "refuge_location" in {f.rule for f in post.findings}
    assert harness.slack.messages(REVIEW) == []


def test_a_file_name_the_checks_flag_is_not_shown_on_the_card(harness):
    from tests.conftest import DANA

    harness.command('people add "Mary Green" --consent yes --label P-3', DANA)
    post = propose_photo(harness, "Mary_Green.jpg")
    assert post.status is PostStatus.IN_REVIEW  # named with consent: for the approver to weigh
    assert "registered_person" in {f.rule for f in post.findings}
    card = card_text(harness.card(post))
    assert "Mary" not in card and "Green" not in card
    assert "picture 1" in card and "file name the checks flagged is not shown" in card
    # The proposer's thread says which file it was.
    report = card_text(harness.slack.thread(PROPOSALS, post.source_ts)[-1])
    assert "Mary_Green.jpg" in report


def test_a_file_name_that_passes_is_shown(harness):
    post = propose_photo(harness, "OpenDay2024.jpg")
    assert "OpenDay2024.jpg" in card_text(harness.card(post))


# -- "Show the whole post" checks who asks ---------------------------------------------------


def test_show_the_whole_post_is_for_the_proposer_approvers_and_admins(harness):
    from tests.conftest import DANA, EVE

    harness.service.platforms = ("facebook",)  # far too long for X
    long_text = "We are open every day this winter. " * 120
    ts = harness.propose(CAROL, long_text)
    card = harness.card(harness.post_for(ts))
    [button] = [
        e for b in card["blocks"] if b.get("block_id") == "full_text" for e in b["elements"]
    ]
    click(harness, FULL_TEXT_ACTION, button["value"], EVE, card)  # in the channel, no approver
    assert harness.slack.views == []
    refusal = harness.slack.ephemerals(EVE)[-1]["text"]
    assert "Only the proposer of #1, approvers and admins" in refusal
    for allowed in (CAROL, BOB, DANA):
        click(harness, FULL_TEXT_ACTION, button["value"], allowed, card)
    assert len(harness.slack.views) == 3
    assert all(long_text.strip()[:200] in str(v["view"]) for v in harness.slack.views)
