"""The emergency stop: pause stops all publishing at once, nothing is lost, resume goes on in
order with what missed its slot moved to the next free slots."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.posts import DeliveryStatus
from tests.conftest import BOB, DANA, REVIEW, card_text


def x_due(harness, post):
    return next(d for d in harness.store.deliveries_for(post.id) if d.platform == "x")


def test_pause_stops_everything_and_resume_requeues_in_order(harness):
    posts = [harness.approved_post(f"Post {n} of our week of events.")[0] for n in range(3)]
    assert [x_due(harness, p).due_at.hour for p in posts] == [9, 17, 9]  # Mon 09:30, 17:00, Tue
    assert "Only admins" in harness.command("pause", BOB).text
    answer = harness.command("pause A tragedy in our community", DANA).text
    assert "Paused" in answer
    assert any(
        "paused all publishing: A tragedy in our community" in m["text"]
        for m in harness.slack.messages(REVIEW)
    )
    assert "Publishing is paused: A tragedy" in card_text(harness.card(posts[0]))
    harness.clock.now = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)  # every slot above passed
    assert harness.runtime.delivery.publish_due() == 0
    harness.command(f"now {posts[0].id}", DANA)
    assert "paused" in harness.slack.responses()[-1]["text"]
    assert harness.x.tweets == [] and harness.graph.posts == []
    # X: all three slots passed; Facebook: Monday's and Tuesday's (Wednesday's is still ahead)
    assert "Resumed; 5 late deliveries re-queued" in harness.command("resume", DANA).text
    # not dumped at once: the next free slots, in the original order
    assert [x_due(harness, p).due_at for p in posts] == [
        datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
        datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
        datetime(2026, 11, 25, 17, 0, tzinfo=UTC),
    ]
    assert harness.runtime.delivery.publish_due() == 0  # nothing is due right now
    harness.clock.now = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    harness.runtime.delivery.publish_due()
    assert [t["text"] for t in harness.x.tweets] == ["Post 0 of our week of events."]
    assert all(
        d.status is not DeliveryStatus.CANCELLED
        for p in posts
        for d in harness.store.deliveries_for(p.id)
    )


def test_pause_twice_and_resume_when_not_paused(harness):
    harness.command("pause", DANA)
    assert "already paused" in harness.command("pause again", DANA).text
    harness.command("resume", DANA)
    assert "was not paused" in harness.command("resume", DANA).text
    actions = [r["action"] for r in harness.store.audit_log()]
    assert actions.count("publishing_paused") == 1 and actions.count("publishing_resumed") == 1


def test_alerts_name_the_admins_and_keep_untrusted_text_inert(harness):
    harness.command("pause <!channel> check the account", DANA)
    [alert] = [m for m in harness.slack.messages(REVIEW) if "paused all publishing" in m["text"]]
    section = alert["blocks"][0]["text"]["text"]
    assert section.startswith(f":rotating_light: <@{DANA}> paused all publishing")
    assert section.endswith(f"\n<@{DANA}>")  # the admins are mentioned, so Slack notifies them
    assert "&lt;!channel&gt;" in section and "<!channel>" not in section
    assert alert["text"].endswith(f"(<@{DANA}>)")
