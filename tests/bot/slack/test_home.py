"""The App Home: each role sees what is theirs, the largest home fits Slack's limits, and the
words of a post can never become mentions or links."""

import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from bot.domain.findings import Finding, Severity
from bot.domain.posts import PostStatus
from bot.domain.review import Decision
from bot.scheduling.slots import Schedule, weekly_slots
from bot.slack.home import RESUME_PLATFORM, home_view, weekly
from bot.slack.markup import unescape
from bot.storage import open_store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # a Monday; London is on UTC in November
ZONE = ZoneInfo("Europe/London")
PLATFORMS = ("x", "facebook")
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
SCHEDULE = Schedule(
    tuple(
        sorted(
            {
                *weekly_slots("x", "mon-fri", ["09:30", "12:30", "17:00"]),
                *weekly_slots("x", "weekends", ["11:00"]),
                *weekly_slots("facebook", "daily", ["10:00"]),
            }
        )
    )
)
MESSAGES = itertools.count(1)
WARNING = Finding("voice", "opinion", Severity.WARN, 0, 5, "I feel", "Opinion marker.")


@pytest.fixture
def store(tmp_path):
    store = open_store(tmp_path / "c.db")
    yield store
    store.close()


def propose(store, proposer, text, *, findings=(), status=PostStatus.IN_REVIEW, at=NOW):
    post, _ = store.create_post(
        source_channel="C0PROPOSALS",
        source_ts=f"{at.timestamp():.0f}.{next(MESSAGES):06d}",
        proposer=proposer,
        text=text,
        platforms=PLATFORMS,
        content_hash=f"hash of {proposer}: {text}",
        findings=list(findings),
        status=status,
        at=at,
    )
    return post


def approve(store, post, approver, queue=None, *, status=PostStatus.APPROVED):
    return store.set_status(
        post.id,
        status,
        actor=approver,
        action="approved",
        at=NOW,
        review=Decision.APPROVE,
        queue=queue,
    )


def home(store, user, *, approver=False, admin=False, now=NOW):
    view = home_view(
        user,
        is_approver=approver,
        is_admin=admin,
        store=store,
        schedule=SCHEDULE,
        zone=ZONE,
        platforms=PLATFORMS,
        now=now,
    )
    validate(view)
    return view


def validate(view):
    assert View(**view).validate_json() is None  # raises past Slack's view limits
    assert 0 < len(view["blocks"]) <= 100
    for raw in view["blocks"]:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()
        text = raw.get("text")
        if isinstance(text, dict):
            assert len(text["text"]) <= (150 if raw["type"] == "header" else 3000)
        for element in raw.get("elements", []):
            if element.get("type") == "mrkdwn":
                assert len(element["text"]) <= 3000


def _text(block):
    if isinstance(block.get("text"), dict):
        return block["text"]["text"]
    return "\n".join(
        e["text"] if isinstance(e.get("text"), str) else e["text"]["text"]
        for e in block.get("elements", [])
    )


def headers(view):
    return [b["text"]["text"] for b in view["blocks"] if b["type"] == "header"]


def part(view, title):
    """The text under one header, up to the next."""
    lines, inside = [], False
    for block in view["blocks"]:
        if block["type"] == "header":
            inside = block["text"]["text"] == title
        elif inside and block["type"] != "divider":
            lines.append(_text(block))
    return "\n".join(lines)


def buttons(view):
    return [e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_a_proposer_sees_their_own_proposals_and_their_states_only(store):
    mine = propose(store, ALICE, "Our drop-in opens at nine on Saturday.")
    approve(store, mine, BOB, {"x": NOW + timedelta(hours=1, minutes=30)})
    propose(store, ALICE, "Blocked words", status=PostStatus.BLOCKED)
    theirs = propose(store, BOB, "Volunteers needed for the winter shelter.")

    view = home(store, ALICE)

    assert headers(view) == ["Countersign", "Your proposals"]
    yours = part(view, "Your proposals")
    assert f"*#{mine.id}*" in yours and "Our drop-in opens at nine" in yours
    assert f"Approved by <@{BOB}>" in yours
    assert "X: scheduled for Mon 23 Nov 2026 09:30" in yours
    assert "Blocked by the checks — edit your message to fix it" in yours
    assert f"#{theirs.id}" not in yours and "Volunteers" not in yours
    assert yours.index("Blocked words") < yours.index("Our drop-in")  # newest first
    assert "/countersign help" in _text(view["blocks"][-1])
    assert not buttons(view)


def test_someone_who_proposed_nothing_is_told_how_to(store):
    propose(store, BOB, "Not Alice's")
    yours = part(home(store, ALICE), "Your proposals")
    assert "You have not proposed anything yet" in yours


def test_a_proposer_sees_only_their_most_recent_ten(store):
    for n in range(12):
        propose(store, ALICE, f"Post number {n:02d}")
    yours = part(home(store, ALICE), "Your proposals")
    assert "Post number 11" in yours and "Post number 02" in yours
    assert "Post number 01" not in yours
    assert "…and 2 more, older." in yours


def test_an_approver_sees_what_waits_for_them_but_not_their_own_or_what_they_approved(store):
    first = propose(store, ALICE, "First in line", findings=[WARNING, WARNING])
    own = propose(store, BOB, "Bob's own post")
    # Two approvals required: Bob's is in, so the post is still in review but not for Bob.
    approved = approve(
        store, propose(store, CAROL, "Bob approved this"), BOB, status=PostStatus.IN_REVIEW
    )
    later = propose(store, CAROL, "Second in line", findings=[WARNING])
    propose(store, CAROL, "Blocked one", status=PostStatus.BLOCKED)
    approve(store, propose(store, ALICE, "Already approved"), CAROL)

    waiting = part(home(store, BOB, approver=True), "Waiting for your review")

    assert f"*#{first.id}* from <@{ALICE}> · 2 warnings" in waiting
    assert f"*#{later.id}* from <@{CAROL}> · 1 warning" in waiting
    assert waiting.index("First in line") < waiting.index("Second in line")  # oldest first
    assert "2 posts, oldest first" in waiting
    for absent in (own, approved):
        assert f"#{absent.id}*" not in waiting
    assert "Blocked one" not in waiting and "Already approved" not in waiting

    # An edit voids Bob's approval: the new words wait for him again.
    store.revise(
        approved.id,
        text="Bob approved this, then it changed",
        content_hash="new words",
        findings=[],
        status=PostStatus.IN_REVIEW,
        actor=CAROL,
        at=NOW,
    )
    waiting = part(home(store, BOB, approver=True), "Waiting for your review")
    assert f"*#{approved.id}* from <@{CAROL}> · no warnings · version 2" in waiting


def test_an_approver_with_nothing_to_review_is_told_so(store):
    propose(store, BOB, "Only Bob's")
    waiting = part(home(store, BOB, approver=True), "Waiting for your review")
    assert waiting.startswith("Nothing waits for you.") and "*#" not in waiting
    assert "Waiting for your review" not in headers(home(store, ALICE))


def test_an_admin_sees_the_queue_schedule_platforms_and_a_resume_button_for_paused_only(store):
    post = propose(store, ALICE, "Our AGM is on Thursday")
    approve(store, post, BOB, {"x": NOW + timedelta(hours=1, minutes=30), "facebook": NOW})
    store.pause_platform("x", reason="401 Unauthorized", at=NOW)
    store.hold_platform("facebook", until=NOW + timedelta(minutes=45))

    view = home(store, CAROL, admin=True)

    assert headers(view) == [
        "Countersign",
        "Your proposals",
        "Queue",
        "Schedule",
        "Platforms",
        "Controls",
    ]
    queue = part(view, "Queue")
    assert "*X* · 1 queued" in queue
    assert f"• Mon 23 Nov 09:30 · *#{post.id}* “Our AGM is on Thursday”" in queue
    assert f"• Mon 23 Nov 08:00 (overdue) · *#{post.id}*" in queue  # held by the rate limit
    schedule = part(view, "Schedule")
    assert "*X*: Mon–Fri 09:30, 12:30, 17:00; Sat–Sun 11:00" in schedule
    # 09:30 is taken by the post above; Facebook's own slot today is free.
    assert "next free slot Mon 23 Nov 12:30" in schedule
    assert "*Facebook*: Every day 10:00 · next free slot Mon 23 Nov 10:00" in schedule
    assert "Europe/London" in schedule
    platforms = part(view, "Platforms")
    assert "*X*: paused" in platforms and "401 Unauthorized" in platforms
    assert "*Facebook*: rate-limited until 08:45" in platforms
    [button] = buttons(view)
    assert button["action_id"] == RESUME_PLATFORM and button["value"] == "x"
    controls = part(view, "Controls")
    # "<id>" must reach Slack escaped, or Slack reads it as a link and shows nothing of it.
    assert "<" not in controls
    for command in ("now <id>", "takedown <id>", "resume x|facebook", "people "):
        assert command in unescape(controls)

    store.resume_platform("x", actor=CAROL, at=NOW)
    later = home(store, CAROL, admin=True, now=NOW + timedelta(hours=1))
    assert not buttons(later)
    assert "*X*: publishing" in part(later, "Platforms")
    assert "*Facebook*: publishing" in part(later, "Platforms")  # the hold has passed

    for user, approver in ((ALICE, False), (BOB, True)):
        seen = home(store, user, approver=approver)
        assert "Queue" not in headers(seen) and not buttons(seen)


def test_an_admin_sees_an_empty_queue_and_a_schedule_without_slots(store):
    view = home_view(
        CAROL,
        is_approver=True,
        is_admin=True,
        store=store,
        schedule=Schedule(tuple(weekly_slots("x", "tue", ["09:00"]))),
        zone=ZONE,
        platforms=PLATFORMS,
        now=NOW,
    )
    validate(view)
    assert "*X* · nothing queued" in part(view, "Queue")
    assert "*Facebook*: no slots" in part(view, "Schedule")
    assert "*X*: Tue 09:00 · next free slot Tue 24 Nov 09:00" in part(view, "Schedule")


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        ("mon-fri", "Mon–Fri 09:00"),
        ("daily", "Every day 09:00"),
        ("mon,wed,fri", "Mon, Wed, Fri 09:00"),
        ("mon,tue,thu,sat,sun", "Mon–Tue, Thu, Sat–Sun 09:00"),
    ],
)
def test_weekly_slots_name_runs_of_days(days, expected):
    assert weekly(weekly_slots("x", days, ["09:00"])) == expected


def test_days_with_different_times_are_listed_apart():
    slots = [
        *weekly_slots("x", "mon-fri", ["12:30", "09:30"]),
        *weekly_slots("x", "wed", ["17:00"]),
    ]
    assert weekly(slots) == "Mon–Tue, Thu–Fri 09:30, 12:30; Wed 09:30, 12:30, 17:00"


def test_the_largest_home_stays_within_slacks_limits(store):
    # Text that grows fivefold when escaped, and a long error on every queued delivery.
    long = "&<>" * 3000
    for n in range(300):
        mine = propose(store, ALICE, f"{n} {long}", findings=[WARNING] * 40)
        theirs = propose(store, CAROL, f"{n} {long}", findings=[WARNING] * 40)
        if n % 2:
            due = NOW + timedelta(hours=n)
            approve(store, mine, BOB, {"x": due, "facebook": due})
            later = due + timedelta(minutes=30)  # one post per platform per slot
            approve(store, theirs, BOB, {"x": later, "facebook": later})
    for delivery in store.due(NOW + timedelta(days=30)):
        claimed = store.claim(delivery.id, at=NOW)
        store.reschedule(claimed.id, at=claimed.due_at, error="é<&>" * 500, now=NOW)
    store.pause_platform("x", reason="<bad>" * 500, at=NOW)
    store.pause_platform("facebook", reason="&" * 3000, at=NOW)

    view = home(store, ALICE, approver=True, admin=True)

    assert "…and 290 more, older." in part(view, "Your proposals")
    assert "…and 140 more waiting." in part(view, "Waiting for your review")
    assert "…and 285 more" in part(view, "Queue")
    assert [b["value"] for b in buttons(view)] == ["x", "facebook"]
    assert len(json.dumps(view)) < 100_000


def test_mrkdwn_in_a_post_cannot_mention_link_or_break_the_list(store):
    text = "<!channel> hi <@U0EVE> & <https://evil.example|click>\n> quoted *bold*"
    post = propose(store, ALICE, text)
    approve(store, post, BOB, {"x": NOW + timedelta(hours=2)})
    propose(store, ALICE, text + " again")

    for view in (home(store, ALICE, admin=True), home(store, BOB, approver=True)):
        raw = json.dumps(view, ensure_ascii=False)
        for unsafe in ("<!channel>", "<@U0EVE>", "<https://evil.example"):
            assert unsafe not in raw
        assert "&lt;!channel&gt; hi &lt;@U0EVE&gt; &amp; &lt;https://evil.example|click&gt;" in raw
        assert "\\n&gt; quoted" not in raw  # newlines collapsed: one line per excerpt


def test_app_home_opened_publishes_the_view_for_that_user(harness):
    """Wired end to end: a signed app_home_opened event, the view published via the Web API."""
    from tests.conftest import CAROL, DANA

    harness.propose(CAROL, "Our open day is on Saturday.")
    harness.event(
        {
            "type": "app_home_opened",
            "user": CAROL,
            "channel": "D0CAROL",
            "tab": "home",
            "event_ts": "1.1",
        }
    )
    [published] = [v for v in harness.slack.views if v.get("user_id") == CAROL]
    text = str(published["view"])
    assert "Our open day is on Saturday." in text and "Queue" not in text
    harness.event(
        {
            "type": "app_home_opened",
            "user": DANA,
            "channel": "D0DANA",
            "tab": "home",
            "event_ts": "1.2",
        }
    )
    admin_view = str(next(v for v in harness.slack.views if v.get("user_id") == DANA)["view"])
    assert "Queue" in admin_view and "Schedule" in admin_view


def test_the_home_tab_shows_the_pause_and_its_reason(harness):
    from tests.conftest import CAROL, DANA

    harness.command("pause Day of mourning", DANA)
    harness.event(
        {
            "type": "app_home_opened",
            "user": CAROL,
            "channel": "D0CAROL",
            "tab": "home",
            "event_ts": "1.3",
        }
    )
    view = str(next(v for v in harness.slack.views if v.get("user_id") == CAROL)["view"])
    assert "All publishing is paused" in view and "Day of mourning" in view
