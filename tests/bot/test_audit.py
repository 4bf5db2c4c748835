"""The audit log for trustees and regulators: verified, exported; the database backed up."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

from bot.storage import open_store
from bot.storage.crypto import Keyring
from tests.bot.test_cli import run
from tests.conftest import DANA, close_harness, make_harness


def test_verify_export_and_backup_on_the_command_line(tmp_path):
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post("Our open day is on Saturday.")
        h.command(f"now {post.id}", DANA)
        env = {
            "COUNTERSIGN_DB": str(tmp_path / "countersign.db"),
            "COUNTERSIGN_CONFIG_DIR": str(tmp_path / "config"),
            "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",  # the harness's
        }
        verified = run("audit", "verify", env=env)
        assert verified.returncode == 0 and "intact" in verified.stdout
        lines = [json.loads(x) for x in run("audit", "export", env=env).stdout.splitlines()]
        actions = [r["action"] for r in lines if r["post_id"] == post.id]
        assert actions[:4] == ["proposed", "checked", "approved", "queued"]
        assert "published" in actions and isinstance(lines[0]["detail"], dict)
        rows = list(csv.DictReader(io.StringIO(run("audit", "export", "--csv", env=env).stdout)))
        assert len(rows) == len(lines) and rows[0]["action"] == lines[0]["action"]
        assert run("audit", "export", "--since", "2099-01-01", env=env).stdout == ""

        copy = tmp_path / "backups" / "c.db"
        backed = run("backup", str(copy), env=env)
        assert backed.returncode == 0 and "To restore" in backed.stdout
        restored = open_store(copy, Keyring("test-register-key-0123456789"))
        restored.key_audit("test-register-key-0123456789")
        assert restored.get_post(post.id).text == "Our open day is on Saturday."
        assert restored.verify_audit()[1] is None
        restored.close()
        assert run("backup", str(copy), env=env).returncode == 2  # never overwrites

        # someone edits the history behind Countersign's back
        conn = sqlite3.connect(tmp_path / "countersign.db")
        conn.execute("UPDATE audit SET actor = 'U0NOBODY' WHERE id = 3")
        conn.commit()
        conn.close()
        broken = run("audit", "verify", env=env)
        assert broken.returncode == 1 and "broken at record 3" in broken.stdout
    finally:
        close_harness(h)
