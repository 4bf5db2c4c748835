"""Signed Slack requests to the real app; assertions on what the Slack emulator received."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.posts import DeliveryStatus, PostStatus
from bot.slack.markup import unescape
from tests.conftest import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    EVE,
    PROPOSALS,
    REVIEW,
    card_text,
)

CLEAN = "Our drop-in centre is open every weekday from 10am. Everyone is welcome."


def test_proposal_gets_a_number_a_report_and_a_review_card(harness):
    ts = harness.propose(CAROL, CLEAN)
    post = harness.post_for(ts)
    assert post.id == 1 and post.proposer == CAROL and post.status is PostStatus.IN_REVIEW
    [report] = harness.slack.thread(PROPOSALS, ts)
    assert report["text"].startswith("#1")
    card = harness.card(post)
    shown = card_text(card)
    assert "#1" in shown and CLEAN in shown and f"<@{CAROL}>" in shown
    assert "X (" in shown and "Facebook" in shown  # the target platforms, X with its count
    audit = [r["action"] for r in harness.store.audit_log(post.id)]
    assert audit[:2] == ["proposed", "checked"]


def test_warnings_are_on_the_card_before_anyone_approves(harness):
    ts = harness.propose(CAROL, "I think our new service is brilliant.")
    post = harness.post_for(ts)
    assert post.status is PostStatus.IN_REVIEW
    shown = card_text(harness.card(post))
    assert "first person singular" in shown and "with warnings" not in shown
    report = harness.slack.thread(PROPOSALS, ts)[0]
    assert "warnings" in card_text(report)


def test_blocked_post_gets_a_report_but_no_card(harness):
    ts = harness.propose(CAROL, "You can reach Sarah on 07700 900123.")
    post = harness.post_for(ts)
    assert post.status is PostStatus.BLOCKED
    report = card_text(harness.slack.thread(PROPOSALS, ts)[0])
    assert "Blocked" in report and "07700 900123" in report  # same channel it was written in
    assert harness.slack.messages(REVIEW) == []


def test_approver_approves_by_reacting_on_the_card_and_it_is_queued(harness):
    ts = harness.propose(CAROL, CLEAN)
    post = harness.post_for(ts)
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    post = harness.store.get_post(post.id)
    assert post.status is PostStatus.APPROVED and post.approvers == (BOB,)
    deliveries = {d.platform: d for d in harness.store.deliveries_for(post.id)}
    # Monday 08:00 UTC (= London): the next slots are 09:30 for X and 10:00 for Facebook.
    assert deliveries["x"].due_at == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert deliveries["facebook"].due_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert all(d.status is DeliveryStatus.QUEUED for d in deliveries.values())
    shown = card_text(harness.card(post))
    assert "Approved" in shown and f"<@{BOB}>" in shown and "scheduled for" in shown
    assert any("was approved by" in t for t in harness.thread_texts(ts))
    approvals = [r for r in harness.store.audit_log(post.id) if r["action"] == "approved"]
    assert approvals[0]["actor"] == BOB and approvals[0]["content_hash"] == post.content_hash


def test_second_post_takes_the_next_free_slot(harness):
    first, _ = harness.approved_post("First post of the day.")
    second, _ = harness.approved_post("Second post of the day.")
    x_due = [
        d.due_at
        for p in (first, second)
        for d in harness.store.deliveries_for(p.id)
        if d.platform == "x"
    ]
    assert x_due == [
        datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 23, 17, 0, tzinfo=UTC),
    ]


def test_approval_by_reacting_on_the_proposal_message(harness):
    ts = harness.propose(CAROL, CLEAN)
    harness.react(BOB, "white_check_mark", ts, channel=PROPOSALS)
    assert harness.post_for(ts).status is PostStatus.APPROVED


def test_self_approval_is_refused_even_for_an_approver(harness):
    ts = harness.propose(ALICE, CLEAN)  # Alice is an approver
    post = harness.post_for(ts)
    harness.react(ALICE, "white_check_mark", harness.card(post)["ts"])
    assert harness.store.get_post(post.id).status is PostStatus.IN_REVIEW
    assert harness.store.deliveries_for(post.id) == []
    [note] = harness.slack.ephemerals(ALICE)
    assert "You proposed #1" in note["text"] and note["channel"] == REVIEW


def test_non_approver_is_refused(harness):
    ts = harness.propose(CAROL, CLEAN)
    post = harness.post_for(ts)
    harness.react(EVE, "white_check_mark", harness.card(post)["ts"])
    assert harness.store.get_post(post.id).status is PostStatus.IN_REVIEW
    [note] = harness.slack.ephemerals(EVE)
    assert "Only approvers" in note["text"]


def test_approver_from_a_user_group(harness):
    harness.slack.usergroups["S0APPROVERS"] = [EVE]
    ts = harness.propose(CAROL, CLEAN)
    harness.react(EVE, "white_check_mark", harness.card(harness.post_for(ts))["ts"])
    assert harness.post_for(ts).status is PostStatus.APPROVED


def test_reaction_on_a_blocked_post_changes_nothing(harness):
    ts = harness.propose(CAROL, "Call me on 07700 900123")
    harness.react(BOB, "white_check_mark", ts, channel=PROPOSALS)
    assert harness.post_for(ts).status is PostStatus.BLOCKED
    [note] = harness.slack.ephemerals(BOB)
    assert "blocked" in note["text"]


def test_x_rejects(harness):
    ts = harness.propose(CAROL, CLEAN)
    post = harness.post_for(ts)
    harness.react(BOB, "x", harness.card(post)["ts"])
    assert harness.store.get_post(post.id).status is PostStatus.REJECTED
    assert "Rejected" in card_text(harness.card(post))
    assert any("was rejected by" in t for t in harness.thread_texts(ts))


def test_other_reactions_and_unknown_messages_are_ignored(harness):
    ts = harness.propose(CAROL, CLEAN)
    harness.react(BOB, "tada", harness.card(harness.post_for(ts))["ts"])
    harness.react(BOB, "white_check_mark", "123.456")  # not a post
    assert harness.post_for(ts).status is PostStatus.IN_REVIEW
    assert harness.slack.ephemerals() == []


def test_edit_voids_approval_and_rechecks(harness):
    post, ts = harness.approved_post(CLEAN)
    assert post.status is PostStatus.APPROVED
    harness.edit(ALICE, ts, CLEAN + " Bring a friend.")
    edited = harness.store.get_post(post.id)
    assert edited.status is PostStatus.IN_REVIEW and edited.version == 2
    assert edited.approvers == ()  # the approval was for the old words
    assert {d.status for d in harness.store.deliveries_for(post.id)} == {DeliveryStatus.CANCELLED}
    assert any("approval no longer counts" in t for t in harness.thread_texts(ts))
    shown = card_text(harness.card(post))
    assert "Bring a friend." in shown and "version 2" in shown and "Waiting" in shown
    # a fresh approval binds to the new content
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    again = harness.store.get_post(post.id)
    assert again.status is PostStatus.APPROVED
    queued = [d for d in harness.store.deliveries_for(post.id) if d.status is DeliveryStatus.QUEUED]
    assert {d.content_hash for d in queued} == {again.content_hash}


def test_edit_into_a_blocked_post(harness):
    post, ts = harness.approved_post(CLEAN)
    harness.edit(ALICE, ts, CLEAN + " Ask for Jo on 07700 900123.")
    assert harness.store.get_post(post.id).status is PostStatus.BLOCKED
    # the approver is told when they try to approve the blocked version
    harness.react(BOB, "white_check_mark", ts, channel=PROPOSALS)
    assert "blocked" in harness.slack.ephemerals(BOB)[-1]["text"]


def test_edit_with_the_same_text_keeps_the_approval(harness):
    post, ts = harness.approved_post(CLEAN)
    harness.edit(ALICE, ts, CLEAN)  # Slack sends message_changed for unfurls too
    assert harness.store.get_post(post.id).status is PostStatus.APPROVED


def test_deleting_the_proposal_withdraws_it(harness):
    post, ts = harness.approved_post(CLEAN)
    harness.delete(ts)
    assert harness.store.get_post(post.id).status is PostStatus.WITHDRAWN
    assert {d.status for d in harness.store.deliveries_for(post.id)} == {DeliveryStatus.CANCELLED}
    assert "Withdrawn" in card_text(harness.card(post))


def test_duplicate_event_is_processed_once(harness):
    from bot.emulators.slack import message_event, new_ts

    ts = new_ts()
    event = message_event(PROPOSALS, CAROL, CLEAN, ts)
    first = harness.event(event, event_id="Ev0DUPLICATE")
    retry = harness.event(event, event_id="Ev0DUPLICATE", retry_num=1)
    assert first.status_code == retry.status_code == 200
    assert len(harness.slack.thread(PROPOSALS, ts)) == 1
    assert len(harness.slack.messages(REVIEW)) == 1


def test_same_message_under_a_new_event_id_is_still_one_post(harness):
    from bot.emulators.slack import message_event, new_ts

    ts = new_ts()
    event = message_event(PROPOSALS, CAROL, CLEAN, ts)
    harness.event(event, event_id="Ev0A")
    harness.event(event, event_id="Ev0B")
    assert len(harness.slack.messages(REVIEW)) == 1


def test_messages_outside_the_proposals_channel_and_thread_replies_are_not_proposals(harness):
    from bot.emulators.slack import message_event, new_ts

    harness.event(message_event("C0ELSEWHERE", CAROL, CLEAN, new_ts()))
    parent = harness.propose(CAROL, CLEAN)
    harness.event(message_event(PROPOSALS, BOB, "Looks good to me", new_ts(), thread_ts=parent))
    assert len(harness.slack.messages(REVIEW)) == 1


def test_empty_and_oversized_messages_are_refused_with_a_reason(harness):
    harness.propose(CAROL, "   ")
    harness.propose(CAROL, "a" * 20_000)
    notes = [e["text"] for e in harness.slack.ephemerals(CAROL)]
    assert len(notes) == 2 and "neither" in notes[0] and "20,000 characters" in notes[1]
    assert harness.slack.messages(REVIEW) == []


def test_slash_command_help_unknown_and_unauthorised(harness):
    help_for_staff = harness.command("help", CAROL).text
    assert "/countersign help" in help_for_staff and "now" not in help_for_staff
    admin_help = harness.command("help", DANA).text
    assert "<" not in admin_help  # "<id>" escaped: Slack would read it as a link
    assert "now <id>" in unescape(admin_help)
    assert "Unknown command `frobnicate`" in harness.command("frobnicate", DANA).text
    assert "Only admins" in harness.command("now 1", BOB).text
    assert "Usage" in harness.command("now twelve", DANA).text


def test_edit_that_becomes_blocked_updates_the_card(harness):
    ts = harness.propose(CAROL, CLEAN)
    post = harness.post_for(ts)
    harness.edit(CAROL, ts, CLEAN + " Text Jo on 07700 900123.")
    shown = card_text(harness.card(post))
    assert "Blocked by the checks" in shown
    assert "07700 900123" not in shown.split("> ")[0]  # only inside the quoted post text
    # the phone number's excerpt is never repeated in the findings on the card
    findings_part = shown.split("version 2")[1]
    assert "07700 900123" not in findings_part


def test_a_post_recorded_just_before_a_crash_is_announced_on_restart(tmp_path):
    from bot.domain.posts import PostStatus, content_hash
    from tests.conftest import close_harness, make_harness

    h = make_harness(tmp_path)
    # the process dies right after recording the proposal, before it told anyone
    h.store.create_post(
        source_channel=PROPOSALS,
        source_ts="1700000000.000001",
        proposer=CAROL,
        text=CLEAN,
        platforms=("x", "facebook"),
        content_hash=content_hash(CLEAN, ("x", "facebook")),
        findings=[],
        status=PostStatus.IN_REVIEW,
        at=h.clock(),
    )
    close_harness(h)
    h2 = make_harness(tmp_path)
    try:
        assert len(h2.slack.thread(PROPOSALS, "1700000000.000001")) == 1
        assert len(h2.slack.messages(REVIEW)) == 1
    finally:
        close_harness(h2)
    h3 = make_harness(tmp_path)  # announced once: a second restart repeats nothing
    try:
        assert h3.slack.messages() == []
    finally:
        close_harness(h3)


def test_platform_without_slots_waits_for_an_admin(harness):
    assert "Removed 10 slots" in harness.command("schedule clear x", DANA).text
    post, _ = harness.approved_post(CLEAN)
    alerts = [m["text"] for m in harness.slack.messages(REVIEW) if "no slots" in m["text"]]
    assert len(alerts) == 1 and f"now {post.id}" in alerts[0]
    assert "no free slot" in card_text(harness.card(post))
    harness.clock.now = datetime(2026, 12, 31, tzinfo=UTC)
    harness.runtime.delivery.publish_due()
    assert harness.x.tweets == []
    harness.command(f"now {post.id}", DANA)
    assert [t["text"] for t in harness.x.tweets] == [CLEAN]


def test_admin_manages_the_register_in_slack_and_checks_use_it_at_once(harness):
    answer = harness.command(
        'people add "Sarah Jones" --alias Saz --consent no --label P-014', DANA
    ).text
    assert "P-014" in answer and "Sarah" not in answer
    listing = harness.command("people list", DANA).text
    assert "P-014: consent no" in listing and "Sarah" not in listing
    ts = harness.propose(CAROL, "Huge thanks to Sarah Jones's team for the bake sale!")
    post = harness.post_for(ts)
    assert post.status is PostStatus.BLOCKED
    assert [f.rule for f in post.findings] == ["registered_person"]
    assert harness.slack.messages(REVIEW) == []
    # consent recorded: the same words now pass with an info note on the card
    harness.command("people consent P-014 yes", DANA)
    ts2 = harness.propose(CAROL, "Huge thanks to Sarah Jones for the bake sale!")
    post2 = harness.post_for(ts2)
    assert post2.status is PostStatus.IN_REVIEW
    shown = card_text(harness.card(post2))
    assert "Consent recorded for P-014" in shown and "Sarah Jones" in shown.split("version")[0]
    # nothing in the database holds the name in plain text
    harness.store.db.conn.commit()
    raw = (harness.tmp / "countersign.db").read_bytes() + b"".join(
        p.read_bytes() for p in harness.tmp.glob("countersign.db-wal")
    )
    assert b"Saz" not in raw


def test_people_commands_are_for_admins_and_answer_mistakes(harness):
    assert "Only admins" in harness.command("people list", BOB).text
    assert "Usage" in harness.command("people add", DANA).text
    assert "Usage" in harness.command('people add "unbalanced', DANA).text
    assert "There is no P-404" in harness.command("people remove P-404", DANA).text
