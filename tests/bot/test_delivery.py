"""Publishing failures, each with its behaviour: through the real clients and the emulators."""

from __future__ import annotations

import contextlib
import json
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from bot.app.delivery import AGAIN, CONFIRM
from bot.domain.posts import DeliveryStatus
from bot.domain.retries import MAX_TRANSIENT_ATTEMPTS
from tests.conftest import BOB, DANA, REVIEW, card_text, close_harness, make_harness, wait_until

TEXT = "Our winter appeal starts today: every coat helps."
X_SLOT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
FB_SLOT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def delivery(harness, post, platform):
    [found] = [d for d in harness.store.deliveries_for(post.id) if d.platform == platform]
    return found


def alerts(harness):
    return [m for m in harness.slack.messages(REVIEW) if m["text"].startswith(":rotating_light:")]


def test_rate_limit_waits_for_the_reset_without_holding_up_facebook(harness):
    reset = int((FB_SLOT + timedelta(minutes=15)).timestamp())
    harness.x.inject(
        r"^/2/tweets$",
        method="POST",
        status=429,
        body={"title": "Too Many"},
        headers={"x-rate-limit-reset": str(reset)},
    )
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    x = delivery(harness, post, "x")
    assert x.status is DeliveryStatus.QUEUED and x.attempts == 0  # a rate limit is no failure
    assert x.due_at == datetime.fromtimestamp(reset, UTC)
    assert delivery(harness, post, "facebook").status is DeliveryStatus.PUBLISHED
    harness.runtime.delivery.publish_due()  # before the reset: X is not even asked
    assert len(harness.x.calls_to(r"^/2/tweets$", method="POST")) == 1
    harness.clock.now = datetime.fromtimestamp(reset, UTC)
    harness.runtime.delivery.publish_due()
    assert delivery(harness, post, "x").status is DeliveryStatus.PUBLISHED
    assert [t["text"] for t in harness.x.tweets] == [TEXT]


def test_graph_throttling_backs_off_and_retries(harness):
    harness.graph.inject(
        r"/feed$",
        method="POST",
        status=400,
        body={
            "error": {
                "message": "Application request limit reached",
                "type": "OAuthException",
                "code": 4,
                "fbtrace_id": "x",
            }
        },
    )
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    fb = delivery(harness, post, "facebook")
    assert fb.status is DeliveryStatus.QUEUED and fb.due_at > FB_SLOT
    harness.clock.now = fb.due_at
    harness.runtime.delivery.publish_due()
    assert [p["message"] for p in harness.graph.posts] == [TEXT]


def x_down(harness) -> int:
    """X unreachable (nothing listens): the one failure that proves nothing was sent. A 5xx
    does not (tests/bot/test_platform_answers.py)."""
    port = urlsplit(harness.x.url).port
    harness.x.stop()
    return port


def test_transient_errors_retry_with_backoff_then_fail_and_report(harness):
    post, ts = harness.approved_post(TEXT)
    x_down(harness)
    harness.clock.now = X_SLOT
    waits = []
    for _ in range(MAX_TRANSIENT_ATTEMPTS):
        harness.runtime.delivery.publish_due()
        x = delivery(harness, post, "x")
        if x.status is not DeliveryStatus.QUEUED:
            break
        waits.append(x.due_at - harness.clock.now)
        harness.clock.now = x.due_at
    assert x.status is DeliveryStatus.FAILED and x.attempts == MAX_TRANSIENT_ATTEMPTS
    assert len(waits) == MAX_TRANSIENT_ATTEMPTS - 1
    assert waits == sorted(waits) and waits[-1] > waits[0]  # exponential
    assert harness.x.tweets == []
    assert any("could not be published on X" in t for t in harness.thread_texts(ts))
    assert "X: failed" in card_text(harness.card(post))


def test_a_transient_error_then_success_posts_once(harness):
    post, _ = harness.approved_post(TEXT)
    port = x_down(harness)
    harness.clock.now = X_SLOT
    harness.runtime.delivery.publish_due()
    assert "X: will try again" in card_text(harness.card(post))
    harness.x.port = port  # back, where it was
    harness.x.start()
    harness.clock.now = delivery(harness, post, "x").due_at
    harness.runtime.delivery.publish_due()
    assert delivery(harness, post, "x").status is DeliveryStatus.PUBLISHED
    assert len(harness.x.tweets) == 1


def test_rejected_credentials_pause_the_platform_tell_admins_once_and_resume(harness):
    harness.graph.page_token = "rotated"  # the configured token no longer works
    first, _ = harness.approved_post(TEXT)
    second, _ = harness.approved_post("Second post: volunteers wanted for Saturday.")
    harness.clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    harness.runtime.delivery.publish_due()
    for post in (first, second):
        assert delivery(harness, post, "facebook").status is DeliveryStatus.QUEUED  # kept
        assert delivery(harness, post, "x").status is DeliveryStatus.PUBLISHED  # unaffected
    paused = [a for a in alerts(harness) if "rejected Countersign's credentials" in a["text"]]
    assert len(paused) == 1 and "Renew the Facebook tokens" in paused[0]["text"]
    assert len(harness.graph.calls_to(r"/feed$", method="POST")) == 1  # not once per post
    everything = json.dumps(harness.slack.messages()) + json.dumps(harness.store.audit_log())
    assert "fb-page-token" not in everything
    # fixed: the next probe (after five minutes) succeeds and the queue drains
    harness.graph.page_token = "fb-page-token"
    harness.clock.now += timedelta(minutes=1)
    harness.runtime.delivery.publish_due()
    assert harness.graph.posts == []  # too soon to ask again
    harness.clock.now += timedelta(minutes=5)
    harness.runtime.delivery.publish_due()
    assert len(harness.graph.posts) == 2
    assert any("accepts Countersign's credentials again" in a["text"] for a in alerts(harness))


def test_admin_can_resume_a_paused_platform(harness):
    harness.graph.page_token = "rotated"
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    harness.graph.page_token = "fb-page-token"
    assert "Only admins" in harness.command("resume facebook", BOB).text
    assert "resumed" in harness.command("resume facebook", DANA).text
    harness.runtime.delivery.publish_due()
    assert delivery(harness, post, "facebook").status is DeliveryStatus.PUBLISHED


def test_duplicate_is_not_retried_and_is_reported(harness):
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
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    x = delivery(harness, post, "x")
    assert x.status is DeliveryStatus.FAILED and "duplicate content" in x.last_error
    assert delivery(harness, post, "facebook").status is DeliveryStatus.PUBLISHED
    harness.clock.now += timedelta(hours=2)
    harness.runtime.delivery.publish_due()
    assert len(harness.x.calls_to(r"^/2/tweets$", method="POST")) == 1
    assert "duplicate content" in card_text(harness.card(post))
    assert any("could not be published on X" in t for t in harness.thread_texts(ts))


def facebook_refuses_as_too_long(harness):
    harness.graph.inject(
        r"/feed$",
        method="POST",
        status=400,
        body={
            "error": {
                "message": "(#100) The message is too long",
                "type": "OAuthException",
                "code": 100,
                "fbtrace_id": "x",
            }
        },
    )


def test_content_rejected_shows_the_platforms_reason(harness):
    facebook_refuses_as_too_long(harness)
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    fb = delivery(harness, post, "facebook")
    assert fb.status is DeliveryStatus.FAILED and "The message is too long" in fb.last_error
    assert "The message is too long" in card_text(harness.card(post))


def test_the_card_ends_on_the_latest_state_when_platforms_finish_together(harness):
    # X publishes and redraws the card (Facebook still "publishing…") while Facebook fails and
    # redraws it too; X's redraw is held at Slack until Facebook's failure is recorded, so
    # without one lock per card its older picture would land last and stay.
    facebook_refuses_as_too_long(harness)
    post, _ = harness.approved_post(TEXT)
    facebook_held = harness.graph.hold(r"/feed$", method="POST")
    redraw_held = harness.slack.hold(r"chat\.update$", times=1)
    updates_before = len(harness.slack.calls_to(r"chat\.update$"))
    harness.clock.now = FB_SLOT
    worker = threading.Thread(target=harness.runtime.delivery.publish_due)
    worker.start()
    try:
        wait_until(lambda: len(harness.slack.calls_to(r"chat\.update$")) > updates_before)
        facebook_held.set()
        wait_until(lambda: delivery(harness, post, "facebook").status is DeliveryStatus.FAILED)
        # give Facebook's redraw the chance to overtake, as it did without the lock
        with contextlib.suppress(AssertionError):
            wait_until(
                lambda: len(harness.slack.calls_to(r"chat\.update$")) > updates_before + 1,
                timeout=1.0,
            )
    finally:
        redraw_held.set()
        facebook_held.set()
        worker.join(timeout=30)
    assert not worker.is_alive()
    shown = card_text(harness.card(post))
    assert "The message is too long" in shown and "publishing…" not in shown


def restarted_mid_call(tmp_path, *, meanwhile=lambda h: None):
    """A process that died while publishing an approved post on X, and the next one (same
    database, same emulators) after its recovery at start; ``meanwhile`` runs in between."""
    h = make_harness(tmp_path)
    post, ts = h.approved_post(TEXT)
    x = delivery(h, post, "x")
    h.store.claim(x.id, at=h.clock())  # the process dies here, mid-call
    meanwhile(h)
    close_harness(h, keep_emulators=True)
    return make_harness(tmp_path, restart_of=h), post, ts, x


def test_delivery_caught_mid_call_is_settled_from_the_account_on_restart(tmp_path):
    # X had accepted the post before the process died
    h2, _, _, x = restarted_mid_call(tmp_path, meanwhile=lambda h: h.x.create_tweet_directly(TEXT))
    try:
        settled = h2.store.get_delivery(x.id)
        assert settled.status is DeliveryStatus.PUBLISHED
        assert settled.remote_id == h2.x.tweets[0]["id"]
        h2.clock.now = datetime(2026, 11, 24, tzinfo=UTC)
        h2.runtime.delivery.publish_due()
        assert len(h2.x.tweets) == 1  # never re-sent
    finally:
        close_harness(h2)


def test_delivery_caught_mid_call_and_not_found_asks_an_admin(tmp_path):
    h2, _, _, x = restarted_mid_call(tmp_path)
    try:
        assert h2.store.get_delivery(x.id).status is DeliveryStatus.UNCONFIRMED
        [alert] = [a for a in alerts(h2) if "cannot tell whether it went out" in a["text"]]
        buttons = {e["action_id"]: e["value"] for e in alert["blocks"][1]["elements"]}
        assert buttons == {CONFIRM: str(x.id), AGAIN: str(x.id)}
        h2.clock.now = datetime(2026, 11, 24, tzinfo=UTC)
        h2.runtime.delivery.publish_due()
        assert h2.x.tweets == []  # nothing re-sent blindly
        # a non-admin's click changes nothing; the admin's "Publish again" posts it once
        h2.sender.action(_click(h2, AGAIN, x.id, BOB, alert["ts"]))
        h2.executor.drain()
        assert h2.x.tweets == []
        h2.sender.action(_click(h2, AGAIN, x.id, DANA, alert["ts"]))
        h2.executor.drain()
        assert [t["text"] for t in h2.x.tweets] == [TEXT]
        assert h2.store.get_delivery(x.id).status is DeliveryStatus.PUBLISHED
        h2.sender.action(_click(h2, AGAIN, x.id, DANA, alert["ts"]))  # a double click
        h2.executor.drain()
        assert len(h2.x.tweets) == 1
    finally:
        close_harness(h2)


def test_publish_again_respects_the_emergency_stop(tmp_path):
    h2, _, _, x = restarted_mid_call(tmp_path)
    try:
        [alert] = [a for a in alerts(h2) if "cannot tell" in a["text"]]
        h2.command("pause checking the account", DANA)
        h2.sender.action(_click(h2, AGAIN, x.id, DANA, alert["ts"]))
        h2.executor.drain()
        assert h2.x.tweets == []  # paused: it waits in the queue
        assert h2.store.get_delivery(x.id).status is DeliveryStatus.QUEUED
        assert "queued again" in h2.slack.responses()[-1]["text"]
        h2.command("resume", DANA)
        h2.clock.now = datetime(2026, 11, 24, 12, tzinfo=UTC)
        h2.runtime.delivery.publish_due()
        assert [t["text"] for t in h2.x.tweets] == [TEXT]
    finally:
        close_harness(h2)


def test_now_tries_again_what_failed_for_good(harness):
    post, _ = harness.approved_post(TEXT)
    port = x_down(harness)
    harness.clock.now = X_SLOT
    for _ in range(MAX_TRANSIENT_ATTEMPTS):  # an outage longer than the retries
        harness.runtime.delivery.publish_due()
        harness.clock.now = max(harness.clock.now, delivery(harness, post, "x").due_at)
    assert delivery(harness, post, "x").status is DeliveryStatus.FAILED
    harness.x.port = port
    harness.x.start()
    answer = harness.command(f"now {post.id}", DANA)
    assert answer.status_code == 200
    assert [t["text"] for t in harness.x.tweets] == [TEXT]
    assert delivery(harness, post, "x").status is DeliveryStatus.PUBLISHED
    assert "publish_again" in [r["action"] for r in harness.store.audit_log(post.id)]


def test_it_was_published_button_records_it(tmp_path):
    h2, post, ts, x = restarted_mid_call(tmp_path)
    try:
        [alert] = [a for a in alerts(h2) if "cannot tell" in a["text"]]
        h2.sender.action(_click(h2, CONFIRM, x.id, DANA, alert["ts"]))
        h2.executor.drain()
        assert h2.store.get_delivery(x.id).status is DeliveryStatus.PUBLISHED
        assert any("confirmed by" in t for t in h2.thread_texts(ts))
        assert any(
            r["action"] == "confirmed_published" and r["actor"] == DANA
            for r in h2.store.audit_log(post.id)
        )
    finally:
        close_harness(h2)


def test_takedown_deletes_on_each_platform_and_records_it(harness):
    post, ts = harness.approved_post(TEXT)
    harness.command(f"now {post.id}", DANA)
    assert len(harness.x.tweets) == 1 and len(harness.graph.posts) == 1
    assert "Only admins" in harness.command(f"takedown {post.id}", BOB).text
    harness.command(f"takedown {post.id}", DANA)
    assert harness.x.tweets == [] and harness.graph.posts == []
    statuses = {d.platform: d.status for d in harness.store.deliveries_for(post.id)}
    assert statuses == {"x": DeliveryStatus.TAKEN_DOWN, "facebook": DeliveryStatus.TAKEN_DOWN}
    assert "taken down" in harness.slack.responses()[-1]["text"]
    assert any("was taken down by" in t for t in harness.thread_texts(ts))
    actions = [r["action"] for r in harness.store.audit_log(post.id)]
    assert actions.count("taken_down") == 2


def test_withdrawn_consent_lists_the_published_posts_that_name_the_person(harness):
    harness.command('people add "Jo Bloggs" --consent yes --label P-7', DANA)
    post, _ = harness.approved_post("Congratulations to Jo Bloggs on finishing the course!")
    harness.command(f"now {post.id}", DANA)
    answer = harness.command("people consent P-7 no", DANA).json()
    assert f"#{post.id}" in answer["text"] and "Jo Bloggs" not in answer["text"]
    [button] = answer["blocks"][1]["elements"]
    assert button["value"] == str(post.id)
    harness.sender.action(_click(harness, button["action_id"], post.id, DANA, "1.1"))
    harness.executor.drain()
    assert harness.x.tweets == [] and harness.graph.posts == []


def test_takedown_of_a_post_published_on_one_platform_stops_the_other(harness):
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = X_SLOT
    harness.runtime.delivery.publish_due()  # X has it; Facebook waits for 10:00
    assert len(harness.x.tweets) == 1 and harness.graph.posts == []
    harness.command(f"takedown {post.id}", DANA)
    statuses = {d.platform: d.status for d in harness.store.deliveries_for(post.id)}
    assert statuses == {"x": DeliveryStatus.TAKEN_DOWN, "facebook": DeliveryStatus.CANCELLED}
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    assert harness.x.tweets == [] and harness.graph.posts == []
    assert "Facebook: taken out of the queue" in harness.slack.responses()[-1]["text"]
    assert "cancelled" in [r["action"] for r in harness.store.audit_log(post.id)]


def test_consent_withdrawn_after_approval_holds_the_post_back(harness):
    harness.command('people add "Jo Bloggs" --consent yes --label P-7', DANA)
    post, ts = harness.approved_post("Congratulations to Jo Bloggs on finishing the course!")
    harness.command("people consent P-7 no", DANA)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    assert harness.x.tweets == [] and harness.graph.posts == []
    assert harness.x.calls_to(r"^/2/tweets$", method="POST") == []
    for d in harness.store.deliveries_for(post.id):
        assert d.status is DeliveryStatus.FAILED and d.last_error.startswith("held back")
    held = [m["text"] for m in alerts(harness) if "held back" in m["text"]]
    assert len(held) == 2 and not any("Jo Bloggs" in t for t in held)
    assert any("was not published on X" in t for t in harness.thread_texts(ts))


def test_consent_still_recorded_publishes(harness):
    harness.command('people add "Jo Bloggs" --consent yes --label P-7', DANA)
    harness.approved_post("Congratulations to Jo Bloggs on finishing the course!")
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    assert len(harness.x.tweets) == 1 and len(harness.graph.posts) == 1


def _click(h, action_id: str, value: int, user: str, message_ts: str) -> dict:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
        "api_app_id": "A0001",
        "team": {"id": "T0001", "domain": "test"},
        "channel": {"id": REVIEW, "name": "review"},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": REVIEW},
        "trigger_id": "1.2.3",
        "response_url": h.slack.response_url("click"),
        "actions": [
            {
                "action_id": action_id,
                "block_id": "b",
                "type": "button",
                "value": str(value),
                "action_ts": "1.1",
            }
        ],
    }


def test_checks_that_cannot_run_before_publishing_leave_the_delivery_queued(harness, caplog):
    post, _ = harness.approved_post(TEXT)

    def register_unreadable(post, platform):
        raise RuntimeError("the consent register cannot be read")

    harness.runtime.delivery.recheck = register_unreadable
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    assert harness.x.tweets == [] and harness.graph.posts == []
    assert {d.status for d in harness.store.deliveries_for(post.id)} == {DeliveryStatus.QUEUED}
    assert "the checks could not run before publishing" in caplog.text


def _fail_facebook_for_good(h) -> None:
    h.graph.inject(
        r"/feed$",
        method="POST",
        status=400,
        body={"error": {"message": "(#100) Rejected", "type": "OAuthException", "code": 100}},
    )


def test_nothing_of_a_post_taken_down_goes_out_later(harness):
    _fail_facebook_for_good(harness)
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()  # X published, Facebook failed for good
    assert delivery(harness, post, "facebook").status is DeliveryStatus.FAILED
    harness.command(f"takedown {post.id}", DANA)
    assert harness.x.tweets == []
    assert delivery(harness, post, "facebook").status is DeliveryStatus.CANCELLED
    assert harness.store.get_post(post.id).status.value == "taken_down"
    harness.command(f"now {post.id}", DANA)  # would have tried the failed one again
    assert harness.x.tweets == [] and harness.graph.posts == []
    assert "taken down, not approved" in harness.slack.responses()[-1]["text"]


def test_a_takedown_of_an_unconfirmed_delivery_looks_on_the_account(tmp_path):
    h2, post, _, x = restarted_mid_call(tmp_path)
    try:
        [alert] = [a for a in alerts(h2) if "cannot tell" in a["text"]]
        h2.command(f"takedown {post.id}", DANA)
        said = h2.slack.responses()[-1]["text"]
        assert "cannot tell whether it went out and does not find it" in said
        h2.sender.action(_click(h2, AGAIN, x.id, DANA, alert["ts"]))  # an old alert's button
        h2.executor.drain()
        assert h2.x.tweets == []
        assert "taken down: nothing is published again" in h2.slack.responses()[-1]["text"]
    finally:
        close_harness(h2)


def test_a_takedown_finds_and_deletes_an_unconfirmed_post_that_went_out(tmp_path):
    h2, post, _, x = restarted_mid_call(tmp_path)
    try:
        h2.x.create_tweet_directly(TEXT)  # it had gone out after all
        h2.command(f"takedown {post.id}", DANA)
        assert h2.x.tweets == []
        assert h2.store.get_delivery(x.id).status is DeliveryStatus.TAKEN_DOWN
    finally:
        close_harness(h2)
