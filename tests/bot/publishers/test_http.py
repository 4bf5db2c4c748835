"""The HTTP surface: signatures, health, and bad input answered without a crash."""

from __future__ import annotations

import json
import time

import requests

from bot import __version__
from tests.conftest import CAROL, PROPOSALS, REVIEW


def test_healthz(harness):
    response = requests.get(harness.server.url("/healthz"), timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": __version__}


def test_bad_signature_is_401_and_changes_nothing(harness):
    from bot.emulators.slack import message_event, new_ts

    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": "Ev0BAD",
            "event": message_event(PROPOSALS, CAROL, "Hello", new_ts()),
        }
    )
    headers = harness.sender.signed_headers(body, content_type="application/json")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    response = harness.sender.post(body, "application/json", headers=headers, sign=False)
    assert response.status_code == 401
    unsigned = harness.sender.post(body, "application/json", sign=False)
    assert unsigned.status_code == 401
    assert harness.slack.messages() == []
    assert harness.store.get_post(1) is None


def test_stale_timestamp_is_401(harness):
    body = json.dumps({"type": "event_callback", "event_id": "Ev0OLD", "event": {}})
    headers = harness.sender.signed_headers(
        body, content_type="application/json", timestamp=int(time.time()) - 600
    )
    response = harness.sender.post(body, "application/json", headers=headers, sign=False)
    assert response.status_code == 401


def test_url_verification(harness):
    response = harness.sender.url_verification("challenge-123")
    assert response.status_code == 200 and "challenge-123" in response.text


def test_malformed_bodies_never_get_a_5xx(harness):
    for body, content_type in [
        ("{not json", "application/json"),
        ("payload=%7Bbroken", "application/x-www-form-urlencoded"),
        ("", "application/json"),
        ("\x00\x01garbage", "text/plain"),
        (json.dumps({"type": "event_callback", "event": {"type": "message"}}), "application/json"),
        (
            json.dumps({"type": "event_callback", "event": {"type": "no_such_event"}}),
            "application/json",
        ),
    ]:
        response = harness.sender.post(body, content_type)
        assert response.status_code < 500, (body, response.status_code)
    assert harness.slack.messages(REVIEW) == []


def test_oversized_body_is_refused(harness):
    body = json.dumps({"type": "event_callback", "padding": "a" * (1024 * 1024 + 10)})
    response = harness.sender.post(body, "application/json")
    assert response.status_code == 413


def test_unknown_path_is_404(harness):
    assert requests.get(harness.server.url("/nope"), timeout=5).status_code == 404
