"""Slack in both directions: a Web API emulator for the bot's calls, a signed sender for events.

Slack answers logical errors with HTTP 200 and ``{"ok": false}``; the emulator does the same so
the bot's error handling is exercised exactly as in production.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import requests
from slack_sdk.signature import SignatureVerifier

from bot.emulators.base import Call, Emulator, Response

if TYPE_CHECKING:
    from bot.emulators.socket_mode import SocketModeEmulator

TEAM_ID = "T0001"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
APP_ID = "A0001"  # the api_app_id every builder below puts in what Slack sends

_ts_lock = threading.Lock()
_ts_seq = itertools.count(100)
_ts_last_second = 0


def new_ts() -> str:
    """Unique, increasing, real-time-like message timestamps shared by the emulator and builders."""
    global _ts_last_second
    with _ts_lock:
        _ts_last_second = max(_ts_last_second, int(time.time()))
        return f"{_ts_last_second}.{next(_ts_seq):06d}"


def _json_arg(value: Any) -> Any:
    """Form-encoded calls carry blocks and views as JSON strings; JSON calls carry them as is."""
    if isinstance(value, str) and value[:1] in "[{":
        return json.loads(value)
    return value


class SlackEmulator(Emulator):
    """The Slack Web API methods the bot calls, with the state a test wants to look at."""

    def __init__(
        self, *, token: str = "xoxb-test", app_token: str = "xapp-test", **kw: Any
    ) -> None:
        self.token = token
        self.app_token = app_token  # apps.connections.open takes this one, and only this one
        self.socket_mode: SocketModeEmulator | None = None
        self.usergroups: dict[str, list[str]] = {}
        self.users: dict[str, dict[str, Any]] = {}  # extra fields merged into users.info
        super().__init__(**kw)

    def _reset_state(self) -> None:
        self._messages: list[dict[str, Any]] = []
        self._by_ts: dict[tuple[str, str], dict[str, Any]] = {}  # a load test updates thousands
        self._ephemerals: list[dict[str, Any]] = []
        self._views: list[dict[str, Any]] = []
        self._reactions: list[dict[str, Any]] = []
        self._view_seq = itertools.count(1)
        self._responses: list[dict[str, Any]] = []
        self._files: dict[str, dict[str, Any]] = {}

    @property
    def api_url(self) -> str:
        return self.url + "/api/"

    def enable_socket_mode(self) -> SocketModeEmulator:
        """The WebSocket side (started on first use) that apps.connections.open points at."""
        from bot.emulators.socket_mode import SocketModeEmulator

        with self._lock:
            if self.socket_mode is None:
                self.socket_mode = SocketModeEmulator(host=self.host).start()
            return self.socket_mode

    def stop(self) -> None:
        if self.socket_mode is not None:
            self.socket_mode.stop()
            self.socket_mode = None
        super().stop()

    # -- inspection ----------------------------------------------------------------------------

    def messages(self, channel: str | None = None, *, since: int = 0) -> list[dict[str, Any]]:
        """Messages in the order they were posted; ``since`` skips the first ones (a watcher
        that reads only what is new)."""
        with self._lock:
            return [dict(m) for m in self._messages[since:] if channel in (None, m["channel"])]

    def message_count(self) -> int:
        with self._lock:
            return len(self._messages)

    def message(self, channel: str, ts: str) -> dict[str, Any] | None:
        with self._lock:
            found = self._find(channel, ts)
            return dict(found) if found else None

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return [m for m in self.messages(channel) if m["thread_ts"] == thread_ts]

    def add_message(self, channel: str, text: str, *, user: str) -> dict[str, Any]:
        """A message a person posted (so that conversations.history holds others' messages)."""
        with self._lock:
            message: dict[str, Any] = {
                "channel": channel,
                "ts": new_ts(),
                "text": text,
                "blocks": None,
                "thread_ts": None,
                "updated": 0,
                "user": user,
            }
            self._messages.append(message)
            self._by_ts[(channel, message["ts"])] = message
            return dict(message)

    def ephemerals(self, user: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._ephemerals if user in (None, e["user"])]

    def add_file(self, name: str, data: bytes, mimetype: str = "image/jpeg") -> dict[str, Any]:
        """A file as a user's upload: the event's `files` entry, downloadable with the token."""
        with self._lock:
            file_id = f"F{len(self._files) + 1:08d}"
            url = f"{self.url}/files-pri/T0001-{file_id}/{name}"
            entry = {
                "id": file_id,
                "name": name,
                "title": name,
                "mimetype": mimetype,
                "filetype": name.rsplit(".", 1)[-1].lower(),
                "size": len(data),
                "url_private": url,
                "url_private_download": url + "?download=1",
                "mode": "hosted",
            }
            self._files[file_id] = {**entry, "data": data}
            return dict(entry)

    def install_file(self, file: dict[str, Any], data: bytes = b"") -> dict[str, Any]:
        """A file object as Slack describes it (a recorded files.info answer), kept as it is
        but for a hosted file's links, which move from files.slack.com to this emulator."""
        with self._lock:
            entry = dict(file)
            if entry.get("mode") == "hosted":
                url = f"{self.url}/files-pri/T0001-{entry['id']}/{entry.get('name') or 'file'}"
                entry.update(url_private=url, url_private_download=url + "?download=1")
            self._files[str(entry["id"])] = {**entry, "data": data}
            return dict(entry)

    def redirect_file(self, file: dict[str, Any], to: str) -> None:
        """Make a file's download answer 302 to ``to`` (a CDN, or somewhere worse)."""
        with self._lock:
            self._files[file["id"]]["redirect"] = to

    @staticmethod
    def file_stub(file: dict[str, Any]) -> dict[str, Any]:
        """The file as a Slack Connect channel's event names it: no name, no links; the app
        must ask files.info (https://zenn.dev/straydog/articles/42c4152bf963e3 shows one)."""
        return {
            "id": file["id"],
            "mode": "file_access",
            "file_access": "check_file_info",
            "created": 0,
            "timestamp": 0,
            "user": "",
        }

    def add_remote_file(
        self, title: str, external_url: str, external_type: str = "app"
    ) -> dict[str, Any]:
        """A remote file (files.remote.add): its url_private is the external URL, any host
        (https://docs.slack.dev/reference/methods/files.remote.info, whose answer this copies)."""
        with self._lock:
            file_id = f"F{len(self._files) + 1:08d}"
            entry = {
                "id": file_id,
                "name": title,
                "title": title,
                "mimetype": "application/vnd.slack-remote",
                "filetype": "remote",
                "size": 0,
                "mode": "external",
                "is_external": True,
                "external_type": external_type,
                "url_private": external_url,
                "external_id": file_id.lower(),
                "external_url": external_url,
                "file_access": "visible",
            }
            self._files[file_id] = {**entry, "data": b""}
            return dict(entry)

    def response_url(self, name: str = "cmd") -> str:
        """A stand-in for a slash command's response_url; what is posted there is recorded."""
        return f"{self.url}/response/{name}"

    def responses(self) -> list[dict[str, Any]]:
        """Messages the app sent to response_urls (``respond()`` in Bolt)."""
        with self._lock:
            return [dict(r) for r in self._responses]

    @property
    def views(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(v) for v in self._views]

    @property
    def reactions(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._reactions]

    # -- the API -------------------------------------------------------------------------------

    def handle(self, call: Call) -> Response:
        if call.path.startswith("/files-pri/") and call.method == "GET":
            return self._download(call)
        if call.path.startswith("/response/") and call.method == "POST":
            body = call.json if isinstance(call.json, dict) else {}
            self._responses.append({"path": call.path, **body})
            return 200, {}, "ok"
        if not call.path.startswith("/api/"):
            return 404, {}, {"ok": False, "error": "unknown_method"}
        args: dict[str, Any] = {**call.query, **call.form}
        if isinstance(call.json, dict):
            args.update(call.json)
        auth = call.headers.get("authorization", "")
        token = auth[len("Bearer ") :] if auth.startswith("Bearer ") else args.get("token")
        if not token:
            return _error("not_authed")
        if call.path == "/api/apps.connections.open":  # the one method on the app-level token
            return 200, {}, self._apps_connections_open(token)
        if token != self.token:
            return _error("invalid_auth")
        method = getattr(self, "_api_" + call.path[len("/api/") :].replace(".", "_"), None)
        if method is None:
            return _error("unknown_method")
        result: dict[str, Any] = method(args)
        return 200, {}, result

    def _download(self, call: Call) -> Response:
        file_id = call.path.split("/")[2].split("-", 1)[-1]
        stored = self._files.get(file_id)
        auth = call.headers.get("authorization", "")
        if stored is None or auth != f"Bearer {self.token}":
            # Like Slack: a missing or wrong token gets a sign-in page, not an error status.
            return 200, {"Content-Type": "text/html; charset=utf-8"}, "<html>Sign in</html>"
        if stored.get("redirect"):
            return 302, {"Location": stored["redirect"]}, ""
        return 200, {"Content-Type": stored["mimetype"]}, stored["data"]

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return self._by_ts.get((channel, ts))

    def _apps_connections_open(self, token: str) -> dict[str, Any]:
        if token == self.token:
            return _body("not_allowed_token_type")  # Slack's answer to a bot token here
        if token != self.app_token:
            return _body("invalid_auth")
        return {"ok": True, "url": self.enable_socket_mode().url}

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "countersign",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            # Seen in auth.test answers (slackapi/java-slack-sdk:
            # json-logs/samples/api/auth.test.json); enterprise_id only inside an organisation.
            "is_enterprise_install": False,
            "app_id": APP_ID,
        }

    def _api_files_info(self, args: dict[str, Any]) -> dict[str, Any]:
        # The answer's shape: slackapi/java-slack-sdk:json-logs/samples/api/files.info.json
        # ({"ok", "file": {…}, …}); file_not_found for an id it does not know
        # (https://hexdocs.pm/slack/Slack.Web.Files.html lists files.info's errors).
        stored = self._files.get(str(args.get("file") or ""))
        if stored is None:
            return _body("file_not_found")
        file = {k: v for k, v in stored.items() if k not in ("data", "redirect")}
        return {"ok": True, "file": file, "comments": [], "response_metadata": {"next_cursor": ""}}

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        blocks = _json_arg(args.get("blocks"))
        if not channel:
            return _body("channel_not_found")
        if not args.get("text") and not blocks and not args.get("attachments"):
            return _body("no_text")
        message = {
            "channel": channel,
            "ts": new_ts(),
            "text": args.get("text") or "",
            "blocks": blocks,
            "thread_ts": args.get("thread_ts") or None,
            "updated": 0,
        }
        self._messages.append(message)
        self._by_ts[(channel, message["ts"])] = message
        return {"ok": True, "channel": channel, "ts": message["ts"], "message": _as_sent(message)}

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        message = self._find(args.get("channel", ""), args.get("ts", ""))
        if message is None:
            return _body("message_not_found")
        if "text" in args:
            message["text"] = args["text"]
        if "blocks" in args:
            message["blocks"] = _json_arg(args["blocks"])
        message["updated"] += 1
        return {
            "ok": True,
            "channel": message["channel"],
            "ts": message["ts"],
            "text": message["text"],
            "message": _as_sent(message),
        }

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return _body("channel_not_found")
        if not args.get("user"):
            return _body("user_not_in_channel")
        self._ephemerals.append(
            {
                "channel": args["channel"],
                "user": args["user"],
                "text": args.get("text") or "",
                "blocks": _json_arg(args.get("blocks")),
            }
        )
        return {"ok": True, "message_ts": new_ts()}

    def _api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel"), args.get("message_ts")
        if not channel:
            return _body("channel_not_found")
        if not ts:
            return _body("message_not_found")
        link = f"https://test.slack.com/archives/{channel}/p{ts.replace('.', '')}"
        return {"ok": True, "channel": channel, "permalink": link}

    def _api_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        reaction = {
            "channel": args.get("channel"),
            "ts": args.get("timestamp"),
            "name": args.get("name"),
        }
        if not all(reaction.values()):
            return _body("invalid_arguments")
        if reaction in self._reactions:
            return _body("already_reacted")
        self._reactions.append(reaction)
        return {"ok": True}

    def _api_reactions_remove(self, args: dict[str, Any]) -> dict[str, Any]:
        reaction = {
            "channel": args.get("channel"),
            "ts": args.get("timestamp"),
            "name": args.get("name"),
        }
        if reaction not in self._reactions:
            return _body("no_reaction")
        self._reactions.remove(reaction)
        return {"ok": True}

    def _api_usergroups_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        users = self.usergroups.get(args.get("usergroup", ""))
        if users is None:
            return _body("no_such_subteam")
        return {"ok": True, "users": list(users)}

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user")
        if not user:
            return _body("user_not_found")
        profile = {"id": user, "name": user.lower(), "real_name": user, "tz": "Europe/London"}
        return {"ok": True, "user": {**profile, **self.users.get(user, {})}}

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        if not channel:
            return _body("channel_not_found")
        return {
            "ok": True,
            "channel": {
                "id": channel,
                "name": channel.lower(),
                "is_channel": True,
                "is_private": False,
                "is_member": True,
            },
        }

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        # https://docs.slack.dev/reference/methods/conversations.history: the channel's
        # messages newest first (thread replies stay in their threads), ``limit`` a page (100 by
        # default, at most 999), a ``cursor`` from ``response_metadata.next_cursor`` for the
        # next, older page, ``has_more``; channel_not_found without a channel. The answer's
        # shape: slackapi/java-slack-sdk:json-logs/samples/api/conversations.history.json;
        # the client is slack_sdk's WebClient.conversations_history.
        channel = args.get("channel")
        if not channel:
            return _body("channel_not_found")
        with self._lock:
            top = [
                m
                for m in self._messages
                if m["channel"] == channel and m["thread_ts"] in (None, m["ts"])
            ][::-1]
        limit = max(1, min(int(args.get("limit") or 100), 999))
        cursor = str(args.get("cursor") or "0")
        if not cursor.isdigit():  # the method's documented error for a cursor it never gave
            return _body("invalid_cursor")
        start = int(cursor)
        page = top[start : start + limit]
        more = start + limit < len(top)
        return {
            "ok": True,
            "messages": [
                {"type": "message", "user": m["user"], "text": m["text"], "ts": m["ts"]}
                if m.get("user")
                else _as_sent(m)
                for m in page
            ],
            "has_more": more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view("views.publish", args, required="user_id")

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._view("views.open", args, required="trigger_id")

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        view_id = args.get("view_id")
        if view_id and not any(v["view_id"] == view_id for v in self._views):
            return _body("not_found")
        return self._view("views.update", args, required="view_id" if view_id else "external_id")

    def _view(self, method: str, args: dict[str, Any], *, required: str) -> dict[str, Any]:
        view = _json_arg(args.get("view"))
        if not args.get(required) or not isinstance(view, dict):
            return _body("invalid_arguments")
        view_id = args.get("view_id") or f"V{next(self._view_seq):08d}"
        self._views.append(
            {
                "method": method,
                "view_id": view_id,
                "user_id": args.get("user_id"),
                "trigger_id": args.get("trigger_id"),
                "view": view,
            }
        )
        return {
            "ok": True,
            "view": {**view, "id": view_id, "type": view.get("type"), "team_id": TEAM_ID},
        }


def _body(error: str) -> dict[str, Any]:
    return {"ok": False, "error": error}


def _error(error: str) -> Response:
    return 200, {}, _body(error)


def _as_sent(message: dict[str, Any]) -> dict[str, Any]:
    sent = {
        "type": "message",
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "text": message["text"],
        "ts": message["ts"],
    }
    if message["blocks"]:
        sent["blocks"] = message["blocks"]
    if message["thread_ts"]:
        sent["thread_ts"] = message["thread_ts"]
    return sent


# -- events Slack sends to the app -------------------------------------------------------------


# What a person types reaches apps as markup plus a rich_text block of the same words. Sources:
# https://docs.slack.dev/messaging/formatting-message-text ("Retrieving messages": &, < and >
# arrive as &amp; &lt; &gt;; links Slack detected arrive as <url> or <url|label>, e-mail
# addresses as <mailto:…|…>) and https://docs.slack.dev/reference/block-kit/blocks/rich-text-block
# (rich_text_section with "text" and "link" elements, "\n" kept inside text elements).
_MAIL = re.compile(r"[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+")
_DOMAIN = re.compile(r"(?:[A-Za-z0-9-]{1,63}\.)+(?:org|com|net|uk|io)(?:/\S*)?")
_TRAILING = ".,;:!?)]'\""


def _escaped(words: str) -> str:
    return words.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _detected(token: str) -> tuple[str, str | None] | None:
    """The link Slack's client makes of a whitespace-free token: (url, label or None)."""
    if token.startswith(("http://", "https://")) and "<" not in token and ">" not in token:
        return token, None
    if _MAIL.fullmatch(token):
        return f"mailto:{token}", token
    if _DOMAIN.fullmatch(token) and "<" not in token and ">" not in token:
        return f"http://{token}", token
    return None


def as_typed(words: str) -> tuple[str, list[dict[str, Any]]]:
    """The ``text`` and ``blocks`` Slack's client sends for ``words`` typed in the composer.

    Each whitespace-separated token is looked at once, from its start, so that the cost stays
    linear whatever the words (a megabyte of letters, or of "a.a.a.").
    """
    markup: list[str] = []
    elements: list[dict[str, Any]] = []

    def plain(part: str) -> None:
        if not part:
            return
        markup.append(_escaped(part))
        if elements and elements[-1]["type"] == "text":
            elements[-1]["text"] += part
        else:
            elements.append({"type": "text", "text": part})

    for token in re.split(r"(\s+)", words):
        core = token.rstrip(_TRAILING)
        link = _detected(core) if core and not core.isspace() else None
        if link is None:
            plain(token)
            continue
        url, label = link
        # Slack escapes & in links too: <https://example.org/?a=1&amp;b=2>.
        markup.append(f"<{_escaped(url)}|{_escaped(label)}>" if label else f"<{_escaped(url)}>")
        elements.append({"type": "link", "url": url, **({"text": label} if label else {})})
        plain(token[len(core) :])
    block = {
        "type": "rich_text",
        "block_id": uuid.uuid4().hex[:5],
        "elements": [{"type": "rich_text_section", "elements": elements}],
    }
    return "".join(markup), [block] if elements else []


def message_event(
    channel: str,
    user: str,
    text: str,
    ts: str,
    *,
    thread_ts: str | None = None,
    files: list[dict[str, Any]] | None = None,
    blocks: list[dict[str, Any]] | None = None,
    raw: bool = False,
) -> dict[str, Any]:
    """``text`` is what the person typed: it is sent as Slack sends it, markup plus a rich_text
    block (``as_typed``). Given ``blocks``, ``text`` is already markup and is sent as it is;
    ``raw``: ``text`` is markup with no blocks, like a message from an app or an old client."""
    if blocks is None and not raw:
        text, blocks = as_typed(text)
    event: dict[str, Any] = {
        "type": "message",
        "channel": channel,
        "user": user,
        "text": text,
        "ts": ts,
        "event_ts": ts,
        "channel_type": "channel",
        "team": TEAM_ID,
        "client_msg_id": str(uuid.uuid4()),
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    if blocks:
        event["blocks"] = blocks
    if files:
        # Slack marks messages that carry uploads with this subtype.
        event.update(subtype="file_share", files=files, upload=False, display_as_bot=False)
    return event


def edit_event(
    channel: str,
    user: str,
    ts: str,
    new_text: str,
    *,
    old_text: str = "",
    blocks: list[dict[str, Any]] | None = None,
    editor: str | None = None,
    raw: bool = False,
) -> dict[str, Any]:
    """``user`` wrote the message; ``editor`` (default: the same) changed it. ``new_text`` and
    ``old_text`` are what was typed, sent as markup with blocks, as in ``message_event``."""
    if blocks is None and not raw:
        new_text, blocks = as_typed(new_text)
    old_text = old_text if raw else as_typed(old_text)[0]
    edit_ts = new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": "channel",
        "ts": edit_ts,
        "event_ts": edit_ts,
        "message": {
            "type": "message",
            "user": user,
            "text": new_text,
            "ts": ts,
            "edited": {"user": editor or user, "ts": edit_ts},
        },
        "previous_message": {"type": "message", "user": user, "text": old_text, "ts": ts},
    }
    if blocks:
        event["message"]["blocks"] = blocks
    return event


def tombstone_event(channel: str, ts: str, *, reply_count: int = 1) -> dict[str, Any]:
    """A message with thread replies deleted: no message_deleted, but message_changed whose
    message is a tombstone from USLACKBOT (hackclub/toriel#238; slack-edge#10)."""
    event_ts = new_ts()
    return {
        "type": "message",
        "subtype": "message_changed",
        "hidden": True,
        "channel": channel,
        "channel_type": "channel",
        "ts": event_ts,
        "event_ts": event_ts,
        "message": {
            "type": "message",
            "subtype": "tombstone",
            "text": "This message was deleted.",
            "user": "USLACKBOT",
            "hidden": True,
            "ts": ts,
            "thread_ts": ts,
            "reply_count": reply_count,
        },
        "previous_message": {"type": "message", "ts": ts, "thread_ts": ts},
    }


def delete_event(
    channel: str, ts: str, *, user: str | None = None, text: str = ""
) -> dict[str, Any]:
    event_ts = new_ts()
    previous: dict[str, Any] = {"type": "message", "text": text, "ts": ts}
    if user:
        previous["user"] = user
    return {
        "type": "message",
        "subtype": "message_deleted",
        "hidden": True,
        "channel": channel,
        "channel_type": "channel",
        "ts": event_ts,
        "event_ts": event_ts,
        "deleted_ts": ts,
        "previous_message": previous,
    }


def reaction_event(
    user: str,
    reaction: str,
    channel: str,
    ts: str,
    *,
    item_user: str | None = None,
    removed: bool = False,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "reaction_removed" if removed else "reaction_added",
        "user": user,
        "reaction": reaction,
        "item": {"type": "message", "channel": channel, "ts": ts},
        "event_ts": new_ts(),
    }
    if item_user:
        event["item_user"] = item_user
    return event


class SlackEventSender:
    """Drives a Bolt app over HTTP with signed requests, so signature checks are exercised too."""

    timeout = 10.0

    def __init__(
        self,
        url: str,
        signing_secret: str,
        *,
        team_id: str = TEAM_ID,
        api_app_id: str = "A0001",
        response_url: str | None = None,
    ) -> None:
        self.url = url
        self.response_url = response_url
        self.team_id = team_id
        self.api_app_id = api_app_id
        self._verifier = SignatureVerifier(signing_secret)

    def signed_headers(
        self, body: str, *, timestamp: int | None = None, content_type: str
    ) -> dict[str, str]:
        ts = str(int(time.time()) if timestamp is None else timestamp)
        signature = self._verifier.generate_signature(timestamp=ts, body=body) or ""
        return {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature,
            "User-Agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
        }

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        sign: bool = True,
    ) -> requests.Response:
        sent = (
            self.signed_headers(body, content_type=content_type)
            if sign
            else {"Content-Type": content_type}
        )
        sent.update(headers or {})
        return requests.post(self.url, data=body.encode(), headers=sent, timeout=self.timeout)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None
    ) -> requests.Response:
        envelope = event_callback(
            event, team_id=self.team_id, api_app_id=self.api_app_id, event_id=event_id
        )
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(envelope), "application/json", headers=headers)

    def url_verification(self, challenge: str = "challenge") -> requests.Response:
        body = {"token": "verification-token", "challenge": challenge, "type": "url_verification"}
        return self.post(json.dumps(body), "application/json")

    def command(
        self, text: str, *, user_id: str, channel_id: str, command: str = "/countersign"
    ) -> requests.Response:
        fields = slash_command(
            text,
            user_id=user_id,
            channel_id=channel_id,
            command=command,
            response_url=self.response_url or "http://127.0.0.1:1/response",
            team_id=self.team_id,
            api_app_id=self.api_app_id,
        )
        return self.post(urlencode(fields), "application/x-www-form-urlencoded")

    def action(self, payload: dict[str, Any]) -> requests.Response:
        body = urlencode({"payload": json.dumps(payload)})
        return self.post(body, "application/x-www-form-urlencoded")


# -- the payloads Slack wraps in envelopes -----------------------------------------------------


def event_callback(
    event: dict[str, Any],
    *,
    team_id: str = TEAM_ID,
    api_app_id: str = "A0001",
    event_id: str | None = None,
) -> dict[str, Any]:
    """The Events API body: the same over HTTP and inside an ``events_api`` envelope."""
    return {
        "token": "verification-token",
        "team_id": team_id,
        "api_app_id": api_app_id,
        "type": "event_callback",
        "event_id": event_id or "Ev" + uuid.uuid4().hex[:10].upper(),
        "event_time": int(time.time()),
        "event": event,
        "authorizations": [
            {
                "team_id": team_id,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
                "enterprise_id": None,
            }
        ],
        "is_ext_shared_channel": False,
    }


def slash_command(
    text: str,
    *,
    user_id: str,
    channel_id: str,
    command: str = "/countersign",
    response_url: str = "http://127.0.0.1:1/response",
    team_id: str = TEAM_ID,
    api_app_id: str = "A0001",
) -> dict[str, Any]:
    """A slash command's fields: form-encoded over HTTP, a JSON object over Socket Mode."""
    return {
        "token": "verification-token",
        "command": command,
        "text": text,
        "user_id": user_id,
        "user_name": user_id.lower(),
        "channel_id": channel_id,
        "channel_name": channel_id.lower(),
        "team_id": team_id,
        "team_domain": "test",
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
        "response_url": response_url,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
    }


def _interaction(kind: str, user: str, team_id: str, api_app_id: str) -> dict[str, Any]:
    """What every interactivity payload carries: its type, who, where and a trigger id."""
    return {
        "type": kind,
        "user": {"id": user, "username": user.lower(), "team_id": team_id},
        "api_app_id": api_app_id,
        "team": {"id": team_id, "domain": "test"},
        "trigger_id": f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex}",
    }


def block_actions(
    user: str,
    action_id: str,
    value: str,
    *,
    channel: str,
    message_ts: str,
    response_url: str,
    block_id: str = "review",
    team_id: str = TEAM_ID,
    api_app_id: str = "A0001",
) -> dict[str, Any]:
    """A click on a button of a message: the interactivity payload Slack sends."""
    button = {
        "action_id": action_id,
        "block_id": block_id,
        "type": "button",
        "value": value,
        "action_ts": f"{time.time():.6f}",
    }
    return _interaction("block_actions", user, team_id, api_app_id) | {
        "channel": {"id": channel, "name": channel.lower()},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel},
        "response_url": response_url,
        "actions": [button],
    }


def view_submission(
    user: str,
    callback_id: str,
    values: dict[str, dict[str, dict[str, Any]]],
    *,
    private_metadata: str = "",
    view_id: str = "V1",
    team_id: str = TEAM_ID,
    api_app_id: str = "A0001",
) -> dict[str, Any]:
    """A modal submitted: ``values`` is the view's state, by block id and then action id."""
    view = {
        "id": view_id,
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "state": {"values": values},
    }
    return _interaction("view_submission", user, team_id, api_app_id) | {"view": view}
