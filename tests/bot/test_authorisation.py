"""Who may do what: every command, button and reaction × proposer, approver, admin, stranger."""

from __future__ import annotations

import pytest

from bot.domain.posts import PostStatus
from bot.slack.blocks import (
    APPROVE_ACTION,
    EDIT_ACTION,
    REJECT_ACTION,
    SUGGEST_ACTION,
    WITHDRAW_ACTION,
)
from tests.conftest import BOB, CAROL, DANA, EVE, PROPOSALS, REVIEW

ROLES = {"proposer": CAROL, "approver": BOB, "admin": DANA, "stranger": EVE}
CLEAN = "My team is open every weekday from 10am."  # a warning, so there is a suggestion


def click(h, action_id, value, user, channel):
    h.sender.action(
        {
            "type": "block_actions",
            "user": {"id": user, "team_id": "T0001"},
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "test"},
            "channel": {"id": channel},
            "trigger_id": "1.2.3",
            "container": {"type": "message", "message_ts": "1.1", "channel_id": channel},
            "response_url": h.slack.response_url("m"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "b",
                    "type": "button",
                    "value": value,
                    "action_ts": "1.1",
                }
            ],
        }
    )
    h.executor.drain()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "reaction,decided", [("white_check_mark", PostStatus.APPROVED), ("x", PostStatus.REJECTED)]
)
def test_reactions_only_an_approver_who_did_not_propose(harness, role, reaction, decided):
    ts = harness.propose(CAROL, CLEAN)
    harness.react(ROLES[role], reaction, harness.card(harness.post_for(ts))["ts"])
    status = harness.post_for(ts).status
    assert status is (decided if role == "approver" else PostStatus.IN_REVIEW)
    if role != "approver":
        assert harness.slack.ephemerals(ROLES[role])  # told why, privately


@pytest.mark.parametrize("role", ROLES)
def test_review_buttons_only_an_approver_who_did_not_propose(harness, role):
    ts = harness.propose(CAROL, CLEAN)
    post = harness.post_for(ts)
    value = f"{post.id}:{post.content_hash}"
    click(harness, REJECT_ACTION, value, ROLES[role], REVIEW)
    assert bool(harness.slack.views) is (role == "approver")  # the reason modal, or not
    click(harness, APPROVE_ACTION, value, ROLES[role], REVIEW)
    approved = harness.post_for(ts).status is PostStatus.APPROVED
    assert approved is (role == "approver")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action_id", [SUGGEST_ACTION, EDIT_ACTION, WITHDRAW_ACTION])
def test_report_buttons_only_the_proposer(harness, role, action_id):
    ts = harness.propose(CAROL, CLEAN)
    post = harness.post_for(ts)
    click(harness, action_id, f"{post.id}:{post.content_hash}", ROLES[role], PROPOSALS)
    after = harness.post_for(ts)
    changed = (
        after.version != post.version
        or after.status is not post.status
        or bool(harness.slack.views)
    )
    assert changed is (role == "proposer")


ADMIN_WORDS = [
    "now 1",
    "takedown 1",
    "pause",
    "resume",
    "schedule",
    "queue",
    "blackout list",
    "people list",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("words", ADMIN_WORDS)
def test_admin_words_only_admins(harness, role, words):
    answer = harness.command(words, ROLES[role]).text
    refused = answer.startswith("Only admins")
    assert refused is (role != "admin"), answer


@pytest.mark.parametrize("role", ROLES)
def test_help_and_propose_everyone(harness, role):
    assert "/countersign help" in harness.command("help", ROLES[role]).text
    harness.command("propose", ROLES[role])
    assert len(harness.slack.views) == 1


@pytest.mark.parametrize("role", ROLES)
def test_decision_buttons_only_admins(harness, role):
    from bot.app.delivery import TAKEDOWN

    post, _ = harness.approved_post("Our open day is on Saturday.")
    harness.command(f"now {post.id}", DANA)
    click(harness, TAKEDOWN, str(post.id), ROLES[role], REVIEW)
    assert (harness.x.tweets == []) is (role == "admin")
