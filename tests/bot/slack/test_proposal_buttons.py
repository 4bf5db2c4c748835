"""The proposer's buttons under the report: suggested wording, Edit (modal), Withdraw."""

from __future__ import annotations

from bot.domain.posts import PostStatus
from bot.slack.blocks import EDIT_ACTION, EDIT_VIEW, SUGGEST_ACTION, WITHDRAW_ACTION
from tests.conftest import BOB, CAROL, PROPOSALS, card_text


def report_buttons(h, ts):
    report = h.slack.thread(PROPOSALS, ts)[-1]
    for block in report.get("blocks") or []:
        if block.get("block_id") == "proposal":
            return {e["action_id"]: e["value"] for e in block["elements"]}
    return {}


def click(h, action_id, value, user):
    h.sender.action(
        {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "test"},
            "channel": {"id": PROPOSALS, "name": "proposals"},
            "container": {"type": "message", "message_ts": "1.1", "channel_id": PROPOSALS},
            "trigger_id": "1234.5678.abcd",
            "response_url": h.slack.response_url("click"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "proposal",
                    "type": "button",
                    "value": value,
                    "action_ts": "1.1",
                }
            ],
        }
    )
    h.executor.drain()


def test_use_suggested_wording_makes_a_new_checked_version(harness):
    ts = harness.propose(CAROL, "My team supports the homeless every night.")
    buttons = report_buttons(harness, ts)
    assert set(buttons) == {SUGGEST_ACTION, EDIT_ACTION, WITHDRAW_ACTION}
    click(harness, SUGGEST_ACTION, buttons[SUGGEST_ACTION], BOB)  # not the proposer
    assert harness.post_for(ts).version == 1
    assert "Only the proposer" in harness.slack.ephemerals(BOB)[-1]["text"]
    click(harness, SUGGEST_ACTION, buttons[SUGGEST_ACTION], CAROL)
    post = harness.post_for(ts)
    assert post.version == 2
    assert post.text == "Our team supports people experiencing homelessness every night."
    assert post.findings == ()
    assert "version 2" in card_text(harness.card(post))
    assert SUGGEST_ACTION not in report_buttons(harness, ts)  # nothing left to apply


def test_edit_modal_saves_a_new_version_that_is_checked_again(harness):
    ts = harness.propose(CAROL, "We are open on Monday.")
    click(harness, EDIT_ACTION, report_buttons(harness, ts)[EDIT_ACTION], CAROL)
    [opened] = harness.slack.views
    assert opened["view"]["callback_id"] == EDIT_VIEW
    response = harness.sender.action(
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
                    "values": {
                        "text": {
                            "text": {
                                "type": "plain_text_input",
                                "value": "Call Jo on 07700 900123.",
                            }
                        }
                    }
                },
            },
        }
    )
    harness.executor.drain()
    assert response.status_code == 200
    post = harness.post_for(ts)
    assert post.version == 2 and post.status is PostStatus.BLOCKED


def test_withdraw_button(harness):
    ts = harness.propose(CAROL, "We are open on Monday.")
    click(harness, WITHDRAW_ACTION, report_buttons(harness, ts)[WITHDRAW_ACTION], CAROL)
    assert harness.post_for(ts).status is PostStatus.WITHDRAWN
