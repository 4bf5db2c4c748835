"""Graph emulator through facebook-sdk 3.1.0, pinned to a current Graph version."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import facebook
import pytest
import requests

from bot.emulators.graph import GraphEmulator
from bot.emulators.png import tiny_png
from bot.publishers.http import RedirectingSession
from tests.bot.publishers.real import real

PAGE = "1234567890"


@pytest.fixture
def emu() -> Iterator[GraphEmulator]:
    with GraphEmulator() as e:
        yield e


def make_graph(emu: GraphEmulator, token: str = "page-token") -> facebook.GraphAPI:
    session = RedirectingSession({"https://graph.facebook.com": emu.url})
    graph = facebook.GraphAPI(access_token=token, version="3.1", session=session)
    graph.version = "v24.0"
    return graph


def test_feed_post_get_and_delete(emu: GraphEmulator) -> None:
    graph = make_graph(emu)
    post_id = graph.put_object(PAGE, "feed", message="Hello", link="https://example.org")["id"]
    assert post_id.startswith(PAGE + "_")
    assert emu.versions_seen == {"v24.0"}
    (post,) = emu.posts
    assert (post["id"], post["message"], post["link"], post["photo_ids"]) == (
        post_id,
        "Hello",
        "https://example.org",
        [],
    )
    assert graph.get_object(post_id)["message"] == "Hello"
    assert graph.delete_object(post_id) == {"success": True}
    assert emu.posts == []
    with pytest.raises(facebook.GraphAPIError) as gone:
        graph.get_object(post_id)
    assert gone.value.code == 100


def test_token_and_page_errors(emu: GraphEmulator) -> None:
    with pytest.raises(facebook.GraphAPIError) as bad_token:
        make_graph(emu, token="expired").put_object(PAGE, "feed", message="x")
    assert bad_token.value.code == 190
    assert bad_token.value.type == "OAuthException"
    assert bad_token.value.result["error"]["fbtrace_id"]
    with pytest.raises(facebook.GraphAPIError) as bad_page:
        make_graph(emu).put_object("999", "feed", message="x")
    assert bad_page.value.code == 100
    unversioned = requests.post(emu.url + f"/{PAGE}/feed", data={"message": "x"})
    assert unversioned.status_code == 400
    assert unversioned.headers["content-type"].startswith("application/json")
    assert emu.posts == []


def test_unpublished_photos_attached_to_a_feed_post(emu: GraphEmulator) -> None:
    graph = make_graph(emu)
    png = tiny_png()
    photo = graph.put_photo(image=io.BytesIO(png), album_path=f"{PAGE}/photos", published=False)
    assert set(photo) == {"id"}
    assert emu.posts == []
    attached = {"attached_media[0]": json.dumps({"media_fbid": photo["id"]})}
    post_id = graph.put_object(PAGE, "feed", message="With a picture", **attached)["id"]
    assert emu.posts[0]["id"] == post_id and emu.posts[0]["photo_ids"] == [photo["id"]]
    assert emu.photos[0]["data"] == png and emu.photos[0]["published"] is False
    with pytest.raises(facebook.GraphAPIError):
        graph.put_object(PAGE, "feed", **{"attached_media[0]": '{"media_fbid": "404"}'})


def test_published_photo_makes_a_post(emu: GraphEmulator) -> None:
    graph = make_graph(emu)
    result = graph.put_photo(image=tiny_png(), album_path=f"{PAGE}/photos", message="Caption")
    assert result["post_id"] == emu.posts[0]["id"]
    assert emu.posts[0]["message"] == "Caption"
    assert emu.calls[0].form["access_token"] == "page-token"  # multipart, not the query


def test_non_json_answer_breaks_the_sdk_as_in_production(emu: GraphEmulator) -> None:
    emu.inject("/feed", status=502, body="Bad Gateway")
    with pytest.raises(facebook.GraphAPIError, match="Maintype"):
        make_graph(emu).put_object(PAGE, "feed", message="x")


def _without_trace(body: dict) -> dict:
    """fbtrace_id differs on every answer (the fixtures hold a placeholder): compare the rest."""
    return {"error": {k: v for k, v in body["error"].items() if k != "fbtrace_id"}}


def _pinned(emu: GraphEmulator, answer: dict, **form: str) -> facebook.GraphAPIError:
    """Posts through facebook-sdk and raw HTTP; both must show the recorded answer."""
    raw = requests.post(
        emu.url + f"/v24.0/{PAGE}/feed", data={"access_token": "page-token", **form}
    )
    assert raw.status_code == answer["status"]
    assert _without_trace(raw.json()) == _without_trace(answer["body"])
    assert raw.json()["error"]["fbtrace_id"]
    with pytest.raises(facebook.GraphAPIError) as refused:
        make_graph(emu).put_object(PAGE, "feed", **form)
    assert _without_trace(refused.value.result) == _without_trace(answer["body"])
    return refused.value


def test_a_page_refuses_the_same_words_by_default(emu: GraphEmulator) -> None:
    graph = make_graph(emu)
    graph.put_object(PAGE, "feed", message="Hello")
    assert _pinned(emu, real("graph", "duplicate_506"), message="Hello").code == 506


@pytest.mark.parametrize(("code", "fixture"), [(506, "duplicate_506"), (368, "already_posted_368")])
def test_a_page_refuses_a_message_it_posted_recently(
    emu: GraphEmulator, code: int, fixture: str
) -> None:
    graph = make_graph(emu)
    emu.reject_duplicates = False  # turned off, the Page takes the same words twice
    graph.put_object(PAGE, "feed", message="Hello")
    graph.put_object(PAGE, "feed", message="Hello")
    emu.reject_duplicates, emu.duplicate_code = True, code
    assert _pinned(emu, real("graph", fixture), message="Hello").code == code
    assert len(emu.posts) == 2
    graph.put_object(PAGE, "feed", message="Something else")  # other words go through
    # Remembered for a while only: a day later the same words are taken again.
    now = emu.clock()
    emu.clock = lambda: now + emu.duplicate_window + 1
    graph.put_object(PAGE, "feed", message="Hello")
    assert [p["message"] for p in emu.posts].count("Hello") == 3


@pytest.mark.parametrize(("code", "fixture"), [(200, "permission_200"), (10, "permission_10")])
def test_a_token_without_posting_permissions_is_refused_writes_but_reads(
    emu: GraphEmulator, code: int, fixture: str
) -> None:
    graph = make_graph(emu)
    kept = graph.put_object(PAGE, "feed", message="Posted before")["id"]
    emu.permissions_missing, emu.permission_code = True, code
    assert _pinned(emu, real("graph", fixture), message="Hello").code == code
    with pytest.raises(facebook.GraphAPIError):
        graph.put_photo(image=io.BytesIO(tiny_png()), album_path=f"{PAGE}/photos")
    with pytest.raises(facebook.GraphAPIError):
        graph.delete_object(kept)
    # Reading the Page and its feed still works.
    assert graph.get_object(PAGE)["id"] == PAGE
    assert [p["id"] for p in graph.get_connections(PAGE, "feed")["data"]] == [kept]
    assert [p["id"] for p in emu.posts] == [kept] and emu.photos == []
    emu.permissions_missing = False
    assert graph.put_object(PAGE, "feed", message="Hello")["id"]
