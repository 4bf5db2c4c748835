"""The shared server: recording, injection, holds, latency, bad input, clean shutdown."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.emulators.base import Call, Emulator
from bot.emulators.png import tiny_png


class Echo(Emulator):
    def _reset_state(self) -> None:
        self.handled = 0

    def handle(self, call: Call) -> tuple[int, dict[str, str], Any]:
        if call.path == "/boom":
            raise KeyError("boom")
        self.handled += 1
        return 200, {"X-Echo": "1"}, {"path": call.path, "n": self.handled}


@pytest.fixture
def emu() -> Iterator[Echo]:
    with Echo() as e:
        yield e


def test_records_json_form_query_and_headers(emu: Echo) -> None:
    r = requests.post(emu.url + "/a/b?x=1&x=2&y=", json={"k": [1]}, headers={"X-Foo": "bar"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.json() == {"path": "/a/b", "n": 1}
    requests.post(emu.url + "/form", data={"a": "1", "b": ""})
    first, second = emu.calls
    assert first.method == "POST"
    assert first.query == {"x": "1", "y": ""}
    assert first.headers["x-foo"] == "bar"
    assert first.json == {"k": [1]}
    assert second.form == {"a": "1", "b": ""}
    assert second.json is None
    assert first.at <= second.at


def test_multipart_files_round_trip_byte_for_byte(emu: Echo) -> None:
    png = tiny_png()
    requests.post(emu.url + "/up", data={"caption": "héllo"}, files={"source": ("a.png", png)})
    call = emu.calls[0]
    assert call.files == {"source": png}
    assert call.form == {"caption": "héllo"}


def test_calls_to_filters_by_pattern_and_method(emu: Echo) -> None:
    requests.get(emu.url + "/items/1")
    requests.delete(emu.url + "/items/1")
    requests.get(emu.url + "/other")
    assert len(emu.calls_to(r"^/items/\d+$")) == 2
    assert [c.method for c in emu.calls_to("items", method="delete")] == ["DELETE"]


def test_inject_applies_to_the_next_matching_calls_only(emu: Echo) -> None:
    emu.inject("/x", status=503, body="down", headers={"Retry-After": "3"}, times=2)
    emu.inject("/y", status=500, body={"e": 1}, method="POST")
    r1 = requests.get(emu.url + "/x")
    assert (r1.status_code, r1.text, r1.headers["retry-after"]) == (503, "down", "3")
    assert r1.headers["content-type"].startswith("text/plain")
    assert requests.get(emu.url + "/x").status_code == 503
    assert requests.get(emu.url + "/x").status_code == 200
    assert requests.get(emu.url + "/y").status_code == 200  # wrong method: not injected
    r2 = requests.post(emu.url + "/y")
    assert (r2.status_code, r2.json()) == (500, {"e": 1})
    assert len(emu.calls) == 5  # injected answers are recorded too


def test_hold_blocks_until_released(emu: Echo) -> None:
    gate = emu.hold("/slow")
    results: list[int] = []
    worker = threading.Thread(
        target=lambda: results.append(requests.get(emu.url + "/slow", timeout=5).status_code)
    )
    worker.start()
    deadline = time.time() + 2
    while not emu.calls and time.time() < deadline:
        time.sleep(0.01)
    assert len(emu.calls) == 1  # recorded while held
    assert requests.get(emu.url + "/fast").status_code == 200
    assert results == []
    gate.set()
    worker.join(timeout=5)
    assert results == [200]


def test_latency_delays_every_answer() -> None:
    with Echo(latency=0.2) as emu:
        started = time.perf_counter()
        requests.get(emu.url + "/")
        assert time.perf_counter() - started >= 0.2


def test_reset_forgets_calls_injections_holds_and_state(emu: Echo) -> None:
    requests.get(emu.url + "/")
    emu.inject("/", status=500, body={})
    gate = emu.hold("/")
    emu.reset()
    assert gate.is_set()  # anything still held is let go
    assert emu.calls == []
    assert emu.handled == 0
    assert requests.get(emu.url + "/", timeout=2).json() == {"path": "/", "n": 1}


def test_bad_input_gets_a_json_400_and_the_server_survives(emu: Echo) -> None:
    bad_multipart = requests.post(
        emu.url + "/m",
        data=b"garbage",
        headers={"Content-Type": "multipart/form-data; boundary=zz"},
    )
    assert bad_multipart.status_code == 400
    assert bad_multipart.json()["error"] == "bad_request"
    no_boundary = requests.post(
        emu.url + "/m", data=b"x", headers={"Content-Type": "multipart/form-data"}
    )
    assert no_boundary.status_code == 400
    broken_json = requests.post(
        emu.url + "/j", data=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert broken_json.status_code == 200  # left for the handler to judge, json is None
    assert emu.calls[-1].json is None
    assert requests.get(emu.url + "/boom").status_code == 400
    with socket.create_connection(("127.0.0.1", int(emu.url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(b"\x00\xff garbage \r\n\r\n")
        raw.recv(1024)
    with socket.create_connection(("127.0.0.1", int(emu.url.rsplit(":", 1)[1]))) as raw:
        raw.sendall(b"POST /x HTTP/1.1\r\nContent-Length: nope\r\n\r\n")
        assert b" 400 " in raw.recv(1024)
    assert requests.get(emu.url + "/still-alive").status_code == 200


def test_stop_is_clean_and_idempotent() -> None:
    before = threading.active_count()
    emu = Echo().start()
    assert emu.start() is emu
    url = emu.url
    gate = emu.hold("/held")
    worker = threading.Thread(target=lambda: requests.get(url + "/held", timeout=5))
    worker.start()
    time.sleep(0.1)
    emu.stop()
    emu.stop()
    worker.join(timeout=5)
    assert gate.is_set()
    assert not worker.is_alive()
    with pytest.raises(RuntimeError):
        _ = emu.url
    with pytest.raises(requests.ConnectionError):
        requests.get(url, timeout=1)
    deadline = time.time() + 2
    while threading.active_count() > before and time.time() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= before
