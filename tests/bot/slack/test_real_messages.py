"""Real message payloads replayed, signed, through POST /slack/events against the running app:
what reaches X and Facebook is the words the person saw, once; a tombstone withdraws."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.domain.posts import DeliveryStatus, PostStatus
from bot.emulators.slack import edit_event, message_event, new_ts, tombstone_event
from bot.slack.blocks import EDIT_ACTION, EDIT_VIEW
from tests.bot.slack.test_images import jpeg
from tests.bot.slack.test_proposal_buttons import click, report_buttons
from tests.conftest import BOB, CAROL, DANA, PROPOSALS, REVIEW, card_text

REAL = Path(__file__).resolve().parents[2] / "fixtures" / "real" / "slack"
# The ids the fixtures were written with, and who they are in the harness.
FIXTURE_USER, FIXTURE_CHANNEL = "U123ABC456", "C123ABC456"
AFTER_BOTH_SLOTS = datetime(2026, 11, 23, 10, 1, tzinfo=UTC)  # X 09:30, Facebook 10:00


def real(name: str) -> dict[str, Any]:
    """A fixture as Slack would send it to this workspace: ``_`` keys stripped, its proposer
    and channel mapped onto the harness's."""
    text = (REAL / f"{name}.json").read_text()
    data = json.loads(text.replace(FIXTURE_USER, CAROL).replace(FIXTURE_CHANNEL, PROPOSALS))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def replay(h, event: dict[str, Any]) -> None:
    assert h.event(event).status_code == 200


def original_of(change: dict[str, Any]) -> dict[str, Any]:
    """The proposal a message_changed/message_deleted fixture changes, as its message event."""
    message = dict(change["previous_message"])
    for key in ("reply_count", "reply_users_count", "latest_reply", "reply_users", "is_locked"):
        message.pop(key, None)  # the report thread is made by the app itself
    message.pop("thread_ts", None)
    return message | {"channel": PROPOSALS, "event_ts": message["ts"], "channel_type": "channel"}


def approve(h, post) -> None:
    h.react(BOB, "white_check_mark", h.card(post)["ts"])
    assert h.store.get_post(post.id).status is PostStatus.APPROVED


def publish_all(h) -> None:
    h.clock.now = AFTER_BOTH_SLOTS
    h.runtime.delivery.publish_due()


def test_words_emoji_link_and_picture_go_out_exactly_as_written_once(harness):
    event = real("message_links_emoji_picture")
    # The file as the emulator serves it (same name): the download is real.
    event["files"] = [harness.slack.add_file(event["files"][0]["name"], jpeg())]
    replay(harness, event)
    post = harness.post_for(event["ts"])
    seen = "Fish & chips night 🎉 example.org"
    assert post.text == seen
    assert post.status is PostStatus.IN_REVIEW
    card = card_text(harness.card(post))
    # The card shows the words (escaped for Slack) and X's count of them (a URL is 23).
    assert "Fish &amp; chips night 🎉 example.org" in card
    assert "&amp;amp;" not in card and ":tada:" not in card and "example.org|" not in card
    approve(harness, post)
    publish_all(harness)
    harness.runtime.delivery.publish_due()  # a second run publishes nothing twice
    [tweet] = harness.x.tweets
    assert tweet["text"] == seen and len(tweet["media_ids"]) == 1
    [page_post] = harness.graph.posts
    assert page_post["message"] == seen and len(page_post["photo_ids"]) == 1


def test_links_with_words_keep_their_address_on_x_and_facebook(harness):
    event = real("message_link_labels")
    replay(harness, event)
    post = harness.post_for(event["ts"])
    words = (
        "Read about our winter appeal (https://example.org/winter-appeal) at "
        "https://example.org/news"
    )
    assert post.text == words + " or write to hello@example.org"
    # The checks read the words: the address is found where the person wrote it.
    [email] = [f for f in post.findings if f.rule == "email_address"]
    assert post.text[email.start : email.end] == "hello@example.org"
    # The proposer edits the address away in Slack (the same rich text, shortened).
    section = event["blocks"][0]["elements"][0]
    section["elements"] = section["elements"][:4]
    harness.event(edit_event(PROPOSALS, CAROL, event["ts"], "(markup)", blocks=event["blocks"]))
    post = harness.store.get_post(post.id)
    assert post.text == words and post.status is PostStatus.IN_REVIEW
    approve(harness, post)
    publish_all(harness)
    assert [t["text"] for t in harness.x.tweets] == [words]
    assert [p["message"] for p in harness.graph.posts] == [words]


def test_skin_tones_styles_lists_and_quotes_become_plain_words(harness):
    toned, sections = real("message_skin_tone_emoji"), real("message_sections")
    sections["ts"] = sections["event_ts"] = new_ts()
    replay(harness, toned)
    replay(harness, sections)
    assert harness.post_for(toned["ts"]).text == "Thank you to everyone who came 👋🏼 ❤️"
    assert harness.post_for(sections["ts"]).text.splitlines() == [
        "Open day on Saturday:",
        "• tea & cake",
        "  ◦ garden tours",
        "1. arrive",
        "2. sign in",
        "“The best morning of the year”",
        "Room 2",
    ]


def test_mentions_block_until_written_out_and_are_never_published(harness):
    event = real("message_mentions")
    replay(harness, event)
    post = harness.post_for(event["ts"])
    assert post.status is PostStatus.BLOCKED
    mentions = [f for f in post.findings if f.rule == "slack_mention"]
    assert [f.excerpt for f in mentions] == ["@here", "@U0G9QF9C6", "#volunteers", "@comms"]
    assert all(post.text[f.start : f.end] == f.excerpt for f in mentions)
    assert harness.slack.messages(REVIEW) == []  # never reached the approvers
    report = card_text(harness.slack.thread(PROPOSALS, event["ts"])[-1])
    assert "means nothing on X or Facebook" in report and "Write out what you mean" in report
    # The proposer writes it out in Slack: the edit is checked again and can go out.
    written = "Thanks to Sam for the photos from our volunteers"
    harness.edit(CAROL, event["ts"], written)
    post = harness.store.get_post(post.id)
    assert post.status is PostStatus.IN_REVIEW and post.version == 2
    assert not [f for f in post.findings if f.check == "slack"]
    approve(harness, post)
    publish_all(harness)
    assert [t["text"] for t in harness.x.tweets] == [written]
    assert [p["message"] for p in harness.graph.posts] == [written]


def submit_edit(h, ts: str, text: str) -> None:
    click(h, EDIT_ACTION, report_buttons(h, ts)[EDIT_ACTION], CAROL)
    opened = h.slack.views[-1]
    assert opened["view"]["callback_id"] == EDIT_VIEW
    h.sender.action(
        {
            "type": "view_submission",
            "user": {"id": CAROL, "username": "carol", "team_id": "T0001"},
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "test"},
            "trigger_id": "1.2.3",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": EDIT_VIEW,
                "private_metadata": opened["view"]["private_metadata"],
                "state": {
                    "values": {"text": {"text": {"type": "plain_text_input", "value": text}}}
                },
            },
        }
    )
    h.executor.drain()


def test_a_mention_left_in_the_edit_form_stays_blocked_and_the_form_is_not_decoded(harness):
    event = real("message_mentions")
    replay(harness, event)
    # The Edit form holds plain words: a stand-in left there is still flagged.
    submit_edit(harness, event["ts"], "Thanks @U0G9QF9C6 for the photos")
    post = harness.post_for(event["ts"])
    assert post.version == 2 and post.status is PostStatus.BLOCKED
    assert [(f.rule, f.excerpt) for f in post.findings if f.check == "slack"] == [
        ("slack_mention", "@U0G9QF9C6")
    ]
    # Typed in a form, "&amp;" and ":tada:" are what the person saw: kept as typed.
    submit_edit(harness, event["ts"], "Thanks Sam &amp; Jo :tada: <3")
    post = harness.post_for(event["ts"])
    assert post.text == "Thanks Sam &amp; Jo :tada: <3"
    assert post.status is PostStatus.IN_REVIEW


def test_custom_emoji_blocks_with_a_reason(harness):
    event = real("message_custom_emoji")
    replay(harness, event)
    post = harness.post_for(event["ts"])
    assert post.status is PostStatus.BLOCKED
    [custom] = [f for f in post.findings if f.rule == "slack_custom_emoji"]
    assert custom.excerpt == ":partyparrot:" and "custom emoji" in custom.message


def test_struck_through_words_warn_the_approver(harness):
    event = real("message_strikethrough")
    replay(harness, event)
    post = harness.post_for(event["ts"])
    assert post.text == "Tickets £10 £8 at the door" and post.status is PostStatus.IN_REVIEW
    assert "struck through" in card_text(harness.card(post))


def test_an_edit_in_slack_makes_a_new_version_of_the_words_seen(harness):
    change = real("message_changed_edit")
    replay(harness, original_of(change))
    post = harness.post_for(change["message"]["ts"])
    assert post.text == "Fish & chips night"
    replay(harness, change)
    post = harness.store.get_post(post.id)
    assert post.version == 2 and post.text == "Fish & chips night on Friday 🐟"


def test_deleting_a_proposal_with_its_report_thread_withdraws_it(harness):
    tombstone = real("message_changed_tombstone")
    replay(harness, original_of(tombstone))
    post = harness.post_for(tombstone["message"]["ts"])
    assert harness.slack.thread(PROPOSALS, post.source_ts)  # the report: a thread reply
    approve(harness, post)
    replay(harness, tombstone)
    post = harness.store.get_post(post.id)
    assert post.status is PostStatus.WITHDRAWN and post.version == 1
    assert post.text == "Fish & chips night"
    assert {d.status for d in harness.store.deliveries_for(post.id)} == {DeliveryStatus.CANCELLED}
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    publish_all(harness)
    assert harness.x.tweets == [] and harness.graph.posts == [] and harness.graph.photos == []


def test_a_tombstone_before_any_approval_withdraws_and_nothing_is_published(harness):
    ts = harness.propose(CAROL, "Fish and chips night on Friday.")
    harness.event(tombstone_event(PROPOSALS, ts))
    post = harness.post_for(ts)
    assert post.status is PostStatus.WITHDRAWN and post.version == 1
    assert "This message was deleted." not in post.text
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    assert harness.post_for(ts).status is PostStatus.WITHDRAWN
    harness.command(f"now {post.id}", DANA)
    publish_all(harness)
    assert harness.x.tweets == [] and harness.graph.posts == []


def test_a_message_deleted_event_withdraws_too(harness):
    deleted = real("message_deleted")
    replay(harness, original_of(deleted))
    post = harness.post_for(deleted["deleted_ts"])
    replay(harness, deleted)
    assert harness.store.get_post(post.id).status is PostStatus.WITHDRAWN


def test_an_edit_by_someone_else_changes_nothing_and_is_logged(harness, caplog):
    post, ts = harness.approved_post("Fish and chips night on Friday.")
    caplog.set_level(logging.INFO, logger="bot.services")
    harness.event(edit_event(PROPOSALS, post.proposer, ts, "Something else entirely.", editor=DANA))
    after = harness.store.get_post(post.id)
    assert after.version == 1 and after.status is PostStatus.APPROVED
    assert after.text == "Fish and chips night on Friday."
    assert any(
        f"post #{post.id}" in r.getMessage() and DANA in r.getMessage() for r in caplog.records
    )


def test_a_message_without_rich_text_is_decoded_from_its_markup(harness):
    ts = new_ts()
    markup = "Fish &amp; chips night :tada: <https://example.org|example.org>"
    replay(harness, message_event(PROPOSALS, CAROL, markup, ts, raw=True))
    assert harness.post_for(ts).text == "Fish & chips night 🎉 example.org"


def test_words_typed_in_the_propose_form_are_plain_text_not_markup(harness):
    from tests.bot.slack.test_propose_modal import submit

    typed = "Tea & cake at 3 <!here> :tada: &amp; more"
    submit(harness, text=typed)
    [echo] = [m for m in harness.slack.messages(PROPOSALS) if not m["thread_ts"]]
    # Shown in the channel as typed: escaped, so Slack pings nobody and decodes nothing.
    assert "Tea &amp; cake at 3 &lt;!here&gt; :tada: &amp;amp; more" in echo["text"]
    post = harness.post_for(echo["ts"])
    assert post.text == typed  # not decoded: a form's words are what the person saw
    assert not [f for f in post.findings if f.check == "slack"]


def test_an_edit_past_the_proposal_limit_is_not_taken_and_the_proposer_is_told(harness):
    """Slack lets a message grow to 40,000 characters by editing; the checks' bound is 10,000."""
    ts = harness.propose(CAROL, "Our garden open day is on Saturday.")
    post = harness.post_for(ts)
    harness.edit(CAROL, ts, "Our garden open day is on Saturday. " * 400)
    after = harness.store.get_post(post.id)
    assert (after.version, after.text) == (post.version, post.text)
    assert "limited to 10,000" in harness.slack.ephemerals(CAROL)[-1]["text"]
