"""Tokens, secrets and confidential excerpts never reach the log.

The real product runs as a subprocess (`python -m bot serve --http`) against the emulators, once
at DEBUG (where HTTP clients and Bolt like to log headers and bodies) and once at the default
level. A full scenario is driven through signed requests: clean, confidential and badly voiced
proposals, a photo that cannot be downloaded, the bot's own report coming back as an event,
reactions, a rejection with a reason, an edit, `/countersign now` with X failing (401, 429)
and Facebook answering 500 after making the post (settled from the Page), a platform resume,
`/countersign people` commands (one mistyped), a withdrawn consent, takedowns with Slack
refusing a card update, and a badly signed request.
Then everything the process wrote is scanned for every secret (as is, URL-encoded,
JSON-escaped), for authorisation header shapes, and for every confidential excerpt and the text
of every post.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

from bot.emulators.graph import GraphEmulator
from bot.emulators.process import product_env
from bot.emulators.slack import (
    BOT_ID,
    BOT_USER_ID,
    SlackEmulator,
    SlackEventSender,
    block_actions,
    edit_event,
    message_event,
    new_ts,
    reaction_event,
    view_submission,
)
from bot.emulators.x import XEmulator
from bot.slack.blocks import REJECT_ACTION, REJECT_VIEW
from bot.storage import open_store
from bot.storage.crypto import Keyring
from tests.conftest import ALICE, BOB, CAROL, DANA, PROPOSALS, REVIEW, SCHEDULE, wait_until

# Distinctive values, long enough that finding one is never a coincidence, with characters that
# URL-encoding changes (real X and Slack secrets are alphanumeric; a register key may be anything).
SECRETS = {
    "SLACK_BOT_TOKEN": "xoxb-7301946658-8825531904-Qm4VtR8zLp2WnK6sYd9HbJ3c",
    "SLACK_SIGNING_SECRET": "5e1b9f07c3d24a86b2e0f7c9a1d35b64",
    "SLACK_APP_TOKEN": "xapp-1-A07QZT5LM2V-7301946658-4f2b8c1e9d7a6053b4e1f8c2a9d0b7e3",
    "X_CONSUMER_KEY": "Kc7vQ2mXr9LtWp4Z+hNb8Ys3Fd",
    "X_CONSUMER_SECRET": "Zt3pWq8Lm2Vx7Rk4Nb9Hc6Yd1Jf5Gs0Tq/Ae8Uw3Po7Ki2Lm9Xv",
    "X_ACCESS_TOKEN": "1739204856173920485-Hq7Lk2Wm9Vr4Xt8Pz+3Nb6Yc1",
    "X_ACCESS_TOKEN_SECRET": "Rf6Jn2Qw9Tk4Vm7Lx3Pz8Hb1Yc5Gd0Ss/Ue4Aw7Ko2Nt9Xq",
    "FACEBOOK_PAGE_TOKEN": "EAAGm0PX4ZCpsBAOZCq7Wk2LrT9vNx3HbY8dJf6Mq1Sz5Gc4Vp0Kw7Ue2Ia9Ry3Tn",
    "COUNTERSIGN_SECRET_KEY": "register-key/Qx7+Wm3=Lp9&Zt2#Vk5",
}
PAGE_ID = "104729385610273"

# The consent register: one person without consent (added on the command line before start),
# one with consent (added by the admin in Slack) whose consent is then withdrawn.
NO_CONSENT = "Marguerite Oyelaran"
NO_CONSENT_ALIAS = "Maggie Oyelaran"
WITHDRAWN = "Thaddeus Fairweather"
REFUGE = "14 Wrenfield Crescent"
REFUGE_NAME = "Wrenfield House"

EXCERPTS = [
    NO_CONSENT,
    "Oyelaran",
    NO_CONSENT_ALIAS,
    WITHDRAWN,
    "Fairweather",
    "07700 900461",  # the phone number as written
    "07700900461",  # and its digits
    "+447700900461",  # and as libphonenumber formats it
    "m.oyelaran84@example.org",
    "14/03/1987",
    "943 476 5919",
    "9434765919",
    "CASE-40721",
    "27 Larkspur Road",
    "LS7 3QT",
    REFUGE,
    REFUGE_NAME,
    "LS6 2QZ",
]

CLEAN = "Our winter coat drive opens on Saturday at the community hall. Warm clothes welcome."
CONFIDENTIAL = (
    f"Thank you to {NO_CONSENT} (born 14/03/1987, NHS number 943 476 5919, case CASE-40721), "
    "who lives at 27 Larkspur Road, Leeds LS7 3QT. Call her on 07700 900461 or write to "
    "m.oyelaran84@example.org."
)
AT_REFUGE = f"Our volunteers delivered hampers to the families at {REFUGE} this week."
REFUGE_EDITED = "Our volunteers delivered forty hampers to families this week."
VOICE = "I think our evening opening hours are honestly the best thing we have done all year."
REASON = "Please rewrite it in the organisation's voice, without the personal opinion."
NAMING = f"Congratulations to {WITHDRAWN}, who ran the city 10k for the night shelter."
PHOTO_NAME = f"{NO_CONSENT} outside {REFUGE_NAME}.jpg"
PHOTO_TEXT = "Our garden volunteers planted two hundred bulbs this morning."
GRAPH_TRANSIENT = {
    "error": {
        "message": "An unexpected error has occurred. Please retry your request later.",
        "type": "OAuthException",
        "code": 2,
        "is_transient": True,
        "fbtrace_id": "AbCdEf0123",
    }
}
BAD_SIGNATURE = f"Forged: {NO_CONSENT} is staying at {REFUGE}, call 07700 900461."

# Whole post texts: blocked ones must never be logged; the others neither (post text is not
# the log's business at any level, published or not).
POST_TEXTS = [
    CLEAN,
    CONFIDENTIAL,
    PHOTO_TEXT,
    PHOTO_NAME,
    AT_REFUGE,
    REFUGE_EDITED,
    VOICE,
    REASON,
    NAMING,
    BAD_SIGNATURE,
]

POLICY = f"""\
country: GB
case_references: ['\\bCASE-\\d{{5}}\\b']
confidential_locations:
  - label: Refuge A
    address: {REFUGE}, Leeds LS6 2QZ
    also: [{REFUGE_NAME}]
"""

# An Authorization header or a signed request's pieces in the log, whatever the token.
HEADER_SHAPES = [
    re.compile(r"Bearer\s+(?!\*\*\*)\S"),
    re.compile(r"OAuth\s+oauth_"),
    re.compile(r"oauth_(consumer_key|token|signature)\s*=\s*\"?(?!\*\*\*)[^\s\"&,]"),
    re.compile(r"access_token=(?!\*\*\*)[^\s&\"']"),
    re.compile(r"[Aa]uthorization['\"]?\s*[:=]\s*['\"]?(?!\*\*\*|\(redacted\))\w"),
]


def forms(value: str) -> set[str]:
    """The ways a value can be written into a log: as is, URL-encoded, JSON-escaped."""
    return {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
    }


def sensitive() -> dict[str, str]:
    """Everything the log must not hold, by the name a failure report shows instead."""
    named = dict(SECRETS)
    named |= {f"excerpt {n}": excerpt for n, excerpt in enumerate(EXCERPTS)}
    named |= {f"post text {n}": text for n, text in enumerate(POST_TEXTS)}
    return named


def mask(text: str) -> str:
    """``text`` with every sensitive value, in every form, replaced by its name: a failure
    report must not print what it caught."""
    for name, value in sorted(sensitive().items(), key=lambda item: -len(item[1])):
        for form in sorted(forms(value), key=len, reverse=True):
            text = re.sub(re.escape(form), f"<{name}>", text, flags=re.IGNORECASE)
    return text


def leaks(log: str, value: str) -> list[str]:
    """The log's lines holding ``value`` in any of its forms (case-insensitively)."""
    patterns = [re.compile(re.escape(form), re.IGNORECASE) for form in forms(value)]
    return [line for line in log.splitlines() if any(p.search(line) for p in patterns)]


# -- the product and the world it talks to ---------------------------------------------------


@dataclass
class World:
    slack: SlackEmulator
    x: XEmulator
    graph: GraphEmulator
    env: dict[str, str]
    tmp: Path
    sender: SlackEventSender | None = None

    def store(self) -> Any:
        return open_store(self.tmp / "countersign.db", Keyring(SECRETS["COUNTERSIGN_SECRET_KEY"]))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    slack = SlackEmulator(token=SECRETS["SLACK_BOT_TOKEN"], app_token=SECRETS["SLACK_APP_TOKEN"])
    x = XEmulator(consumer_key=SECRETS["X_CONSUMER_KEY"], access_token=SECRETS["X_ACCESS_TOKEN"])
    graph = GraphEmulator(page_id=PAGE_ID, page_token=SECRETS["FACEBOOK_PAGE_TOKEN"])
    for emulator in (slack, x, graph):
        emulator.start()
    config = tmp_path / "config"
    config.mkdir()
    (config / "schedule.yaml").write_text(SCHEDULE)
    (config / "policy.yaml").write_text(POLICY)
    env = product_env(
        slack,
        x,
        graph,
        tmp_path,
        proposals=PROPOSALS,
        review=REVIEW,
        approvers=f"{ALICE},{BOB}",
        admins=DANA,
        **SECRETS,
        FACEBOOK_PAGE_ID=PAGE_ID,
        COUNTERSIGN_TIMEZONE="Europe/London",
        PYTHONUNBUFFERED="1",
    )
    yield World(slack, x, graph, env, tmp_path)
    for emulator in (slack, x, graph):
        emulator.stop()


def run_cli(world: World, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env=world.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout + done.stderr


def start_server(world: World, log_path: Path) -> subprocess.Popen[bytes]:
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "serve", "--http"],
            env=world.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{world.env['PORT']}/slack/events"
    world.sender = SlackEventSender(
        url, SECRETS["SLACK_SIGNING_SECRET"], response_url=world.slack.response_url()
    )
    wait_until(lambda: "listening on port" in log_path.read_text(errors="replace"), timeout=30)
    return process


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


# -- driving it ------------------------------------------------------------------------------


class Driver:
    def __init__(self, world: World) -> None:
        self.w = world
        assert world.sender is not None
        self.sender = world.sender

    def propose(self, user: str, text: str) -> str:
        ts = new_ts()
        assert self.sender.event(message_event(PROPOSALS, user, text, ts)).status_code == 200
        # The report in the proposer's thread says the checks ran.
        wait_until(lambda: self.w.slack.thread(PROPOSALS, ts), timeout=15)
        return ts

    def thread(self, ts: str) -> list[str]:
        return [m["text"] for m in self.w.slack.thread(PROPOSALS, ts)]

    def post_id(self, ts: str) -> int:
        store = self.w.store()
        try:
            post = wait_until(lambda: store.post_for_message(PROPOSALS, ts), timeout=15)
            return int(post.id)
        finally:
            store.close()

    def card_ts(self, ts: str) -> str:
        def card() -> str | None:
            store = self.w.store()
            try:
                post = store.post_for_message(PROPOSALS, ts)
                return post.card_ts if post is not None else None
            finally:
                store.close()

        return str(wait_until(card, timeout=15))

    def status(self, ts: str) -> str:
        store = self.w.store()
        try:
            post = store.post_for_message(PROPOSALS, ts)
            return str(post.status.value) if post is not None else ""
        finally:
            store.close()

    def react(self, user: str, ts: str, reaction: str = "white_check_mark", channel: str = REVIEW):
        assert self.sender.event(reaction_event(user, reaction, channel, ts)).status_code == 200

    def command(self, user: str, text: str) -> str:
        response = self.sender.command(text, user_id=user, channel_id=REVIEW)
        assert response.status_code == 200, response.text
        return response.text

    def command_reply(self, user: str, text: str, expect: str, timeout: float = 20.0) -> str:
        """A command that answers later through the response_url (now, takedown)."""
        before = len(self.w.slack.responses())
        self.command(user, text)

        def answered() -> str | None:
            for r in self.w.slack.responses()[before:]:
                if expect in str(r.get("text", "")):
                    return str(r["text"])
            return None

        return str(wait_until(answered, timeout=timeout))

    def click(self, user: str, card_ts: str, action_id: str) -> None:
        card = self.w.slack.message(REVIEW, card_ts)
        assert card is not None
        value = next(
            e["value"]
            for block in card["blocks"]
            if block.get("block_id") == "review"
            for e in block["elements"]
            if e["action_id"] == action_id
        )
        payload = block_actions(
            user,
            action_id,
            value,
            channel=REVIEW,
            message_ts=card_ts,
            response_url=self.w.slack.response_url("click"),
        )
        assert self.sender.action(payload).status_code == 200

    def submit_reason(self, user: str, metadata: str, reason: str) -> None:
        text = {"type": "plain_text_input", "value": reason}
        payload = view_submission(
            user, REJECT_VIEW, {"reason": {"text": text}}, private_metadata=metadata
        )
        assert self.sender.action(payload).status_code == 200


def x_rate_limited() -> dict[str, str]:
    # A few seconds ahead: the reset is whole seconds, so "+2" could be 1.01 s away, and a
    # busy machine then answered `now` after the scheduler had already taken the retry.
    reset = str(int(time.time()) + 5)
    return {
        "x-rate-limit-limit": "300",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": reset,
    }


def scenario(world: World) -> None:
    d = Driver(world)
    slack, x, graph = world.slack, world.x, world.graph

    # A clean proposal, approved by someone else; the proposer's own approval changes nothing.
    clean = d.propose(CAROL, CLEAN)
    clean_card = d.card_ts(clean)
    d.react(CAROL, clean_card)
    wait_until(lambda: slack.ephemerals(CAROL), timeout=10)
    d.react(BOB, clean_card)
    wait_until(lambda: d.status(clean) == "approved", timeout=10)
    clean_id = d.post_id(clean)

    # Confidential material: blocked; an approver's reaction on the proposal changes nothing.
    confidential = d.propose(CAROL, CONFIDENTIAL)
    assert d.status(confidential) == "blocked"
    # Slack sends the bot's own messages back as events, the report with its excerpts too.
    report = slack.thread(PROPOSALS, confidential)[0]
    assert "07700 900461" in json.dumps(report["blocks"])  # the proposer's thread shows them
    own = message_event(PROPOSALS, BOT_USER_ID, report["text"], report["ts"])
    own |= {"thread_ts": confidential, "bot_id": BOT_ID, "app_id": "A0001"}
    own |= {"blocks": report["blocks"]}
    assert d.sender.event(own).status_code == 200
    d.react(ALICE, confidential, channel=PROPOSALS)
    wait_until(lambda: slack.ephemerals(ALICE), timeout=10)
    assert d.status(confidential) == "blocked"

    # A refuge's address, blocked, then edited away and approved.
    refuge = d.propose(CAROL, AT_REFUGE)
    assert d.status(refuge) == "blocked"
    edit = edit_event(PROPOSALS, CAROL, refuge, REFUGE_EDITED, old_text=AT_REFUGE)
    assert d.sender.event(edit).status_code == 200
    refuge_card = d.card_ts(refuge)
    d.react(ALICE, refuge_card)
    wait_until(lambda: d.status(refuge) == "approved", timeout=10)

    # A photo Slack cannot hand over, its file name as confidential as any post.
    photo = new_ts()
    unreachable = {
        "id": "F0UNREACHABLE",
        "name": PHOTO_NAME,
        "title": PHOTO_NAME,
        "mimetype": "image/jpeg",
        "filetype": "jpg",
        "size": 2048,
        "url_private": "http://127.0.0.1:9/files-pri/T0001-F0UNREACHABLE/photo.jpg",
        "url_private_download": "http://127.0.0.1:9/files-pri/T0001-F0UNREACHABLE/photo.jpg",
        "mode": "hosted",
    }
    event = message_event(PROPOSALS, CAROL, PHOTO_TEXT, photo, files=[unreachable])
    assert d.sender.event(event).status_code == 200
    wait_until(lambda: d.thread(photo), timeout=15)
    assert d.status(photo) == "blocked"  # a photo nobody could check

    # A voice problem, rejected with a reason.
    voice = d.propose(CAROL, VOICE)
    voice_card = d.card_ts(voice)
    d.click(BOB, voice_card, REJECT_ACTION)
    opened = wait_until(lambda: slack.views, timeout=10)[-1]
    d.submit_reason(BOB, opened["view"]["private_metadata"], REASON)
    wait_until(lambda: d.status(voice) == "rejected", timeout=10)

    # Publishing at once: X refuses the credentials (X pauses until resumed) while Facebook
    # answers code 2 / HTTP 500 after making the post (settled from the Page: published).
    x.inject(
        r"^/2/tweets$",
        method="POST",
        status=401,
        body={"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "no"},
    )
    graph.inject(r"/feed$", method="POST", status=500, body=GRAPH_TRANSIENT, acted=True)
    said = d.command_reply(DANA, f"now {clean_id}", f"#{clean_id}")
    assert "X queued" in said and "Facebook published" in said, said
    wait_until(lambda: any("rejected Countersign" in m["text"] for m in slack.messages(REVIEW)))
    assert "resumed" in d.command(DANA, "resume x")
    wait_until(lambda: x.tweets, timeout=20)  # the queued X delivery goes out after the resume

    # The consent register by the admin; a post naming someone with consent, published.
    assert "Saved" in d.command(
        DANA, f'people add "{WITHDRAWN}" --consent yes --label P-2 --alias "Thad Fairweather"'
    )
    # Unquoted, the surname is an unrecognised argument, and the answer says so.
    assert "unrecognized arguments" in d.command(DANA, f"people add {WITHDRAWN} --consent yes")
    d.command(DANA, "people list")
    naming = d.propose(CAROL, NAMING)
    d.react(BOB, d.card_ts(naming))
    wait_until(lambda: d.status(naming) == "approved", timeout=10)
    naming_id = d.post_id(naming)
    # X is rate limited: the delivery waits for the reset, then the scheduler publishes it.
    x.inject(
        r"^/2/tweets$",
        method="POST",
        status=429,
        headers=x_rate_limited(),
        body={"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
    )
    assert "X queued" in d.command_reply(DANA, f"now {naming_id}", f"#{naming_id}")
    wait_until(lambda: len(x.tweets) == 2, timeout=20)

    # Consent withdrawn: the admins are told which posts name them; both posts are taken down.
    withdrawn = d.command(DANA, "people consent P-2 no")
    assert f"#{naming_id}" in withdrawn, withdrawn
    slack.inject(r"chat\.update$", status=200, body={"ok": False, "error": "message_not_found"})
    d.command_reply(DANA, f"takedown {naming_id}", "taken down")
    d.command_reply(DANA, f"takedown {clean_id}", "taken down")
    assert x.tweets == []

    # A forged request: refused, changes nothing.
    body = json.dumps(
        {
            "type": "event_callback",
            "event_id": "Ev0FORGED",
            "event": message_event(PROPOSALS, CAROL, BAD_SIGNATURE, new_ts()),
        }
    )
    headers = d.sender.signed_headers(body, content_type="application/json")
    headers["X-Slack-Signature"] = "v0=" + "0" * 64
    assert d.sender.post(body, "application/json", headers=headers, sign=False).status_code == 401


# -- the test --------------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["DEBUG", None], ids=["debug", "default-level"])
def test_a_full_scenario_logs_no_secret_and_no_confidential_text(world, tmp_path, level):
    if level:
        world.env["COUNTERSIGN_LOG_LEVEL"] = level
    cli_out = run_cli(
        world,
        "people",
        "add",
        NO_CONSENT,
        "--consent",
        "no",
        "--alias",
        NO_CONSENT_ALIAS,
        "--label",
        "P-1",
    )
    log_path = tmp_path / "serve.log"
    server = start_server(world, log_path)
    try:
        scenario(world)
        time.sleep(0.5)  # let the last lines reach the file
    except AssertionError as exc:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-40:])
        raise AssertionError(f"{exc}\n-- the log's last lines, masked --\n{mask(tail)}") from None
    finally:
        stop_server(server)
    log = log_path.read_text(errors="replace") + cli_out

    found: list[str] = []
    for name, value in sensitive().items():
        found += [f"{name}: {line}" for line in leaks(log, value)]
    for shape in HEADER_SHAPES:
        found += [
            f"header {shape.pattern}: {line}" for line in log.splitlines() if shape.search(line)
        ]
    if found:  # pytest.fail, not assert: an assertion's report would print the values unmasked
        report = "\n".join(dict.fromkeys(mask(line)[:400] for line in found))
        pytest.fail("the log holds what it must not:\n" + report)

    # The log is the product's, and it saw the scenario: a scan of nothing proves nothing.
    clean_lines = [line for line in log.splitlines() if "published on" in line]
    assert "listening on port" in log
    assert any("on X" in line for line in clean_lines), log[-3000:]
    assert any("on Facebook" in line for line in clean_lines), log[-3000:]
    for kind in ("credentials", "rate_limited"):
        assert re.search(rf"X delivery failed \({kind}\)", log), (kind, log[-3000:])
    assert "Facebook delivery failed (unknown): settle" in log, log[-3000:]
    assert "Slack chat.update failed: message_not_found" in log, log[-3000:]
    # Its link is not on Slack's file servers: refused without a request, logged by its id.
    assert "refused to download file F0UNREACHABLE from outside Slack" in log, log[-3000:]
    for said in ("proposed by", "blocked (", "approved by", "rejected by", "taken down on"):
        assert said in log, (said, log[-3000:])
