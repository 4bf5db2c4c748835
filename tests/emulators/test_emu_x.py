"""X emulator through tweepy's own request code (Client v2 and API v1.1 media upload)."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import requests
import tweepy

from bot.emulators.png import tiny_png
from bot.emulators.x import XEmulator
from bot.publishers.http import RedirectingSession


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
    assert page.data[0].data["created_at"].endswith("Z")


@pytest.mark.filterwarnings("ignore:'imghdr' is deprecated")
def test_v1_media_upload_with_alt_text_then_tweet(emu: XEmulator) -> None:
    png = tiny_png(3, 2)
    api = make_api(emu)
    media = api.media_upload("chart.png", file=io.BytesIO(png))
    assert media.image == {"image_type": "image/png", "w": 3, "h": 2}
    assert api.create_media_metadata(media.media_id_string, "A chart") is None
    make_client(emu).create_tweet(text="with media", media_ids=[media.media_id], user_auth=True)

    assert emu.media[media.media_id_string]["data"] == png
    assert emu.media[media.media_id_string]["alt_text"] == "A chart"
    assert emu.tweets[0]["media_ids"] == [media.media_id_string]
    assert emu.calls_to("upload.json")[0].files == {"media": png}
    # A second call proves the session survives tweepy's session.close() after each request.
    assert api.media_upload("again.png", file=io.BytesIO(png)).media_id != media.media_id


def test_v1_errors_use_the_v1_shape(emu: XEmulator) -> None:
    api = make_api(emu)
    with pytest.raises(tweepy.BadRequest) as bad:
        api.create_media_metadata("999", "nothing there")
    assert bad.value.api_codes == [324]
    api.auth = tweepy.OAuth1UserHandler("wrong", "s", "x-access-token", "s")
    with pytest.raises(tweepy.Unauthorized) as denied:
        api.create_media_metadata("999", "x")
    assert denied.value.api_codes == [32]
