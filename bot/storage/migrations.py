"""Versioned schema: append a migration, never edit one that has shipped."""

from __future__ import annotations

import json

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("countersign")


@migrations()
def m001_initial(db: Database) -> None:
    _run(
        db,
        """
        CREATE TABLE posts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            source_channel TEXT NOT NULL,
            source_ts TEXT NOT NULL,
            proposer TEXT NOT NULL,
            text TEXT NOT NULL,
            platforms TEXT NOT NULL,            -- JSON list
            content_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            version INTEGER NOT NULL DEFAULT 1,
            findings TEXT NOT NULL DEFAULT '[]', -- JSON list of findings for this version
            card_channel TEXT,
            card_ts TEXT,
            report_ts TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (source_channel, source_ts)
        );
        CREATE INDEX posts_card ON posts (card_channel, card_ts);

        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            reviewer TEXT NOT NULL,
            decision TEXT NOT NULL,
            content_hash TEXT NOT NULL,         -- an approval approves exactly these words
            at TEXT NOT NULL,
            UNIQUE (post_id, reviewer, decision, content_hash)
        );

        CREATE TABLE deliveries (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            post_id INTEGER NOT NULL REFERENCES posts(id),
            platform TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            status TEXT NOT NULL,
            due_at TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            remote_id TEXT,
            url TEXT,
            last_error TEXT,
            claimed_at TEXT,
            published_at TEXT,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            UNIQUE (post_id, platform, content_hash)
        );
        CREATE INDEX deliveries_due ON deliveries (status, due_at);

        CREATE TABLE slack_events (
            event_id TEXT PRIMARY KEY,
            received_at TEXT NOT NULL
        );

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            post_id INTEGER,
            content_hash TEXT,
            detail TEXT NOT NULL DEFAULT '{}',
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        """,
    )


def _run(db: Database, script: str) -> None:
    # executescript() would COMMIT the migration's transaction; run statement by statement.
    for statement in script.split(";"):
        lines = [line.split("--")[0] for line in statement.splitlines()]
        sql = "\n".join(lines).strip()
        if sql:
            db.execute(sql)


@migrations()
def m002_people(db: Database) -> None:
    # The consent register: labels and keyed hashes only, so a copied file names nobody.
    _run(
        db,
        """
        CREATE TABLE people (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            label TEXT NOT NULL UNIQUE,         -- chosen by an admin, shown in Slack
            consent INTEGER NOT NULL,
            expires TEXT,                       -- YYYY-MM-DD, last day consent holds
            platforms TEXT,                     -- JSON list, NULL for every platform
            max_tokens INTEGER NOT NULL,        -- words in the longest name, not the name
            names INTEGER NOT NULL DEFAULT 1,   -- names and aliases given
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );

        CREATE TABLE person_names (
            person_id INTEGER NOT NULL REFERENCES people(id) ON DELETE CASCADE,
            name_hash TEXT NOT NULL,            -- HMAC-SHA256 with COUNTERSIGN_SECRET_KEY
            UNIQUE (person_id, name_hash)
        );
        CREATE INDEX person_names_hash ON person_names (name_hash);

        CREATE TABLE register_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    )


@migrations()
def m003_post_images(db: Database) -> None:
    # The stripped bytes that were checked and approved are the bytes that get published.
    _run(
        db,
        """
        CREATE TABLE post_images (
            post_id INTEGER NOT NULL REFERENCES posts(id),
            content_hash TEXT NOT NULL,
            position INTEGER NOT NULL,
            name TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            mime_type TEXT NOT NULL,
            size INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (post_id, content_hash, position)
        );
        """,
    )


@migrations()
def m004_retries_and_platforms(db: Database) -> None:
    # A retry moves when a delivery is next tried (due_at), never the slot it holds (slot_at).
    _run(
        db,
        """
        ALTER TABLE deliveries ADD COLUMN slot_at TEXT;
        UPDATE deliveries SET slot_at = due_at;
        CREATE TABLE platform_state (
            platform TEXT PRIMARY KEY,
            paused_reason TEXT,                 -- set while credentials are rejected
            paused_at TEXT,
            hold_until TEXT,                    -- a rate limit: nothing is sent before this
            checked_at TEXT                     -- the last credentials probe while paused
        );
        """,
    )


@migrations()
def m005_requested_time(db: Database) -> None:
    # A proposer may ask for a date and time instead of the next free slot.
    _run(db, "ALTER TABLE posts ADD COLUMN requested_at TEXT;")


@migrations()
def m006_schedule(db: Database) -> None:
    # Admins change the schedule in Slack; config/schedule.yaml only seeds it, once.
    _run(
        db,
        """
        CREATE TABLE schedule_slots (
            platform TEXT NOT NULL,
            weekday INTEGER NOT NULL,           -- Monday is 0
            at TEXT NOT NULL,                   -- HH:MM, wall clock in COUNTERSIGN_TIMEZONE
            PRIMARY KEY (platform, weekday, at)
        );
        CREATE TABLE app_meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    )


@migrations()
def m007_blackouts(db: Database) -> None:
    # Periods when nothing is published: queued posts move past them.
    _run(
        db,
        """
        CREATE TABLE blackouts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            starts TEXT NOT NULL,
            ends TEXT NOT NULL,
            reason TEXT NOT NULL DEFAULT '',
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        """,
    )


@migrations()
def m008_slot_index(db: Database) -> None:
    # The next free slot is asked for per platform on every approval.
    _run(db, "CREATE INDEX deliveries_slots ON deliveries (platform, slot_at, status);")


@migrations()
def m009_variants_and_alt_text(db: Database) -> None:
    # A post may carry its own words for X; pictures carry their descriptions (alt text).
    _run(
        db,
        """
        ALTER TABLE posts ADD COLUMN variants TEXT NOT NULL DEFAULT '{}';
        ALTER TABLE post_images ADD COLUMN alt_text TEXT NOT NULL DEFAULT '';
        """,
    )


@migrations()
def m010_event_inbox(db: Database) -> None:
    # An event is acknowledged before its work runs; keeping it until the work is done lets a
    # restart finish what a crash interrupted (Slack does not resend what was acknowledged).
    _run(
        db,
        """
        ALTER TABLE slack_events ADD COLUMN body TEXT;
        ALTER TABLE slack_events ADD COLUMN done_at TEXT;
        UPDATE slack_events SET done_at = received_at;
        CREATE INDEX slack_events_unfinished ON slack_events (done_at, received_at);
        """,
    )


@migrations()
def m011_slack_requests(db: Database) -> None:
    # Slash commands and interactive payloads carry no event_id: a replayed one is recognised
    # by its signature (HTTP) or its trigger_id (Socket Mode), kept past the 5-minute window.
    _run(
        db,
        """
        CREATE TABLE slack_requests (
            key TEXT PRIMARY KEY,
            received_at TEXT NOT NULL
        );
        CREATE INDEX slack_requests_received ON slack_requests (received_at);
        """,
    )


@migrations()
def m012_platform_pause_kind(db: Database) -> None:
    # Why a platform is paused decides how it resumes: rejected credentials are probed with a
    # cheap call, an account that may not post (no credits, no write permission) only by a
    # person, since reading still works and a probe would resume it into the same refusal.
    _run(db, "ALTER TABLE platform_state ADD COLUMN paused_kind TEXT;")


# Why a delivery from before m013 cannot go out: its post was edited since it was queued, so the
# words approved for it are known nowhere any more.
NO_SNAPSHOT = (
    "it was queued before Countersign kept a copy of what was approved, and the post has "
    "changed since: the approved words are not known, so it cannot go out"
)


@migrations()
def m013_delivery_snapshots(db: Database) -> None:
    # A delivery publishes exactly what was approved for its platform (the words, the pictures
    # with their descriptions), copied when it is queued: never the post's current text, which
    # an edit may have changed between the claim and the call.
    _run(
        db,
        """
        ALTER TABLE deliveries ADD COLUMN words TEXT;     -- NULL: no snapshot, cannot go out
        ALTER TABLE deliveries ADD COLUMN pictures TEXT;  -- JSON list, in order
        """,
    )
    rows = list(
        db.query(
            "SELECT d.id, d.platform, d.status, d.content_hash = p.content_hash AS same, "
            "p.id AS post_id, p.text, p.variants FROM deliveries d JOIN posts p "
            "ON p.id = d.post_id"
        )
    )
    unknown: list[int] = []
    for row in rows:
        if not row["same"]:
            if row["status"] in ("queued", "failed", "publishing", "unconfirmed"):
                unknown.append(row["id"])
            continue
        variants = json.loads(row["variants"] or "{}")
        pictures = [
            {k: r[k] for k in ("position", "name", "sha256", "mime_type", "size", "alt_text")}
            for r in db.query(
                "SELECT position, name, sha256, mime_type, size, alt_text FROM post_images "
                "WHERE post_id = ? AND content_hash = (SELECT content_hash FROM deliveries "
                "WHERE id = ?) ORDER BY position",
                [row["post_id"], row["id"]],
            )
        ]
        db.execute(
            "UPDATE deliveries SET words = ?, pictures = ? WHERE id = ?",
            [variants.get(row["platform"], row["text"]), json.dumps(pictures), row["id"]],
        )
    if unknown:
        marks = ", ".join("?" for _ in unknown)
        # Waiting ones cannot go out: failed, with the reason (the admins are told at start).
        db.execute(
            f"UPDATE deliveries SET status = 'failed', last_error = ? "  # noqa: S608
            f"WHERE id IN ({marks}) AND status = 'queued'",
            [NO_SNAPSHOT, *unknown],
        )
        db.execute(
            "INSERT OR REPLACE INTO app_meta (key, value) VALUES ('unsnapshotted', ?)",
            [json.dumps(unknown)],
        )


@migrations()
def m014_post_versions(db: Database) -> None:
    # When each version of a post was made, in Slack's time (a message's ts, an edit's
    # edited.ts): a reaction counts only for the version on the card when it was made, and a
    # reaction event carries only its own event_ts. Posts from before know no such times.
    _run(
        db,
        """
        CREATE TABLE post_versions (
            post_id INTEGER NOT NULL REFERENCES posts (id),
            version INTEGER NOT NULL,
            content_hash TEXT NOT NULL,
            made_ts TEXT NOT NULL,             -- Slack's "seconds.micro" timestamp
            PRIMARY KEY (post_id, version)
        );
        """,
    )


# The statuses in which a delivery holds its slot: it may still go out (queued, publishing,
# failed — "Publish again" — and unconfirmed) or it went out there (published). Store.taken_slots
# reads the same set. Cancelled and taken-down deliveries give their slot back.
SLOT_HOLDING = ("queued", "publishing", "published", "unconfirmed", "failed")
# Many deliveries may wait for `now` with no slot at all (bot.domain.posts.UNSCHEDULED).
NO_SLOT = "9999-12-31T00:00:00.000000Z"


@migrations()
def m015_one_post_per_platform_per_slot(db: Database) -> None:
    # One post per platform per slot, whoever books it: the server, the command line (another
    # process, which no in-process lock reaches), or a requested time. Slots shared before
    # this migration are resolved first: the first holder keeps it (one already out before
    # one still queued, then the older), each later one moves a minute on until free — it
    # was to go out at that time anyway, and nothing is dropped — and the move is audited.
    from datetime import UTC, datetime, timedelta

    from bot.storage.audit_chain import GENESIS
    from bot.storage.audit_chain import unkeyed_hash as record_hash

    marks = ", ".join("?" for _ in SLOT_HOLDING)
    live = f"status IN ({marks}) AND slot_at IS NOT NULL AND slot_at <> ?"
    params = [*SLOT_HOLDING, NO_SLOT]
    shared = list(
        db.query(
            f"SELECT platform, slot_at FROM deliveries WHERE {live} "  # noqa: S608
            "GROUP BY platform, slot_at HAVING COUNT(*) > 1",
            params,
        )
    )
    for group in shared:
        holders = list(
            db.query(
                f"SELECT * FROM deliveries WHERE {live} AND platform = ? "  # noqa: S608
                "AND slot_at = ? ORDER BY status = 'queued', id",
                [*params, group["platform"], group["slot_at"]],
            )
        )
        for row in holders[1:]:
            moved = datetime.fromisoformat(row["slot_at"])
            while True:
                moved += timedelta(minutes=1)
                slot_at = moved.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                taken = db.execute(
                    f"SELECT 1 FROM deliveries WHERE {live} AND platform = ? "  # noqa: S608
                    "AND slot_at = ?",
                    [*params, row["platform"], slot_at],
                ).fetchone()
                if not taken:
                    break
            # A queued one goes out at its new slot; one already out only records it.
            due_at = slot_at if row["status"] == "queued" else row["due_at"]
            db.execute(
                "UPDATE deliveries SET slot_at = ?, due_at = ? WHERE id = ?",
                [slot_at, due_at, row["id"]],
            )
            last = list(db.query("SELECT hash FROM audit ORDER BY id DESC LIMIT 1"))
            prev = last[0]["hash"] if last else GENESIS
            record = {
                "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                "actor": "countersign",
                "action": "requeued",
                "post_id": row["post_id"],
                "content_hash": row["content_hash"],
                "detail": json.dumps(
                    {
                        "platform": row["platform"],
                        "due": due_at,
                        "reason": f"slot {row['slot_at']} was shared",
                    },
                    sort_keys=True,
                ),
            }
            db.table("audit").insert(
                {**record, "prev_hash": prev, "hash": record_hash(prev, record)}
            )
    _run(
        db,
        """
        CREATE UNIQUE INDEX deliveries_one_per_slot ON deliveries (platform, slot_at)
            WHERE status IN ('queued', 'publishing', 'published', 'unconfirmed', 'failed')
            AND slot_at IS NOT NULL AND slot_at <> '9999-12-31T00:00:00.000000Z';
        """,
    )


@migrations()
def m016_text_at_rest(db: Database) -> None:
    # Every free text is encrypted from here on (bot/storage/crypto.py). The key never reaches
    # a migration, so the rows already stored are encrypted in place by Store.reseal, which
    # open_store runs right after the migrations whenever it has a key (and on every later
    # start, for anything written without one or under a previous key). What is erased
    # (retention) is remembered by when: the post's hashes, rule ids and audit records stay.
    _run(db, "ALTER TABLE posts ADD COLUMN erased_at TEXT;")


@migrations()
def m017_keyed_audit_chain(db: Database) -> None:
    # The id of the key whose HMAC made each audit record (never the key itself); NULL marks a
    # record of the unkeyed SHA-256 chain from before this migration. Nothing is recomputed:
    # see bot/storage/audit_chain.py for why the old records are sealed, not rewritten.
    _run(db, "ALTER TABLE audit ADD COLUMN mac_key TEXT")
