"""Bad input at POST /slack/events, generated: whatever arrives, the answer is a 4xx or a 200,
never a 5xx; no listener raises (Bolt would only log it); a refused request changes nothing;
and the server still answers a good request afterwards.

Fuzzed bodies are signed, so they get past the signature check and reach Bolt's middleware and
the listeners themselves. One app serves every example: starting one costs more than a hundred
requests.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
import uuid
from collections.abc import Iterator
from copy import deepcopy
from typing import Any
from urllib.parse import urlencode

import pytest
import requests
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from bot.emulators.slack import (
    block_actions,
    delete_event,
    edit_event,
    event_callback,
    message_event,
    new_ts,
    reaction_event,
    slash_command,
    view_submission,
)
from bot.server import MAX_BODY_BYTES
from bot.slack.blocks import (
    APPROVE_ACTION,
    EDIT_ACTION,
    EDIT_VIEW,
    FULL_TEXT_ACTION,
    PROPOSE_SHORTCUT,
    PROPOSE_TYPED,
    PROPOSE_VIEW,
    PROPOSE_X_TYPED,
    REJECT_ACTION,
    REJECT_VIEW,
    SUGGEST_ACTION,
    WITHDRAW_ACTION,
)
from bot.slack.home import RESUME_PLATFORM
from tests.conftest import (
    ALICE,
    BOB,
    CAROL,
    DANA,
    PROPOSALS,
    REVIEW,
    Harness,
    close_harness,
    make_harness,
)

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")),  # more for a deeper search
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
JSON_TYPE = "application/json"
FORM_TYPE = "application/x-www-form-urlencoded"
CLEAN = "Our drop-in centre is open every weekday from 10am. Everyone is welcome."


class Errors(logging.Handler):
    """Every ERROR record from anywhere: Bolt logs a listener's exception and carries on."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def take(self) -> list[str]:
        taken, self.records = self.records, []
        return [f"{r.name}: {r.getMessage()}" for r in taken]


class App:
    """The harness, the errors logged and a real post (for buttons to name), with a short repr
    for Hypothesis's reports."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.errors = Errors()
        self.post = harness.post_for(harness.propose(CAROL, CLEAN))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.harness, name)

    def __repr__(self) -> str:
        return "App()"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    harness = make_harness(tmp_path_factory.mktemp("fuzz"))
    harness.slack.usergroups["S0APPROVERS"] = []
    fuzzed = App(harness)
    logging.getLogger().addHandler(fuzzed.errors)
    try:
        yield fuzzed
    finally:
        logging.getLogger().removeHandler(fuzzed.errors)
        close_harness(harness)


@pytest.fixture
def h(app: Any) -> Iterator[Any]:
    app.errors.take()
    yield app
    assert_still_serves(app)


def snapshot(h: Any) -> tuple[Any, ...]:
    """Everything a request could change: every table, and what Slack was sent."""
    conn = sqlite3.connect(f"file:{h.tmp / 'countersign.db'}?mode=ro", uri=True)
    try:
        # Bolt answers 404 to what nothing listens to after the event's id (or the request's
        # signature, for commands and interactions) is recorded as seen.
        seen = ('"slack_events"', '"slack_requests"')
        tables = [line for line in conn.iterdump() if not any(t in line for t in seen)]
    finally:
        conn.close()
    slack = h.slack
    return (tables, slack.messages(), slack.ephemerals(), slack.views, slack.responses())


def assert_still_serves(h: Any) -> None:
    ts = new_ts()
    response = h.sender.event(message_event(PROPOSALS, ALICE, CLEAN + " " + ts, ts))
    h.executor.drain()
    assert response.status_code == 200
    assert h.store.post_for_message(PROPOSALS, ts) is not None
    assert h.thread_texts(ts), "no report in the thread"
    assert h.errors.take() == []


def settle(h: Any, response: requests.Response, before: tuple[Any, ...]) -> None:
    """The verdict on one fuzzed request."""
    if currently_in_test_context():
        event(f"answered {response.status_code}")
    h.executor.drain()
    assert response.status_code < 500, (response.status_code, response.text)
    assert response.status_code in (200, 400, 401, 404, 413), response.status_code
    assert h.errors.take() == []
    if response.status_code >= 400:
        assert snapshot(h) == before, "a refused request changed something"


def send(h: Any, body: str | bytes, content_type: str, **headers: str) -> requests.Response:
    """POST a body signed as Slack would sign it (bytes are sent as they are)."""
    raw = body.encode() if isinstance(body, str) else body
    # The signature covers the text; a body that is not UTF-8 is refused before it is checked.
    signed = h.sender.signed_headers(raw.decode("utf-8", "replace"), content_type=content_type)
    signed.update(headers)
    return requests.post(h.sender.url, data=raw, headers=signed, timeout=10)


def fuzz(h: Any, body: str | bytes, content_type: str = JSON_TYPE) -> None:
    before = snapshot(h)
    settle(h, send(h, body, content_type), before)


# -- values ------------------------------------------------------------------------------------

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "1:",
            ":abc",
            "1:abc",
            "999999999:abc",
            "99999999999999999999",
            "#1",
            "x",
            "facebook",
            "slot",
            "at",
            "9999999999999",
            "-99999999999",
            "1e309",
            "U0DANA",
            PROPOSALS,
            REVIEW,
            "\x00",
            "\u202e",
            "a" * 5000,
        ]
    )
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(["id", "value", "type"]), inner)
    ),
    max_leaves=12,
)
CONTENT_TYPES = st.sampled_from(
    [
        JSON_TYPE,
        FORM_TYPE,
        "application/json; charset=utf-8",
        "text/plain",
        "multipart/form-data; boundary=x",
        "application/xml",
        "",
    ]
)


# -- the requests Slack sends, to mutate -------------------------------------------------------


def _block_actions(
    h: Any, action_id: str, value: str, *, user: str = CAROL, view: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A click on a message in the review channel, or (with ``view``) typing in a modal."""
    payload = block_actions(
        user,
        action_id,
        value,
        channel=REVIEW,
        message_ts=new_ts(),
        response_url=h.slack.response_url("fuzz"),
        block_id="b",
    )
    if view is not None:
        del payload["channel"], payload["response_url"]
        payload |= {"view": view, "container": {"type": "view", "view_id": view["id"]}}
    return payload


def _view_submission(callback_id: str, values: dict[str, Any], metadata: str) -> dict[str, Any]:
    return view_submission(CAROL, callback_id, values, private_metadata=metadata)


def interactive(h: Any) -> list[dict[str, Any]]:
    """One of each button, form and shortcut the app answers."""
    post = h.post
    version = f"{post.id}:{post.content_hash}"
    propose_values = {
        "text": {PROPOSE_TYPED: {"type": "plain_text_input", "value": "Fuzzed words."}},
        "x_text": {PROPOSE_X_TYPED: {"type": "plain_text_input", "value": ""}},
        "platforms": {"value": {"type": "checkboxes", "selected_options": [{"value": "x"}]}},
        "when": {"value": {"type": "radio_buttons", "selected_option": {"value": "at"}}},
        "at": {"value": {"type": "datetimepicker", "selected_date_time": 1_900_000_000}},
        "images": {"value": {"type": "file_input", "files": []}},
        "alt": {"value": {"type": "plain_text_input", "value": "a\nb"}},
    }
    return [
        _block_actions(h, APPROVE_ACTION, version, user=BOB),
        _block_actions(h, REJECT_ACTION, version, user=ALICE),
        _block_actions(h, SUGGEST_ACTION, version),
        _block_actions(h, EDIT_ACTION, version),
        _block_actions(h, WITHDRAW_ACTION, "999:abc"),
        _block_actions(h, FULL_TEXT_ACTION, str(post.id)),
        _block_actions(h, RESUME_PLATFORM, "x", user=DANA),
        _block_actions(h, "delivery_confirm_published", "1", user=DANA),
        _block_actions(h, "no_such_action", "1"),
        _block_actions(
            h,
            PROPOSE_TYPED,
            "words",
            view={"id": "V1", "hash": "h", "type": "modal", "callback_id": PROPOSE_VIEW},
        ),
        _view_submission(PROPOSE_VIEW, propose_values, ""),
        _view_submission(
            REJECT_VIEW, {"reason": {"text": {"type": "plain_text_input", "value": "No."}}}, version
        ),
        _view_submission(
            EDIT_VIEW, {"text": {"text": {"type": "plain_text_input", "value": "New."}}}, version
        ),
        _view_submission("no_such_view", {}, ""),
        {
            "type": "shortcut",
            "callback_id": PROPOSE_SHORTCUT,
            "trigger_id": "9.9.9",
            "user": {"id": CAROL},
            "team": {"id": "T0001"},
        },
        {"type": "shortcut", "callback_id": "no_such", "trigger_id": "9", "user": {"id": CAROL}},
        {
            "type": "view_closed",
            "user": {"id": CAROL},
            "view": {"type": "modal", "callback_id": "x"},
        },
        {"type": "block_suggestion", "user": {"id": CAROL}, "action_id": "x", "value": "a"},
    ]


def events(h: Any) -> list[dict[str, Any]]:
    ts = h.post.source_ts
    return [
        message_event(PROPOSALS, CAROL, "A fuzzed proposal.", new_ts()),
        message_event(PROPOSALS, CAROL, "With a file.", new_ts(), files=[{"id": "F1"}]),
        message_event(PROPOSALS, CAROL, "A reply.", new_ts(), thread_ts=new_ts()),
        edit_event(PROPOSALS, CAROL, ts, "Edited words."),
        delete_event(PROPOSALS, new_ts(), user=CAROL),
        reaction_event(BOB, "white_check_mark", REVIEW, h.post.card_ts or new_ts()),
        reaction_event(ALICE, "x", PROPOSALS, ts, removed=True),
        {"type": "app_home_opened", "user": DANA, "tab": "home", "event_ts": new_ts()},
        {"type": "no_such_event", "user": CAROL, "event_ts": new_ts()},
        {"type": "app_mention", "user": CAROL, "text": "<@UBOT> hi", "channel": PROPOSALS},
    ]


COMMAND_TEXTS = st.sampled_from(
    [
        "",
        "help",
        "propose",
        "now 1",
        "takedown 99999",
        "pause",
        "resume",
        "resume x",
        "resume mastodon",
        "schedule",
        "schedule add x mon 09:00",
        "schedule remove all sun 25:61",
        "queue",
        "queue move 1 9999-12-31T23:59",
        "queue front 0",
        "blackout list",
        "blackout add 0001-01-01 9999-12-31",
        "blackout add 2026-11-24 2026-11-23",
        "blackout remove x",
        "people list",
        "people add",
        "people add Sam --consent maybe",
        "people add Sam --consent no --expires 2026-02-30",
        "people consent P-999 yes",
        "people remove",
        "frobnicate",
    ]
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON value, to replace or delete."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, child in value.items():
            found += paths(child, (*prefix, key))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found += paths(child, (*prefix, i))
    return found


def same_kind(value: Any) -> st.SearchStrategy[Any]:
    """Another value of the same JSON type: what gets past a check of types to the listeners."""
    if isinstance(value, str):
        return SCALARS.filter(lambda v: isinstance(v, str))
    if isinstance(value, bool) or value is None:
        return st.booleans() | st.none()
    if isinstance(value, int | float):
        return st.integers(min_value=-(2**70), max_value=2**70) | st.floats(allow_nan=False)
    if isinstance(value, list):
        return st.lists(JSON, max_size=3)
    return st.dictionaries(st.sampled_from(["id", "value", "type", "text", "x"]), JSON, max_size=3)


@st.composite
def mutated(draw: st.DrawFn, template: dict[str, Any]) -> dict[str, Any]:
    """The template with one or two of its values deleted, or replaced by another value of
    the same type (mostly) or of any type."""
    body = deepcopy(template)
    for _ in range(draw(st.integers(1, 2))):
        places = paths(body)
        if not places:
            break
        *parent_path, last = draw(st.sampled_from(places))
        parent = body
        for step in parent_path:
            parent = parent[step]
        how = draw(st.sampled_from(["delete", "same", "same", "same", "any"]))
        if how == "delete" and isinstance(parent, dict):
            del parent[last]
        elif how == "any":
            parent[last] = draw(JSON)
        else:
            parent[last] = draw(same_kind(parent[last]))
    return body


# -- the tests ---------------------------------------------------------------------------------


@FUZZ
@given(body=st.binary(max_size=600) | st.text(max_size=600), content_type=CONTENT_TYPES)
def test_garbage_of_any_content_type_is_refused_or_ignored(h, body, content_type):
    fuzz(h, body, content_type)


@FUZZ
@given(value=JSON, as_form=st.booleans())
def test_any_json_value_as_the_body_or_as_the_payload(h, value, as_form):
    text = json.dumps(value)
    if as_form:
        fuzz(h, urlencode({"payload": text}), FORM_TYPE)
    else:
        fuzz(h, text, JSON_TYPE)


@FUZZ
@given(data=st.data())
def test_broken_form_payloads(h, data):
    raw = data.draw(
        st.sampled_from(
            [
                "payload=",
                "payload=%7B",
                "payload=%7Bbroken",
                "payload=%5B%5D",
                "payload=null",
                "payload=%22text%22",
                "payload=%FF%FE",
                "payload=" + "%5B" * 5000,
                "payload=" + "%7B%22a%22%3A" * 3000,
                "payload&payload",
                "a=1&payload=2&payload=%7B%7D",
                "payload=%7B%7D&" * 100,
                "%%%%",
            ]
        )
        | st.text(max_size=200).map(lambda t: "payload=" + t)
        | st.lists(st.tuples(st.text(max_size=10), st.text(max_size=30)), max_size=5).map(
            lambda pairs: urlencode([("payload", "{"), *pairs])
        )
    )
    fuzz(h, raw, FORM_TYPE)


@FUZZ
@given(data=st.data())
def test_events_with_fields_of_the_wrong_type_or_missing(h, data):
    template = data.draw(st.sampled_from(events(h)))
    envelope = event_callback(template, event_id="Ev" + uuid.uuid4().hex[:10].upper())
    body = data.draw(mutated(envelope))
    fuzz(h, json.dumps(body), JSON_TYPE)


@FUZZ
@given(data=st.data())
def test_buttons_forms_and_shortcuts_with_fields_of_the_wrong_type_or_missing(h, data):
    payload = data.draw(mutated(data.draw(st.sampled_from(interactive(h)))))
    fuzz(h, urlencode({"payload": json.dumps(payload)}), FORM_TYPE)


FORM_VALUES = st.dictionaries(
    st.sampled_from(["text", "x_text", "platforms", "when", "at", "images", "alt", "reason"]),
    st.dictionaries(
        st.sampled_from([PROPOSE_TYPED, PROPOSE_X_TYPED, "value", "text"]),
        st.dictionaries(
            st.sampled_from(
                ["value", "selected_options", "selected_option", "selected_date_time", "files"]
            ),
            JSON,
        )
        | JSON,
    )
    | JSON,
)


@FUZZ
@given(
    callback_id=st.sampled_from([PROPOSE_VIEW, REJECT_VIEW, EDIT_VIEW]),
    values=FORM_VALUES,
    metadata=st.sampled_from(["", "1", "1:", "x:y", "99999999999999999999:a"]) | st.text(),
    typed=st.booleans(),
)
@example(
    callback_id=REJECT_VIEW,
    values={"reason": {"text": {"type": "plain_text_input", "value": "Not today."}}},
    metadata="99999999999999999999:a",  # an id too big for SQLite's INTEGER
    typed=False,
)
@example(
    callback_id=REJECT_VIEW,
    values={"reason": {"text": {"type": "plain_text_input", "value": "Not today."}}},
    metadata="\u0661:a",  # an Arabic-Indic one: a digit to str.isdigit, not a post id
    typed=False,
)
def test_forms_whose_fields_hold_anything(h, callback_id, values, metadata, typed):
    """The modals' own fields, as submitted or as typed, whatever shape their state has."""
    if typed:
        payload = _block_actions(
            h,
            PROPOSE_TYPED,
            "words",
            view={
                "id": "V1",
                "type": "modal",
                "callback_id": callback_id,
                "state": {"values": values},
            },
        )
    else:
        payload = _view_submission(callback_id, values, metadata)
    fuzz(h, urlencode({"payload": json.dumps(payload)}), FORM_TYPE)


@FUZZ
@given(
    text=COMMAND_TEXTS | st.text(max_size=80),
    user=st.sampled_from([CAROL, DANA]),
    drop=st.sets(st.sampled_from(["text", "user_id", "channel_id", "trigger_id"]), max_size=1),
    command=st.sampled_from(["/countersign", "/countersign", "/countersign", "/other", ""]),
)
def test_slash_commands_with_any_words_or_missing_fields(h, text, user, drop, command):
    fields = slash_command(
        text,
        user_id=user,
        channel_id=REVIEW,
        command=command,
        response_url=h.slack.response_url("fuzz"),
    )
    for name in drop:
        del fields[name]
    fuzz(h, urlencode(fields), FORM_TYPE)


def test_the_named_shapes_are_refused(h):
    """The shapes the issue names, each once, whatever Hypothesis happens to draw."""
    good = event_callback(message_event(PROPOSALS, CAROL, "Words.", new_ts()))
    wrong = [
        {**good, "event": [good["event"]]},
        {**good, "event": "message"},
        {**good, "event_id": 12345},
        {**good, "event": {**good["event"], "text": {"text": "Words."}}},
        {**good, "event": {**good["event"], "user": ["U0CAROL"]}},
        {**good, "authorizations": "all"},
        [good],
        None,
    ]
    for body in wrong:
        before = snapshot(h)
        response = send(h, json.dumps(body), JSON_TYPE)
        assert response.status_code == 400, body
        settle(h, response, before)
    for payload in [
        {"type": "block_actions", "user": {"id": CAROL}},  # no actions
        {"type": "block_actions", "user": {"id": CAROL}, "actions": []},
        {"type": "block_actions", "user": {"id": CAROL}, "actions": ["review_approve"]},
        {"type": "block_actions", "actions": [{"action_id": APPROVE_ACTION, "value": "1:a"}]},
        {"type": "view_submission", "user": {"id": CAROL}, "view": {"callback_id": REJECT_VIEW}},
        {"type": "view_submission", "team": {"id": "T0001"}, "view": {"type": "modal"}},
    ]:
        before = snapshot(h)
        response = send(h, urlencode({"payload": json.dumps(payload)}), FORM_TYPE)
        assert response.status_code == 400, payload
        settle(h, response, before)


def test_unknown_events_actions_and_views_are_answered_without_effect(h):
    for body, content_type in [
        (json.dumps(event_callback({"type": "no_such_event", "user": CAROL})), JSON_TYPE),
        (
            urlencode({"payload": json.dumps(_block_actions(h, "no_such_action", "1"))}),
            FORM_TYPE,
        ),
        (
            urlencode({"payload": json.dumps(_view_submission("no_such_view", {}, ""))}),
            FORM_TYPE,
        ),
    ]:
        before = snapshot(h)
        response = send(h, body, content_type)
        settle(h, response, before)
        assert response.status_code == 200  # quietly ignored: Slack retries a 404
        assert snapshot(h) == before


def test_a_body_over_a_megabyte_is_refused(h):
    for size in (MAX_BODY_BYTES + 1, 3 * MAX_BODY_BYTES):
        body = json.dumps(
            event_callback(message_event(PROPOSALS, CAROL, "a" * size, new_ts(), raw=True))
        )
        before = snapshot(h)
        response = send(h, body, JSON_TYPE)
        assert response.status_code == 413
        settle(h, response, before)


def test_a_replayed_event_is_processed_once(h):
    ts = new_ts()
    envelope = event_callback(message_event(PROPOSALS, CAROL, CLEAN + " (replayed)", ts))
    first = send(h, json.dumps(envelope), JSON_TYPE)
    h.executor.drain()
    assert first.status_code == 200
    post = h.post_for(ts)
    before = snapshot(h)
    for retry in ("1", "2"):
        again = send(h, json.dumps(envelope), JSON_TYPE, **{"X-Slack-Retry-Num": retry})
        settle(h, again, before)
        assert again.status_code == 200
        assert snapshot(h) == before
    # The same id with other words is still the same event.
    envelope["event"]["text"] = "Something else entirely."
    settle(h, send(h, json.dumps(envelope), JSON_TYPE), before)
    assert snapshot(h) == before
    assert h.store.get_post(post.id).text == post.text


SIGNATURES = st.sampled_from(["", "v0=", "v1=abc", "v0=" + "0" * 64, "v0=\xe9"]) | st.text(
    st.characters(min_codepoint=33, max_codepoint=255), max_size=80
)
TIMESTAMPS = st.sampled_from(["", "abc", "-1", "0", "1e9", "1 ", "²³", "\xb9"]) | st.integers(
    min_value=-(10**20), max_value=10**20
).map(str)


@FUZZ
@given(
    signature=SIGNATURES | st.none(),
    timestamp=TIMESTAMPS | st.none(),
    skew=st.sampled_from([None, -(10**6), -400, 400, 10**6]),
    tamper=st.booleans(),
)
def test_unsigned_badly_signed_and_stale_requests_are_401(h, signature, timestamp, skew, tamper):
    ts = new_ts()
    body = json.dumps(event_callback(message_event(PROPOSALS, CAROL, CLEAN + " " + ts, ts)))
    stamp = int(time.time()) + (skew or 0)
    headers = h.sender.signed_headers(body, content_type=JSON_TYPE, timestamp=stamp)
    if skew is None:  # a fresh, correct signature, then something else goes wrong
        assume(signature is not None or timestamp is not None or tamper)
        if signature is not None:
            headers["X-Slack-Signature"] = signature
        if timestamp is not None:
            headers["X-Slack-Request-Timestamp"] = timestamp
    sent = body.replace("A fuzzed", "B fuzzed") + (" " if tamper else "")
    raw = {k: v.encode("latin-1") for k, v in headers.items()}
    before = snapshot(h)
    response = requests.post(h.sender.url, data=sent.encode(), headers=raw, timeout=10)
    assert response.status_code in (400, 401), response.status_code
    settle(h, response, before)
    assert h.store.post_for_message(PROPOSALS, ts) is None


@pytest.mark.parametrize(
    "text",
    [
        "blackout add 0001-01-01 9999-12-31",
        "blackout add 9999-12-31 9999-12-31",
        "blackout add 0001-01-01T00:00+14:00 2026-12-01",
        "blackout add 2026-12-01 9999-12-31T23:59-12:00",
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_a_usage_answer(h, text):
    fields = slash_command(
        text, user_id=DANA, channel_id=REVIEW, response_url=h.slack.response_url("fuzz")
    )
    before = snapshot(h)
    response = send(h, urlencode(fields), FORM_TYPE)
    settle(h, response, before)
    assert response.status_code == 200
    assert "not a date or time" in response.text or "Usage" in response.text, response.text
