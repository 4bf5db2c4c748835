"""Requests as Slack really sends them (tests/fixtures/real/slack_requests), replayed signed
through POST /slack/events: each acts once, and only when it is for this installation."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import requests
from PIL import Image

from bot.domain.posts import PostStatus
from bot.emulators.slack import APP_ID, BOT_USER_ID, TEAM_ID, new_ts
from bot.slack.blocks import APPROVE_ACTION, PROPOSE_TYPED, PROPOSE_VIEW
from tests.conftest import BOB, CAROL, DANA, PROPOSALS, REVIEW, card_text

FIXTURES = Path(__file__).parents[2] / "fixtures" / "real" / "slack_requests"
FORM = "application/x-www-form-urlencoded"
JSON = "application/json"
OURS = {"team_id": TEAM_ID, "api_app_id": APP_ID}
OUR_AUTHORIZATION = {
    "enterprise_id": None,
    "team_id": TEAM_ID,
    "user_id": BOT_USER_ID,
    "is_bot": True,
    "is_enterprise_install": False,
}


def fixture(name: str) -> dict[str, Any]:
    data = json.loads((FIXTURES / name).read_text())
    assert data["_source"] and data["_note"]
    return {k: v for k, v in data.items() if not k.startswith("_")}


class Signed:
    """One request, signed once: sending it again is a byte-for-byte replay."""

    def __init__(self, harness, body: str, content_type: str) -> None:
        self.harness, self.body = harness, body
        self.headers = harness.sender.signed_headers(body, content_type=content_type)

    def send(self) -> requests.Response:
        response = requests.post(
            self.harness.sender.url, data=self.body.encode(), headers=self.headers, timeout=10
        )
        self.harness.executor.drain()
        return response


def form(harness, fields: dict[str, Any]) -> Signed:
    return Signed(harness, urlencode(fields), FORM)


def payload(harness, body: dict[str, Any]) -> Signed:
    return Signed(harness, "payload=" + quote(json.dumps(body)), FORM)


def envelope(harness, body: dict[str, Any]) -> Signed:
    return Signed(harness, json.dumps(body), JSON)


# -- ssl_check ---------------------------------------------------------------------------------


def test_ssl_check_is_answered_empty_signed_or_not(harness):
    fields = fixture("ssl_check.json")
    unsigned = requests.post(
        harness.sender.url, data=urlencode(fields), headers={"Content-Type": FORM}, timeout=10
    )
    signed = form(harness, fields).send()
    for response in (unsigned, signed):
        assert (response.status_code, response.text) == (200, "")
    assert harness.slack.responses() == [] and harness.slack.messages() == []


# -- slash commands ----------------------------------------------------------------------------


def command(harness, text: str, user: str = DANA) -> dict[str, Any]:
    """The fixture's fields, addressed to this installation and this harness's people."""
    fields = fixture("slash_command.json")
    for key in ("enterprise_id", "enterprise_name"):
        fields.pop(key)
    return (
        fields
        | OURS
        | {
            "command": "/countersign",
            "text": text,
            "user_id": user,
            "channel_id": REVIEW,
            "response_url": harness.slack.response_url("real"),
            "trigger_id": f"{new_ts()}.xxx",
        }
    )


def test_a_replayed_pause_acts_once(harness):
    pause = form(harness, command(harness, "pause A crisis in our area"))
    assert pause.send().status_code == 200
    assert harness.store.paused_reason() == "A crisis in our area"
    form(harness, command(harness, "resume")).send()
    assert harness.store.paused_reason() is None
    replay = pause.send()  # the same bytes and signature, inside the 5-minute window
    assert (replay.status_code, replay.text) == (200, "")
    assert harness.store.paused_reason() is None  # still publishing
    actions = [r["action"] for r in harness.store.audit_log()]
    assert actions.count("publishing_paused") == 1


def test_a_command_from_another_organisation_does_nothing(harness):
    fields = fixture("slash_command.json") | {  # as recorded: T111 in organisation E111
        "command": "/countersign",
        "text": "pause",
        "user_id": DANA,
        "channel_id": REVIEW,
        "response_url": harness.slack.response_url("real"),
    }
    response = form(harness, fields).send()
    assert (response.status_code, response.text) == (200, "")
    assert harness.store.paused_reason() is None and harness.slack.responses() == []
    # The same command for this workspace does pause: the ids alone made the difference.
    fields |= OURS
    for key in ("enterprise_id", "enterprise_name"):
        fields.pop(key)
    form(harness, fields).send()
    assert harness.store.paused_reason() is not None


# -- block_actions -----------------------------------------------------------------------------


def approve_click(harness, card: dict[str, Any]) -> dict[str, Any]:
    body = fixture("block_actions.json")
    value = next(
        e["value"]
        for b in card["blocks"]
        if b.get("block_id") == "review"
        for e in b["elements"]
        if e["action_id"] == APPROVE_ACTION
    )
    body["user"] |= {"id": BOB, "team_id": TEAM_ID}
    body["channel"] = {"id": REVIEW, "name": "review"}
    body["container"] |= {"message_ts": card["ts"], "channel_id": REVIEW, "is_ephemeral": False}
    body["response_url"] = harness.slack.response_url("click")
    body["actions"][0] |= {"action_id": APPROVE_ACTION, "block_id": "review", "value": value}
    return body


def test_an_approval_click_for_another_installation_approves_nothing(harness):
    post = harness.post_for(harness.propose(CAROL, "Our drop-in is open on Friday."))
    card = harness.card(post)
    click = approve_click(harness, card)  # team T111 of organisation E111, app A111
    response = payload(harness, click).send()
    assert (response.status_code, response.text) == (200, "")
    assert harness.store.get_post(post.id).status is PostStatus.IN_REVIEW
    for foreign in ({"api_app_id": "A111"}, {"team": {"id": "T111", "domain": "x"}}):
        ours = copy.deepcopy(click) | {"api_app_id": APP_ID, "team": {"id": TEAM_ID}} | foreign
        ours["trigger_id"] = new_ts()
        payload(harness, ours).send()
        assert harness.store.get_post(post.id).status is PostStatus.IN_REVIEW
    click |= {"api_app_id": APP_ID, "team": {"id": TEAM_ID, "domain": "test"}}
    payload(harness, click).send()
    assert harness.store.get_post(post.id).status is PostStatus.APPROVED


# -- view_submission ---------------------------------------------------------------------------


def proposal_view(text: str) -> dict[str, Any]:
    body = fixture("view_submission.json")
    body["user"]["id"] = CAROL
    body["view"] |= {
        "callback_id": PROPOSE_VIEW,
        "state": {
            "values": {
                "text": {PROPOSE_TYPED: {"type": "plain_text_input", "value": text}},
                "platforms": {
                    "value": {
                        "type": "checkboxes",
                        "selected_options": [{"value": "x", "text": {"type": "plain_text"}}],
                    }
                },
            }
        },
    }
    return body


def proposals_by_carol(harness) -> list[str]:
    rows = harness.store._rows("SELECT id FROM posts WHERE proposer = ?", [CAROL])
    return [harness.store.get_post(r["id"]).text for r in rows]  # stored encrypted


def test_a_modal_submitted_for_another_app_proposes_nothing(harness):
    foreign = proposal_view("Our bake sale is on Saturday.")  # app and workspace as recorded
    response = payload(harness, foreign).send()
    assert (response.status_code, response.text) == (200, "")
    assert proposals_by_carol(harness) == []
    ours = proposal_view("Our bake sale is on Saturday.") | {
        "api_app_id": APP_ID,
        "team": {"id": TEAM_ID, "domain": "test"},
    }
    ours["user"]["team_id"] = TEAM_ID
    ours["view"] |= {"team_id": TEAM_ID, "app_id": APP_ID, "app_installed_team_id": TEAM_ID}
    payload(harness, ours).send()
    assert proposals_by_carol(harness) == ["Our bake sale is on Saturday."]


# -- events ------------------------------------------------------------------------------------


def proposal_event(name: str, text: str) -> dict[str, Any]:
    body = fixture(name)
    body["event"] |= {"channel": PROPOSALS, "user": CAROL, "text": text, "ts": new_ts()}
    body["event"]["event_ts"] = body["event"]["ts"]
    body["event_id"] = "Ev" + body["event"]["ts"].replace(".", "")
    return body


def test_an_event_for_another_organisation_proposes_nothing(harness):
    foreign = proposal_event("event_org_install_message.json", "Our choir sings on Sunday.")
    response = envelope(harness, foreign).send()
    assert response.status_code == 200
    assert harness.store.post_for_message(PROPOSALS, foreign["event"]["ts"]) is None
    # The envelope's team_id is ours in both: the authorizations entry decides, as in Bolt.
    ours = proposal_event("event_org_install_message.json", "Our choir sings on Sunday.")
    ours |= OURS | {"authorizations": [OUR_AUTHORIZATION]}
    ours.pop("enterprise_id")
    foreign_team = copy.deepcopy(ours) | {"team_id": TEAM_ID}
    foreign_team["authorizations"] = [OUR_AUTHORIZATION | {"team_id": "T999"}]
    foreign_team["event_id"] += "b"
    envelope(harness, foreign_team).send()
    assert harness.store.post_for_message(PROPOSALS, ours["event"]["ts"]) is None
    envelope(harness, ours).send()
    assert harness.store.post_for_message(PROPOSALS, ours["event"]["ts"]) is not None


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 160, 60)).save(out, "PNG")
    return out.getvalue()


def connect_share(harness, files_info: str) -> dict[str, Any]:
    """The Slack Connect file_share event, addressed to this installation, naming the file
    that ``files_info`` (a recorded files.info answer) describes."""
    file = harness.slack.install_file(fixture(files_info)["file"], png())
    body = proposal_event("event_file_share_check_file_info.json", "")
    body |= OURS | {"authorizations": [OUR_AUTHORIZATION]}
    [stub] = body["event"]["files"]
    assert stub == {
        k: stub[k] for k in ("id", "mode", "file_access", "created", "timestamp", "user")
    }
    stub["id"] = file["id"]
    return body


def test_a_slack_connect_photo_is_fetched_through_files_info(harness):
    body = connect_share(harness, "files_info_hosted_image.json")
    assert envelope(harness, body).send().status_code == 200
    post = harness.post_for(body["event"]["ts"])
    assert post.status is PostStatus.IN_REVIEW, post.findings
    assert [a.name for a in post.images] == ["ghostrap.png"]
    assert "ghostrap.png" in card_text(harness.card(post))
    assert len(harness.slack.calls_to(r"^/api/files\.info$")) == 1


def test_a_remote_file_behind_a_stub_is_refused_with_a_note(harness):
    recorded = fixture("files_remote_info.json")["file"]
    # Its external URL moves to loopback (the X emulator), so that a request would be seen.
    recorded |= {"url_private": harness.x.url + "/doc", "external_url": harness.x.url + "/doc"}
    file = harness.slack.install_file(recorded)
    body = connect_share(harness, "files_info_hosted_image.json")
    body["event"]["files"][0]["id"] = file["id"]
    envelope(harness, body).send()
    post = harness.post_for(body["event"]["ts"])
    assert post.status is PostStatus.BLOCKED
    [finding] = [f for f in post.findings if f.rule == "image_unreadable"]
    assert finding.excerpt == "Test"  # the name files.info gave
    assert "a link to a file kept outside Slack (on app)" in finding.message
    report = card_text(harness.slack.thread(PROPOSALS, body["event"]["ts"])[0])
    assert "outside Slack" in report  # the proposer is told why, in the thread
    assert harness.x.calls == []
