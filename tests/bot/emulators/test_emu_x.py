"""X emulator through tweepy's own request code (Client v2, v2 media upload, retired v1.1)."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pytest
import requests
import tweepy

from bot.emulators.png import tiny_png
from bot.emulators.x import XEmulator
from bot.publishers.http import RedirectingSession
from tests.bot.publishers.real import real


@pytest.fixture
def emu() -> Iterator[XEmulator]:
    with XEmulator() as e:
        yield e


def make_client(
    emu: XEmulator, consumer_key: str = "x-consumer-key", **kw: object
) -> tweepy.Client:
    client = tweepy.Client(
        consumer_key=consumer_key,
        consumer_secret="s",
        access_token="x-access-token",
        access_token_secret="s",
        **kw,
    )
    client.session = RedirectingSession({"https://api.twitter.com": emu.url})
    return client


def make_api(emu: XEmulator) -> tweepy.API:
    auth = tweepy.OAuth1UserHandler("x-consumer-key", "s", "x-access-token", "s")
    api = tweepy.API(auth)
    # tweepy.API builds https://upload.twitter.com URLs itself but sends them through .session.
    api.session = RedirectingSession(
        {"https://upload.twitter.com": emu.url, "https://api.twitter.com": emu.url}
    )
    return api


def test_create_duplicate_and_delete(emu: XEmulator) -> None:
    client = make_client(emu)
    created = client.create_tweet(text="Hello world", user_auth=True)
    tweet_id = created.data["id"]
    assert tweet_id.isdigit()
    assert created.data == {
        "id": tweet_id,
        "text": "Hello world",
        "edit_history_tweet_ids": [tweet_id],
    }
    assert [t["text"] for t in emu.tweets] == ["Hello world"]
    assert emu.calls[0].headers["authorization"].startswith("OAuth ")

    with pytest.raises(tweepy.Forbidden) as duplicate:
        client.create_tweet(text="Hello world", user_auth=True)
    assert "duplicate content" in duplicate.value.api_messages[0]

    assert client.delete_tweet(tweet_id, user_auth=True).data == {"deleted": True}
    assert emu.tweets == []
    with pytest.raises(tweepy.NotFound):
        client.delete_tweet(tweet_id, user_auth=True)
    assert client.create_tweet(text="Hello world", user_auth=True).data["id"] != tweet_id


def test_auth_and_validation_errors(emu: XEmulator) -> None:
    with pytest.raises(tweepy.Unauthorized):
        make_client(emu, consumer_key="wrong").create_tweet(text="x", user_auth=True)
    assert requests.post(emu.url + "/2/tweets", json={"text": "x"}).status_code == 401
    client = make_client(emu)
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="", user_auth=True)
    with pytest.raises(tweepy.BadRequest):
        client.create_tweet(text="x", media_ids=["123"], user_auth=True)
    assert emu.tweets == []


def test_rate_limit_headers_and_injected_429(emu: XEmulator) -> None:
    client = make_client(emu, return_type=requests.Response)
    first = client.create_tweet(text="one", user_auth=True)
    second = client.create_tweet(text="two", user_auth=True)
    assert (
        int(second.headers["x-rate-limit-remaining"])
        == int(first.headers["x-rate-limit-remaining"]) - 1
    )
    assert int(first.headers["x-rate-limit-reset"]) > 0
    emu.inject(
        "/2/tweets",
        status=429,
        body={"title": "Too Many Requests"},
        headers={"x-rate-limit-reset": "1700000000"},
    )
    with pytest.raises(tweepy.TooManyRequests) as limited:
        client.create_tweet(text="three", user_auth=True)
    assert limited.value.reset_time == 1700000000


def test_me_and_timeline(emu: XEmulator) -> None:
    client = make_client(emu)
    me = client.get_me(user_auth=True).data
    assert (me.id, me.username) == (1000, "testorg")
    assert client.get_users_tweets(1000, user_auth=True).meta == {"result_count": 0}
    ids = [client.create_tweet(text=f"t{i}", user_auth=True).data["id"] for i in range(7)]
    page = client.get_users_tweets(1000, max_results=5, user_auth=True)
    assert [t.id for t in page.data] == [int(i) for i in reversed(ids[-5:])]
    assert page.meta["newest_id"] == ids[-1] and page.meta["result_count"] == 5
    assert "created_at" not in page.data[0].data  # v2 gives only the fields asked for
    asked = client.get_users_tweets(1000, tweet_fields=["created_at"], user_auth=True)
    assert asked.data[0].data["created_at"].endswith("Z")


def test_timeline_since_a_time_with_attachments_and_entities(emu: XEmulator) -> None:
    emu.rewrite_text = True
    emu.clock = lambda: 1_790_000_000.0
    client = make_client(emu)
    emu.add_media("77")
    client.create_tweet(text="Old & gone https://example.org", user_auth=True)
    emu.clock = lambda: 1_790_000_600.0
    client.create_tweet(text="New https://example.org/a", media_ids=["77"], user_auth=True)
    fields = ["created_at", "attachments", "entities"]
    page = client.get_users_tweets(
        1000, start_time="2026-09-21T14:20:00Z", tweet_fields=fields, user_auth=True
    )
    [tweet] = (
        page.data
    )  # 1_790_000_600 is 2026-09-21T14:23:20Z; the older one (10 min before) is left out
    assert tweet.attachments == {"media_keys": ["3_77"]}
    [link, picture] = tweet.entities["urls"]
    assert link["expanded_url"] == "https://example.org/a" and link["url"] in tweet.text
    assert picture["media_key"] == "3_77" and tweet.text.endswith(picture["url"])


def test_v2_media_upload_with_alt_text_then_tweet(emu: XEmulator) -> None:
    png = tiny_png(3, 2)
    client = make_client(emu)
    uploaded = client.request(
        "POST",
        "/2/media/upload",
        json={"media": base64.b64encode(png).decode(), "media_category": "tweet_image"},
        user_auth=True,
    ).json()["data"]
    assert uploaded["media_key"] == f"3_{uploaded['id']}" and uploaded["size"] == len(png)
    client.request(
        "POST",
        "/2/media/metadata",
        json={"id": uploaded["id"], "metadata": {"alt_text": {"text": "A chart"}}},
        user_auth=True,
    )
    client.create_tweet(text="with media", media_ids=[uploaded["id"]], user_auth=True)
    assert emu.media[uploaded["id"]]["data"] == png
    assert emu.media[uploaded["id"]]["alt_text"] == "A chart"
    assert emu.tweets[0]["media_ids"] == [uploaded["id"]]


def test_v2_chunked_upload(emu: XEmulator) -> None:
    data = bytes(range(256)) * 10
    client = make_client(emu)
    started = client.request(
        "POST",
        "/2/media/upload/initialize",
        json={"media_type": "image/png", "total_bytes": len(data), "media_category": "tweet_image"},
        user_auth=True,
    ).json()["data"]
    media_id = started["id"]
    with pytest.raises(tweepy.BadRequest):  # not finished: it cannot be attached yet
        client.create_tweet(text="too soon", media_ids=[media_id], user_auth=True)
    for index, chunk in enumerate((data[:1000], data[1000:])):
        client.request(
            "POST",
            f"/2/media/upload/{media_id}/append",
            json={"media": base64.b64encode(chunk).decode(), "segment_index": index},
            user_auth=True,
        )
    client.request("POST", f"/2/media/upload/{media_id}/finalize", user_auth=True)
    assert emu.media[media_id]["data"] == data
    client.create_tweet(text="now", media_ids=[media_id], user_auth=True)


def test_the_v1_upload_is_retired_with_453_and_v1_auth_errors_keep_their_shape(
    emu: XEmulator,
) -> None:
    api = make_api(emu)
    with pytest.raises(tweepy.Forbidden) as retired:
        api.simple_upload("chart.png", file=io.BytesIO(tiny_png(3, 2)))
    assert retired.value.api_codes == [453]
    with pytest.raises(tweepy.Forbidden):
        api.create_media_metadata("999", "nothing there")
    api.auth = tweepy.OAuth1UserHandler("wrong", "s", "x-access-token", "s")
    with pytest.raises(tweepy.Unauthorized) as denied:
        api.create_media_metadata("999", "x")
    assert denied.value.api_codes == [32]


@pytest.mark.parametrize(
    ("account", "fixture", "error"),
    [
        ("no_credits", "credits_depleted_402", tweepy.HTTPException),
        ("read_only", "oauth1_permissions_403", tweepy.Forbidden),
    ],
)
def test_an_account_that_cannot_post_answers_as_x_does_and_still_reads(
    emu: XEmulator, account: str, fixture: str, error: type[tweepy.HTTPException]
) -> None:
    client = make_client(emu)
    kept = client.create_tweet(text="Posted before", user_auth=True).data["id"]
    emu.account = account
    answer = real("x", fixture)
    with pytest.raises(error) as refused:
        client.create_tweet(text="Hello world", user_auth=True)
    response = refused.value.response
    assert (response.status_code, response.json()) == (answer["status"], answer["body"])
    assert [t["id"] for t in emu.tweets] == [kept]  # nothing posted
    # Reading still works: the account looks healthy to anyone who only reads.
    assert client.get_me(user_auth=True).data.id == 1000
    assert [t.id for t in client.get_users_tweets(1000, user_auth=True).data] == [int(kept)]
    if account == "read_only":  # a delete is a write too
        with pytest.raises(tweepy.Forbidden):
            client.delete_tweet(kept, user_auth=True)
    emu.account = "ok"  # fixed on X (credits bought, tokens made again)
    assert client.create_tweet(text="Hello world", user_auth=True).data["text"] == "Hello world"


def test_the_duplicate_answer_is_the_recorded_one(emu: XEmulator) -> None:
    client = make_client(emu)
    client.create_tweet(text="Hello world", user_auth=True)
    answer = real("x", "duplicate_403")
    with pytest.raises(tweepy.Forbidden) as refused:
        client.create_tweet(text="Hello world", user_auth=True)
    response = refused.value.response
    assert (response.status_code, response.json()) == (answer["status"], answer["body"])
