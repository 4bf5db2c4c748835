"""Approved posts reach X and Facebook through tweepy and facebook-sdk, once each."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

from bot.domain.posts import DeliveryStatus
from bot.scheduler import PublishingScheduler
from tests.conftest import (
    BOB,
    CAROL,
    DANA,
    PROPOSALS,
    card_text,
    close_harness,
    make_harness,
    wait_until,
)

TEXT = "Our winter appeal starts today: every coat helps."


def test_due_deliveries_publish_to_x_and_facebook_through_the_real_clients(harness):
    post, ts = harness.approved_post(TEXT)
    assert harness.runtime.delivery.publish_due() == 0  # 08:00: nothing is due yet
    harness.clock.now = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert harness.runtime.delivery.publish_due() == 1  # X's slot, not Facebook's
    assert [t["text"] for t in harness.x.tweets] == [TEXT]
    assert harness.graph.posts == []
    harness.clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    assert harness.runtime.delivery.publish_due() == 1
    assert [p["message"] for p in harness.graph.posts] == [TEXT]
    # the X call was signed with OAuth 1.0a user context; the Graph call used a current version
    [tweet_call] = harness.x.calls_to(r"^/2/tweets$", method="POST")
    assert tweet_call.headers["authorization"].startswith("OAuth ")
    assert harness.graph.versions_seen == {"v24.0"}
    deliveries = {d.platform: d for d in harness.store.deliveries_for(post.id)}
    assert deliveries["x"].status is DeliveryStatus.PUBLISHED
    assert deliveries["x"].remote_id == harness.x.tweets[0]["id"]
    assert deliveries["facebook"].remote_id == harness.graph.posts[0]["id"]
    shown = card_text(harness.card(post))
    assert shown.count("published") >= 2 and deliveries["x"].url in shown
    notes = harness.thread_texts(ts)
    assert any(f"published on X: {deliveries['x'].url}" in n for n in notes)
    assert any("published on Facebook" in n and f"<@{post.proposer}>" in n for n in notes)
    # nothing twice: running again publishes nothing more
    assert harness.runtime.delivery.publish_due() == 0
    assert len(harness.x.tweets) == 1 and len(harness.graph.posts) == 1


def test_outbox_when_a_platform_has_no_credentials(tmp_path):
    h = make_harness(tmp_path, x_and_facebook=False)
    try:
        post, ts = h.approved_post(TEXT)
        h.clock.now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
        assert h.runtime.delivery.publish_due() == 2
        files = sorted((tmp_path / "data" / "outbox").glob("*.json"))
        assert len(files) == 2
        written = [json.loads(f.read_text()) for f in files]
        assert {w["platform"] for w in written} == {"x", "facebook"}
        assert all(w["text"] == TEXT and w["post_id"] == post.id for w in written)
        assert h.x.calls == [] and h.graph.calls == []
        paths = {d.url for d in h.store.deliveries_for(post.id)}
        assert paths == {str(f.resolve()) for f in files}
        notes = [t for t in h.thread_texts(ts) if "written to the outbox" in t]
        assert sorted(n.rsplit(": ", 1)[1] for n in notes) == sorted(paths)
    finally:
        close_harness(h)


def test_now_by_an_admin_publishes_at_once(harness):
    post, _ = harness.approved_post(TEXT)
    response = harness.command(f"now {post.id}", DANA)
    assert response.status_code == 200 and f"Publishing #{post.id}" in response.text
    assert [t["text"] for t in harness.x.tweets] == [TEXT]
    assert [p["message"] for p in harness.graph.posts] == [TEXT]
    [answer] = harness.slack.responses()
    assert "X published" in answer["text"] and "Facebook published" in answer["text"]
    # a second `now` finds nothing left to publish, and nothing is sent twice
    harness.command(f"now {post.id}", DANA)
    assert "nothing waiting" in harness.slack.responses()[-1]["text"]
    assert len(harness.x.tweets) == 1


def test_now_refuses_a_post_that_is_not_approved(harness):
    ts = harness.propose(CAROL, TEXT)
    harness.command(f"now {harness.post_for(ts).id}", DANA)
    assert "not approved" in harness.slack.responses()[-1]["text"]
    harness.command("now 999", DANA)
    assert "no post #999" in harness.slack.responses()[-1]["text"]
    assert harness.x.tweets == []


def test_platform_failure_is_reported_on_the_card_and_in_the_thread(harness):
    harness.x.inject(
        r"^/2/tweets$",
        method="POST",
        status=403,
        body={
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank",
            "title": "Forbidden",
            "status": 403,
        },
    )
    post, ts = harness.approved_post(TEXT)
    harness.clock.now = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
    harness.runtime.delivery.publish_due()
    deliveries = {d.platform: d for d in harness.store.deliveries_for(post.id)}
    assert deliveries["x"].status is DeliveryStatus.FAILED
    assert "duplicate content" in deliveries["x"].last_error
    assert deliveries["facebook"].status is DeliveryStatus.PUBLISHED  # one platform's failure
    assert "duplicate content" in card_text(harness.card(post))
    assert any("could not be published on X" in t for t in harness.thread_texts(ts))


def test_concurrent_publishers_send_each_delivery_once(harness):
    from concurrent.futures import ThreadPoolExecutor

    for n in range(5):
        harness.approved_post(f"Post number {n} of our week.")
    harness.clock.now = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: harness.runtime.delivery.publish_due(), range(4)))
    assert len(harness.x.tweets) == 5 and len(harness.graph.posts) == 5


def test_the_scheduler_wakes_the_publisher_when_a_delivery_is_due(harness):
    """The real APScheduler, the real clock: a delivery due in half a second goes out."""
    _post, _ = harness.approved_post(TEXT)
    real_now = datetime.now(UTC)
    harness.clock.now = real_now
    soon = real_now + timedelta(milliseconds=500)
    with harness.store._tx() as db:  # move the slots close to now instead of waiting for 09:30
        db.execute("UPDATE deliveries SET due_at = ?", [soon.strftime("%Y-%m-%dT%H:%M:%S.%fZ")])
    runtime_clock = harness.clock
    scheduler = PublishingScheduler(
        harness.runtime.delivery.publish_due,
        harness.store,
        clock=runtime_clock,
        queue=harness.service.queue,
    )
    scheduler.start()
    try:
        time.sleep(0.2)
        assert harness.x.tweets == []  # not before its time
        harness.clock.now = datetime.now(UTC) + timedelta(seconds=1)
        wait_until(lambda: harness.x.tweets and harness.graph.posts, timeout=5)
    finally:
        scheduler.shutdown()
    assert len(harness.x.tweets) == 1


def test_proposal_channel_thread_names_the_post(harness):
    post, ts = harness.approved_post(TEXT)
    harness.command(f"now {post.id}", DANA)
    for message in harness.slack.thread(PROPOSALS, ts):
        assert f"#{post.id}" in message["text"]
    assert BOB in card_text(harness.card(post))
