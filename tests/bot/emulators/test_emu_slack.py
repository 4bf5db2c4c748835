"""Slack emulator through slack_sdk's WebClient, and the event sender through a real Bolt app."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from bot.emulators.base import Call, Emulator
from bot.emulators.slack import (
    SlackEmulator,
    SlackEventSender,
    delete_event,
    edit_event,
    message_event,
    new_ts,
    reaction_event,
)

SECRET = "signing-secret"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    with SlackEmulator() as e:
        yield e


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token="xoxb-test", base_url=emu.api_url)


def test_post_update_and_permalink(emu: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="C1", text="draft", blocks=[{"type": "divider"}])
    ts = posted["ts"]
    assert posted["ok"] and posted["channel"] == "C1"
    assert posted["message"]["bot_id"] == "BBOT"
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=ts)
    assert float(reply["ts"]) > float(ts)
    updated = client.chat_update(channel="C1", ts=ts, text="approved")
    assert (updated["channel"], updated["ts"]) == ("C1", ts)
    link = client.chat_getPermalink(channel="C1", message_ts=ts)
    assert link["permalink"] == f"https://test.slack.com/archives/C1/p{ts.replace('.', '')}"

    assert emu.message("C1", ts) == {
        "channel": "C1",
        "ts": ts,
        "text": "approved",
        "blocks": [{"type": "divider"}],
        "thread_ts": None,
        "updated": 1,
    }
    assert [m["text"] for m in emu.thread("C1", ts)] == ["reply"]
    assert len(emu.messages("C1")) == 2 and emu.messages("C2") == []
    assert emu.calls_to(r"chat\.postMessage")[0].json["channel"] == "C1"  # sent as JSON


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_logical_errors_are_http_200_with_ok_false(client: WebClient) -> None:
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: client.chat_postMessage(channel="", text="x"), "channel_not_found"),
        (lambda: client.chat_postMessage(channel="C1"), "no_text"),
        (lambda: client.chat_update(channel="C1", ts="1.2", text="x"), "message_not_found"),
        (lambda: client.usergroups_users_list(usergroup="S404"), "no_such_subteam"),
        (lambda: client.api_call("nope.nothing"), "unknown_method"),
    ]
    for call, error in cases:
        with pytest.raises(SlackApiError) as info:
            call()
        assert info.value.response.status_code == 200
        assert info.value.response["error"] == error


def test_auth_errors(emu: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=emu.api_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=emu.api_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    assert WebClient(token="xoxb-test", base_url=emu.api_url).auth_test()["user_id"] == "UBOT"


def test_rate_limit_injection_is_seen_by_the_client(
    emu: SlackEmulator, client: WebClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = {"ok": False, "error": "ratelimited"}
    emu.inject("chat.postMessage", status=429, body=limited, headers={"Retry-After": "7"})
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel="C1", text="hi")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["retry-after"] == "7"
    assert emu.messages() == []

    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.random.random", lambda: 0.0)
    emu.inject("chat.postMessage", status=429, body=limited, headers={"Retry-After": "0"})
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert len(emu.calls_to("chat.postMessage")) == 3


def test_other_methods(emu: SlackEmulator, client: WebClient) -> None:
    emu.usergroups["S1"] = ["U1", "U2"]
    emu.users["U1"] = {"tz": "America/New_York"}
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    assert client.users_info(user="U1")["user"]["tz"] == "America/New_York"
    assert client.users_info(user="U2")["user"]["name"] == "u2"
    assert client.conversations_info(channel="C1")["channel"]["id"] == "C1"
    assert client.reactions_add(channel="C1", timestamp="1.2", name="eyes")["ok"]
    assert emu.reactions == [{"channel": "C1", "ts": "1.2", "name": "eyes"}]
    assert client.chat_postEphemeral(channel="C1", user="U1", text="psst")["message_ts"]
    assert emu.ephemerals("U1") == [{"channel": "C1", "user": "U1", "text": "psst", "blocks": None}]
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    opened = client.views_open(trigger_id="t1", view=modal)["view"]
    assert opened["id"].startswith("V") and opened["type"] == "modal"
    client.views_update(view_id=opened["id"], view=modal)
    home = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert home["view"]["type"] == "home"
    assert [v["method"] for v in emu.views] == ["views.open", "views.update", "views.publish"]
    with pytest.raises(SlackApiError):
        client.views_update(view_id="V404", view=modal)
    emu.reset()
    assert emu.views == [] and emu.reactions == [] and emu.usergroups == {"S1": ["U1", "U2"]}


def test_event_builders_have_slack_shapes() -> None:
    ts = new_ts()
    msg = message_event("C1", "U1", "hi", ts, thread_ts="1.0", files=[{"id": "F1"}])
    assert msg["subtype"] == "file_share" and msg["event_ts"] == ts and msg["thread_ts"] == "1.0"
    edit = edit_event("C1", "U1", ts, "new", old_text="old")
    assert edit["subtype"] == "message_changed" and edit["ts"] != ts
    assert edit["message"]["ts"] == ts and edit["previous_message"]["text"] == "old"
    gone = delete_event("C1", ts)
    assert gone["subtype"] == "message_deleted" and gone["deleted_ts"] == ts
    removed = reaction_event("U2", "white_check_mark", "C1", ts, item_user="U1", removed=True)
    assert removed["type"] == "reaction_removed"
    assert removed["item"] == {"type": "message", "channel": "C1", "ts": ts}


class Capture(Emulator):
    def handle(self, call: Call) -> tuple[int, dict[str, str], Any]:
        return 200, {}, ""


def test_sender_signs_like_slack() -> None:
    with Capture() as target:
        sender = SlackEventSender(target.url + "/slack/events", SECRET)
        sender.event(message_event("C1", "U1", "hi", new_ts()), event_id="Ev1", retry_num=1)
        sender.command("help", user_id="U1", channel_id="C1")
        sender.action({"type": "block_actions", "actions": []})
        event, command, action = target.calls
    verifier = SignatureVerifier(SECRET)
    for call in (event, command, action):
        assert call.path == "/slack/events"
        assert verifier.is_valid(
            body=call.body.decode(),
            timestamp=call.headers["x-slack-request-timestamp"],
            signature=call.headers["x-slack-signature"],
        )
    assert event.json["event_id"] == "Ev1" and event.json["type"] == "event_callback"
    assert event.headers["x-slack-retry-num"] == "1"
    assert event.headers["x-slack-retry-reason"] == "http_timeout"
    assert command.form["command"] == "/countersign" and command.form["user_id"] == "U1"
    assert json.loads(action.form["payload"])["type"] == "block_actions"


def _serve(app: App) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            headers = {k: v for k, v in self.headers.items()}
            response = app.dispatch(BoltRequest(body=body, headers=headers))
            payload = response.body.encode()
            self.send_response(response.status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}).start()
    return server


def _wait_for(check: Callable[[], bool]) -> None:
    deadline = time.time() + 3
    while not check():
        assert time.time() < deadline, "timed out"
        time.sleep(0.01)


def test_drives_a_real_bolt_app(emu: SlackEmulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLACK_CLIENT_ID", raising=False)
    monkeypatch.delenv("SLACK_CLIENT_SECRET", raising=False)
    app = App(client=WebClient(token="xoxb-test", base_url=emu.api_url), signing_secret=SECRET)

    @app.event("message")
    def on_message(event: dict[str, Any], say: Any) -> None:
        say(text=f"got {event['text']}", thread_ts=event["ts"])

    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any], client: WebClient) -> None:
        client.reactions_add(
            channel=event["item"]["channel"], timestamp=event["item"]["ts"], name="eyes"
        )

    @app.command("/countersign")
    def on_command(ack: Any, command: dict[str, Any], client: WebClient) -> None:
        ack()
        client.chat_postEphemeral(channel=command["channel_id"], user=command["user_id"], text="hi")

    server = _serve(app)
    try:
        sender = SlackEventSender(
            f"http://127.0.0.1:{server.server_address[1]}/slack/events", SECRET
        )
        ts = new_ts()
        assert sender.event(message_event("C1", "U1", "hello", ts)).status_code == 200
        _wait_for(lambda: bool(emu.thread("C1", ts)))
        assert emu.thread("C1", ts)[0]["text"] == "got hello"
        assert sender.event(reaction_event("U2", "white_check_mark", "C1", ts)).status_code == 200
        _wait_for(lambda: bool(emu.reactions))
        assert sender.command("status", user_id="U1", channel_id="C1").status_code == 200
        _wait_for(lambda: bool(emu.ephemerals("U1")))
        assert emu.ephemerals("U1")[0]["text"] == "hi"
        assert sender.url_verification("abc").json() == {"challenge": "abc"}

        body = json.dumps({"type": "event_callback", "event": {}})
        assert sender.post(body, "application/json", sign=False).status_code == 401
        old = int(time.time()) - 600
        stale = sender.signed_headers(body, timestamp=old, content_type="application/json")
        assert sender.post(body, "application/json", headers=stale).status_code == 401
    finally:
        server.shutdown()
        server.server_close()


# Typed words sent as Slack sends them, and read back by the product: the emulator's markup is
# only as good as this round trip (both through the rich text and through ``text`` alone).
_TYPED = st.lists(
    st.sampled_from([*"ab &<>.@/-\n", "https://", "example.org", "é", "🎉"]), max_size=30
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_TYPED)
@example("https://a.org/?x=1&y=<2>")  # Slack escapes inside links too
def test_typed_words_come_back_as_typed(words):
    from bot.emulators.slack import as_typed
    from bot.slack.markup import message_words

    text, blocks = as_typed(words)
    assert "&" not in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")
    from_blocks = message_words({"text": text, "blocks": blocks}).text
    assert from_blocks.strip() == message_words({"text": text}).text.strip()
    assert from_blocks.strip() == words.strip()


def test_typed_links_and_mail_are_marked_up_as_slack_does():
    from bot.emulators.slack import as_typed

    text, blocks = as_typed("Fish & chips: https://example.org/menu. Ask sam@example.org <3")
    assert text == (
        "Fish &amp; chips: <https://example.org/menu>. "
        "Ask <mailto:sam@example.org|sam@example.org> &lt;3"
    )
    kinds = [e["type"] for e in blocks[0]["elements"][0]["elements"]]
    assert kinds == ["text", "link", "text", "link", "text"]
