"""XPublisher through tweepy's own request code against the X emulator on 127.0.0.1."""

from __future__ import annotations

import base64
import io
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import tweepy

from bot.emulators.png import tiny_png
from bot.emulators.x import USER, XEmulator
from bot.publishers.base import Draft, DraftImage, FailureKind, PublishError
from bot.publishers.http import RedirectingSession
from bot.publishers.x import ONE_SHOT_MAX, XPublisher, as_sent, same_post
from tests.bot.publishers.real import real

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated")

SECRETS = {
    "consumer_key": "x-consumer-key",
    "consumer_secret": "x-consumer-secret",
    "access_token": "x-access-token",
    "access_token_secret": "x-access-token-secret",
}
TWEETS = r"^/2/tweets$"
UPLOAD = r"^/2/media/upload$"
CLAIMED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


@pytest.fixture
def emu() -> Iterator[XEmulator]:
    # One per test: a request released from a hold finishes in the background, and must not
    # meet the next test's injections.
    with XEmulator() as emulator:
        yield emulator


def publisher(emu: XEmulator, *, timeout: float = 2.0, **overrides: Any) -> XPublisher:
    settings: dict[str, Any] = {**SECRETS, "api_url": emu.url, "upload_url": emu.url}
    return XPublisher(**{**settings, **overrides}, timeout=timeout)


def draft(
    text: str = "Our winter appeal starts today.",
    *images: DraftImage,
    claimed_at: datetime | None = CLAIMED,
) -> Draft:
    return Draft(key="post1-x-d1", post_id=1, text=text, images=images, claimed_at=claimed_at)


def at(moment: datetime) -> float:
    return moment.timestamp()


def image(n: int, alt: str = "") -> DraftImage:
    return DraftImage(
        name=f"photo{n}.png", data=tiny_png(n, n), mime_type="image/png", alt_text=alt
    )


def failure(call: Any) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    reason = caught.value.reason
    assert not any(secret in reason for secret in SECRETS.values()), reason
    return caught.value


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def hanging_up_server() -> Iterator[tuple[str, list[bytes]]]:
    """Reads each request's head, then closes the connection without a word: a connection
    dropped after the request was sent."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.05)  # so the loop sees ``done`` promptly
    received: list[bytes] = []
    done = threading.Event()

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                received.append(data)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", received
    finally:
        done.set()
        thread.join(timeout=2)
        listener.close()


# -- publish ---------------------------------------------------------------------------------


def test_publish_text(emu: XEmulator) -> None:
    published = publisher(emu).publish(draft())
    [tweet] = emu.tweets
    assert published.remote_id == tweet["id"]
    assert published.url == f"https://x.com/i/web/status/{tweet['id']}"
    assert tweet["text"] == "Our winter appeal starts today." and tweet["media_ids"] == []
    [call] = emu.calls_to(TWEETS, method="POST")
    assert call.json == {"text": "Our winter appeal starts today."}  # no empty media field


def test_publish_two_images_with_alt_text(emu: XEmulator) -> None:
    first, second = image(2, "A purple square"), image(3, "A bigger purple square")
    published = publisher(emu).publish(draft("Two pictures.", first, second))

    # X API v2, one JSON request each, the picture in base64, signed OAuth 1.0a user context.
    uploads = emu.calls_to(UPLOAD, method="POST")
    assert [base64.b64decode(u.json["media"]) for u in uploads] == [first.data, second.data]
    assert {(u.json["media_category"], u.json["media_type"]) for u in uploads} == {
        ("tweet_image", "image/png")
    }
    assert all(u.headers["authorization"].startswith("OAuth ") for u in uploads)
    metadata = emu.calls_to(r"^/2/media/metadata$", method="POST")
    assert [m.json["metadata"] for m in metadata] == [
        {"alt_text": {"text": first.alt_text}},
        {"alt_text": {"text": second.alt_text}},
    ]
    assert emu.calls_to(r"^/1\.1/") == []
    [tweet] = emu.tweets
    assert tweet["id"] == published.remote_id
    media = emu.media
    assert [media[i]["data"] for i in tweet["media_ids"]] == [first.data, second.data]
    assert [media[i]["alt_text"] for i in tweet["media_ids"]] == [first.alt_text, second.alt_text]
    [call] = emu.calls_to(TWEETS, method="POST")
    assert call.json["media"] == {"media_ids": tweet["media_ids"]}


def test_image_without_alt_text_skips_the_metadata_call(emu: XEmulator) -> None:
    publisher(emu).publish(draft("One picture.", image(2)))
    assert emu.calls_to("metadata") == []
    [tweet] = emu.tweets
    assert emu.media[tweet["media_ids"][0]]["alt_text"] is None


def test_more_than_four_images_is_rejected_before_any_call(emu: XEmulator) -> None:
    error = failure(lambda: publisher(emu).publish(draft("Five.", *[image(n) for n in range(5)])))
    assert error.kind is FailureKind.REJECTED and "at most 4" in error.reason
    assert emu.calls == []


@pytest.mark.parametrize(
    ("status", "body", "kind", "said"),
    [
        (401, {"title": "Unauthorized", "detail": "Unauthorized"}, "credentials", "Unauthorized"),
        (403, {"title": "Forbidden", "detail": "You are not permitted."}, "rejected", "permitted"),
        (400, {"errors": [{"message": "Your media IDs are invalid."}]}, "rejected", "media IDs"),
        (404, {"title": "Not Found Error", "detail": "Not here."}, "rejected", "Not here."),
        # An error from X's side does not prove the post absent (see the replays below).
        (500, {"title": "Internal Server Error"}, "unknown", "500"),
        (503, {"title": "Service Unavailable"}, "unknown", "503"),
        (502, "<html>Bad Gateway</html>", "unknown", "502"),
    ],
)
def test_http_failures_are_classified(
    emu: XEmulator, status: int, body: Any, kind: str, said: str
) -> None:
    emu.inject(TWEETS, method="POST", status=status, body=body)
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind == kind
    assert error.reason.startswith("X said: ") and said in error.reason
    assert error.retry_at is None
    assert emu.tweets == []


def test_duplicate_is_recognised(emu: XEmulator) -> None:
    x = publisher(emu)
    x.publish(draft())
    error = failure(lambda: x.publish(draft()))
    assert error.kind is FailureKind.DUPLICATE and "duplicate content" in error.reason


def test_rejected_credentials(emu: XEmulator) -> None:
    error = failure(lambda: publisher(emu, consumer_key="revoked-key").publish(draft()))
    assert error.kind is FailureKind.CREDENTIALS


def test_rate_limit_carries_the_reset_and_never_sleeps(emu: XEmulator) -> None:
    emu.inject(
        TWEETS,
        method="POST",
        status=429,
        body={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": "4102444800"},
    )
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is FailureKind.RATE_LIMITED and error.retry_at == 4102444800
    assert len(emu.calls_to(TWEETS)) == 1  # tweepy neither slept nor retried


def test_daily_cap_outlasts_the_window(emu: XEmulator) -> None:
    emu.inject(
        TWEETS,
        method="POST",
        status=429,
        body={"title": "Too Many Requests"},
        headers={
            "x-rate-limit-remaining": "299",
            "x-rate-limit-reset": "4102444800",
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": "4102480800",
            "x-app-limit-24hour-remaining": "40",
            "x-app-limit-24hour-reset": "4102490000",
        },
    )
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is FailureKind.RATE_LIMITED and error.retry_at == 4102480800


def test_rate_limit_without_a_reset(emu: XEmulator) -> None:
    emu.inject(TWEETS, method="POST", status=429, body={"title": "Too Many Requests"})
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is FailureKind.RATE_LIMITED and error.retry_at is None


def test_connection_refused_is_transient(emu: XEmulator) -> None:
    error = failure(lambda: publisher(emu, api_url=closed_port_url()).publish(draft()))
    assert error.kind is FailureKind.TRANSIENT and "unreachable" in error.reason


def test_read_timeout_is_unknown(emu: XEmulator) -> None:
    held = emu.hold(TWEETS)
    try:
        error = failure(lambda: publisher(emu, timeout=0.3).publish(draft()))
    finally:
        held.set()
    assert error.kind is FailureKind.UNKNOWN and "ReadTimeout" in error.reason
    assert len(emu.calls_to(TWEETS)) == 1  # it did arrive


def test_connection_dropped_after_sending_is_unknown(emu: XEmulator) -> None:
    with hanging_up_server() as (url, received):
        error = failure(lambda: publisher(emu, api_url=url).publish(draft()))
    assert error.kind is FailureKind.UNKNOWN
    assert received and received[0].startswith(b"POST /2/tweets ")


def test_a_success_with_an_unreadable_body_is_unknown(emu: XEmulator) -> None:
    emu.inject(TWEETS, method="POST", status=201, body="<html>created?</html>")
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is FailureKind.UNKNOWN


def test_a_server_error_from_x_after_the_post_is_unknown_and_the_post_is_there(
    emu: XEmulator,
) -> None:
    answer = real("x", "service_unavailable_503")
    emu.inject(TWEETS, method="POST", status=answer["status"], body=answer["body"], acted=True)
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is FailureKind.UNKNOWN and "503" in error.reason
    assert [t["text"] for t in emu.tweets] == ["Our winter appeal starts today."]


def test_upload_failures_never_leave_the_outcome_unknown(emu: XEmulator) -> None:
    held = emu.hold("upload")
    try:
        error = failure(lambda: publisher(emu, timeout=0.3).publish(draft("Pic.", image(2))))
    finally:
        held.set()
    # Nothing is posted until the tweet itself is created: a lost upload is just a failure.
    assert error.kind is FailureKind.TRANSIENT and "uploading image 1 of 1" in error.reason
    assert emu.calls_to(TWEETS) == []

    refused = publisher(emu, upload_url=closed_port_url())
    assert failure(lambda: refused.publish(draft("Pic.", image(2)))).kind is FailureKind.TRANSIENT


def test_upload_errors_use_xs_words(emu: XEmulator) -> None:
    emu.inject("upload", status=400, body={"errors": [{"code": 324, "message": "Bad image."}]})
    error = failure(lambda: publisher(emu).publish(draft("Pic.", image(2))))
    assert error.kind is FailureKind.REJECTED
    assert error.reason == "X said: Bad image. (while uploading image 1 of 1)"
    emu.inject("metadata", status=401, body={"title": "Unauthorized", "detail": "No."})
    error = failure(lambda: publisher(emu).publish(draft("Pic.", image(2, "alt"))))
    assert error.kind is FailureKind.CREDENTIALS
    assert emu.tweets == []


def test_uploads_go_to_the_upload_host(emu: XEmulator) -> None:
    with XEmulator() as upload_host:
        x = publisher(emu, upload_url=upload_host.url)
        # Two emulators share no media, so the tweet is refused: the routing is the point.
        failure(lambda: x.publish(draft("Pic.", image(2, "alt"))))
        assert [c.path for c in upload_host.calls] == ["/2/media/upload", "/2/media/metadata"]
    assert [c.path for c in emu.calls] == ["/2/tweets"]


# -- delete, verify, find --------------------------------------------------------------------


def test_delete_and_already_gone(emu: XEmulator) -> None:
    x = publisher(emu)
    published = x.publish(draft())
    x.delete(published.remote_id)
    assert emu.tweets == []
    x.delete(published.remote_id)  # a 404 now: already gone counts as done


def test_delete_failures(emu: XEmulator) -> None:
    x = publisher(emu)
    remote_id = x.publish(draft()).remote_id
    emu.inject(r"^/2/tweets/\d+$", method="DELETE", status=401, body={"title": "Unauthorized"})
    assert failure(lambda: x.delete(remote_id)).kind is FailureKind.CREDENTIALS
    held = emu.hold(r"^/2/tweets/\d+$")
    try:
        # Deleting twice is harmless, so a lost answer is merely transient.
        assert failure(lambda: publisher(emu, timeout=0.3).delete(remote_id)).kind == "transient"
    finally:
        held.set()


def test_verify(emu: XEmulator) -> None:
    publisher(emu).verify()
    assert emu.calls_to(r"^/2/users/me$")
    error = failure(lambda: publisher(emu, access_token="revoked-token").verify())
    assert error.kind is FailureKind.CREDENTIALS


def test_find_despite_tco_rewriting_and_escaping(emu: XEmulator) -> None:
    emu.rewrite_text = True
    emu.clock = lambda: at(CLAIMED + timedelta(seconds=3))
    text = "Read the report & share it: https://example.org/report?year=2026\nThank you!"
    published = publisher(emu).publish(draft(text, image(2)))
    [tweet] = emu.tweets
    assert "https://t.co/" in tweet["text"] and "&amp;" in tweet["text"]  # as X would show it

    x = publisher(emu)
    x.verify()
    found = x.find(draft(text, image(2)))
    assert found == published
    [lookup] = emu.calls_to(r"^/2/users/\d+/tweets$")
    assert lookup.path == f"/2/users/{USER['id']}/tweets"
    assert lookup.query["max_results"] == "20"
    assert lookup.query["tweet.fields"] == "created_at,attachments,entities"
    # Only what was made since the claim (less two minutes for clocks that differ) is read.
    assert lookup.query["start_time"] == "2026-11-23T09:28:00Z"
    assert len(emu.calls_to(r"^/2/users/me$")) == 1  # the id verify() found is reused


def test_find_compares_the_exact_words_links_included(emu: XEmulator) -> None:
    emu.rewrite_text = True
    emu.clock = lambda: at(CLAIMED + timedelta(seconds=3))
    x = publisher(emu)
    published = x.publish(draft("Volunteers: https://example.org/a"))
    assert x.find(draft("Volunteers: https://example.org/b")) is None  # another link
    assert x.find(draft("Volunteers:  https://example.org/a")) is None  # other spacing
    assert x.find(draft("Volunteers: https://example.org/a", image(2))) is None  # a picture
    assert x.find(draft("Volunteers: https://example.org/a")) == published
    assert x.find(draft("Volunteers: https://example.org/a", claimed_at=None)) is None


def test_find_never_claims_an_older_post(emu: XEmulator) -> None:
    """A picture-only post and a repeated text: the older one is not this delivery's."""
    x = publisher(emu)
    emu.clock = lambda: at(CLAIMED - timedelta(days=3))
    x.publish(draft("", image(2)))
    emu.reject_duplicates = False
    x.publish(draft("Thank you!"))
    emu.clock = lambda: at(CLAIMED + timedelta(seconds=5))
    assert x.find(draft("", image(3))) is None
    assert x.find(draft("Thank you!")) is None
    assert len(emu.calls_to(r"/tweets$", method="GET")) == 2
    fresh = x.publish(draft("", image(4)))
    assert x.find(draft("", image(3))) == fresh


def test_find_leaves_two_candidates_to_a_person(emu: XEmulator) -> None:
    emu.reject_duplicates = False
    emu.clock = lambda: at(CLAIMED + timedelta(seconds=5))
    x = publisher(emu)
    x.publish(draft("Thank you!"))
    x.publish(draft("Thank you!"))
    assert x.find(draft("Thank you!")) is None


def test_find_when_absent_or_unavailable(emu: XEmulator) -> None:
    assert publisher(emu).find(draft()) is None  # an empty timeline
    emu.inject(r"/tweets$", method="GET", status=503, body={"title": "Service Unavailable"})
    assert failure(lambda: publisher(emu).find(draft())).kind is FailureKind.TRANSIENT
    emu.inject(r"^/2/users/me$", status=401, body={"title": "Unauthorized"})
    assert failure(lambda: publisher(emu).find(draft())).kind is FailureKind.CREDENTIALS


def test_a_real_timeline_answer_is_read_back_to_the_words_sent() -> None:
    """X's answer undone: t.co links expanded, the picture link dropped, &amp; unescaped."""
    newest, older = real("x", "users_tweets_with_fields")["body"]["data"]
    sent = "whoa, it works & now everyone can mix GIFs, videos, and images: https://blog.x.com/mixed-media"
    pictures = (image(2), image(3))
    assert as_sent(newest, sent) == sent and as_sent(older, sent) == sent
    assert same_post(newest, draft(sent, *pictures))
    assert not same_post(newest, draft(sent))  # two pictures there, none here
    assert same_post(older, draft(sent)) and not same_post(older, draft(sent, *pictures))
    assert not same_post(older, draft(sent.replace("mixed-media", "other")))


def test_a_bare_domain_comes_back_with_the_scheme_x_added() -> None:
    tweet = {
        "text": "See https://t.co/abc today",
        "entities": {
            "urls": [
                {
                    "url": "https://t.co/abc",
                    "expanded_url": "http://example.org",
                    "display_url": "example.org",
                }
            ]
        },
    }
    assert as_sent(tweet, "See example.org today") == "See example.org today"
    assert as_sent(tweet, "See http://example.org today") == "See http://example.org today"


def test_find_accepts_only_the_composed_and_decomposed_forms_of_the_same_words(
    emu: XEmulator,
) -> None:
    emu.clock = lambda: at(CLAIMED + timedelta(seconds=5))
    tweet = emu.create_tweet_directly("Cafe\u0301 opens")
    found = publisher(emu).find(draft("Caf\u00e9 opens"))
    assert found is not None and found.remote_id == tweet["id"]


# -- X API v2 media upload, and what X says about accounts -----------------------------------


def test_the_retired_v1_upload_answers_453(emu: XEmulator) -> None:
    """What tweepy 4.17's own media upload meets now: why the publisher does not use it."""
    auth = tweepy.OAuth1UserHandler("x-consumer-key", "s", "x-access-token", "s")
    api = tweepy.API(auth, retry_count=0)
    api.session = RedirectingSession({"https://upload.twitter.com": emu.url})
    expected = real("x", "v1_media_upload_453")
    with pytest.raises(tweepy.Forbidden) as caught:
        api.simple_upload("photo.png", file=io.BytesIO(tiny_png(2, 2)))
    assert caught.value.api_codes == [453]
    assert caught.value.api_messages == [expected["body"]["errors"][0]["message"]]


def test_a_453_answer_pauses_rather_than_fails(emu: XEmulator) -> None:
    answer = real("x", "v1_media_upload_453")
    emu.inject(UPLOAD, status=answer["status"], body=answer["body"])
    error = failure(lambda: publisher(emu).publish(draft("Pic.", image(2))))
    assert error.kind is FailureKind.ACCOUNT and "access to a subset" in error.reason
    assert emu.tweets == []


def test_the_real_upload_answers_attach_their_media_id(emu: XEmulator) -> None:
    uploaded, described = real("x", "v2_media_upload"), real("x", "v2_media_metadata")
    media_id = uploaded["body"]["data"]["id"]
    emu.add_media(media_id)
    emu.inject(UPLOAD, status=uploaded["status"], body=uploaded["body"])
    emu.inject(r"/metadata$", status=described["status"], body=described["body"])
    published = publisher(emu).publish(draft("Pic.", image(2, "A dancing cat")))
    [tweet] = emu.tweets
    assert tweet["id"] == published.remote_id and tweet["media_ids"] == [media_id]
    [metadata] = emu.calls_to(r"/metadata$")
    assert metadata.json == {"id": media_id, "metadata": {"alt_text": {"text": "A dancing cat"}}}


def test_a_big_picture_goes_in_chunks(emu: XEmulator) -> None:
    big = DraftImage(
        name="big.png",
        data=tiny_png(2, 2) + bytes(range(256)) * (ONE_SHOT_MAX // 256 + 10),
        mime_type="image/png",
        alt_text="A big one",
    )
    publisher(emu).publish(draft("Big.", big))
    [init] = emu.calls_to(r"/initialize$")
    assert init.json == {
        "media_category": "tweet_image",
        "media_type": "image/png",
        "total_bytes": len(big.data),
    }
    appends = emu.calls_to(r"/append$")
    assert [a.json["segment_index"] for a in appends] == [0, 1]
    assert len(emu.calls_to(r"/finalize$")) == 1 and emu.calls_to(UPLOAD) == []
    [tweet] = emu.tweets
    media = emu.media[tweet["media_ids"][0]]
    assert media["data"] == big.data and media["alt_text"] == "A big one"


@pytest.mark.parametrize(
    ("name", "kind", "said"),
    [
        ("credits_depleted_402", FailureKind.ACCOUNT, "does not have any credits"),
        ("oauth1_permissions_403", FailureKind.ACCOUNT, "oauth1 app permissions"),
        ("duplicate_403", FailureKind.DUPLICATE, "duplicate content"),
    ],
)
def test_real_refusals_are_classified(
    emu: XEmulator, name: str, kind: FailureKind, said: str
) -> None:
    answer = real("x", name)
    emu.inject(TWEETS, method="POST", status=answer["status"], body=answer["body"])
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is kind and said in error.reason
    assert emu.tweets == []
