"""What X and Facebook really answer, replayed through the whole service: approved posts, the
real clients and the emulators, with the effect people see (Slack cards, threads, alerts)."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.app.delivery import AGAIN, CONFIRM
from bot.domain.posts import DeliveryStatus, PostStatus
from bot.emulators.slack import message_event, new_ts
from tests.bot.publishers.real import real
from tests.conftest import BOB, CAROL, DANA, PROPOSALS, close_harness, make_harness

TEXT = "Our winter appeal starts today: every coat helps."
X_SLOT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
FB_SLOT = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
TWEETS = r"^/2/tweets$"
FEED = r"/feed$"


def delivery(harness, post, platform):
    [found] = [d for d in harness.store.deliveries_for(post.id) if d.platform == platform]
    return found


def alerts(harness, containing: str = ""):
    return [
        m
        for m in harness.slack.messages()
        if m["text"].startswith(":rotating_light:") and containing in m["text"]
    ]


def buttons(alert) -> dict[str, str]:
    return {
        e["action_id"]: e["value"]
        for block in alert.get("blocks") or []
        for e in block.get("elements") or []
        if "action_id" in e
    }


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 160, 60)).save(out, "JPEG")
    return out.getvalue()


# -- item 6: pictures reach X through API v2 -------------------------------------------------


def test_an_approved_post_with_a_picture_is_published_on_x(harness):
    """The v1.1 upload answers 453 for most access levels: through it, every X post with a
    picture failed."""
    file = harness.slack.add_file("garden.jpg", photo())
    ts = new_ts()
    harness.event(
        message_event(PROPOSALS, CAROL, "Our garden in bloom this week.", ts, files=[file])
    )
    post = harness.post_for(ts)
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    assert harness.store.get_post(post.id).status is PostStatus.APPROVED
    harness.clock.now = X_SLOT
    harness.runtime.delivery.publish_due()
    x = delivery(harness, post, "x")
    assert x.status is DeliveryStatus.PUBLISHED, x.last_error
    [tweet] = harness.x.tweets
    [(_attachment, data)] = harness.store.image_data(harness.store.get_post(post.id))
    assert [harness.x.media[i]["data"] for i in tweet["media_ids"]] == [data]
    assert harness.x.calls_to(r"^/1\.1/") == []
    assert any("was published on X" in t for t in harness.thread_texts(ts))


# -- item 7: an answer that does not prove the post absent is settled, not retried -----------


@pytest.mark.parametrize(
    ("platform", "pattern", "answer"),
    [
        ("x", TWEETS, real("x", "service_unavailable_503")),
        ("facebook", FEED, real("graph", "unexpected_error_code2_500")),
    ],
)
def test_a_server_error_after_the_post_went_out_records_it_once(harness, platform, pattern, answer):
    emulator = harness.x if platform == "x" else harness.graph
    emulator.inject(
        pattern, method="POST", status=answer["status"], body=answer["body"], acted=True
    )
    post, ts = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    live = harness.x.tweets if platform == "x" else harness.graph.posts
    [remote] = live
    done = delivery(harness, post, platform)
    assert done.status is DeliveryStatus.PUBLISHED and done.remote_id == remote["id"]
    harness.clock.now += timedelta(hours=3)
    harness.runtime.delivery.publish_due()
    assert len(emulator.calls_to(pattern, method="POST")) == 1  # never sent again
    assert len(harness.x.tweets if platform == "x" else harness.graph.posts) == 1
    name = "X" if platform == "x" else "Facebook"
    assert any(f"was published on {name}" in t for t in harness.thread_texts(ts))


def test_a_server_error_with_nothing_posted_waits_for_an_admin(harness):
    answer = real("x", "service_unavailable_503")
    harness.x.inject(TWEETS, method="POST", status=answer["status"], body=answer["body"])
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = X_SLOT
    harness.runtime.delivery.publish_due()
    x = delivery(harness, post, "x")
    assert x.status is DeliveryStatus.UNCONFIRMED
    [alert] = alerts(harness, "cannot tell whether it went out on X")
    assert buttons(alert) == {CONFIRM: str(x.id), AGAIN: str(x.id)}
    harness.clock.now += timedelta(hours=3)
    harness.runtime.delivery.publish_due()
    assert len(harness.x.calls_to(TWEETS, method="POST")) == 1 and harness.x.tweets == []


# -- item 8: settling never claims another post -----------------------------------------------


def test_settling_does_not_claim_an_older_post_with_the_same_words(harness):
    # The Page already shows the same words, posted by hand three days before.
    harness.graph.clock = lambda: (FB_SLOT - timedelta(days=3)).timestamp()
    older = harness.graph.create_post_directly(TEXT)
    harness.graph.clock = lambda: harness.clock().timestamp()
    answer = real("graph", "unexpected_error_code2_500")
    harness.graph.inject(FEED, method="POST", status=answer["status"], body=answer["body"])
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    fb = delivery(harness, post, "facebook")
    assert fb.status is DeliveryStatus.UNCONFIRMED and fb.remote_id is None
    assert alerts(harness, "cannot tell whether it went out on Facebook")
    # A takedown must not delete the older post it was never.
    harness.command(f"takedown {post.id}", DANA)
    assert [p["id"] for p in harness.graph.posts] == [older["id"]]


def test_a_restart_mid_call_does_not_claim_an_older_post_and_takedown_spares_it(tmp_path):
    h = make_harness(tmp_path)
    # The account already shows the same words, three days old.
    h.x.clock = lambda: (h.clock() - timedelta(days=3)).timestamp()
    older = h.x.create_tweet_directly(TEXT)
    h.x.clock = lambda: h.clock().timestamp()
    post, _ = h.approved_post(TEXT)
    x = delivery(h, post, "x")
    h.store.claim(x.id, at=h.clock())  # the process dies here, mid-call
    close_harness(h, keep_emulators=True)
    h2 = make_harness(tmp_path, restart_of=h)
    try:
        settled = h2.store.get_delivery(x.id)
        assert settled.status is DeliveryStatus.UNCONFIRMED and settled.remote_id is None
        assert alerts(h2, "cannot tell whether it went out on X")
        h2.command(f"takedown {post.id}", DANA)
        assert [t["id"] for t in h2.x.tweets] == [older["id"]]  # not deleted
    finally:
        close_harness(h2)


def test_settling_leaves_two_look_alikes_to_the_admins(harness):
    # A gateway's error page, and two posts with these words on the Page since the claim.
    harness.graph.inject(FEED, method="POST", status=502, body="<html>Bad Gateway</html>")
    post, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.graph.create_post_directly(TEXT)
    harness.graph.create_post_directly(TEXT)
    harness.runtime.delivery.publish_due()
    fb = delivery(harness, post, "facebook")
    assert fb.status is DeliveryStatus.UNCONFIRMED and fb.remote_id is None
    assert len(alerts(harness, "cannot tell whether it went out on Facebook")) == 1


# -- item 9: account-level refusals pause the platform; duplicates are reported as such ------


@pytest.mark.parametrize(
    ("platform", "pattern", "answer", "said"),
    [
        ("x", TWEETS, real("x", "credits_depleted_402"), "does not have any credits"),
        ("x", TWEETS, real("x", "oauth1_permissions_403"), "oauth1 app permissions"),
        ("facebook", FEED, real("graph", "permission_10"), "(code 10)"),
        ("facebook", FEED, real("graph", "permission_200"), "pages_manage_posts"),
    ],
)
def test_an_account_refusal_pauses_the_platform_tells_admins_once_and_keeps_the_queue(
    harness, platform, pattern, answer, said
):
    emulator = harness.x if platform == "x" else harness.graph
    emulator.inject(pattern, method="POST", status=answer["status"], body=answer["body"], times=50)
    account_pause(harness, platform, pattern, said, fixed=emulator.reset)


@pytest.mark.parametrize(
    ("platform", "state", "said"),
    [
        ("x", {"account": "no_credits"}, "does not have any credits"),
        ("x", {"account": "read_only"}, "oauth1 app permissions"),
        ("facebook", {"permissions_missing": True, "permission_code": 10}, "(code 10)"),
        ("facebook", {"permissions_missing": True, "permission_code": 200}, "pages_manage_posts"),
    ],
)
def test_an_account_that_cannot_post_pauses_the_platform_while_reads_still_work(
    harness, platform, state, said
):
    """The emulator's own model of the account (not a replayed answer): posts are refused as
    the real platform refuses them, and everything that only reads keeps working."""
    emulator = harness.x if platform == "x" else harness.graph
    healthy = {k: getattr(emulator, k) for k in state}
    for key, value in state.items():
        setattr(emulator, key, value)

    def fixed() -> None:
        for key, value in healthy.items():
            setattr(emulator, key, value)

    account_pause(harness, platform, TWEETS if platform == "x" else FEED, said, fixed=fixed)


def account_pause(harness, platform, pattern, said, *, fixed) -> None:
    emulator = harness.x if platform == "x" else harness.graph
    first, _ = harness.approved_post(TEXT)
    second, _ = harness.approved_post("Second post: volunteers wanted for Saturday.")
    other = "facebook" if platform == "x" else "x"
    harness.clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    harness.runtime.delivery.publish_due()
    for post in (first, second):
        assert delivery(harness, post, platform).status is DeliveryStatus.QUEUED  # kept
        assert delivery(harness, post, other).status is DeliveryStatus.PUBLISHED  # unaffected
    [alert] = alerts(harness, "refuses posts from this account")
    assert said in alert["text"] and f"/countersign resume {platform}" in alert["text"]
    fix = "its credits" if platform == "x" else "it needs pages_manage_posts"
    assert fix in alert["text"]  # what to fix on the account
    # Reading still works for such an account: no probe resumes it into the same refusal.
    for _ in range(3):
        harness.clock.now += timedelta(minutes=6)
        harness.runtime.delivery.publish_due()
    assert len(emulator.calls_to(pattern, method="POST")) == 1
    assert len(alerts(harness, "refuses posts from this account")) == 1
    # Fixed on the platform, an admin resumes it: the queue drains.
    fixed()
    assert "resumed" in harness.command(f"resume {platform}", DANA).text
    harness.runtime.delivery.publish_due()
    for post in (first, second):
        assert delivery(harness, post, platform).status is DeliveryStatus.PUBLISHED


@pytest.mark.parametrize(
    ("platform", "pattern", "answer"),
    [
        ("x", TWEETS, real("x", "duplicate_403")),
        ("facebook", FEED, real("graph", "duplicate_506")),
        ("facebook", FEED, real("graph", "already_posted_368")),
    ],
)
def test_a_duplicate_is_reported_as_one(harness, platform, pattern, answer):
    emulator = harness.x if platform == "x" else harness.graph
    emulator.inject(pattern, method="POST", status=answer["status"], body=answer["body"])
    post, ts = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT
    harness.runtime.delivery.publish_due()
    assert delivery(harness, post, platform).status is DeliveryStatus.FAILED
    name = "X" if platform == "x" else "Facebook"
    assert any(f"{name} refuses it as a duplicate" in t for t in harness.thread_texts(ts))
    harness.clock.now += timedelta(hours=3)
    harness.runtime.delivery.publish_due()
    assert len(emulator.calls_to(pattern, method="POST")) == 1  # not retried


@pytest.mark.parametrize(
    ("platform", "duplicate_code"), [("x", None), ("facebook", 506), ("facebook", 368)]
)
def test_the_same_words_approved_again_are_refused_as_a_duplicate(
    harness, platform, duplicate_code
):
    """The platform's own memory of what it posted (not a replayed answer): X refuses a tweet
    equal to a live one; a Page refuses a message it posted within the day."""
    emulator = harness.x if platform == "x" else harness.graph
    pattern = TWEETS if platform == "x" else FEED
    if platform == "facebook":
        harness.graph.duplicate_code = duplicate_code  # the Page rejects duplicates by default
    first, _ = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT + timedelta(minutes=30)
    harness.runtime.delivery.publish_due()
    assert delivery(harness, first, platform).status is DeliveryStatus.PUBLISHED
    again, ts = harness.approved_post(TEXT)
    harness.clock.now = FB_SLOT + timedelta(days=1)  # the next slot of both, within the day
    harness.runtime.delivery.publish_due()
    assert delivery(harness, again, platform).status is DeliveryStatus.FAILED
    name = "X" if platform == "x" else "Facebook"
    assert any(f"{name} refuses it as a duplicate" in t for t in harness.thread_texts(ts))
    live = harness.x.tweets if platform == "x" else harness.graph.posts
    assert [p["sent_text" if platform == "x" else "message"] for p in live] == [TEXT]
    harness.clock.now += timedelta(hours=3)
    harness.runtime.delivery.publish_due()
    assert len(emulator.calls_to(pattern, method="POST")) == 2  # the refused one not retried


def test_the_home_tab_says_what_to_fix_for_an_account_pause(harness):
    from tests.bot.slack.test_home import home, part

    harness.store.pause_platform("x", reason="X said: credits depleted", at=FB_SLOT, kind="account")
    harness.store.pause_platform("facebook", reason="Invalid OAuth access token", at=FB_SLOT)
    platforms = part(home(harness.store, DANA, admin=True), "Platforms").splitlines()
    [x_line] = [line for line in platforms if "*X*" in line]
    [fb_line] = [line for line in platforms if "*Facebook*" in line]
    assert "paused — it refuses posts from this account" in x_line
    assert "fix the account on X" in x_line and "retries by itself" not in x_line
    assert "paused — it rejected Countersign's credentials" in fb_line
