"""[8] items 2 and 3: what goes out is exactly what was approved, in any order of events.

A delivery holds a snapshot of what was approved for its platform and publishes only that; its
claim re-checks approval, takedown, pause and blackout; every later step moves it only from the
state it expects, so that a takedown landing while the platform holds the call is not undone by
the call's answer, its retry or its settling. Real clients, real emulators; X holds or fails the
requests as a real X can.
"""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

import bot.services as services
from bot.app.delivery import AGAIN, CONFIRM
from bot.domain.posts import DeliveryStatus, PostStatus
from bot.emulators.slack import message_event, new_ts
from tests.conftest import (
    ALICE,
    BOB,
    DANA,
    PROPOSALS,
    REVIEW,
    card_text,
    close_harness,
    make_harness,
    wait_until,
)

V1 = "Our winter appeal starts today: every coat helps."
V2 = "Our winter appeal starts today: every coat and scarf helps."
X_SLOT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
TWEETS = r"^/2/tweets$"
UPLOAD = r"^/2/media/upload"


def x_delivery(h, post_id: int, content_hash: str | None = None):
    [found] = [
        d
        for d in h.store.deliveries_for(post_id)
        if d.platform == "x" and (content_hash is None or d.content_hash == content_hash)
    ]
    return found


def alerts(h) -> list[dict]:
    return [m for m in h.slack.messages(REVIEW) if m["text"].startswith(":rotating_light:")]


def buttons(alert: dict) -> dict[str, str]:
    return {
        e["action_id"]: e["value"]
        for b in alert.get("blocks") or []
        if b.get("type") == "actions"
        for e in b["elements"]
    }


def click(h, action_id: str, value: int, user: str, message_ts: str) -> None:
    h.sender.action(
        {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001",
            "team": {"id": "T0001", "domain": "test"},
            "channel": {"id": REVIEW, "name": "review"},
            "container": {"type": "message", "message_ts": message_ts, "channel_id": REVIEW},
            "trigger_id": f"1.2.{new_ts()}",
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
    )
    h.executor.drain()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 160, 60)).save(out, "JPEG")
    return out.getvalue()


def in_background(work) -> threading.Thread:
    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def taken_down_while_x_holds(h, post, held_path: str, *, status: int, acted: bool) -> str:
    """The scheduler's X call is held by X; an admin takes the post down meanwhile; then X
    answers ``status`` (having done the work when ``acted``). Returns the takedown's answer."""
    held = h.x.hold(held_path, method="POST")
    h.clock.now = X_SLOT
    worker = in_background(h.runtime.delivery.publish_due)
    wait_until(lambda: h.x.calls_to(held_path, method="POST"))
    h.command(f"takedown {post.id}", DANA)
    answer = h.slack.responses()[-1]["text"]
    h.x.inject(
        held_path,
        method="POST",
        status=status,
        body={"title": "Service Unavailable", "detail": "Service Unavailable", "status": status},
        acted=acted,
    )
    held.set()
    worker.join(timeout=30)
    assert not worker.is_alive()
    h.executor.drain()
    return answer


def nothing_more_goes_out(h, post) -> None:
    """Days pass, the scheduler runs, the admin tries `now`: nothing of it is sent again."""
    calls = len(h.x.calls_to(TWEETS, method="POST"))
    for hours in (1, 6, 48):
        h.clock.now = X_SLOT + timedelta(hours=hours)
        h.runtime.delivery.publish_due()
    h.command(f"now {post.id}", DANA)
    assert len(h.x.calls_to(TWEETS, method="POST")) == calls
    assert h.store.get_post(post.id).status is PostStatus.TAKEN_DOWN
    card = card_text(h.card(post))
    assert ":no_entry: Taken down by an admin" in card
    assert ":rocket:" not in card  # no platform shows it as published


# -- item 2: a takedown that holds --------------------------------------------------------------


def test_a_takedown_while_x_holds_the_upload_is_not_undone_by_the_retry(harness):
    """X answers 503 to the picture's upload (nothing was posted, so it would be retried): the
    retry publishes nothing, and the proposer hears that it did not go out."""
    h = harness
    ts = new_ts()
    photo = h.slack.add_file("garden.jpg", jpeg())
    h.event(message_event(PROPOSALS, ALICE, V1, ts, files=[photo]))
    post = h.post_for(ts)
    h.react(BOB, "white_check_mark", h.card(post)["ts"])
    answer = taken_down_while_x_holds(h, post, UPLOAD, status=503, acted=False)
    nothing_more_goes_out(h, post)
    assert h.x.tweets == [] and not h.x.calls_to(TWEETS, method="POST")
    x = x_delivery(h, post.id)
    assert x.status is DeliveryStatus.CANCELLED and "taken down" in (x.last_error or "")
    assert any("did not go out on X" in t for t in h.thread_texts(ts))
    assert "X: it was being published at that moment" in answer


def test_a_post_that_went_out_as_it_was_taken_down_is_deleted_and_people_are_told(harness):
    """X answers 503 with the post live (acted): settling finds it, and deletes it at once."""
    h = harness
    post, ts = h.approved_post(V1)
    answer = taken_down_while_x_holds(h, post, TWEETS, status=503, acted=True)
    assert h.x.tweets == []  # it was there, and is gone
    x = x_delivery(h, post.id)
    assert x.status is DeliveryStatus.TAKEN_DOWN and x.remote_id
    assert ":wastebasket: X: taken down" in card_text(h.card(post))
    [told] = [a for a in alerts(h) if "as it was being taken down" in a["text"]]
    assert "deleted it there" in told["text"] and not buttons(told)
    assert any("as it was being taken down" in t for t in h.thread_texts(ts))
    nothing_more_goes_out(h, post)
    assert h.x.tweets == []
    assert "X: it was being published at that moment" in answer


def test_a_takedown_while_x_holds_the_post_and_answers_503_publishes_nothing(harness):
    """X answers 503 and did nothing: settling finds nothing; the admins are told to look, and
    are not offered to publish a post taken down (nor to record it as published)."""
    h = harness
    post, _ = h.approved_post(V1)
    answer = taken_down_while_x_holds(h, post, TWEETS, status=503, acted=False)
    nothing_more_goes_out(h, post)
    assert h.x.tweets == []
    assert not [a for a in alerts(h) if AGAIN in buttons(a)]  # nothing offers to publish it
    [told] = [a for a in alerts(h) if "was taken down while X was being asked" in a["text"]]
    assert buttons(told) == {}  # nor to record it as published: the takedown would skip it
    assert x_delivery(h, post.id).status is DeliveryStatus.UNCONFIRMED
    assert "X: it was being published at that moment" in answer


def test_the_post_x_creates_after_a_takedown_is_found_and_deleted_at_the_next_start(tmp_path):
    """X answered 503 and created the post only later (after settling looked): the next start
    settles again, finds it, and deletes it, because the post was taken down."""
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post(V1)
        taken_down_while_x_holds(h, post, TWEETS, status=503, acted=False)
        h.x.create_tweet_directly(V1)  # X's late work surfaces
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        assert h.x.tweets == []
        assert x_delivery(h, post.id).status is DeliveryStatus.TAKEN_DOWN
    finally:
        close_harness(h)


# -- item 3: never the unreviewed words ---------------------------------------------------------


def test_an_edit_landing_between_the_claim_and_the_call_is_not_what_settling_looks_for(
    tmp_path, monkeypatch
):
    """The edit's check read the queue before the scheduler claimed the delivery, so it was
    taken; the process then died while X created the approved words. On the next start the
    delivery is settled against what it held (version 1), not the post's new words."""
    h = make_harness(tmp_path)
    try:
        post, ts = h.approved_post(V1)
        x = x_delivery(h, post.id)
        decide = services.edit

        def claimed_meanwhile(*args, **kwargs):
            outcome = decide(*args, **kwargs)
            h.clock.now = X_SLOT
            assert h.store.claim(x.id, at=h.clock()) is not None  # the scheduler, meanwhile
            return outcome

        monkeypatch.setattr(services, "edit", claimed_meanwhile)
        h.edit(ALICE, ts, V2)
        monkeypatch.undo()
        assert h.store.get_post(post.id).version == 2  # the edit was taken
        h.x.create_tweet_directly(V1)  # the call went out with version 1; the process died
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        settled = h.store.get_delivery(x.id)
        assert settled.status is DeliveryStatus.PUBLISHED
        assert settled.remote_id == h.x.tweets[0]["id"]
        assert [t["text"] for t in h.x.tweets] == [V1]
        assert not [a for a in alerts(h) if "cannot tell" in a["text"]]
    finally:
        close_harness(h)


def test_an_edit_landing_between_the_claim_and_the_call_publishes_the_approved_words(harness):
    """The scheduler claims, the edit lands while X holds the call: X receives version 1."""
    h = harness
    post, _ = h.approved_post(V1)
    held = h.x.hold(TWEETS, method="POST")
    h.clock.now = X_SLOT
    worker = in_background(h.runtime.delivery.publish_due)
    wait_until(lambda: x_delivery(h, post.id).status is DeliveryStatus.PUBLISHING)
    h.store.revise(  # the edit's transaction, its check having read the queue before the claim
        post.id,
        text=V2,
        content_hash=services.content_hash(V2, post.platforms),
        findings=[],
        status=PostStatus.IN_REVIEW,
        actor=ALICE,
        at=h.clock(),
    )
    held.set()
    worker.join(timeout=30)
    assert [t["text"] for t in h.x.tweets] == [V1]


def failed_version_one(h):
    """Version 1 approved; X's answer is lost (503), the admins are asked; "Publish again" is
    pressed, and X refuses it for good. Returns the post, its thread, the alert, the delivery."""
    post, ts = h.approved_post(V1)
    h.x.inject(TWEETS, method="POST", status=503, body={"title": "Service Unavailable"})
    h.clock.now = X_SLOT
    h.runtime.delivery.publish_due()
    [alert] = [a for a in alerts(h) if "cannot tell whether it went out" in a["text"]]
    v1 = x_delivery(h, post.id)
    assert buttons(alert) == {CONFIRM: str(v1.id), AGAIN: str(v1.id)}
    h.x.inject(
        TWEETS,
        method="POST",
        status=400,
        body={"title": "Invalid Request", "detail": "One or more parameters are invalid."},
    )
    click(h, AGAIN, v1.id, DANA, alert["ts"])
    assert h.store.get_delivery(v1.id).status is DeliveryStatus.FAILED
    return post, ts, alert, v1


def test_an_old_alerts_publish_again_does_not_publish_version_two(harness):
    h = harness
    post, ts, alert, v1 = failed_version_one(h)
    h.edit(ALICE, ts, V2)
    h.react(BOB, "white_check_mark", h.card(post)["ts"])
    v2 = h.store.get_post(post.id)
    assert v2.status is PostStatus.APPROVED and v2.version == 2
    posts_to_x = len(h.x.calls_to(TWEETS, method="POST"))
    audit_before = len(h.store.audit_log(post.id))
    click(h, AGAIN, v1.id, DANA, alert["ts"])  # the version-1 alert, still in the channel
    said = h.slack.responses()[-1]["text"]
    assert "edited after the version this delivery holds was approved" in said
    assert len(h.x.calls_to(TWEETS, method="POST")) == posts_to_x and h.x.tweets == []
    assert h.store.get_delivery(v1.id).status is DeliveryStatus.FAILED
    assert len(h.store.audit_log(post.id)) == audit_before  # nothing audited for version 1
    # Version 2 goes out through its own delivery, with its own words and hash.
    h.clock.now = x_delivery(h, post.id, v2.content_hash).due_at
    h.runtime.delivery.publish_due()
    assert [t["text"] for t in h.x.tweets] == [V2]
    on_x = [
        r["content_hash"]
        for r in h.store.audit_log(post.id)
        if r["action"] == "published" and json.loads(r["detail"])["platform"] == "x"
    ]
    assert on_x == [v2.content_hash]


def test_publish_again_republishes_version_one_when_it_is_the_approved_version_again(harness):
    """Edited away and back (A → B → A) and approved again: version 1's snapshot goes out."""
    h = harness
    post, ts, alert, v1 = failed_version_one(h)
    h.edit(ALICE, ts, V2)
    h.edit(ALICE, ts, V1)
    h.react(BOB, "white_check_mark", h.card(post)["ts"])
    assert h.store.get_post(post.id).content_hash == v1.content_hash
    click(h, AGAIN, v1.id, DANA, alert["ts"])
    assert [t["text"] for t in h.x.tweets] == [V1]
    assert h.store.get_delivery(v1.id).status is DeliveryStatus.PUBLISHED


@pytest.mark.parametrize("change", ["pause", "blackout"])
def test_a_pause_or_blackout_landing_before_the_claim_holds_the_delivery(harness, change):
    """The scheduler read the queue, then an admin paused publishing (or added a blackout)
    before it claimed: the claim itself refuses, and the delivery waits, queued."""
    h = harness
    h.approved_post(V1)
    h.clock.now = X_SLOT
    [due] = h.store.due(h.clock())
    if change == "pause":
        h.store.pause_all(reason="checking", actor=DANA, at=h.clock())
    else:
        h.store.add_blackout(
            X_SLOT, X_SLOT + timedelta(hours=1), reason="", actor=DANA, at=h.clock()
        )
    assert h.runtime.delivery._deliver(due) is False
    assert h.x.tweets == [] and not h.x.calls_to(TWEETS, method="POST")
    assert h.store.get_delivery(due.id).status is DeliveryStatus.QUEUED


def test_deliveries_m013_could_not_snapshot_are_reported_once_and_never_go_out(tmp_path):
    """A delivery queued before snapshots, for a post edited since: what m013 leaves (no
    snapshot, listed for the admins). The next start tells them once; it never goes out."""
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post(V1)
        x = x_delivery(h, post.id)
        h.store.db.execute("UPDATE deliveries SET words = NULL WHERE id = ?", [x.id])
        h.store.db.execute(
            "INSERT INTO app_meta (key, value) VALUES ('unsnapshotted', ?)", [json.dumps([x.id])]
        )
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        [told] = [a for a in alerts(h) if "cannot go out" in a["text"]]
        assert f"#{post.id} on X" in told["text"]
        h.clock.now = X_SLOT + timedelta(hours=1)
        h.runtime.delivery.publish_due()
        assert h.x.tweets == [] and len(h.graph.posts) == 1
        assert x_delivery(h, post.id).status is DeliveryStatus.FAILED
        close_harness(h, keep_emulators=True)
        h = make_harness(tmp_path, restart_of=h)
        assert not [a for a in alerts(h) if "cannot go out" in a["text"]]  # told once
    finally:
        close_harness(h)
