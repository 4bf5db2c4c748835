"""A copied database, its -wal file or a backup names nobody (issue [10], "Encrypt at rest")."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.posts import DeliveryStatus, PostStatus
from bot.people import add_person
from bot.storage import open_store
from bot.storage.crypto import Keyring, StoredTextError, is_sealed, key_id
from tests.bot.storage.test_store import NOW
from tests.bot.test_cli import run
from tests.conftest import ALICE, DANA, close_harness, make_harness

KEY = "test-register-key-0123456789"

# Fictional people; a phone number in Ofcom's drama range.
BLOCKED = (
    "Update on Maisie Tregarthen, born 14/03/2011: Priya Venkataraman will call her on "
    "07700 900123 after her appointment."
)
SECRETS = ["Maisie", "Tregarthen", "14/03/2011", "Priya", "Venkataraman", "07700 900123", "900123"]
PUBLISHED = "Congratulations to Jonah Pellow, who ran the Leeds 10k for the shelter!"
PUBLIC = ["Jonah", "Pellow", "Leeds 10k"]


def _raw(path: Path) -> bytes:
    return path.read_bytes().lower() if path.exists() else b""


def _found(data: bytes, words: list[str]) -> list[str]:
    return [w for w in words if w.lower().encode("utf-8") in data]


def test_a_copied_database_wal_and_backup_name_nobody(tmp_path):
    h = make_harness(tmp_path)
    try:
        key = KEY
        at = h.clock()
        add_person(h.store, key, name="Maisie Tregarthen", consent=False, actor=DANA, at=at)
        add_person(h.store, key, name="Jonah Pellow", consent=True, actor=DANA, at=at)
        blocked = h.post_for(h.propose(ALICE, BLOCKED))
        assert blocked.status is PostStatus.BLOCKED
        assert {f.rule for f in blocked.findings}  # findings with excerpts were stored
        post, _ = h.approved_post(PUBLISHED)
        h.command(f"now {post.id}", DANA)
        assert {d.status for d in h.store.deliveries_for(post.id)} == {DeliveryStatus.PUBLISHED}
        # The product still reads its words: decrypted in memory, in one place.
        assert h.store.get_post(blocked.id).text == BLOCKED
        assert h.store.get_post(post.id).text == PUBLISHED

        db = tmp_path / "countersign.db"
        wal = Path(f"{db}-wal")
        assert wal.stat().st_size > 0  # the measured case: words were found in the WAL
        copied = {"db": _raw(db), "wal": _raw(wal)}  # as someone copying the folder would
        env = {
            "COUNTERSIGN_DB": str(db),
            "COUNTERSIGN_CONFIG_DIR": str(tmp_path / "config"),
            "COUNTERSIGN_SECRET_KEY": key,
        }
        copy = tmp_path / "backups" / "copy.db"
        assert run("backup", str(copy), env=env).returncode == 0
        copied["backup"] = _raw(copy)
        for name, data in copied.items():
            assert data, name
            assert _found(data, SECRETS) == [], name
            assert _found(data, PUBLIC) == [], name
        # The copy is readable with the key, and only with it.
        restored = open_store(copy, Keyring(key))
        assert restored.get_post(blocked.id).text == BLOCKED
        restored.close()
        with pytest.raises(StoredTextError, match="COUNTERSIGN_SECRET_KEY is not set"):
            open_store(copy).get_post(blocked.id)
    finally:
        close_harness(h)


def test_every_text_column_is_sealed_with_its_key_id(harness):
    h = harness
    h.store.add_blackout(
        h.clock(),
        h.clock() + timedelta(hours=1),
        reason="Maisie's hearing",
        actor=DANA,
        at=h.clock(),
    )
    h.store.pause_all(reason="Maisie's family asked", actor=DANA, at=h.clock())
    h.store.resume_all(actor=DANA, at=h.clock())
    rejected = h.post_for(h.propose(ALICE, "Our quiz night is on Friday."))
    h.store.set_status(
        rejected.id,
        PostStatus.REJECTED,
        actor="U0BOB",
        action="rejected",
        at=h.clock(),
        reason="Maisie would recognise herself",
    )
    h.approved_post("Our open day is on Saturday.")
    rows = sqlite3.connect(h.tmp / "countersign.db")
    kid = key_id(KEY)
    for table, column in [
        ("posts", "text"),
        ("posts", "findings"),
        ("deliveries", "words"),
        ("deliveries", "pictures"),
        ("blackouts", "reason"),
    ]:
        values = [r[0] for r in rows.execute(f"SELECT {column} FROM {table}")]
        assert values and all(is_sealed(v) and v.startswith(f"cs1:{kid}:") for v in values)
    details = [r[0] for r in rows.execute("SELECT detail FROM audit WHERE detail LIKE '%reason%'")]
    assert len(details) >= 3 and not any("Maisie" in d for d in details)
    rows.close()
    # `audit export` reads them back in clear, on purpose.
    reasons = [h.store.readable_detail(r).get("reason") for r in h.store.audit_log()]
    assert "Maisie would recognise herself" in reasons and "Maisie's family asked" in reasons
    assert [b["reason"] for b in h.store.blackouts(ending_after=h.clock() - timedelta(1))] == [
        "Maisie's hearing"
    ]


def test_a_value_moved_to_another_row_does_not_decrypt(harness):
    h = harness
    first = h.post_for(h.propose(ALICE, "Our open day is on Saturday."))
    second = h.post_for(h.propose(ALICE, "Our quiz night is on Friday."))
    conn = sqlite3.connect(h.tmp / "countersign.db")
    conn.execute(
        "UPDATE posts SET text = (SELECT text FROM posts WHERE id = ?) WHERE id = ?",
        [first.id, second.id],
    )
    conn.commit()
    conn.close()
    with pytest.raises(StoredTextError, match="altered or moved"):
        h.store.get_post(second.id)
    assert h.store.get_post(first.id).text == "Our open day is on Saturday."


def test_plain_text_from_before_is_encrypted_at_the_first_start_with_a_key(tmp_path):
    path = tmp_path / "c.db"
    plain = open_store(path)  # no key: as a database from before m016 holds its words
    post, _ = plain.create_post(
        source_channel="C1",
        source_ts="1.1",
        proposer="U1",
        text=BLOCKED,
        platforms=("x",),
        content_hash="h1",
        findings=[],
        status=PostStatus.BLOCKED,
        at=NOW,
    )
    plain.first_sighting("Ev1", NOW, body='{"text": "Maisie Tregarthen"}')
    plain.close()
    assert _found(_raw(path) + _raw(Path(f"{path}-wal")), ["Tregarthen"])

    store = open_store(path, Keyring(KEY))
    assert store.get_post(post.id).text == BLOCKED
    assert store.unfinished_events() == [("Ev1", '{"text": "Maisie Tregarthen"}')]
    store.close()
    for file in (path, Path(f"{path}-wal")):
        assert _found(_raw(file), SECRETS) == [], file
