import hashlib
import json
from datetime import UTC, datetime

from bot.domain.posts import DeliveryStatus, PostStatus
from bot.domain.review import Decision
from bot.storage import open_store
from bot.storage.audit_chain import GENESIS

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def new_post(store, ts="1.1"):
    post, _ = store.create_post(
        source_channel="C1",
        source_ts=ts,
        proposer="U1",
        text="Hi",
        platforms=("x", "facebook"),
        content_hash="h1",
        findings=[],
        status=PostStatus.IN_REVIEW,
        at=NOW,
    )
    return post


def approved(store, post, reviewer="U2"):
    return store.set_status(
        post.id,
        PostStatus.APPROVED,
        actor=reviewer,
        action="approved",
        at=NOW,
        review=Decision.APPROVE,
    )


def test_migrations_are_idempotent_and_wal_is_on(tmp_path):
    path = tmp_path / "c.db"
    open_store(path).close()
    store = open_store(path)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    from bot.storage.migrations import migrations

    applied = [m.name for m in migrations.applied(store.db)]
    assert applied == [m.name for m in migrations._migrations]  # all, once each
    assert applied[:2] == ["m001_initial", "m002_people"]


def test_post_per_message_is_created_once(tmp_path):
    store = open_store(tmp_path / "c.db")
    first = new_post(store)
    again, created = store.create_post(
        source_channel="C1",
        source_ts="1.1",
        proposer="U1",
        text="Hi",
        platforms=("x",),
        content_hash="h1",
        findings=[],
        status=PostStatus.IN_REVIEW,
        at=NOW,
    )
    assert not created and again.id == first.id


def test_approval_is_bound_to_the_content_hash(tmp_path):
    store = open_store(tmp_path / "c.db")
    post = new_post(store)
    post = store.set_status(
        post.id, PostStatus.APPROVED, actor="U2", action="approved", at=NOW, review=Decision.APPROVE
    )
    assert post.approvers == ("U2",)
    revised = store.revise(
        post.id,
        text="Hi there",
        content_hash="h2",
        findings=[],
        status=PostStatus.IN_REVIEW,
        actor="U1",
        at=NOW,
    )
    assert revised.approvers == () and revised.version == 2


def test_claim_is_exclusive_and_interrupted_become_unconfirmed(tmp_path):
    store = open_store(tmp_path / "c.db")
    post = approved(store, new_post(store))
    [x, fb] = sorted(
        store.queue_deliveries(post, {"x": NOW, "facebook": NOW}, actor="U2", at=NOW),
        key=lambda d: d.platform != "x",
    )
    assert store.claim(x.id, at=NOW) is not None
    assert store.claim(x.id, at=NOW) is None
    # queueing again for the same content creates nothing new
    again = store.queue_deliveries(post, {"x": NOW}, actor="U2", at=NOW)
    assert {d.id for d in again} == {x.id, fb.id}
    [stuck] = store.interrupted(at=NOW)
    assert stuck.id == x.id and stuck.status is DeliveryStatus.UNCONFIRMED
    assert store.get_delivery(fb.id).status is DeliveryStatus.QUEUED


def test_every_change_is_audited_in_a_hash_chain(tmp_path):
    store = open_store(tmp_path / "c.db")
    post = new_post(store)
    store.set_status(
        post.id, PostStatus.REJECTED, actor="U2", action="rejected", at=NOW, review=Decision.REJECT
    )
    log = store.audit_log()
    assert [r["action"] for r in log] == ["proposed", "checked", "rejected"]
    prev = GENESIS
    for record in log:
        body = {
            k: record[k] for k in ("at", "actor", "action", "post_id", "content_hash", "detail")
        }
        digest = hashlib.sha256((prev + json.dumps(body, sort_keys=True)).encode()).hexdigest()
        assert record["prev_hash"] == prev and record["hash"] == digest
        prev = digest


def test_first_sighting(tmp_path):
    store = open_store(tmp_path / "c.db")
    assert store.first_sighting("Ev1", NOW) and not store.first_sighting("Ev1", NOW)


def test_old_event_ids_are_forgotten(tmp_path):
    from datetime import timedelta

    store = open_store(tmp_path / "c.db")
    store.first_sighting("Ev-old", NOW - timedelta(days=3))
    for i in range(999):
        store.first_sighting(f"Ev{i}", NOW)
    ids = {r["event_id"] for r in store._rows("SELECT event_id FROM slack_events")}
    assert "Ev-old" not in ids and "Ev0" in ids and len(ids) == 999


def test_deliveries_and_acknowledged_events_are_flushed_to_disk_other_writes_are_not(tmp_path):
    store = open_store(tmp_path / "c.db")
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)

    def flushed(write) -> bool:
        statements.clear()
        write()
        return any("synchronous = FULL" in s for s in statements)

    post = new_post(store)
    store.set_status(
        post.id,
        PostStatus.APPROVED,
        actor="U2",
        action="approved",
        at=NOW,
        review=Decision.APPROVE,
        queue={"x": NOW},
    )
    delivery = store.deliveries_for(post.id)[0]
    assert flushed(lambda: store.first_sighting("Ev1", NOW, "{}"))
    assert flushed(lambda: store.claim(delivery.id, at=NOW))
    assert flushed(lambda: store.mark_published(delivery.id, remote_id="1", url="u", at=NOW))
    assert flushed(lambda: store.pause_all(reason="", actor="U3", at=NOW))
    assert not flushed(lambda: new_post(store, ts="2.2"))
    assert not flushed(lambda: store.event_done("Ev1", NOW))
    # Outside a flushed transaction the connection is back to NORMAL (1).
    assert store.db.execute("PRAGMA synchronous").fetchone()[0] == 1


def test_the_database_and_its_backups_are_readable_by_their_owner_only(tmp_path):
    import os

    old = os.umask(0o022)  # the usual default, which would make new files world-readable
    try:
        store = open_store(tmp_path / "c.db")
        new_post(store)
        store.backup(tmp_path / "backup.db")
        store.close()
    finally:
        os.umask(old)
    made = sorted(p for p in tmp_path.iterdir() if p.name.startswith(("c.db", "backup.db")))
    assert [p.name for p in made][:2] == ["backup.db", "c.db"]
    for path in made:
        assert path.stat().st_mode & 0o077 == 0, path.name


def test_a_transaction_that_reads_first_waits_for_another_process_instead_of_failing(tmp_path):
    """CI, session 6: `serve` failed "database is locked" at once in `set_message_refs` (a read,
    then a write) because a second connection had committed between the two. A transaction
    takes the write lock first, so the other writer waits for it instead."""
    import threading

    path = tmp_path / "c.db"
    serve, cli = open_store(path), open_store(path)
    post = new_post(serve)
    has_read, errors = threading.Event(), []

    def other_process() -> None:
        has_read.wait(5)
        try:
            cli.set_message_refs(post.id, report_ts="9.9")  # waits for serve's transaction
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)

    writer = threading.Thread(target=other_process)
    writer.start()
    with serve._tx() as db:
        list(db.query("SELECT * FROM posts"))
        has_read.set()
        writer.join(0.5)  # the other connection tries to commit meanwhile
        db.table("posts").update(post.id, {"card_ts": "1.2"})
    writer.join(10)
    assert errors == []
    row = serve.get_post(post.id)
    assert row is not None
    assert (row.card_ts, row.report_ts) == ("1.2", "9.9")
    serve.close()
    cli.close()
