"""Key rotation: a new COUNTERSIGN_SECRET_KEY while the old one is still read
(COUNTERSIGN_PREVIOUS_SECRET_KEYS), `countersign rekey`, and the register (issue [10])."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from types import SimpleNamespace

import pytest

from bot.checks.normalise import normalise
from bot.domain.posts import PostStatus
from bot.people import PersonError, RegisterImportError, add_person, import_csv
from bot.people_commands import run as people_command
from bot.storage import open_store
from bot.storage.crypto import Keyring, StoredTextError, key_id
from bot.storage.people import ON_PREVIOUS_KEY, load_register, on_previous_key
from tests.bot.storage.test_store import NOW
from tests.bot.test_cli import ROOT, run

OLD = "the-old-secret-key-0123456789"
NEW = "the-new-secret-key-9876543210"
TEXT = "Call Maisie Tregarthen on 07700 900123."
CSV = "name,aliases,consent,consent_expires,platforms,label\n"


def _post(store, ts="1.1", text=TEXT):
    post, _ = store.create_post(
        source_channel="C1",
        source_ts=ts,
        proposer="U1",
        text=text,
        platforms=("x",),
        content_hash=f"h{ts}",
        findings=[],
        status=PostStatus.BLOCKED,
        at=NOW,
    )
    return post


def _kids(path):
    conn = sqlite3.connect(path)
    try:
        return {v.split(":")[1] for (v,) in conn.execute("SELECT text FROM posts")}
    finally:
        conn.close()


def test_the_old_key_is_read_and_its_text_moves_to_the_new_key(tmp_path):
    path = tmp_path / "c.db"
    old = open_store(path, Keyring(OLD))
    post = _post(old)
    old.pause_all(reason="Maisie's family asked", actor="U1", at=NOW)
    old.close()
    assert _kids(path) == {key_id(OLD)}

    # The new key alone cannot read what the old one wrote, and says where to put the old one.
    with pytest.raises(StoredTextError, match="COUNTERSIGN_PREVIOUS_SECRET_KEYS"):
        open_store(path, Keyring(NEW))

    store = open_store(path, Keyring(NEW, [OLD]))
    assert store.get_post(post.id).text == TEXT
    assert store.paused_reason() == "Maisie's family asked"
    assert store.resealed["posts.text"] == 1
    store.close()
    assert _kids(path) == {key_id(NEW)}
    store = open_store(path, Keyring(NEW))  # the old key can go now
    assert store.get_post(post.id).text == TEXT
    # Audit records are never rewritten: a reason recorded under the retired key is said to be
    # so in the export, which does not stop.
    record = next(r for r in store.audit_log() if r["action"] == "publishing_paused")
    assert "no longer has" in store.readable_detail(record)["reason"]
    store.close()


def test_rekey_command_re_encrypts_everything_under_the_current_key(tmp_path):
    path = tmp_path / "c.db"
    old = open_store(path, Keyring(OLD))
    _post(old, "1.1")
    _post(old, "1.2", "Our quiz night is on Friday.")
    old.close()
    env = {
        "COUNTERSIGN_DB": str(path),
        "COUNTERSIGN_CONFIG_DIR": str(ROOT / "config"),
        "COUNTERSIGN_SECRET_KEY": NEW,
        "COUNTERSIGN_PREVIOUS_SECRET_KEYS": f"not-this-one-0123456789, {OLD}",
    }
    done = run("rekey", env=env)
    assert done.returncode == 0, done.stderr
    assert "Re-encrypted" in done.stdout and key_id(NEW) in done.stdout
    assert OLD not in done.stdout + done.stderr
    assert _kids(path) == {key_id(NEW)}
    again = run("rekey", env=env)
    assert again.returncode == 0 and "Re-encrypted 0 stored value(s)" in again.stdout

    missing = run("rekey", env={**env, "COUNTERSIGN_SECRET_KEY": ""})
    assert missing.returncode == 2 and "COUNTERSIGN_SECRET_KEY is not set" in missing.stderr


def test_the_daily_job_moves_text_written_under_the_old_key(tmp_path):
    from bot.storage.retention import Retention

    path = tmp_path / "c.db"
    server = open_store(path, Keyring(NEW, [OLD]))
    writer = open_store(path, Keyring(OLD))  # a server not yet restarted with the new key
    _post(writer, "1.3")
    writer.close()
    assert key_id(OLD) in _kids(path)
    Retention(server, days=30, clock=lambda: NOW + timedelta(days=1)).run()
    assert _kids(path) == {key_id(NEW)}
    server.close()


def test_keys_from_the_settings(tmp_path):
    from bot.config.settings import load_settings
    from bot.config.yamlfile import ConfigError

    settings = load_settings(
        isolated=True,
        overrides={
            "COUNTERSIGN_SECRET_KEY": NEW,
            "COUNTERSIGN_PREVIOUS_SECRET_KEYS": f" {OLD} ,",
        },
    )
    keys = settings.keyring()
    assert keys.current_id == key_id(NEW) and keys.previous_secrets == [OLD.encode()]
    short = load_settings(isolated=True, overrides={"COUNTERSIGN_PREVIOUS_SECRET_KEYS": "short"})
    with pytest.raises(ConfigError, match="COUNTERSIGN_PREVIOUS_SECRET_KEYS is too short"):
        short.keyring()


def test_the_wrong_key_names_the_setting_for_a_rotation(tmp_path):
    from bot.storage.people import RegisterKeyError

    path = tmp_path / "c.db"
    old = open_store(path, Keyring(OLD))
    add_person(old, OLD, name="Maisie Tregarthen", consent=False, label="P-1", actor="U1", at=NOW)
    old.close()
    store = open_store(path, Keyring(NEW))
    with pytest.raises(RegisterKeyError, match="COUNTERSIGN_PREVIOUS_SECRET_KEYS"):
        load_register(store, NEW)
    store.close()


def _list(store, key):
    args = SimpleNamespace(people_command="list")
    return people_command(args, store, key, actor="U1", at=NOW, today=NOW.date()).text


def test_the_register_keeps_matching_under_the_old_key_until_it_is_re_imported(tmp_path):
    path = tmp_path / "c.db"
    old = open_store(path, Keyring(OLD))
    add_person(old, OLD, name="Maisie Tregarthen", consent=False, label="P-1", actor="U1", at=NOW)
    add_person(old, OLD, name="Jonah Pellow", consent=True, label="P-2", actor="U1", at=NOW)
    old.close()
    text = normalise(TEXT).text

    store = open_store(path, Keyring(NEW, [OLD]))
    assert [m.entry.label for m in load_register(store, NEW).find(text)] == ["P-1"]
    assert on_previous_key(store, NEW)
    assert _list(store, NEW).startswith(ON_PREVIOUS_KEY)

    # One entry at a time would mix two keys' hashes: refused, saying what to do.
    with pytest.raises(PersonError, match="re-import the whole register"):
        add_person(store, NEW, name="Ann Other", consent=True, actor="U1", at=NOW)
    partial = tmp_path / "partial.csv"
    partial.write_text(CSV + "Maisie Tregarthen,,no,,,P-1\n")
    with pytest.raises(RegisterImportError, match="missing: P-2"):
        import_csv(store, NEW, partial, actor="U1", at=NOW)
    assert on_previous_key(store, NEW)  # nothing changed

    full = tmp_path / "full.csv"
    full.write_text(CSV + "Maisie Tregarthen,,no,,,P-1\nJonah Pellow,,yes,,,P-2\n")
    import_csv(store, NEW, full, actor="U1", at=NOW)
    assert not on_previous_key(store, NEW)
    assert ON_PREVIOUS_KEY not in _list(store, NEW)
    store.close()

    store = open_store(path, Keyring(NEW))  # the old key can go
    assert [m.entry.label for m in load_register(store, NEW).find(text)] == ["P-1"]
    store.close()
