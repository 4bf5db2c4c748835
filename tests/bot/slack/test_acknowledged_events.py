"""An event is answered before its work runs. When the process dies in between, Slack will
not send it again (it was acknowledged): the restart finishes it, once."""

from __future__ import annotations

from bot.domain.posts import PostStatus
from bot.emulators.slack import message_event, new_ts, reaction_event
from tests.conftest import ALICE, BOB, CAROL, PROPOSALS, REVIEW, close_harness, make_harness

TEXT = "Our food bank opens late on Thursday: bring a bag."


def reports(h, ts: str) -> list[str]:
    return [t for t in h.thread_texts(ts) if "#1" in t or "check" in t.lower()]


def test_a_proposal_acknowledged_before_a_crash_is_finished_by_the_restart(tmp_path):
    h = make_harness(tmp_path)
    h.executor.crash()
    ts = new_ts()
    response = h.sender.event(message_event(PROPOSALS, CAROL, TEXT, ts), event_id="Ev0LOST")
    assert response.status_code == 200
    assert h.store.post_for_message(PROPOSALS, ts) is None  # the work died with the process
    close_harness(h, keep_emulators=True)

    h2 = make_harness(tmp_path, restart_of=h)
    try:
        post = h2.post_for(ts)
        assert post.proposer == CAROL and post.text == TEXT
        assert post.card_ts and h2.slack.message(REVIEW, post.card_ts) is not None
        assert len(h2.slack.thread(PROPOSALS, ts)) == 1  # one report
        # Slack's own retry of that event, arriving late, changes nothing.
        again = h2.sender.event(message_event(PROPOSALS, CAROL, TEXT, ts), event_id="Ev0LOST")
        h2.executor.drain()
        assert again.status_code == 200
        assert len(h2.slack.thread(PROPOSALS, ts)) == 1
    finally:
        close_harness(h2, keep_emulators=True)

    h3 = make_harness(tmp_path, restart_of=h)  # a finished event is not replayed again
    try:
        assert h3.slack.thread(PROPOSALS, ts) == []  # the emulator's record was reset
        assert h3.store.unfinished_events() == []
    finally:
        close_harness(h3)


def test_an_approval_acknowledged_before_a_crash_is_finished_by_the_restart(tmp_path):
    h = make_harness(tmp_path)
    ts = h.propose(ALICE, TEXT)
    post = h.post_for(ts)
    h.executor.crash()
    card_ts = h.card(post)["ts"]
    assert (
        h.sender.event(reaction_event(BOB, "white_check_mark", REVIEW, card_ts)).status_code == 200
    )
    assert h.store.get_post(post.id).status is PostStatus.IN_REVIEW
    close_harness(h, keep_emulators=True)

    h2 = make_harness(tmp_path, restart_of=h)
    try:
        approved = h2.store.get_post(post.id)
        assert approved.status is PostStatus.APPROVED
        assert approved.approvers == (BOB,)
        assert {d.platform for d in h2.store.deliveries_for(post.id)} == {"x", "facebook"}
    finally:
        close_harness(h2)


def test_finished_events_keep_no_body(harness):
    harness.propose(CAROL, TEXT)
    assert harness.store.unfinished_events() == []
    rows = harness.store._rows("SELECT body, done_at FROM slack_events")
    assert rows and all(r["body"] is None and r["done_at"] for r in rows)


def test_an_event_the_database_could_not_record_is_refused_so_slack_sends_it_again(harness):
    import sqlite3

    record = harness.store.first_sighting

    def disk_failed(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    harness.store.first_sighting = disk_failed
    ts = new_ts()
    first = harness.sender.event(message_event(PROPOSALS, CAROL, TEXT, ts), event_id="Ev0DISK")
    harness.executor.drain()
    assert first.status_code == 500  # not acknowledged: Slack will retry
    assert harness.store.post_for_message(PROPOSALS, ts) is None
    harness.store.first_sighting = record  # the disk is back; Slack's retry arrives
    again = harness.sender.event(message_event(PROPOSALS, CAROL, TEXT, ts), event_id="Ev0DISK")
    harness.executor.drain()
    assert again.status_code == 200
    assert harness.post_for(ts).text == TEXT


def test_unfinished_events_outlive_the_daily_pruning(tmp_path):
    from datetime import UTC, datetime, timedelta

    from bot.storage import open_store

    store = open_store(tmp_path / "c.db")
    day_one = datetime(2026, 11, 23, 9, tzinfo=UTC)
    store.first_sighting("Ev0UNFINISHED", day_one, '{"event": {"type": "message"}}')
    store.first_sighting("Ev0DONE", day_one, "{}")
    store.event_done("Ev0DONE", day_one)
    later = day_one + timedelta(days=2)
    for n in range(1000):  # pruning runs every thousandth sighting
        store.first_sighting(f"Ev{n}", later, None)
    ids = {r["event_id"] for r in store._rows("SELECT event_id FROM slack_events")}
    assert "Ev0UNFINISHED" in ids and "Ev0DONE" not in ids
    assert [e for e, _ in store.unfinished_events()] == ["Ev0UNFINISHED"]
    store.close()
