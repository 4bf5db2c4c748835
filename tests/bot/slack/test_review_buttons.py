"""Approve and Reject… on the review card, the reason modal, and withdrawing an approval."""

from __future__ import annotations

from bot.domain.posts import DeliveryStatus, PostStatus
from bot.slack.blocks import APPROVE_ACTION, REJECT_ACTION, REJECT_VIEW
from tests.conftest import ALICE, BOB, CAROL, EVE, REVIEW, card_text

CLEAN = "Our drop-in centre is open every weekday from 10am. Everyone is welcome."


def buttons(card):
    for block in card["blocks"]:
        if block.get("block_id") == "review":
            return {e["action_id"]: e["value"] for e in block["elements"]}
    return {}


def click(h, action_id, value, user, card):
    h.sender.action(
        {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "test"},
            "channel": {"id": REVIEW, "name": "review"},
            "container": {"type": "message", "message_ts": card["ts"], "channel_id": REVIEW},
            "trigger_id": "1234.5678.abcd",
            "response_url": h.slack.response_url("click"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "review",
                    "type": "button",
                    "value": value,
                    "action_ts": "1.1",
                }
            ],
        }
    )
    h.executor.drain()


def submit_reason(h, user, metadata, reason):
    response = h.sender.action(
        {
            "type": "view_submission",
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "test"},
            "trigger_id": "1234.5678.efgh",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": REJECT_VIEW,
                "private_metadata": metadata,
                "state": {
                    "values": {"reason": {"text": {"type": "plain_text_input", "value": reason}}}
                },
            },
        }
    )
    h.executor.drain()
    return response


def test_approve_button_approves_the_version_on_the_card(harness):
    ts = harness.propose(CAROL, CLEAN)
    card = harness.card(harness.post_for(ts))
    found = buttons(card)
    assert set(found) == {APPROVE_ACTION, REJECT_ACTION}
    click(harness, APPROVE_ACTION, found[APPROVE_ACTION], BOB, card)
    post = harness.post_for(ts)
    assert post.status is PostStatus.APPROVED and post.approvers == (BOB,)
    assert buttons(harness.card(post)) == {}  # no buttons once decided


def test_approve_button_from_before_an_edit_approves_nothing(harness):
    ts = harness.propose(CAROL, CLEAN)
    stale = harness.card(harness.post_for(ts))
    harness.edit(CAROL, ts, CLEAN + " Bring a friend.")
    click(harness, APPROVE_ACTION, buttons(stale)[APPROVE_ACTION], BOB, stale)
    assert harness.post_for(ts).status is PostStatus.IN_REVIEW
    assert "edited after that card was drawn" in harness.slack.ephemerals(BOB)[-1]["text"]


def test_buttons_refuse_the_proposer_and_strangers(harness):
    ts = harness.propose(ALICE, CLEAN)  # Alice is an approver, but it is her post
    card = harness.card(harness.post_for(ts))
    click(harness, APPROVE_ACTION, buttons(card)[APPROVE_ACTION], ALICE, card)
    click(harness, APPROVE_ACTION, buttons(card)[APPROVE_ACTION], EVE, card)
    click(harness, REJECT_ACTION, buttons(card)[REJECT_ACTION], EVE, card)
    assert harness.post_for(ts).status is PostStatus.IN_REVIEW
    assert "You proposed" in harness.slack.ephemerals(ALICE)[-1]["text"]
    assert all("Only approvers" in e["text"] for e in harness.slack.ephemerals(EVE))
    assert harness.slack.views == []  # no modal for someone who may not reject


def test_reject_asks_for_a_reason_that_reaches_the_proposer(harness):
    ts = harness.propose(CAROL, CLEAN)
    card = harness.card(harness.post_for(ts))
    click(harness, REJECT_ACTION, buttons(card)[REJECT_ACTION], BOB, card)
    [opened] = harness.slack.views
    metadata = opened["view"]["private_metadata"]
    assert opened["view"]["callback_id"] == REJECT_VIEW
    empty = submit_reason(harness, BOB, metadata, "   ")
    assert empty.json()["response_action"] == "errors"
    assert harness.post_for(ts).status is PostStatus.IN_REVIEW
    submit_reason(harness, BOB, metadata, "We don't name the venue until the day.")
    post = harness.post_for(ts)
    assert post.status is PostStatus.REJECTED
    assert any(
        "Reason: We don't name the venue until the day." in t for t in harness.thread_texts(ts)
    )
    audit = [r for r in harness.store.audit_log(post.id) if r["action"] == "rejected"]
    assert "venue" not in audit[0]["detail"]  # stored encrypted (issue [10])
    assert "venue" in harness.store.readable_detail(audit[0])["reason"]


def test_removing_the_approving_reaction_withdraws_the_approval(harness):
    post, ts = harness.approved_post(CLEAN)
    card = harness.card(post)
    from bot.emulators.slack import reaction_event

    harness.event(reaction_event(BOB, "white_check_mark", REVIEW, card["ts"], removed=True))
    post = harness.store.get_post(post.id)
    assert post.status is PostStatus.IN_REVIEW and post.approvers == ()
    assert {d.status for d in harness.store.deliveries_for(post.id)} == {DeliveryStatus.CANCELLED}
    assert any("withdrew their approval" in t for t in harness.thread_texts(ts))
    assert "Waiting" in card_text(harness.card(post))


def test_removing_the_reaction_after_publication_changes_nothing(harness):
    post, _ = harness.approved_post(CLEAN)
    harness.command(f"now {post.id}", "U0DANA")
    from bot.emulators.slack import reaction_event

    harness.event(
        reaction_event(BOB, "white_check_mark", REVIEW, harness.card(post)["ts"], removed=True)
    )
    assert harness.store.get_post(post.id).status is PostStatus.APPROVED
    assert "already published" in harness.slack.ephemerals(BOB)[-1]["text"]


def test_two_approvals_required_never_counting_the_proposer(harness):
    harness.service.approvals_required = 2
    harness.slack.usergroups["S0APPROVERS"] = [EVE]
    ts = harness.propose(ALICE, CLEAN)
    card = harness.card(harness.post_for(ts))
    harness.react(ALICE, "white_check_mark", card["ts"])  # her own: refused
    harness.react(BOB, "white_check_mark", card["ts"])
    assert harness.post_for(ts).status is PostStatus.IN_REVIEW
    assert any("needs 1 more approval" in t for t in harness.thread_texts(ts))
    harness.react(EVE, "white_check_mark", card["ts"])
    post = harness.post_for(ts)
    assert post.status is PostStatus.APPROVED and set(post.approvers) == {BOB, EVE}


def test_show_the_whole_post_opens_it_in_a_modal(harness):
    from bot.slack.blocks import FULL_TEXT_ACTION

    harness.service.platforms = ("facebook",)  # far too long for X
    long_text = "We are open every day this winter. " * 120
    ts = harness.propose(CAROL, long_text)
    card = harness.card(harness.post_for(ts))
    [button] = [
        e for b in card["blocks"] if b.get("block_id") == "full_text" for e in b["elements"]
    ]
    click(harness, FULL_TEXT_ACTION, button["value"], BOB, card)
    [opened] = harness.slack.views
    whole = "".join(b["text"]["text"] for b in opened["view"]["blocks"])
    assert whole == long_text.strip()


def test_resume_button_on_the_home_tab_is_for_admins(harness):
    from bot.slack.home import RESUME_PLATFORM
    from tests.conftest import DANA

    harness.store.pause_platform("x", reason="X said: Unauthorized", at=harness.clock())
    for user in (BOB, DANA):
        harness.sender.action(
            {
                "type": "block_actions",
                "user": {"id": user},
                "team": {"id": "T0001"},
                "api_app_id": "A0001",
                "trigger_id": "1.1.1",
                "container": {"type": "view", "view_id": "V0"},
                "view": {"id": "V0", "type": "home"},
                "actions": [
                    {
                        "action_id": RESUME_PLATFORM,
                        "block_id": "resume_platform_x",
                        "type": "button",
                        "value": "x",
                        "action_ts": "1.1",
                    }
                ],
            }
        )
        harness.executor.drain()
        paused = harness.store.platform_state("x")["paused_reason"]
        assert bool(paused) is (user == BOB)  # Bob's click changes nothing; Dana's resumes
    assert {v["user_id"] for v in harness.slack.views} == {BOB, DANA}  # homes refreshed


def test_an_approval_withdrawn_and_given_again_publishes_once(harness):
    """[8] item 1: the ✅ removed and added again queued nothing (the cancelled deliveries of
    the same words blocked new ones), and the post said approved while nothing would go out."""
    post, _ = harness.approved_post(CLEAN)
    card = harness.card(post)
    from bot.emulators.slack import reaction_event

    harness.event(reaction_event(BOB, "white_check_mark", REVIEW, card["ts"], removed=True))
    harness.react(BOB, "white_check_mark", card["ts"])
    post = harness.store.get_post(post.id)
    assert post.status is PostStatus.APPROVED
    live = [d for d in harness.store.deliveries_for(post.id) if d.status is DeliveryStatus.QUEUED]
    assert sorted(d.platform for d in live) == ["facebook", "x"]
    harness.command(f"now {post.id}", "U0DANA")
    assert [t["text"] for t in harness.x.tweets] == [CLEAN]
    assert [p["message"] for p in harness.graph.posts] == [CLEAN]


def test_words_edited_away_and_back_then_approved_publish_once(harness):
    """[8] item 1, the other way in: A approved, edited to B (voided), back to A, approved."""
    post, ts = harness.approved_post(CLEAN)
    harness.edit(post.proposer, ts, CLEAN + " Everyone is welcome.")
    harness.edit(post.proposer, ts, CLEAN)
    post = harness.store.get_post(post.id)
    assert post.status is PostStatus.IN_REVIEW
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    harness.command(f"now {post.id}", "U0DANA")
    assert [t["text"] for t in harness.x.tweets] == [CLEAN]
    assert [p["message"] for p in harness.graph.posts] == [CLEAN]
