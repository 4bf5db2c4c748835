"""Attached files: looked up when Slack names them without links, and downloaded with the bot
token only from Slack's own file servers, within a deadline and a size cap."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from PIL import Image

from bot.domain.posts import PostStatus
from bot.emulators.slack import message_event, new_ts
from bot.slack.files import SlackFiles
from tests.conftest import CAROL, PROPOSALS

CLEAN = "Our garden project in bloom this week."


def jpeg(colour=(40, 160, 60)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return out.getvalue()


def propose_with(harness, files):
    ts = new_ts()
    response = harness.event(message_event(PROPOSALS, CAROL, CLEAN, ts, files=files))
    assert response.status_code == 200
    return harness.post_for(ts)


def unreadable(post):
    return [f for f in post.findings if f.rule == "image_unreadable"]


def test_a_file_named_without_links_is_looked_up_with_files_info(harness):
    photo = harness.slack.add_file("garden.jpg", jpeg())
    stub = harness.slack.file_stub(photo)
    assert "url_private" not in stub and "name" not in stub
    post = propose_with(harness, [stub])
    assert post.status is PostStatus.IN_REVIEW, post.findings
    assert [a.name for a in post.images] == ["garden.jpg"]
    [info] = harness.slack.calls_to(r"^/api/files\.info$")
    assert info.form.get("file") == photo["id"]
    [download] = harness.slack.calls_to(r"^/files-pri/")
    assert download.headers["authorization"] == "Bearer xoxb-test"


def test_a_file_slack_will_not_show_blocks_the_post_with_the_reason(harness):
    stub = harness.slack.file_stub({"id": "F0GONE"})
    post = propose_with(harness, [stub])
    assert post.status is PostStatus.BLOCKED
    [finding] = unreadable(post)
    assert "Slack would not show it to Countersign (file_not_found)" in finding.message
    assert finding.suggestion  # what to do: attach it again


@pytest.mark.parametrize("as_stub", [False, True])
def test_a_remote_file_is_refused_and_its_host_never_asked(harness, as_stub):
    # A remote file's url_private is its external URL: here the X emulator stands for the
    # outside host, so that any request the bot made there would be seen.
    remote = harness.slack.add_remote_file(
        "Rota", harness.x.url + "/document/d/abc/edit", external_type="gdrive"
    )
    post = propose_with(harness, [harness.slack.file_stub(remote) if as_stub else remote])
    assert post.status is PostStatus.BLOCKED
    [finding] = unreadable(post)
    assert "a link to a file kept outside Slack (on gdrive)" in finding.message
    assert "attach the picture itself" in finding.message
    assert harness.x.calls == []
    assert harness.slack.calls_to(r"^/files-pri/") == []


def test_a_download_link_off_slack_gets_no_token(harness):
    # A hosted file whose link names another host (a forged or mangled event): no request.
    photo = harness.slack.add_file("garden.jpg", jpeg())
    photo["url_private_download"] = photo["url_private"] = (
        harness.x.url + "/files-pri/T0001-F1/garden.jpg"
    )
    post = propose_with(harness, [photo])
    assert post.status is PostStatus.BLOCKED
    [finding] = unreadable(post)
    assert "not on Slack's file servers" in finding.message
    assert harness.x.calls == []


def test_a_redirect_is_followed_on_slack_and_refused_off_it(harness):
    first = harness.slack.add_file("first.jpg", jpeg())
    second = harness.slack.add_file("second.jpg", jpeg((200, 30, 30)))
    harness.slack.redirect_file(first, second["url_private_download"])
    post = propose_with(harness, [first])
    assert post.status is PostStatus.IN_REVIEW, post.findings
    assert len(post.images) == 1
    hops = harness.slack.calls_to(r"^/files-pri/")
    assert [c.headers.get("authorization") for c in hops] == ["Bearer xoxb-test"] * 2

    away = harness.slack.add_file("away.jpg", jpeg())
    harness.slack.redirect_file(away, harness.x.url + "/cdn/away.jpg")
    post = propose_with(harness, [away])
    assert post.status is PostStatus.BLOCKED
    assert "Slack sent its download elsewhere" in unreadable(post)[0].message
    assert harness.x.calls == []  # not followed at all, with or without the token


def test_the_token_goes_only_to_slack_over_https_and_the_configured_api():
    files = SlackFiles("xoxb-t", api_url="http://127.0.0.1:4567/api/")
    allowed = [
        "https://files.slack.com/files-pri/T1-F1/a.jpg",
        "https://files-origin.slack.com/files-pri/T1-F1/a.jpg",
        "https://slack.com/files-pri/T1-F1/a.jpg",
        "https://files.slack-gov.com/files-pri/T1-F1/a.jpg",
        "http://127.0.0.1:4567/files-pri/T1-F1/a.jpg",  # the configured SLACK_API_URL
    ]
    refused = [
        "http://files.slack.com/files-pri/T1-F1/a.jpg",  # not https
        "https://files.slack.com:8443/files-pri/T1-F1/a.jpg",
        "https://files.slack.com.example.net/a.jpg",
        "https://evilslack.com/a.jpg",
        "https://user@files.slack.com/a.jpg",
        "https://docs.google.com/document/d/1/edit",
        "http://127.0.0.1:4568/files-pri/T1-F1/a.jpg",  # another port on the same host
        "https://127.0.0.1:4567/files-pri/T1-F1/a.jpg",  # another scheme
        # urlsplit reads slack.com hosts in these; requests would send them elsewhere.
        "https://evil.example\\.slack.com/a.jpg",
        "https://evil.example\t.slack.com/a.jpg",
        "https://files.slack.com:abc/a.jpg",  # not a port: no token (and no traceback)
    ]
    assert [u for u in allowed if not files.carries_token(u)] == []
    assert [u for u in refused if files.carries_token(u)] == []
    # The reason for judging the URL as requests sends it:
    sent = requests.Request("GET", "https://evil.example\\.slack.com/a.jpg").prepare().url
    assert str(sent).startswith("https://evil.example/")


class _Trickle(BaseHTTPRequestHandler):
    """A file server that sends a byte every 50 ms: each read is prompt, the whole is not."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        try:
            for _ in range(400):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass  # the client hung up: what the deadline is for

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def trickle():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_trickling_download_is_cut_at_the_deadline(trickle):
    files = SlackFiles("xoxb-t", api_url=trickle + "/api/", deadline=1.0)
    started = time.monotonic()
    got = files.fetch({"id": "F1", "name": "slow.jpg", "url_private": trickle + "/files-pri/x"})
    elapsed = time.monotonic() - started
    assert got.data is None
    assert got.problem == "it took more than 1 seconds to download from Slack"
    assert elapsed < 3.0  # 20 s of trickle, cut after the 1 s deadline


def test_a_file_larger_than_the_cap_is_cut_while_streaming(harness):
    photo = harness.slack.add_file("big.jpg", b"\xff" * 5000)
    del photo["size"]  # no size to refuse it by: the stream itself is counted
    files = SlackFiles("xoxb-test", api_url=harness.slack.api_url, max_bytes=1000)
    got = files.fetch(photo)
    assert got.data is None and got.problem == "it is larger than 1000 bytes"
