"""The keyed audit chain and its checkpoints: what `audit verify` catches, and what it lets be.

Store-level tests use the real SQLite store; the end-to-end ones run the real app against the
Slack emulator (slack_sdk over HTTP), then `countersign audit verify` as a subprocess.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.storage import AuditKeys, open_store
from bot.storage.audit_chain import (
    GENESIS,
    Checkpoint,
    audit_key,
    hkdf_sha256,
    key_id,
    keyed_mac,
    parse_checkpoint,
    unkeyed_hash,
)
from tests.bot.test_cli import run
from tests.conftest import DANA, REVIEW, close_harness, make_harness

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
KEY = "test-register-key-0123456789"  # the harness's COUNTERSIGN_SECRET_KEY
FIELDS = ("at", "actor", "action", "post_id", "content_hash", "detail")


def test_hkdf_is_rfc_5869():
    # RFC 5869, Appendix A.1 (test case 1).
    okm = hkdf_sha256(
        bytes([0x0B] * 22), salt=bytes(range(13)), info=bytes(range(0xF0, 0xFA)), length=42
    )
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def _records(store, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        at = NOW + timedelta(minutes=i)
        store.pause_all(reason=f"drill {i}", actor="U0DANA", at=at)
        store.resume_all(actor="U0DANA", at=at)


def _sql(path: Path, *statements: tuple[str, list]) -> None:
    conn = sqlite3.connect(path)
    for sql, params in statements:
        conn.execute(sql, params)
    conn.commit()
    conn.close()


def _recompute_unkeyed(path: Path, *, drop_keys: bool) -> None:
    """What someone without the key does after editing a record: recompute every hash with
    the public algorithm (and, with ``drop_keys``, pretend no record was ever keyed)."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    prev = GENESIS
    for row in conn.execute("SELECT * FROM audit ORDER BY id").fetchall():
        digest = unkeyed_hash(prev, dict(row))
        mac_key = None if drop_keys else row["mac_key"]
        conn.execute(
            "UPDATE audit SET prev_hash = ?, hash = ?, mac_key = ? WHERE id = ?",
            [prev, digest, mac_key, row["id"]],
        )
        prev = digest
    conn.commit()
    conn.close()


def test_records_are_chained_by_a_mac_whose_key_the_database_never_holds(tmp_path):
    path = tmp_path / "c.db"
    store = open_store(path)
    store.key_audit(KEY, at=NOW)
    _records(store, 2)
    key = audit_key(KEY)
    prev = GENESIS
    for row in store.audit_log():
        assert row["mac_key"] == key_id(key)
        assert row["prev_hash"] == prev and row["hash"] == keyed_mac(key, prev, row)
        assert row["hash"] != unkeyed_hash(prev, row)
        prev = row["hash"]
    verdict = store.audit_verdict()
    assert verdict.problem is None and verdict.keyed == verdict.checked == 4
    store.close()
    stored = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    for secret in (KEY.encode(), key, key.hex().encode()):
        assert secret not in stored


def test_an_unkeyed_chain_is_sealed_on_upgrade_and_stays_verifiable(tmp_path):
    path = tmp_path / "c.db"
    store = open_store(path)  # no key: records as before m017 (plain SHA-256)
    _records(store, 2)
    store.close()
    # Made a database of the version before m017: no mac_key column, m017 not applied.
    _sql(
        path,
        ("ALTER TABLE audit DROP COLUMN mac_key", []),
        ("DELETE FROM _sqlite_migrations WHERE name = 'm017_keyed_audit_chain'", []),
    )
    store = open_store(path)  # m017 runs: it marks, it does not recompute
    assert all(r["mac_key"] is None for r in store.audit_log())
    assert store.audit_verdict().problem is None
    store.close()

    store = open_store(path, audit=AuditKeys(KEY, seal_at=NOW))  # `serve`'s first start with it
    log = store.audit_log()
    seal = log[-1]
    assert seal["action"] == "audit_keyed" and '"unkeyed_records": 4' in seal["detail"]
    assert seal["prev_hash"] == log[-2]["hash"] and seal["mac_key"] is not None
    verdict = store.audit_verdict()
    assert verdict.problem is None and (verdict.checked, verdict.keyed) == (5, 1)
    store.close()

    # Someone without the key changes an old record and recomputes the plain chain: the
    # keyed seal after it no longer matches.
    _sql(path, ("UPDATE audit SET actor = 'U0NOBODY' WHERE id = 2", []))
    _recompute_unkeyed(path, drop_keys=False)
    store = open_store(path, audit=AuditKeys(KEY))  # `audit verify`: keyed, writes nothing
    verdict = store.audit_verdict()
    assert verdict.broken_at == seal["id"]
    store.close()


def test_an_unkeyed_record_after_keyed_ones_is_reported(tmp_path):
    path = tmp_path / "c.db"
    store = open_store(path)
    store.key_audit(KEY, at=NOW)
    _records(store, 1)
    store.close()
    store = open_store(path)  # a Countersign started without the key
    _records(store, 1, start=1)
    store.key_audit(KEY)
    verdict = store.audit_verdict()
    assert verdict.broken_at == 3 and "is not keyed, though record 1" in (verdict.problem or "")
    store.close()


def test_checkpoint_text_round_trips_and_carries_no_words():
    checkpoint = Checkpoint(12, "ab" * 32, NOW)
    assert parse_checkpoint(f"{checkpoint.text()} (daily)") == checkpoint
    assert checkpoint.text() == (
        f"Audit checkpoint: 12 records, head `{'ab' * 32}`, at 2026-11-23T08:00:00Z."
    )
    assert parse_checkpoint("Audit checkpoint: twelve records") is None


# -- end to end: the app, Slack, the command line --------------------------------------------


@pytest.fixture
def h(tmp_path):
    harness = make_harness(tmp_path)
    yield harness
    close_harness(harness)


def _env(h, *, slack: bool = True) -> dict[str, str]:
    env = {
        "COUNTERSIGN_DB": str(h.tmp / "countersign.db"),
        "COUNTERSIGN_CONFIG_DIR": str(h.tmp / "config"),
        "COUNTERSIGN_SECRET_KEY": KEY,
    }
    if slack:
        env |= {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": h.slack.api_url,
            "COUNTERSIGN_REVIEW_CHANNEL": REVIEW,
        }
    return env


def _checkpoints(h) -> list[Checkpoint]:
    found = [parse_checkpoint(m["text"]) for m in h.slack.messages(REVIEW)]
    return [c for c in found if c is not None]


def _published_and_taken_down(h) -> None:
    post, _ = h.approved_post("Our open day is on Saturday.")
    h.command(f"now {post.id}", DANA)
    h.command(f"takedown {post.id}", DANA)
    h.executor.drain()


def test_a_takedown_posts_a_checkpoint_and_the_untouched_log_reaches_it(h):
    _published_and_taken_down(h)
    [checkpoint] = _checkpoints(h)
    head = h.store.audit_head()
    assert (checkpoint.count, checkpoint.mac) == (head.count, head.mac)
    assert checkpoint.at == h.clock()
    text = h.slack.messages(REVIEW)[-1]["text"]
    assert "(after the takedown of #1)" in text and "open day" not in text

    verified = run("audit", "verify", env=_env(h))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert f"intact: {head.count} records" in verified.stdout
    assert "keyed with COUNTERSIGN_SECRET_KEY" in verified.stdout
    assert f"reaches the checkpoint of 2026-11-23 08:00 UTC ({head.count} records" in (
        verified.stdout
    )


def test_a_pause_posts_a_checkpoint_and_so_does_the_daily_job(h):
    h.command("pause fire drill", DANA)
    h.executor.drain()
    [after_pause] = _checkpoints(h)
    assert "(after publishing was paused)" in h.slack.messages(REVIEW)[-1]["text"]
    assert after_pause.count == h.store.audit_head().count

    job = h.runtime.scheduler.scheduler.get_job("audit_checkpoint")
    assert job is not None and str(job.trigger).startswith("cron")
    h.command("resume", DANA)
    h.executor.drain()
    job.func()
    daily = _checkpoints(h)[-1]
    assert daily.count == h.store.audit_head().count > after_pause.count
    assert h.slack.messages(REVIEW)[-1]["text"].endswith("(daily)")


def test_deleting_the_newest_records_fails_naming_what_is_missing(h):
    _published_and_taken_down(h)
    [checkpoint] = _checkpoints(h)
    _sql(
        h.tmp / "countersign.db",
        ("DELETE FROM audit WHERE id > ?", [checkpoint.count - 3]),
    )
    failed = run("audit", "verify", env=_env(h))
    assert failed.returncode == 1
    assert (
        f"The checkpoint of 2026-11-23 08:00 UTC counted {checkpoint.count} records; the log "
        f"has {checkpoint.count - 3}: the newest 3 were deleted" in failed.stdout
    )
    # Without a checkpoint the chain alone still looks whole: that is why checkpoints exist.
    alone = run("audit", "verify", env=_env(h, slack=False))
    assert alone.returncode == 0 and "No checkpoint was read" in alone.stdout


@pytest.mark.parametrize("drop_keys", [False, True], ids=["keys kept", "keys dropped"])
def test_a_rewritten_chain_fails(h, drop_keys):
    _published_and_taken_down(h)
    path = h.tmp / "countersign.db"
    _sql(path, ("UPDATE audit SET actor = 'U0NOBODY' WHERE id = 3", []))
    _recompute_unkeyed(path, drop_keys=drop_keys)
    failed = run("audit", "verify", env=_env(h))
    assert failed.returncode == 1
    if drop_keys:
        assert "None of the" in failed.stdout and "recomputed by someone without the key" in (
            failed.stdout
        )
        assert "ends at record number" in failed.stdout  # and the checkpoint's MAC differs
    else:
        assert "broken at record 1" in failed.stdout  # the first recomputed record's MAC


def test_restoring_an_older_backup_fails_and_the_backup_reaches_its_own_checkpoint(h):
    db = h.tmp / "countersign.db"
    backup = h.tmp / "backups" / "older.db"
    backed = run("backup", str(backup), env=_env(h))
    assert backed.returncode == 0 and "older.db.checkpoint" in backed.stdout
    at_backup = parse_checkpoint((h.tmp / "backups" / "older.db.checkpoint").read_text())
    assert at_backup is not None and at_backup.count == len(h.store.audit_log())
    assert run("backup", str(backup), env=_env(h)).returncode == 2  # never overwrites

    _published_and_taken_down(h)  # life goes on; the takedown posts a checkpoint
    newest = _checkpoints(h)[-1]
    h.server.stop()
    h.runtime.close()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    db.write_bytes(backup.read_bytes())  # someone puts the older copy back

    failed = run("audit", "verify", env=_env(h))
    assert failed.returncode == 1
    assert (
        f"counted {newest.count} records; the log has {at_backup.count}: the newest "
        f"{newest.count - at_backup.count} were deleted, or an older copy of the database was "
        "restored" in failed.stdout
    )
    # The file written beside the backup is what this copy reaches.
    own = run("audit", "verify", "--checkpoint", str(backup) + ".checkpoint", env=_env(h))
    assert own.returncode == 0 and "reaches the checkpoint" in own.stdout


def test_a_checkpoint_after_lost_records_says_so_in_the_channel(h):
    _published_and_taken_down(h)
    [before] = _checkpoints(h)
    _sql(h.tmp / "countersign.db", ("DELETE FROM audit WHERE id > ?", [before.count - 5]))
    h.command("pause restored from a backup", DANA)
    h.executor.drain()
    text = h.slack.messages(REVIEW)[-1]["text"]
    assert text.startswith("Audit checkpoint: ")
    assert (
        ":warning: The audit log does not reach the previous checkpoint: the checkpoint of "
        f"2026-11-23 08:00 UTC counted {before.count} records; the log has {before.count - 4}"
    ) in text


def test_only_the_bots_own_checkpoints_count(h):
    _published_and_taken_down(h)
    # A channel member posts a look-alike claiming an empty log, to hide a deletion.
    h.slack.add_message(REVIEW, Checkpoint(0, GENESIS, h.clock()).text(), user=DANA)
    _sql(h.tmp / "countersign.db", ("DELETE FROM audit WHERE id > 2", []))
    failed = run("audit", "verify", env=_env(h))
    assert failed.returncode == 1 and "the log has 2" in failed.stdout


def test_verify_says_what_it_needs(h, tmp_path):
    _published_and_taken_down(h)
    keyless = {k: v for k, v in _env(h).items() if k != "COUNTERSIGN_SECRET_KEY"}
    refused = run("audit", "verify", env=keyless)
    assert refused.returncode == 2 and "set COUNTERSIGN_SECRET_KEY" in refused.stderr
    missing = run("audit", "verify", "--checkpoint", str(tmp_path / "nope"), env=_env(h))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    (tmp_path / "empty.checkpoint").write_text("nothing here\n")
    empty = run("audit", "verify", "--checkpoint", str(tmp_path / "empty.checkpoint"), env=_env(h))
    assert empty.returncode == 2 and "holds no audit checkpoint" in empty.stderr
    for result in (refused, missing, empty):
        assert "xoxb-test" not in result.stdout + result.stderr


def test_a_checkpoint_slack_refuses_is_logged_never_raised(tmp_path, caplog):
    from slack_sdk import WebClient

    from bot.audit_checkpoint import Checkpoints
    from bot.emulators.slack import SlackEmulator

    slack = SlackEmulator(token="xoxb-right").start()
    try:
        store = open_store(tmp_path / "c.db")
        store.key_audit(KEY, at=NOW)
        _records(store, 1)
        wrong = WebClient(token="xoxb-wrong", base_url=slack.api_url)
        Checkpoints(store, wrong, REVIEW, lambda: NOW).post("after publishing was paused")
        assert slack.messages(REVIEW) == []
        assert "audit checkpoint not posted: invalid_auth" in caplog.text
        assert "xoxb-wrong" not in caplog.text
        right = WebClient(token="xoxb-right", base_url=slack.api_url)
        Checkpoints(store, right, REVIEW, lambda: NOW).post("daily")
        [message] = slack.messages(REVIEW)
        assert parse_checkpoint(message["text"]) == Checkpoint(2, store.audit_head().mac, NOW)
        store.close()
    finally:
        slack.stop()


def test_a_real_history_page_yields_the_bots_checkpoint_not_a_look_alike(h):
    from tests.bot.publishers.real import real

    page = real("slack", "conversations_history_checkpoints")
    h.slack.inject(r"/api/conversations\.history", status=200, body=page)
    failed = run("audit", "verify", env=_env(h))
    # The person's "0 records" look-alike is newer, and ignored; the bot's counts 500.
    have = len(h.store.audit_log())
    assert failed.returncode == 1
    assert f"counted 500 records; the log has {have}" in failed.stdout
    assert "checkpoint of 2026-11-23 08:00 UTC" in failed.stdout


def test_an_unkeyed_log_without_a_key_is_reported_intact_but_not_keyed(tmp_path):
    store = open_store(tmp_path / "c.db")  # a Countersign that never had the key
    _records(store, 2)
    store.close()
    env = {"COUNTERSIGN_DB": str(tmp_path / "c.db"), "COUNTERSIGN_CONFIG_DIR": str(tmp_path)}
    result = run("audit", "verify", env=env)
    assert result.returncode == 0
    assert "intact: 4 records, each chained to the one before (by plain hashes: not keyed)" in (
        result.stdout
    )
    assert "No checkpoint was read" in result.stdout
    # With the key set but never used by the server, the same log is not accepted as keyed.
    keyed = run("audit", "verify", env=env | {"COUNTERSIGN_SECRET_KEY": KEY})
    assert keyed.returncode == 1 and "None of the 4 records is keyed" in keyed.stdout


def test_records_a_previous_key_made_still_verify_after_a_rotation(tmp_path):
    """COUNTERSIGN_PREVIOUS_SECRET_KEYS feeds the chain too: a key change must not turn every
    older record into "made with another COUNTERSIGN_SECRET_KEY"."""
    new_key = "test-rotated-key-9876543210"
    path = tmp_path / "c.db"
    store = open_store(path)
    store.key_audit(KEY, at=NOW)
    _records(store, 2)
    store.close()
    store = open_store(path)
    store.key_audit(new_key, older=[KEY], at=NOW + timedelta(hours=1))
    _records(store, 1, start=100)
    verdict = store.audit_verdict()
    assert verdict.problem is None and verdict.keyed == verdict.checked == 6
    store.close()
    forgotten = open_store(path)
    forgotten.key_audit(new_key)  # the old key dropped from the setting too soon
    assert forgotten.audit_verdict().problem is not None
    forgotten.close()


def test_the_previous_keys_setting_is_read_as_a_list(monkeypatch):
    from bot.config.settings import IsolatedSettings

    settings = IsolatedSettings(
        previous_secret_keys=" old-key-0123456789abc , ,older-key-0123456789 "
    )
    assert settings.previous_keys() == ["old-key-0123456789abc", "older-key-0123456789"]
    assert IsolatedSettings().previous_keys() == []
