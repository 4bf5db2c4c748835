"""`schedule …` in Slack and on the command line: admins change the slots; changes persist."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.conftest import BOB, DANA, close_harness, make_harness


def test_schedule_shows_slots_and_the_next_free_ones(harness):
    assert "Only admins" in harness.command("schedule", BOB).text
    shown = harness.command("schedule", DANA).text
    assert "X: Mon–Fri 09:30, 17:00" in shown and "Facebook: Mon–Fri 10:00" in shown
    assert "next free: Mon 23 Nov 09:30" in shown


def test_add_remove_clear_and_the_queue_uses_them(harness):
    added = harness.command("schedule add x sat,sun 11:00,15:00", DANA).text
    assert "Added 4 slots" in added and "Sat–Sun 11:00, 15:00" in added
    assert "Removed 5 slots" in harness.command("schedule remove x mon-fri 09:30", DANA).text
    post, _ = harness.approved_post("Our open day is on Saturday.")
    x = next(d for d in harness.store.deliveries_for(post.id) if d.platform == "x")
    assert x.due_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)  # 09:30 is gone
    assert "Removed 5 slots" in harness.command("schedule clear facebook", DANA).text
    audit = [r["action"] for r in harness.store.audit_log()]
    assert {"schedule_added", "schedule_removed", "schedule_cleared"} <= set(audit)


def test_mistakes_get_usage_and_change_nothing(harness):
    before = harness.command("schedule", DANA).text
    assert "is not a time of day" in harness.command("schedule add x mon 25:00", DANA).text
    assert "is not a day" in harness.command("schedule add x funday 09:00", DANA).text
    assert "is not a platform" in harness.command("schedule add tiktok mon 09:00", DANA).text
    assert "Usage" in harness.command("schedule frobnicate", DANA).text
    assert harness.command("schedule", DANA).text == before


def test_changes_survive_a_restart_and_the_file_only_seeds(tmp_path):
    h = make_harness(tmp_path)
    h.command("schedule clear all", DANA)
    h.command("schedule add facebook daily 12:00", DANA)
    close_harness(h, keep_emulators=True)
    h2 = make_harness(tmp_path, restart_of=h)  # config/schedule.yaml is read again, not reapplied
    try:
        shown = h2.command("schedule", DANA).text
        assert "Facebook: Every day 12:00" in shown and "X: no slots" in shown
    finally:
        close_harness(h2)


def test_schedule_ics_writes_a_calendar_of_queued_posts(tmp_path):
    import icalendar

    from tests.bot.test_cli import run

    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post("Our carol concert is on Wednesday.")
        env = {
            "COUNTERSIGN_DB": str(tmp_path / "countersign.db"),
            "COUNTERSIGN_CONFIG_DIR": str(tmp_path / "config"),
            "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
        }
        out = tmp_path / "posts.ics"
        assert run("schedule", "ics", str(out), env=env).returncode == 0
        feed = icalendar.Calendar.from_ical(out.read_bytes())
        events = sorted(feed.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
        assert [str(e["summary"]) for e in events] == [
            f"#{post.id} on X: Our carol concert is on Wednesday.",
            f"#{post.id} on Facebook: Our carol concert is on Wednesday.",
        ]
        assert events[0].decoded("dtstart") == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    finally:
        close_harness(h)


def test_schedule_ics_keeps_overdue_deliveries(harness):
    """During a pause a queued post's slot passes; it still waits, so the feed still shows it."""
    import icalendar

    from bot.schedule_commands import calendar

    post, _ = harness.approved_post("Our carol concert is on Wednesday.")
    due = [d.due_at for d in harness.store.deliveries_for(post.id)]
    later = max(d for d in due if d is not None) + timedelta(days=3)
    feed = icalendar.Calendar.from_ical(calendar(harness.store, ("x", "facebook"), now=later))
    assert sorted(e.decoded("dtstart") for e in feed.walk("VEVENT")) == sorted(due)
