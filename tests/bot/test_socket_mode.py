"""Socket Mode for real: `countersign serve --socket` in its own process, connected through
Bolt's default (slack_sdk builtin) client to the Slack emulator's WebSocket side.

The served process is shared by the module's tests; the envelopes carry the same bodies Slack
POSTs over HTTP, and the effects are looked at in the Slack emulator, as in test_scenarios.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.emulators.slack import SlackEmulator, message_event, new_ts, slash_command
from bot.emulators.socket_mode import (
    CLOSE,
    CONTINUATION,
    PING,
    PONG,
    TEXT,
    SocketModeEmulator,
    accept_key,
    encode_frame,
)
from bot.slack.markup import unescape
from tests.bot.test_crash import env_for
from tests.conftest import (
    CAROL,
    DANA,
    PROPOSALS,
    REVIEW,
    Harness,
    card_text,
    close_harness,
    make_harness,
    wait_until,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM")

APP_TOKEN = "xapp-test"
CONNECTED = "connected to Slack in Socket Mode"
CLEAN = "Our drop-in centre is open every weekday from 10am. Everyone is welcome."


@dataclass
class Served:
    h: Harness
    socket: SocketModeEmulator
    process: subprocess.Popen[bytes]
    log: Path
    env: dict[str, str]
    tmp: Path

    @property
    def slack(self) -> SlackEmulator:
        return self.h.slack

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


def serve(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--socket"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=out,
        )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("socket")
    h = make_harness(tmp)  # the emulators and config/; its in-process app is not used
    close_harness(h, keep_emulators=True)
    ws = h.slack.enable_socket_mode()
    env = env_for(h, tmp) | {"SLACK_APP_TOKEN": APP_TOKEN}
    log = tmp / "serve.log"
    process = serve(env, log)
    try:
        assert ws.connected.wait(15), "no Socket Mode connection:\n" + log.read_text()
        yield Served(h, ws, process, log, env, tmp)
        process.terminate()  # SIGTERM: the product closes the client and exits
        assert process.wait(timeout=15) == 0, log.read_text()
        wait_until(lambda: ws.connections == 0, timeout=5)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for emulator in (h.slack, h.x, h.graph):
            emulator.stop()


def test_serve_connects_with_the_app_token_and_gets_hello(served):
    [opened] = served.slack.calls_to(r"^/api/apps\.connections\.open$")
    assert opened.method == "POST"
    assert opened.headers["authorization"] == f"Bearer {APP_TOKEN}"
    assert served.socket.hellos == 1 and served.socket.connections == 1
    wait_until(lambda: served.socket.pings, timeout=5)  # it pings right after the handshake
    wait_until(lambda: CONNECTED in served.stderr(), timeout=5)
    assert served.process.poll() is None


def test_a_proposal_over_the_socket_is_acked_then_reported_and_carded(served):
    ts = new_ts()
    envelope_id = served.socket.event(message_event(PROPOSALS, CAROL, CLEAN, ts))
    ack = served.socket.wait_for_ack(envelope_id, timeout=10)
    assert ack.payload is None  # events are acked with the envelope_id alone

    [report] = wait_until(lambda: served.slack.thread(PROPOSALS, ts), timeout=10)
    number = re.match(r"#\d+", report["text"])
    assert number, report["text"]
    card = wait_until(
        lambda: next((m for m in served.slack.messages(REVIEW) if CLEAN in card_text(m)), None),
        timeout=10,
    )
    shown = card_text(card)
    assert f"{number.group()} " in shown and f"<@{CAROL}>" in shown
    assert served.socket.received == []  # nothing but acks came back on the socket


def test_help_command_over_the_socket_is_answered_in_the_ack(served):
    staff = served.socket.command("help", user_id=CAROL, channel_id=REVIEW)
    admin = served.socket.command("help", user_id=DANA, channel_id=REVIEW)
    staff_help = served.socket.wait_for_ack(staff, timeout=10).payload
    admin_help = served.socket.wait_for_ack(admin, timeout=10).payload
    assert staff_help is not None and admin_help is not None
    assert staff_help["text"].startswith("What you can do with Countersign:")
    assert "/countersign help" in staff_help["text"] and "now <id>" not in staff_help["text"]
    assert "now <id>" in unescape(admin_help["text"]) and "<" not in admin_help["text"]


def test_over_the_socket_a_command_acts_once_and_only_for_this_workspace(served):
    fields = slash_command("help", user_id=CAROL, channel_id=REVIEW)
    first = served.socket.send("slash_commands", fields)
    assert served.socket.wait_for_ack(first, timeout=10).payload  # answered
    # The same command delivered again (one trigger_id: one use) is acked and not answered.
    again = served.socket.send("slash_commands", fields)
    assert served.socket.wait_for_ack(again, timeout=10).payload is None
    # A command naming another workspace is acked and not answered either.
    other = slash_command("help", user_id=CAROL, channel_id=REVIEW, team_id="T0THEIRS")
    foreign = served.socket.send("slash_commands", other)
    assert served.socket.wait_for_ack(foreign, timeout=10).payload is None
    assert "refused a request (command /countersign) for workspace T0THEIRS" in served.stderr()


def test_a_refresh_request_reconnects_and_envelopes_still_get_through(served):
    served.socket.disconnect("refresh_requested")  # Slack does this every few hours
    served.socket.wait_for_connections(1, hellos=2, timeout=10)
    wait_until(lambda: served.socket.connections == 1, timeout=10)  # the old one is closed
    assert len(served.slack.calls_to(r"^/api/apps\.connections\.open$")) == 2
    envelope_id = served.socket.command("help", user_id=CAROL, channel_id=REVIEW)
    assert served.socket.wait_for_ack(envelope_id, timeout=10).payload


# -- start-up failures: fast and clear, never a hang ---------------------------------------------


def run_until_exit_or(
    env: dict[str, str], log: Path, needle: str, timeout: float = 20
) -> tuple[int | None, str]:
    """Serve until it exits, or until ``needle`` shows in its log; (exit status or None, log)."""
    process = serve(env, log)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if needle in log.read_text(errors="replace"):
                break
            time.sleep(0.05)
        return process.poll(), log.read_text(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def elsewhere(served: Served, name: str) -> dict[str, str]:
    """The served environment with its own database, so a second process never shares one."""
    own = served.tmp / name
    own.mkdir()
    return served.env | {
        "COUNTERSIGN_DB": str(own / "countersign.db"),
        "COUNTERSIGN_DATA_DIR": str(own / "data"),
    }


WRONG_TOKENS = [
    pytest.param("xapp-1-wrong", "invalid_auth", id="unknown-app-token"),
    pytest.param("xoxb-test", "not_allowed_token_type", id="bot-token-as-app-token"),
]


@pytest.mark.parametrize(("token", "error"), WRONG_TOKENS)
def test_a_wrong_app_token_stops_serve_at_once(served, token, error):
    hellos = served.socket.hellos
    env = elsewhere(served, f"wrong-{error}") | {"SLACK_APP_TOKEN": token}
    status, log = run_until_exit_or(env, served.tmp / f"wrong-{error}.log", CONNECTED)
    assert status is not None and status != 0, log  # it exits, with a clear message
    assert error in log and "apps.connections.open" in log
    assert CONNECTED not in log
    assert served.socket.hellos == hellos  # it never reached the WebSocket


def test_a_wrong_app_token_is_reported_like_any_other_setting(served):
    env = elsewhere(served, "wrong-clear") | {"SLACK_APP_TOKEN": "xapp-1-wrong"}
    status, log = run_until_exit_or(env, served.tmp / "wrong-clear.log", CONNECTED)
    assert status == 2, log
    assert "Traceback" not in log
    assert "countersign: " in log and "SLACK_APP_TOKEN" in log and "invalid_auth" in log


def test_a_websocket_address_that_does_not_answer_is_retried_at_once(served):
    """slack_sdk logs a failed handshake without raising; its monitor opens a new URL at once."""
    hellos = served.socket.hellos
    opened = len(served.slack.calls_to(r"^/api/apps\.connections\.open$"))
    with SocketModeEmulator() as gone:
        dead_url = gone.url  # a port nobody listens on any more
    served.slack.inject(  # once: the next caller gets it, the one after a live address
        r"^/api/apps\.connections\.open$", status=200, body={"ok": True, "url": dead_url}
    )
    log = served.tmp / "unreachable.log"
    process = serve(elsewhere(served, "unreachable"), log)
    try:
        served.socket.wait_for_connections(2, hellos=hellos + 1, timeout=15)
        assert "Failed to establish a connection" in log.read_text()
        assert len(served.slack.calls_to(r"^/api/apps\.connections\.open$")) == opened + 2
        assert process.poll() is None
    finally:
        process.kill()  # the served process's connection is the newest again once this one goes
        process.wait(timeout=10)
    wait_until(lambda: served.socket.connections == 1, timeout=10)


def test_socket_mode_emulator_refuses_what_is_not_a_websocket_upgrade():
    with SocketModeEmulator() as emu:
        http_url = emu.url.replace("ws://", "http://")
        assert requests.get(http_url, timeout=5).status_code == 400
        assert requests.get(http_url.replace("/link", "/other"), timeout=5).status_code == 404
        assert not emu.connected.is_set()


def test_socket_mode_emulator_speaks_rfc_6455_frames():
    """A hand-rolled client: masked frames in, fragmented text, ping, close."""
    frame = encode_frame
    with SocketModeEmulator() as emu:
        port = int(emu.url.rsplit(":", 1)[1].split("/")[0])
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            key = base64.b64encode(os.urandom(16)).decode()
            sock.sendall(
                (
                    f"GET /link/?ticket=t HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                    "Sec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += sock.recv(1)
            assert head.startswith(b"HTTP/1.1 101 ")
            assert f"Sec-WebSocket-Accept: {accept_key(key)}".encode() in head
            opcode, hello = read_frame(sock)
            assert opcode == TEXT and b'"type": "hello"' in hello
            assert emu.connected.is_set()

            envelope_id = emu.send("interactive", {"type": "block_actions", "big": "x" * 70000})
            opcode, pushed = read_frame(sock)  # a 64-bit length
            assert opcode == TEXT and envelope_id.encode() in pushed and len(pushed) > 70000

            mask = os.urandom(4)
            ack = f'{{"envelope_id": "{envelope_id}", "payload": {{"ok": true}}}}'.encode()
            first = bytearray(frame(TEXT, ack[:10], mask=mask))
            first[0] &= 0x7F  # not final
            sock.sendall(bytes(first))
            sock.sendall(frame(PING, b"hi", mask=mask))  # a control frame between fragments
            assert read_frame(sock) == (PONG, b"hi")
            sock.sendall(frame(CONTINUATION, ack[10:], mask=mask))
            assert emu.wait_for_ack(envelope_id, timeout=5).payload == {"ok": True}

            sock.sendall(frame(CLOSE, struct.pack("!H", 1000) + b"bye", mask=mask))
            assert read_frame(sock)[0] == CLOSE
            assert emu.closes == [(1000, "bye")]
            wait_until(lambda: emu.connections == 0, timeout=5)


def read_frame(sock: socket.socket) -> tuple[int, bytes]:
    first, second = _recv(sock, 2)
    size = second & 0x7F
    if size == 126:
        size = struct.unpack("!H", _recv(sock, 2))[0]
    elif size == 127:
        size = struct.unpack("!Q", _recv(sock, 8))[0]
    assert not second & 0x80, "server frames are never masked"
    return first & 0x0F, _recv(sock, size)


def _recv(sock: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        assert chunk, "connection closed"
        data += chunk
    return data
