"""A recording, fault-injecting HTTP server the platform emulators build on.

The emulators are real servers on loopback, not mocks, because slack_sdk talks through urllib and
the only honest test of tweepy and facebook-sdk is their own request code hitting a socket.
"""

from __future__ import annotations

import email.message
import json
import random
import re
import socketserver
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self, cast
from urllib.parse import parse_qs, urlsplit

Response = tuple[int, dict[str, str], Any]


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any | None
    form: dict[str, str]
    files: dict[str, bytes]
    at: float


@dataclass
class _Injection:
    pattern: re.Pattern[str]
    method: str | None
    response: Response
    times: int
    acted: bool = False  # the request is carried out before this answer replaces the real one

    def matches(self, call: Call) -> bool:
        method_ok = self.method is None or self.method.upper() == call.method
        return method_ok and self.pattern.search(call.path) is not None


@dataclass
class _Hold:
    pattern: re.Pattern[str]
    method: str | None = None
    event: threading.Event = field(default_factory=threading.Event)
    times: int | None = None  # how many more requests it holds; None: all of them

    def matches(self, call: Call) -> bool:
        method_ok = self.method is None or self.method.upper() == call.method
        return method_ok and self.pattern.search(call.path) is not None


class ServedInThread:
    """A socketserver on 127.0.0.1 in a daemon thread: the lifecycle every emulator shares.
    Subclasses say which server to make and how their address reads."""

    url_scheme = "http"
    url_path = ""
    host: str
    port: int
    _server: socketserver.BaseServer | None = None
    _thread: threading.Thread | None = None

    def _new_server(self) -> socketserver.BaseServer:
        raise NotImplementedError

    def _before_shutdown(self) -> None:
        """Release what would keep a request open (held requests)."""

    def _after_close(self) -> None:
        """Close what outlives the listening socket (open WebSocket connections)."""

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError(f"{type(self).__name__} not started")
        host, port = cast(tuple[str, int], self._server.server_address)[:2]
        return f"{self.url_scheme}://{host!s}:{port}{self.url_path}"

    def start(self) -> Self:
        if self._server is not None:
            return self
        server = self._new_server()
        self._server = server
        # A short poll interval keeps stop() fast, which keeps test suites fast.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"{type(self).__name__}-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None:
            return
        self._before_shutdown()
        server.shutdown()
        server.server_close()
        self._after_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Emulator(ServedInThread):
    """Real HTTP server on 127.0.0.1 that records every call and can inject failures."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency: float = 0.0) -> None:
        self.host = host
        self.port = port
        self.latency = latency
        self._lock = threading.RLock()
        self._calls: list[Call] = []
        self._injections: list[_Injection] = []
        self._holds: list[_Hold] = []
        self._chaos: tuple[_Injection, float, random.Random] | None = None
        self._reset_state()

    # -- lifecycle ---------------------------------------------------------------------------

    def _new_server(self) -> socketserver.BaseServer:
        server = _Server((self.host, self.port), _Handler)
        server.emulator = self
        return server

    def _before_shutdown(self) -> None:
        self._release_holds()  # a held request must not outlive the server

    # -- inspection and control --------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, pattern: str, method: str | None = None) -> list[Call]:
        regex = re.compile(pattern)
        return [
            c
            for c in self.calls
            if regex.search(c.path) and (method is None or method.upper() == c.method)
        ]

    def inject(
        self,
        pattern: str,
        *,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        times: int = 1,
        method: str | None = None,
        acted: bool = False,
    ) -> None:
        """Answer matching requests with this instead. ``acted``: carry the request out first,
        as a platform that did the work and then failed to say so (a 5xx with the post live)."""
        injection = _Injection(
            re.compile(pattern), method, (status, dict(headers or {}), body), times, acted
        )
        with self._lock:
            self._injections.append(injection)

    def chaos(
        self,
        pattern: str,
        *,
        rate: float,
        status: int = 503,
        body: Any = None,
        seed: int = 0,
        acted: bool = False,
        method: str | None = None,
    ) -> None:
        """Fail a random share of matching requests (after recording them): soak tests.
        ``acted``: carry each out first, as a platform that did the work and failed to say so."""
        response: Response = (status, {}, body if body is not None else {"title": "injected"})
        rule = _Injection(re.compile(pattern), method, response, 0, acted)
        with self._lock:
            self._chaos = (rule, rate, random.Random(seed))

    def hold(
        self, pattern: str, method: str | None = None, *, times: int | None = None
    ) -> threading.Event:
        """Matching requests wait (recorded, unanswered) until the returned event is set;
        ``times``: only the next so many of them."""
        held = _Hold(re.compile(pattern), method, times=times)
        with self._lock:
            self._holds.append(held)
        return held.event

    def reset(self) -> None:
        self._release_holds()
        with self._lock:
            self._calls.clear()
            self._injections.clear()
            self._holds.clear()
            self._chaos = None
            self._reset_state()

    # -- for subclasses ----------------------------------------------------------------------

    def handle(self, call: Call) -> Response:
        return 404, {}, {"error": "not_found"}

    def _reset_state(self) -> None:
        """Subclasses (re)create their emulated state here; it runs under the lock."""

    # -- request pipeline --------------------------------------------------------------------

    def _release_holds(self) -> None:
        with self._lock:
            for held in self._holds:
                held.event.set()

    def _respond(self, call: Call, parse_error: str | None) -> Response:
        with self._lock:
            self._calls.append(call)
            holds = []
            for held in self._holds:
                if held.matches(call) and held.times != 0:
                    holds.append(held.event)
                    if held.times is not None:
                        held.times -= 1
        if self.latency:
            time.sleep(self.latency)
        for event in holds:
            event.wait()
        with self._lock:
            for injection in self._injections:
                if injection.times > 0 and injection.matches(call):
                    injection.times -= 1
                    if injection.times == 0:
                        self._injections.remove(injection)
                    if injection.acted and parse_error is None:
                        self.handle(call)
                    status, headers, body = injection.response
                    return status, dict(headers), body
            if self._chaos is not None:
                rule, rate, rng = self._chaos
                if rule.matches(call) and rng.random() < rate:
                    if rule.acted and parse_error is None:
                        self.handle(call)
                    status, headers, body = rule.response
                    return status, dict(headers), body
            if parse_error is not None:
                return 400, {}, {"error": "bad_request", "detail": parse_error}
            try:
                return self.handle(call)
            except Exception as exc:  # bad input must never take the server down
                return 400, {}, {"error": "bad_request", "detail": f"{type(exc).__name__}: {exc}"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-response are normal in failure tests; stay quiet."""


class _Handler(BaseHTTPRequestHandler):
    server_version = "Emulator/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        """Request logs would drown test output."""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _serve(self) -> None:
        emulator = cast(_Server, self.server).emulator
        call, error = self._read_call()
        status, headers, body = emulator._respond(call, error)
        payload, content_type = _encode(body)
        self.send_response(status)
        names = {k.lower() for k in headers}
        if content_type and "content-type" not in names:
            self.send_header("Content-Type", content_type)
        for name, value in headers.items():
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _read_call(self) -> tuple[Call, str | None]:
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        error: str | None = None
        body = b""
        parsed: tuple[Any, dict[str, str], dict[str, bytes]] = (None, {}, {})
        try:
            body = self._read_body(headers)
            parsed = _parse_body(headers.get("content-type", ""), body)
        except Exception as exc:  # answered as a 400 once the call is recorded
            error = f"{type(exc).__name__}: {exc}"
        call = Call(
            method=self.command,
            path=split.path,
            query=query,
            headers=headers,
            body=body,
            json=parsed[0],
            form=parsed[1],
            files=parsed[2],
            at=time.time(),
        )
        return call, error

    def _read_body(self, headers: dict[str, str]) -> bytes:
        if "chunked" in headers.get("transfer-encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(headers.get("content-length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        return self.rfile.read(length)


def _encode(body: Any) -> tuple[bytes, str | None]:
    if body is None:
        return b"", None
    if isinstance(body, bytes):
        return body, "application/octet-stream"
    if isinstance(body, str):
        return body.encode(), "text/plain; charset=utf-8"
    return json.dumps(body).encode(), "application/json; charset=utf-8"


def _header_params(name: str, value: str) -> email.message.Message:
    message = email.message.Message()
    message[name] = value
    return message


def _parse_body(content_type: str, body: bytes) -> tuple[Any, dict[str, str], dict[str, bytes]]:
    """Returns (json, form, files); JSON that fails to parse is left as None, not an error."""
    mime = content_type.split(";")[0].strip().lower()
    if mime == "multipart/form-data":
        boundary = _header_params("content-type", content_type).get_param("boundary")
        if not isinstance(boundary, str) or not boundary:
            raise ValueError("multipart body without a boundary")
        form, files = _parse_multipart(body, boundary.encode())
        return None, form, files
    if body and (mime.endswith("json") or not mime):
        try:
            return json.loads(body), {}, {}
        except ValueError:
            pass
    if mime == "application/x-www-form-urlencoded" or (not mime and b"=" in body):
        fields = parse_qs(body.decode(), keep_blank_values=True)
        return None, {k: v[0] for k, v in fields.items()}, {}
    return None, {}, {}


def _parse_multipart(body: bytes, boundary: bytes) -> tuple[dict[str, str], dict[str, bytes]]:
    """By hand rather than via email.parser, so binary file parts come back byte for byte."""
    form: dict[str, str] = {}
    files: dict[str, bytes] = {}
    sections = body.split(b"--" + boundary)
    if len(sections) < 3:
        raise ValueError("malformed multipart body")
    for section in sections[1:]:
        if section.startswith(b"--"):
            break
        head, sep, content = section.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            raise ValueError("multipart part without headers")
        content = content.removesuffix(b"\r\n")
        disposition = ""
        for line in head.decode("latin-1").split("\r\n"):
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-disposition":
                disposition = value.strip()
        params = _header_params("content-disposition", disposition)
        field_name = params.get_param("name", header="content-disposition")
        if not isinstance(field_name, str):
            raise ValueError("multipart part without a name")
        if params.get_filename() is not None:
            files[field_name] = content
        else:
            form[field_name] = content.decode()
    return form, files
