"""XPublisher through tweepy's own request code against the X emulator on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from bot.emulators.png import tiny_png
from bot.emulators.x import USER, XEmulator
from bot.publishers.base import Draft, DraftImage, FailureKind, PublishError
from bot.publishers.x import XPublisher, comparable

pytestmark = pytest.mark.filterwarnings("ignore:'imghdr' is deprecated")

SECRETS = {
    "consumer_key": "x-consumer-key",
    "consumer_secret": "x-consumer-secret",
    "access_token": "x-access-token",
    "access_token_secret": "x-access-token-secret",
}
TWEETS = r"^/2/tweets$"


@pytest.fixture
def emu() -> Iterator[XEmulator]:
    # One per test: a request released from a hold finishes in the background, and must not
    # meet the next test's injections.
    with XEmulator() as emulator:
        yield emulator


def publisher(emu: XEmulator, *, timeout: float = 2.0, **overrides: Any) -> XPublisher:
    settings: dict[str, Any] = {**SECRETS, "api_url": emu.url, "upload_url": emu.url}
    return XPublisher(**{**settings, **overrides}, timeout=timeout)


def draft(text: str = "Our winter appeal starts today.", *images: DraftImage) -> Draft:
    return Draft(key="post1-x-d1", post_id=1, text=text, images=images)


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

    uploads = emu.calls_to(r"^/1\.1/media/upload\.json$", method="POST")
    assert [u.files for u in uploads] == [{"media": first.data}, {"media": second.data}]
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
        (500, {"title": "Internal Server Error"}, "transient", "500"),
        (503, {"title": "Service Unavailable"}, "transient", "503"),
        (502, "<html>Bad Gateway</html>", "transient", "502"),
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
    emu.inject("metadata", status=401, body={"errors": [{"code": 32, "message": "No."}]})
    error = failure(lambda: publisher(emu).publish(draft("Pic.", image(2, "alt"))))
    assert error.kind is FailureKind.CREDENTIALS
    assert emu.tweets == []


def test_uploads_go_to_the_upload_host(emu: XEmulator) -> None:
    with XEmulator() as upload_host:
        x = publisher(emu, upload_url=upload_host.url)
        # Two emulators share no media, so the tweet is refused: the routing is the point.
        failure(lambda: x.publish(draft("Pic.", image(2, "alt"))))
        assert [c.path for c in upload_host.calls] == [
            "/1.1/media/upload.json",
            "/1.1/media/metadata/create.json",
        ]
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
    text = "Read the report & share it: https://example.org/report?year=2026\nThank you!"
    published = publisher(emu).publish(draft(text, image(2)))
    [tweet] = emu.tweets
    assert "https://t.co/" in tweet["text"] and "&amp;" in tweet["text"]  # as X would show it

    x = publisher(emu)
    x.verify()
    found = x.find(draft(text))
    assert found == published
    [lookup] = emu.calls_to(r"^/2/users/\d+/tweets$")
    assert lookup.path == f"/2/users/{USER['id']}/tweets"
    assert lookup.query["max_results"] == "20" and lookup.query["tweet.fields"] == "created_at"
    assert len(emu.calls_to(r"^/2/users/me$")) == 1  # the id verify() found is reused


def test_find_tolerates_whitespace_and_asks_who_it_is(emu: XEmulator) -> None:
    tweet = emu.create_tweet_directly("  Hello,\n\nworld  ")  # spaced otherwise
    found = publisher(emu).find(draft("Hello, world"))
    assert found is not None and found.remote_id == tweet["id"]
    assert publisher(emu).find(draft("Hello, other world")) is None


def test_find_when_absent_or_unavailable(emu: XEmulator) -> None:
    assert publisher(emu).find(draft()) is None  # an empty timeline
    emu.inject(r"/tweets$", method="GET", status=503, body={"title": "Service Unavailable"})
    assert failure(lambda: publisher(emu).find(draft())).kind is FailureKind.TRANSIENT
    emu.inject(r"^/2/users/me$", status=401, body={"title": "Unauthorized"})
    assert failure(lambda: publisher(emu).find(draft())).kind is FailureKind.CREDENTIALS


def test_comparable_drops_what_x_rewrites() -> None:
    assert comparable("Visit example.org today!") == comparable("Visit https://t.co/abc today!")
    assert comparable("a\u0301  b\n") == comparable("\u00e1 b")
    assert comparable("One thing") != comparable("Another thing")
