"""Everything people type that reaches Slack is escaped (issue [10]): the propose form's words,
reject reasons, pause and blackout reasons — in blocks and in the ``text`` fallbacks, which
Slack parses as markup too (notifications show them). Slack escapes exactly &, < and >
(https://docs.slack.dev/messaging/formatting-message-text, "Escaping text"): a typed <!here>
must reach Slack as &lt;!here&gt;, or it pings the whole channel."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.slack.blocks import REJECT_ACTION
from tests.bot.slack.test_propose_modal import submit
from tests.bot.slack.test_review_buttons import buttons, click, submit_reason
from tests.conftest import BOB, CAROL, DANA, PROPOSALS, REVIEW

TYPED = "Note <!here> <!channel> <@U123> &amp; done"
# "&" first: the typed "&amp;" stays "&amp;" on screen.
ESCAPED = "Note &lt;!here&gt; &lt;!channel&gt; &lt;@U123&gt; &amp;amp; done"
# A slash command's text comes as Slack's markup, "&", "<" and ">" as entities, like every text
# Slack sends ("All text in Slack uses the same system of escaping": slack-go/slack,
# examples/webhooks/webhooks.go; https://docs.slack.dev/messaging/formatting-message-text).
AS_SENT = TYPED.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
CLEAN = "Our drop-in centre is open every weekday from 10am. Everyone is welcome."


def sent(h, since: int = 0) -> str:
    """Every Web API call the app made (messages, updates, ephemerals, views), as JSON."""
    return "\n".join(
        json.dumps(c.json if c.json is not None else c.form)
        for c in h.slack.calls[since:]
        if c.path.startswith("/api/")
    )


def assert_escaped(text: str) -> None:
    for raw in ("<!here>", "<!channel>", "<@U123>", TYPED):
        assert raw not in text, raw
    assert ESCAPED in text


def test_the_propose_forms_words_reach_slack_escaped(harness):
    submit(harness, text=f"Our open day is on Saturday. {TYPED}")
    [proposal] = [m for m in harness.slack.messages(PROPOSALS) if "Proposed by" in m["text"]]
    assert_escaped(proposal["text"])
    [card] = harness.slack.messages(REVIEW)
    assert_escaped(json.dumps(card["blocks"]))
    assert_escaped(sent(harness))


def test_a_reject_reason_reaches_the_thread_escaped(harness):
    ts = harness.propose(CAROL, CLEAN)
    card = harness.card(harness.post_for(ts))
    click(harness, REJECT_ACTION, buttons(card)[REJECT_ACTION], BOB, card)
    metadata = harness.slack.views[-1]["view"]["private_metadata"]
    before = len(harness.slack.calls)
    submit_reason(harness, BOB, metadata, TYPED)
    note = [t for t in harness.thread_texts(ts) if "was rejected" in t]
    assert note and ESCAPED in note[0]
    assert_escaped(sent(harness, before))


def test_a_pause_reason_reaches_slack_escaped(harness):
    before = len(harness.slack.calls)
    first = harness.command(f"pause {AS_SENT}", DANA)
    assert first.status_code == 200
    [alert] = [m for m in harness.slack.messages(REVIEW) if "paused all publishing" in m["text"]]
    assert_escaped(alert["text"])  # the fallback, which notifications show
    assert_escaped(json.dumps(alert["blocks"]))
    assert f"<@{DANA}>" in alert["text"]  # the app's own mention still names the admin
    assert_escaped(sent(harness, before))
    again = harness.command("pause", DANA)  # the answer quotes the pause already on
    assert "already paused" in again.text
    assert_escaped(again.text)


def test_a_blackout_reason_reaches_slack_escaped(harness):
    start = (harness.clock() + timedelta(days=7)).date()
    before = len(harness.slack.calls)
    added = harness.command(f"blackout add {start} {start + timedelta(days=1)} {AS_SENT}", DANA)
    assert "added" in added.text
    [alert] = [m for m in harness.slack.messages(REVIEW) if "added blackout" in m["text"]]
    assert_escaped(alert["text"])
    assert_escaped(json.dumps(alert["blocks"]))
    assert_escaped(sent(harness, before))
    listed = harness.command("blackout list", DANA).text
    assert_escaped(listed)
