"""HTTP mode: POST /slack/events (Bolt) and GET /healthz, served by waitress."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

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
            timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP", "")
            signature = environ.get("HTTP_X_SLACK_SIGNATURE", "")
            if not timestamp.isdigit() or not verifier.is_valid(raw, timestamp, signature):
                return _plain(start_response, "401 Unauthorized", "invalid signature")
            try:
                parse_body(raw.decode("utf-8"), environ.get("CONTENT_TYPE"))
            except (ValueError, UnicodeDecodeError):
                return _plain(start_response, "400 Bad Request", "malformed body")
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
