"""HTTP mode: POST /slack/events (Bolt) and GET /healthz, served by waitress."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.request.internals import parse_body
from slack_sdk.signature import SignatureVerifier
from waitress import create_server

from bot import __version__

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024  # Slack's payloads are far smaller; anything bigger is refused.

StartResponse = Callable[..., Any]


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
    )
    return [body]


# Bolt (and the listeners) index into these without looking at their types first: a value of
# another type makes them raise, so such a body is refused before it reaches them.
_IDS = ("user", "team", "enterprise", "channel")  # an id, or an object carrying one
_OBJECTS = (
    "event",
    "item",
    "message",
    "previous_message",
    "view",
    "state",
    "container",
    "edited",
    "assistant_thread",
    "function_data",
    "workflow_step",
)
_OBJECT_LISTS = ("authorizations", "actions", "response_urls", "files")
_STRINGS = (
    "type",
    "subtype",
    "id",
    "event_id",
    "callback_id",
    "action_id",
    "block_id",
    "command",
    "trigger_id",
    "ts",
    "thread_ts",
    "event_ts",
    "deleted_ts",
    "private_metadata",
    "response_url",
    "reaction",
    "tab",
    "bot_id",
    "user_id",
    "channel_id",
    "value",
)
_TEXTS = frozenset({"", "event", "message", "previous_message"})  # where "text" is the words
_INTERACTIVE = frozenset({"block_actions", "view_submission", "view_closed", "shortcut"})
_MAX_DEPTH = 8  # Slack's payloads nest these keys three deep at most


def malformed(body: object) -> str | None:
    """Why a parsed body cannot be a Slack request, or None when its shape is sound."""
    if not isinstance(body, dict):
        return "the body is not an object"
    problem = _shape(body, "", 0)
    if problem:
        return problem
    kind = body.get("type")
    if kind in _INTERACTIVE and not (isinstance(body.get("user"), dict) and body["user"].get("id")):
        return f"{kind} without a user"
    if kind == "block_actions" and not body.get("actions"):
        return "block_actions without actions"
    if kind == "block_actions" and not (
        _id(body.get("channel")) or isinstance(body.get("view"), dict)
    ):
        return "a button on neither a message nor a view"  # nowhere to answer
    if kind in ("view_submission", "view_closed") and not isinstance(body.get("view"), dict):
        return f"{kind} without a view"
    if "command" in body and not body.get("user_id"):
        return "a command without a user"
    # Answers to commands and to buttons on messages go to the response_url Slack gives.
    needs_url = "command" in body or (kind == "block_actions" and _id(body.get("channel")))
    if (needs_url or "response_url" in body) and not _is_url(body.get("response_url")):
        return "no response_url to answer at"
    event = body.get("event")
    if isinstance(event, dict) and event.get("type") == "message" and not event.get("ts"):
        return "a message without its ts"
    return None


def _is_ssl_check(text: str, content_type: str | None) -> bool:
    """Slack's check of the certificate: ``token=…&ssl_check=1`` (Bolt's test,
    slackapi/bolt-python:tests/scenario_tests/test_ssl_check.py; SslCheck reads only this)."""
    if content_type == "application/json" or text.startswith("{"):
        return False
    return dict(parse_qsl(text, keep_blank_values=True)).get("ssl_check") == "1"


def _is_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(("https://", "http://"))


def _id(value: object) -> str:
    return str(value.get("id") or "") if isinstance(value, dict) else ""


def _shape(obj: dict[str, Any], where: str, depth: int) -> str | None:
    if depth > _MAX_DEPTH:
        return f"{where} is nested too deeply"
    for key in _STRINGS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"{where}.{key} is not a string"
    if where.rpartition(".")[2] in _TEXTS and not isinstance(obj.get("text", ""), str):
        return f"{where}.text is not a string"
    if where.endswith(".view") and not isinstance(obj.get("type"), str):
        return f"{where} has no type"
    children: list[tuple[str, Any]] = []
    for key in _IDS:
        if obj.get(key) is not None and not isinstance(obj[key], str | dict):
            return f"{where}.{key} is neither an id nor an object"
        children.append((key, obj.get(key)))
    for key in _OBJECTS:  # present means an object: Bolt tests `"event" in body`, not None
        if key in obj and not isinstance(obj[key], dict):
            return f"{where}.{key} is not an object"
        children.append((key, obj.get(key)))
    for key in _OBJECT_LISTS:
        if key not in obj:
            continue
        value = obj[key]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            return f"{where}.{key} is not a list of objects"
        children += [(key, item) for item in value]
    if "actions" in obj and not all(isinstance(a.get("action_id"), str) for a in obj["actions"]):
        return f"{where}.actions has an action without an action_id"
    for key, child in children:
        if isinstance(child, dict):
            problem = _shape(child, f"{where}.{key}", depth + 1)
            if problem:
                return problem
    return None


def wsgi_app(
    app: App, signing_secret: str
) -> Callable[[dict[str, Any], StartResponse], Iterable[bytes]]:
    slack = SlackRequestHandler(app, path="/slack/events")
    verifier = SignatureVerifier(signing_secret)

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            body = json.dumps({"status": "ok", "version": __version__}).encode()
            start_response(
                "200 OK",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        if path == "/slack/events" and method == "POST":
            # Bolt parses the body before it checks the signature, and a malformed body makes
            # it raise: check the signature and the body here so that bad input is a 4xx.
            raw = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(raw)
            try:
                text = raw.decode("utf-8")  # the verifier decodes it too, and would raise
            except UnicodeDecodeError:
                return _plain(start_response, "400 Bad Request", "malformed body")
            # Bolt reads the media type without its parameters ("; charset=…"): so must this.
            content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0] or None
            # Bolt answers Slack's certificate check (a form post with ssl_check=1) with an empty
            # 200 before it looks at the signature (slack_bolt/app/app.py puts SslCheck before
            # RequestVerification): it does nothing, so it needs no signature here either.
            if _is_ssl_check(text, content_type):
                return _plain(start_response, "200 OK", "")
            timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
            signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
            # Header values arrive as Latin-1: "²" is a digit to isdigit() but not to int(), and
            # hmac.compare_digest raises on anything that is not ASCII.
            sound = timestamp.isascii() and timestamp.isdigit() and signature.isascii()
            if not sound or not verifier.is_valid(text, timestamp, signature):
                return _plain(start_response, "401 Unauthorized", "invalid signature")
            try:
                problem = malformed(parse_body(text, content_type))
            except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
                problem = "not JSON or a form"
            if problem:
                log.warning("refused a signed request: %s", problem)
                return _plain(start_response, "400 Bad Request", f"malformed body: {problem}")
        return slack(environ, start_response)

    return application


class HttpServer:
    """waitress in a thread: used by `serve --http` (in the foreground) and by the demo."""

    def __init__(
        self,
        app: App,
        signing_secret: str,
        *,
        host: str = "0.0.0.0",  # noqa: S104 - Slack must reach it
        port: int = 3000,
        threads: int = 8,
    ) -> None:
        self.server: Any = create_server(
            wsgi_app(app, signing_secret),
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=MAX_BODY_BYTES,
            ident="countersign",
        )
        self._thread: threading.Thread | None = None
        self._stopping = False

    @property
    def port(self) -> int:
        return int(self.server.effective_port)

    def url(self, path: str = "/slack/events") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def run(self) -> None:
        try:
            self.server.run()
        except OSError:
            # Closing the sockets from another thread can wake select() on a dead descriptor.
            if not self._stopping:
                raise

    def start(self) -> HttpServer:
        self._thread = threading.Thread(target=self.run, name="http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        self.server.close()
        if self._thread:
            self._thread.join(timeout=5)
