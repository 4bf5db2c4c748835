"""The database, its -wal/-shm files, backups and outbox files are readable by their owner only;
a 0644 one from before or restored with `cp` is put right at start, with one warning."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from bot.storage import open_store
from tests.bot.test_cli import run
from tests.conftest import DANA, close_harness, make_harness

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def _lenient_umask():
    # The usual umask (022) makes new files 0644 unless the product asks for less.
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_database_wal_shm_backup_and_outbox_files_are_0600(tmp_path):
    h = make_harness(tmp_path, x_and_facebook=False)  # the outbox publishes
    try:
        post, _ = h.approved_post("Our open day is on Saturday.")
        h.command(f"now {post.id}", DANA)
        db = tmp_path / "countersign.db"
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            assert path.exists() and mode(path) == 0o600, path
        outbox = list((tmp_path / "data" / "outbox").iterdir())
        assert outbox and all(mode(p) == 0o600 for p in outbox), [oct(mode(p)) for p in outbox]
        env = {
            "COUNTERSIGN_DB": str(db),
            "COUNTERSIGN_CONFIG_DIR": str(tmp_path / "config"),
            "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
        }
        copy = tmp_path / "backups" / "c.db"
        assert run("backup", str(copy), env=env).returncode == 0
        assert mode(copy) == 0o600
    finally:
        close_harness(h)


def test_a_restored_0644_database_is_fixed_at_start_with_one_warning(tmp_path, caplog):
    path = tmp_path / "c.db"
    open_store(path).close()
    os.chmod(path, 0o644)  # as `cp backup.db countersign.db` leaves it
    wal = Path(f"{path}-wal")
    wal.write_bytes(b"")
    os.chmod(wal, 0o644)
    with caplog.at_level(logging.WARNING):
        store = open_store(path)
    assert mode(path) == 0o600 and mode(wal) == 0o600
    assert mode(Path(f"{path}-shm")) == 0o600  # SQLite made it like the database
    store.close()
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert str(path) in warnings[0].getMessage() and "0600" in warnings[0].getMessage()

    caplog.clear()
    with caplog.at_level(logging.WARNING):
        open_store(path).close()
    assert not [r for r in caplog.records if r.levelno == logging.WARNING]  # once


def test_old_outbox_files_are_fixed_at_start(tmp_path, caplog):
    outbox = tmp_path / "data" / "outbox"
    outbox.mkdir(parents=True)
    old = outbox / "x-1-abc.json"
    old.write_text("{}")
    os.chmod(old, 0o644)
    with caplog.at_level(logging.WARNING, logger="bot.storage.permissions"):
        h = make_harness(tmp_path, x_and_facebook=False)
    try:
        assert mode(old) == 0o600
        warned = [r.getMessage() for r in caplog.records if "outbox" in r.getMessage()]
        assert len(warned) == 1 and str(old) in warned[0]
    finally:
        close_harness(h)
