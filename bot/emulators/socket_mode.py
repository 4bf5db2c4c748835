"""Slack's Socket Mode side: a WebSocket server on loopback that pushes envelopes and takes acks.

Pure stdlib, RFC 6455 to the extent slack_sdk's builtin client (Bolt's default) needs it: the
opening handshake, masked client frames in (text, ping, pong, close, with continuations),
unmasked server frames out. It talks like Slack's ``wss://wss-primary.slack.com/link``: a
``hello`` on connecting, envelopes ``{"envelope_id", "type", "accepts_response_payload",
"payload", …}`` out, ``{"envelope_id", "payload"?}`` acks in, ``disconnect`` to ask for a
reconnect. The Slack emulator's ``apps.connections.open`` hands out :attr:`url`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import socket
import socketserver
import struct
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from bot.emulators.base import ServedInThread
from bot.emulators.slack import TEAM_ID, event_callback, slash_command

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3
CONTINUATION, TEXT, BINARY, CLOSE, PING, PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
_MAX_MESSAGE = 16 * 1024 * 1024


def accept_key(key: str) -> str:
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key."""
    digest = hashlib.sha1((key + _GUID).encode("ascii")).digest()  # the RFC's hash, not security
    return base64.b64encode(digest).decode("ascii")


def encode_frame(opcode: int, payload: bytes = b"", *, mask: bytes | None = None) -> bytes:
    """One final frame; servers send unmasked (``mask=None``), clients must mask."""
    head = bytearray([0x80 | opcode])
    mask_bit = 0x80 if mask is not None else 0
    size = len(payload)
    if size < 126:
        head.append(mask_bit | size)
    elif size < 1 << 16:
        head.append(mask_bit | 126)
        head += struct.pack("!H", size)
    else:
        head.append(mask_bit | 127)
        head += struct.pack("!Q", size)
    if mask is None:
        return bytes(head) + payload
    return bytes(head) + mask + _unmask(payload, mask)


def _unmask(data: bytes, mask: bytes) -> bytes:
    repeated = (mask * (len(data) // 4 + 1))[: len(data)]
    return (int.from_bytes(data, "big") ^ int.from_bytes(repeated, "big")).to_bytes(
        len(data), "big"
    )


class ProtocolError(Exception):
    """The client broke RFC 6455; the connection is closed with ``code``."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code


@dataclass(frozen=True)
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    raw: str
    at: float


class _Connection:
    def __init__(self, sock: socket.socket, number: int) -> None:
        self.sock = sock
        self.number = number
        self.send_lock = threading.Lock()
        self.open = True

    def send(self, opcode: int, payload: bytes = b"") -> None:
        with self.send_lock:
            if not self.open:
                raise ConnectionError("the WebSocket is closed")
            self.sock.sendall(encode_frame(opcode, payload))

    def send_json(self, message: dict[str, Any]) -> None:
        self.send(TEXT, json.dumps(message).encode())

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Send a close frame (once) and hang up."""
        with self.send_lock:
            if not self.open:
                return
            self.open = False
            with contextlib.suppress(OSError):
                self.sock.sendall(encode_frame(CLOSE, struct.pack("!H", code) + reason.encode()))
        self.hang_up()

    def hang_up(self) -> None:
        self.open = False
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)


class SocketModeEmulator(ServedInThread):
    """Slack's Socket Mode endpoint: push envelopes to the connected app, record its acks."""

    url_scheme = "ws"
    url_path = "/link"

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str = "A0001",
        team_id: str = TEAM_ID,
    ) -> None:
        self.host = host
        self.port = port
        self.app_id = app_id
        self.team_id = team_id
        self.connected = threading.Event()  # set once a client has connected and got its hello
        self._cond = threading.Condition()
        self._connections: list[_Connection] = []
        self._hellos = 0
        self._acks: list[Ack] = []
        self._received: list[Any] = []
        self._pings: list[bytes] = []
        self._closes: list[tuple[int, str]] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def _new_server(self) -> socketserver.BaseServer:
        server = _Server((self.host, self.port), _Handler)
        server.emulator = self
        return server

    def _after_close(self) -> None:
        for connection in self._live():
            connection.close(1001, "server shutting down")

    # -- what a test looks at ----------------------------------------------------------------

    @property
    def connections(self) -> int:
        """Open WebSocket connections right now."""
        return len(self._live())

    @property
    def hellos(self) -> int:
        """Connections ever opened (each got a hello)."""
        with self._cond:
            return self._hellos

    @property
    def acks(self) -> list[Ack]:
        with self._cond:
            return list(self._acks)

    @property
    def received(self) -> list[Any]:
        """Text messages from the app that were not acks (there should be none)."""
        with self._cond:
            return list(self._received)

    @property
    def pings(self) -> list[bytes]:
        with self._cond:
            return list(self._pings)

    @property
    def closes(self) -> list[tuple[int, str]]:
        """Close frames the app sent: (code, reason)."""
        with self._cond:
            return list(self._closes)

    def wait_for_ack(self, envelope_id: str, timeout: float = 10.0) -> Ack:
        def found() -> Ack | None:
            return next((a for a in self._acks if a.envelope_id == envelope_id), None)

        with self._cond:
            if not self._cond.wait_for(lambda: found() is not None, timeout=timeout):
                raise TimeoutError(f"no ack for envelope {envelope_id} within {timeout} s")
            ack = found()
            assert ack is not None
            return ack

    def wait_for_connections(
        self, count: int = 1, *, hellos: int = 1, timeout: float = 10.0
    ) -> None:
        """Until ``count`` connections are open and ``hellos`` were ever said."""
        with self._cond:
            ok = self._cond.wait_for(
                lambda: self._hellos >= hellos and sum(c.open for c in self._connections) >= count,
                timeout=timeout,
            )
        if not ok:
            raise TimeoutError(f"fewer than {count} connection(s) within {timeout} s")

    def reset(self) -> None:
        with self._cond:
            self._acks.clear()
            self._received.clear()
            self._pings.clear()
            self._closes.clear()

    # -- what Slack sends --------------------------------------------------------------------

    def send(
        self,
        envelope_type: str,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """Push an envelope to the newest open connection, as Slack does; its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {"envelope_id": envelope_id, "type": envelope_type}
        envelope["payload"] = payload
        if accepts_response_payload is None:
            accepts_response_payload = envelope_type != "events_api"
        envelope["accepts_response_payload"] = accepts_response_payload
        if envelope_type == "events_api":  # Slack sends the retry fields with events only
            envelope["retry_attempt"] = retry_attempt
            envelope["retry_reason"] = retry_reason
        self._newest().send_json(envelope)
        return envelope_id

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
    ) -> str:
        """An ``events_api`` envelope around the same event_callback body Slack POSTs over HTTP."""
        body = event_callback(
            event, team_id=self.team_id, api_app_id=self.app_id, event_id=event_id
        )
        return self.send("events_api", body, retry_attempt=retry_attempt, retry_reason=retry_reason)

    def command(
        self,
        text: str,
        *,
        user_id: str,
        channel_id: str,
        command: str = "/countersign",
        response_url: str = "http://127.0.0.1:1/response",
    ) -> str:
        """A ``slash_commands`` envelope; the payload is the HTTP form's fields as JSON."""
        fields = slash_command(
            text,
            user_id=user_id,
            channel_id=channel_id,
            command=command,
            response_url=response_url,
            team_id=self.team_id,
            api_app_id=self.app_id,
        )
        return self.send("slash_commands", fields)

    def action(self, payload: dict[str, Any]) -> str:
        """An ``interactive`` envelope (block actions, view submissions, shortcuts)."""
        return self.send("interactive", payload)

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask the app to reconnect, as Slack does every few hours; the old socket stays open."""
        self._newest().send_json(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "emulator"}}
        )

    def close_connections(self, code: int = 1001, reason: str = "") -> None:
        """Close every connection with a close frame (a Slack-side restart)."""
        for connection in self._live():
            connection.close(code, reason)

    # -- the server side ---------------------------------------------------------------------

    def _live(self) -> list[_Connection]:
        with self._cond:
            return [c for c in self._connections if c.open]

    def _newest(self) -> _Connection:
        live = self._live()
        if not live:
            raise RuntimeError("no Socket Mode client is connected")
        return live[-1]

    def _opened(self, sock: socket.socket) -> _Connection:
        with self._cond:
            connection = _Connection(sock, len(self._connections) + 1)
            self._connections.append(connection)
            return connection

    def _hello(self, connection: _Connection) -> None:
        """Say hello; the lock keeps any envelope behind it, so `connected` may be set first
        and a waiter sees it no later than the client sees the hello."""
        with self._cond:
            self._hellos += 1
            self.connected.set()
            self._cond.notify_all()
            connection.send_json(
                {
                    "type": "hello",
                    "num_connections": sum(c.open for c in self._connections),
                    "debug_info": {
                        "host": "emulator",
                        "build_number": 1,
                        "approximate_connection_time": 18060,
                    },
                    "connection_info": {"app_id": self.app_id},
                }
            )

    def _closed(self, connection: _Connection) -> None:
        connection.hang_up()
        with self._cond:
            self._cond.notify_all()

    def _on_text(self, text: str) -> None:
        try:
            message = json.loads(text)
        except ValueError:
            message = text
        with self._cond:
            if isinstance(message, dict) and "envelope_id" in message and "type" not in message:
                payload = message.get("payload")
                self._acks.append(
                    Ack(
                        envelope_id=str(message["envelope_id"]),
                        payload=payload if isinstance(payload, dict) else None,
                        raw=text,
                        at=time.time(),
                    )
                )
            else:
                self._received.append(message)
            self._cond.notify_all()

    def _on_ping(self, payload: bytes) -> None:
        with self._cond:
            self._pings.append(payload)

    def _on_close(self, code: int, reason: str) -> None:
        with self._cond:
            self._closes.append((code, reason))


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    emulator: SocketModeEmulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-frame are normal in tests; stay quiet."""


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        emulator = self.server.emulator  # type: ignore[attr-defined]
        if not self._handshake():
            return
        connection = emulator._opened(self.request)
        try:
            emulator._hello(connection)
            self._serve(emulator, connection)
        except ProtocolError as exc:
            connection.close(exc.code, str(exc))
        except (OSError, ConnectionError):
            pass
        finally:
            emulator._closed(connection)

    # -- the opening handshake (RFC 6455, section 4.2) -----------------------------------------

    def _handshake(self) -> bool:
        request_line = self.rfile.readline(8192).decode("latin-1").strip()
        headers: dict[str, str] = {}
        while True:
            line = self.rfile.readline(8192).decode("latin-1")
            if not line or not line.strip():
                break
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        parts = request_line.split()
        if len(parts) != 3 or parts[0] != "GET":
            return self._refuse(405, "Method Not Allowed")
        if parts[1].split("?")[0].rstrip("/") != "/link":
            return self._refuse(404, "Not Found")
        key = headers.get("sec-websocket-key", "")
        upgrade_ok = headers.get("upgrade", "").lower() == "websocket"
        connection_ok = "upgrade" in headers.get("connection", "").lower()
        try:
            key_ok = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            key_ok = False
        if not (upgrade_ok and connection_ok and key_ok):
            return self._refuse(400, "Bad Request")
        if headers.get("sec-websocket-version") != "13":
            return self._refuse(426, "Upgrade Required", {"Sec-WebSocket-Version": "13"})
        self.wfile.write(
            (
                "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                f"Sec-WebSocket-Accept: {accept_key(key)}\r\n"
                "\r\n"
            ).encode("ascii")
        )
        self.wfile.flush()
        return True

    def _refuse(self, status: int, reason: str, headers: dict[str, str] | None = None) -> bool:
        lines = [f"HTTP/1.1 {status} {reason}", "Content-Length: 0", "Connection: close"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii"))
        self.wfile.flush()
        return False

    # -- frames (RFC 6455, section 5) --------------------------------------------------------

    def _serve(self, emulator: SocketModeEmulator, connection: _Connection) -> None:
        fragments: list[bytes] = []
        fragment_opcode = 0
        while connection.open:
            frame = self._read_frame()
            if frame is None:
                return  # the client hung up
            fin, opcode, payload = frame
            if opcode >= CLOSE:  # control frames: never fragmented, may come between fragments
                if not fin or len(payload) > 125:
                    raise ProtocolError(1002, "bad control frame")
                if opcode == PING:
                    emulator._on_ping(payload)
                    connection.send(PONG, payload)
                elif opcode == CLOSE:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                    reason = payload[2:].decode("utf-8", "replace")
                    emulator._on_close(code, reason)
                    connection.close(code if code != 1005 else 1000)
                    return
                elif opcode != PONG:
                    raise ProtocolError(1002, f"unknown opcode {opcode:#x}")
                continue
            if opcode == CONTINUATION:
                if not fragments:
                    raise ProtocolError(1002, "continuation without a first frame")
            elif fragments:
                raise ProtocolError(1002, "new message inside a fragmented one")
            elif opcode not in (TEXT, BINARY):
                raise ProtocolError(1002, f"unknown opcode {opcode:#x}")
            else:
                fragment_opcode = opcode
            fragments.append(payload)
            if sum(map(len, fragments)) > _MAX_MESSAGE:
                raise ProtocolError(1009, "message too big")
            if not fin:
                continue
            message, fragments = b"".join(fragments), []
            if fragment_opcode == TEXT:
                try:
                    text = message.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise ProtocolError(1007, "text frame is not UTF-8") from exc
                emulator._on_text(text)

    def _read_frame(self) -> tuple[bool, int, bytes] | None:
        head = self._read_exactly(2)
        if head is None:
            return None
        first, second = head
        if first & 0x70:
            raise ProtocolError(1002, "reserved bits set")
        if not second & 0x80:
            raise ProtocolError(1002, "client frames must be masked")
        size = second & 0x7F
        if size >= 126:
            extended = self._read_exactly(2 if size == 126 else 8)
            if extended is None:
                return None
            size = struct.unpack("!H" if len(extended) == 2 else "!Q", extended)[0]
        if size > _MAX_MESSAGE:
            raise ProtocolError(1009, "frame too big")
        mask = self._read_exactly(4)
        payload = self._read_exactly(size) if mask is not None else None
        if mask is None or payload is None:
            return None
        return bool(first & 0x80), first & 0x0F, _unmask(payload, mask)

    def _read_exactly(self, size: int) -> bytes | None:
        data = self.rfile.read(size) if size else b""
        return data if len(data) == size else None
