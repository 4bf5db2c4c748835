"""FacebookPublisher through facebook-sdk's own request code against the Graph emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import facebook
import pytest

from bot.emulators.graph import GraphEmulator
from bot.emulators.png import tiny_png
from bot.publishers.base import Draft, DraftImage, FailureKind, PublishError
from bot.publishers.facebook import FacebookPublisher
from bot.publishers.http import RedirectingSession
from tests.bot.publishers.real import real
from tests.bot.publishers.test_x import closed_port_url, hanging_up_server

PAGE, TOKEN = "1234567890", "page-token-secret"
FEED = r"/feed$"
POSTS = r"/posts$"  # the Page's own posts: where settling looks
TEXT = "Our winter appeal starts today: https://example.org/appeal"
CLAIMED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def emu() -> Iterator[GraphEmulator]:
    # One per test: a request released from a hold finishes in the background, and must not
    # meet the next test's injections.
    with GraphEmulator(page_id=PAGE, page_token=TOKEN) as emulator:
        yield emulator


def publisher(emu: GraphEmulator, *, timeout: float = 2.0, **overrides: Any) -> FacebookPublisher:
    settings: dict[str, Any] = {"page_id": PAGE, "page_token": TOKEN, "graph_url": emu.url}
    return FacebookPublisher(**{**settings, **overrides}, timeout=timeout)


def draft(text: str = TEXT, *images: DraftImage, claimed_at: datetime | None = CLAIMED) -> Draft:
    return Draft(
        key="post1-facebook-d2", post_id=1, text=text, images=images, claimed_at=claimed_at
    )


def page_clock(emu: GraphEmulator, moment: datetime) -> None:
    emu.clock = lambda: moment.timestamp()


def image(n: int, alt: str = "") -> DraftImage:
    return DraftImage(
        name=f"photo{n}.png", data=tiny_png(n, n), mime_type="image/png", alt_text=alt
    )


def failure(call: Any) -> PublishError:
    with pytest.raises(PublishError) as caught:
        call()
    assert TOKEN not in caught.value.reason, caught.value.reason
    return caught.value


def graph_error(code: int, message: str = "Something", **extra: Any) -> dict[str, Any]:
    return {"error": {"message": message, "type": "OAuthException", "code": code, **extra}}


# -- publish ---------------------------------------------------------------------------------


def test_publish_text_keeps_the_link_in_the_message(emu: GraphEmulator) -> None:
    published = publisher(emu).publish(draft())
    [post] = emu.posts
    assert published.remote_id == post["id"] and post["id"].startswith(PAGE + "_")
    assert published.url == f"https://www.facebook.com/{post['id']}"
    assert (post["message"], post["link"], post["photo_ids"]) == (TEXT, None, [])
    [call] = emu.calls
    assert call.path == f"/v24.0/{PAGE}/feed" and "link" not in call.form


def test_one_image_is_a_published_photo_with_the_caption(emu: GraphEmulator) -> None:
    picture = image(3, "A purple square")
    published = publisher(emu).publish(draft(TEXT, picture))
    [photo] = emu.photos
    [post] = emu.posts
    assert published.remote_id == post["id"]  # the post, not the photo
    assert post["photo_ids"] == [photo["id"]] and post["message"] == TEXT
    assert photo["data"] == picture.data and photo["published"] is True
    assert photo["alt_text_custom"] == "A purple square"
    [call] = emu.calls
    assert call.path == f"/v24.0/{PAGE}/photos" and call.files == {"source": picture.data}


def test_three_images_are_attached_to_one_feed_post(emu: GraphEmulator) -> None:
    pictures = [image(2, "first"), image(3), image(4, "third")]
    published = publisher(emu).publish(draft(TEXT, *pictures))
    photos = emu.photos
    assert [p["data"] for p in photos] == [p.data for p in pictures]
    assert [p["published"] for p in photos] == [False, False, False]
    assert [p["alt_text_custom"] for p in photos] == ["first", None, "third"]
    uploads = emu.calls_to(r"/photos$")
    assert [u.form["published"] for u in uploads] == ["false"] * 3
    [post] = emu.posts
    assert published.remote_id == post["id"]
    assert post["photo_ids"] == [p["id"] for p in photos] and post["message"] == TEXT
    [feed_call] = emu.calls_to(FEED)
    attached = {k: json.loads(v) for k, v in feed_call.form.items() if k.startswith("attached")}
    assert attached == {
        f"attached_media[{i}]": {"media_fbid": p["id"]} for i, p in enumerate(photos)
    }


def test_a_list_of_dicts_would_be_mangled_by_the_sdk(emu: GraphEmulator) -> None:
    """Why the publisher sends indexed fields: form encoding turns each dict into its keys."""
    session = RedirectingSession({"https://graph.facebook.com": emu.url})
    graph = facebook.GraphAPI(access_token=TOKEN, version="3.1", session=session)
    with pytest.raises(facebook.GraphAPIError, match="must be an array"):
        graph.put_object(PAGE, "feed", message="x", attached_media=[{"media_fbid": "1"}])
    assert emu.calls[-1].form["attached_media"] == "media_fbid"


def test_a_failed_feed_post_leaves_only_invisible_photos(emu: GraphEmulator) -> None:
    emu.inject(FEED, method="POST", status=400, body=graph_error(100, "Invalid parameter"))
    error = failure(lambda: publisher(emu).publish(draft(TEXT, image(2), image(3))))
    assert error.kind is FailureKind.REJECTED
    assert emu.posts == [] and [p["published"] for p in emu.photos] == [False, False]


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (400, graph_error(4, "Application request limit reached"), "rate_limited"),
        (400, graph_error(17, "User request limit reached"), "rate_limited"),
        (400, graph_error(32, "Page request limit reached"), "rate_limited"),
        (400, graph_error(613, "Calls to this api have exceeded the limit."), "rate_limited"),
        (400, graph_error(80001, "Too many calls to this Page account."), "rate_limited"),
        (400, graph_error(190, "Error validating access token", error_subcode=463), "credentials"),
        (400, graph_error(102, "Session key invalid"), "credentials"),
        (400, graph_error(506, "Duplicate status message"), "duplicate"),
        # Graph's own errors do not prove the post absent: they have come with it made.
        (500, graph_error(1, "An unknown error occurred"), "unknown"),
        (503, graph_error(2, "Service temporarily unavailable"), "unknown"),
        (500, graph_error(100, "Something broke"), "unknown"),
        (403, graph_error(10, "Application does not have permission"), "account"),
        (403, graph_error(200, "Requires pages_manage_posts"), "account"),
        (400, graph_error(100, "Invalid parameter"), "rejected"),
        (403, graph_error(368, "The action attempted has been deemed abusive"), "rejected"),
    ],
)
def test_graph_errors_are_classified(
    emu: GraphEmulator, status: int, body: dict[str, Any], kind: str
) -> None:
    emu.inject(FEED, method="POST", status=status, body=body)
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind == kind and error.retry_at is None
    message, code = body["error"]["message"], body["error"]["code"]
    assert error.reason.startswith(f"Facebook said: {message} (code {code}")
    assert emu.posts == []


def test_a_rejected_token_names_the_code_and_never_the_token(emu: GraphEmulator) -> None:
    emu.page_token = "rotated"
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is FailureKind.CREDENTIALS and "(code 190)" in error.reason


@pytest.mark.parametrize(
    ("status", "body", "headers"),
    [
        (502, "<html>Bad Gateway</html>", {}),  # text/html: "Maintype was not text..."
        (502, None, {}),  # no content-type at all: KeyError inside facebook-sdk
        (500, "oops", {"Content-Type": "application/json"}),  # JSON content-type over garbage
    ],
)
def test_unreadable_answers_are_unknown_when_posting_and_transient_otherwise(
    emu: GraphEmulator, status: int, body: Any, headers: dict[str, str]
) -> None:
    emu.inject(FEED, method="POST", status=status, body=body, headers=headers)
    error = failure(lambda: publisher(emu).publish(draft()))
    # A gateway's error page may come after Facebook made the post.
    assert error.kind is FailureKind.UNKNOWN and f"answered {status}" in error.reason
    emu.inject(r"/photos$", method="POST", status=status, body=body, headers=headers)
    error = failure(lambda: publisher(emu).publish(draft(TEXT, image(2), image(3))))
    assert error.kind is FailureKind.TRANSIENT and f"HTTP {status}" in error.reason


def test_a_success_with_an_unreadable_body_is_unknown(emu: GraphEmulator) -> None:
    emu.inject(FEED, method="POST", status=200, body="<html>ok</html>")
    assert failure(lambda: publisher(emu).publish(draft())).kind is FailureKind.UNKNOWN


def test_connection_refused_is_transient(emu: GraphEmulator) -> None:
    error = failure(lambda: publisher(emu, graph_url=closed_port_url()).publish(draft()))
    assert error.kind is FailureKind.TRANSIENT and "unreachable" in error.reason


def test_read_timeout_is_unknown(emu: GraphEmulator) -> None:
    held = emu.hold(FEED)
    try:
        error = failure(lambda: publisher(emu, timeout=0.3).publish(draft()))
    finally:
        held.set()
    assert error.kind is FailureKind.UNKNOWN and "ReadTimeout" in error.reason


def test_connection_dropped_after_sending_is_unknown(emu: GraphEmulator) -> None:
    with hanging_up_server() as (url, received):
        error = failure(lambda: publisher(emu, graph_url=url).publish(draft()))
    assert error.kind is FailureKind.UNKNOWN
    assert received and received[0].startswith(f"POST /v24.0/{PAGE}/feed ".encode())


def test_a_lost_unpublished_upload_is_transient(emu: GraphEmulator) -> None:
    held = emu.hold(r"/photos$")
    try:
        error = failure(
            lambda: publisher(emu, timeout=0.3).publish(draft(TEXT, image(2), image(3)))
        )
    finally:
        held.set()
    assert error.kind is FailureKind.TRANSIENT and "uploading image 1 of 2" in error.reason
    assert emu.calls_to(FEED) == []


# -- delete, verify, find --------------------------------------------------------------------


def test_delete_and_already_gone(emu: GraphEmulator) -> None:
    fb = publisher(emu)
    published = fb.publish(draft())
    fb.delete(published.remote_id)
    assert emu.posts == []
    fb.delete(published.remote_id)  # code 100, subcode 33: already gone counts as done


def test_delete_failures(emu: GraphEmulator) -> None:
    fb = publisher(emu)
    remote_id = fb.publish(draft()).remote_id
    emu.inject(r"_\d+$", method="DELETE", status=400, body=graph_error(100, "Bad request"))
    assert failure(lambda: fb.delete(remote_id)).kind is FailureKind.REJECTED
    emu.page_token = "rotated"
    assert failure(lambda: fb.delete(remote_id)).kind is FailureKind.CREDENTIALS
    assert len(emu.posts) == 1


def test_verify(emu: GraphEmulator) -> None:
    publisher(emu).verify()
    [call] = emu.calls
    assert call.path == f"/v24.0/{PAGE}" and call.query["fields"] == "id"
    error = failure(lambda: publisher(emu, page_token="expired-token").verify())
    assert error.kind is FailureKind.CREDENTIALS


def test_find_reads_the_feed_since_the_claim_with_pictures(emu: GraphEmulator) -> None:
    fb = publisher(emu)
    page_clock(emu, CLAIMED + timedelta(seconds=2))
    fb.publish(draft("Something else entirely."))
    published = fb.publish(draft(TEXT, image(2), image(3)))
    assert fb.find(draft(TEXT, image(4), image(5))) == published
    lookup = emu.calls_to(POSTS, method="GET")[-1]
    fields = "id,message,created_time,attachments{type,media_type,subattachments}"
    assert lookup.query["fields"] == fields
    assert lookup.query["limit"] == "25"
    # Only what was made since the claim (less two minutes for clocks that differ) is read.
    assert lookup.query["since"] == str(int((CLAIMED - timedelta(minutes=2)).timestamp()))
    assert fb.find(draft(TEXT, image(4))) is None  # one picture, not two
    assert fb.find(draft(TEXT)) is None  # no pictures
    assert fb.find(draft(TEXT, image(4), image(5), claimed_at=None)) is None


def test_find_compares_the_exact_words(emu: GraphEmulator) -> None:
    fb = publisher(emu)
    page_clock(emu, CLAIMED + timedelta(seconds=2))
    published = fb.publish(draft("Hello, world"))
    assert fb.find(draft("Hello, world")) == published
    assert fb.find(draft("Hello,  world")) is None
    assert fb.find(draft("Hello, other world")) is None


def test_find_never_claims_an_older_post(emu: GraphEmulator) -> None:
    page_clock(emu, CLAIMED - timedelta(days=2))
    emu.create_post_directly("", pictures=1)  # a picture-only post
    emu.create_post_directly(TEXT)  # the same words, before
    page_clock(emu, CLAIMED + timedelta(seconds=2))
    fb = publisher(emu)
    assert fb.find(draft("", image(2))) is None
    assert fb.find(draft(TEXT)) is None
    emu.create_post_directly(TEXT)
    emu.create_post_directly(TEXT)
    assert fb.find(draft(TEXT)) is None  # two since the claim: a person decides


def test_find_never_claims_a_visitors_post_on_the_page(emu: GraphEmulator) -> None:
    """The Page's feed holds visitors' posts too: the same words by a visitor are not ours."""
    page_clock(emu, CLAIMED + timedelta(seconds=2))
    emu.create_post_directly(TEXT, by_visitor=True)
    fb = publisher(emu)
    assert fb.find(draft(TEXT)) is None
    ours = emu.create_post_directly(TEXT)
    found = fb.find(draft(TEXT))
    assert found is not None and found.remote_id == ours["id"]


def test_a_real_feed_answer_is_read_for_words_time_and_pictures(emu: GraphEmulator) -> None:
    """The newest post made since the claim with two pictures is found; the link-preview
    post (no pictures) and the older album with the same words are not."""
    answer = real("graph", "page_feed_with_attachments")
    emu.inject(POSTS, method="GET", status=200, body=answer["body"], times=3)
    fb = publisher(emu)
    found = fb.find(draft(TEXT, image(2), image(3)))
    assert found is not None and found.remote_id == "1000_100000000000003"
    found = fb.find(draft(TEXT))
    assert found is not None and found.remote_id == "1000_100000000000002"
    assert fb.find(draft(TEXT, image(2))) is None


@pytest.mark.parametrize(
    ("name", "kind", "said"),
    [
        ("unexpected_error_code2_500", FailureKind.UNKNOWN, "(code 2)"),
        ("duplicate_506", FailureKind.DUPLICATE, "(code 506"),
        ("already_posted_368", FailureKind.DUPLICATE, "already posted this"),
        ("permission_10", FailureKind.ACCOUNT, "(code 10)"),
        ("permission_200", FailureKind.ACCOUNT, "pages_manage_posts"),
    ],
)
def test_real_graph_answers_are_classified(
    emu: GraphEmulator, name: str, kind: FailureKind, said: str
) -> None:
    answer = real("graph", name)
    emu.inject(FEED, method="POST", status=answer["status"], body=answer["body"])
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is kind and said in error.reason
    assert emu.posts == []


def test_code_2_after_the_post_is_made_is_unknown_and_the_post_is_there(
    emu: GraphEmulator,
) -> None:
    answer = real("graph", "unexpected_error_code2_500")
    emu.inject(FEED, method="POST", status=answer["status"], body=answer["body"], acted=True)
    error = failure(lambda: publisher(emu).publish(draft()))
    assert error.kind is FailureKind.UNKNOWN
    assert [p["message"] for p in emu.posts] == [TEXT]


def test_find_when_the_feed_cannot_be_read(emu: GraphEmulator) -> None:
    emu.inject(POSTS, method="GET", status=400, body=graph_error(32, "Page request limit reached"))
    assert failure(lambda: publisher(emu).find(draft())).kind is FailureKind.RATE_LIMITED
    # a GET carries the token in its URL, which requests repeats in its error text
    error = failure(lambda: publisher(emu, graph_url=closed_port_url()).find(draft()))
    assert error.kind is FailureKind.TRANSIENT and "access_token=***" in error.reason
