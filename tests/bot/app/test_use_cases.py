"""The use cases driven directly: a real store on disk, recording fakes for Slack (the ports),
the outbox as the platform, and a fixed clock."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image

from bot.app.attachments import MAX_ATTACHMENTS, Attachments
from bot.app.checking import Checker
from bot.app.delivery import Deliverer
from bot.app.ports import Download
from bot.app.signals import QueueSignal
from bot.config.policy_file import load_policy
from bot.domain.findings import Severity
from bot.domain.posts import Attachment, DeliveryStatus, Post, PostStatus, content_hash
from bot.domain.review import Decision
from bot.publishers.outbox import OutboxPublisher
from bot.storage import Store, open_store
from bot.storage.people import load_register

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
HARMLESS = "Our drop-in is open today from 10am, everyone welcome."
# A named person's health condition: the confidentiality checks block it.
REVEALING = "Mary Green from our Tuesday group has asthma; she is doing well."


@dataclass
class RecordingNotifier:
    notes: list[tuple[int, str]] = field(default_factory=list)
    alerts: list[str] = field(default_factory=list)
    refreshed: list[int] = field(default_factory=list)

    def post_report(self, post: Post) -> str | None:
        return None

    def post_card(self, post: Post, deliveries: list[Any]) -> tuple[str, str] | None:
        return None

    def refresh_card(self, post_id: int) -> None:
        self.refreshed.append(post_id)

    def thread_note(self, post: Post, text: str) -> None:
        self.notes.append((post.id, text))

    def tell(self, channel: str, user: str, text: str) -> None:
        raise AssertionError("nobody is told anything directly here")

    def alert(self, text: str, actions: list[tuple[str, str, str]] | None = None) -> None:
        self.alerts.append(text)


@dataclass
class RecordingFiles:
    """Slack's downloads: what each file id gives, and which were asked for."""

    given: dict[str, Download]
    asked: list[str] = field(default_factory=list)

    def fetch(self, file: dict[str, Any]) -> Download:
        self.asked.append(file["id"])
        return self.given[file["id"]]


def _checker(store: Store) -> Checker:
    return Checker(
        policy=load_policy(None),
        zone_name="Europe/London",
        platforms=("x",),
        clock=lambda: NOW,
        register=lambda: load_register(store, None),
    )


def _approved(store: Store, text: str, number: int) -> Post:
    post, _ = store.create_post(
        source_channel="C1",
        source_ts=f"{number}.0",
        proposer="U1",
        text=text,
        platforms=("x",),
        content_hash=content_hash(text, ("x",)),
        findings=[],
        status=PostStatus.IN_REVIEW,
        at=NOW,
    )
    store.set_status(
        post.id,
        PostStatus.APPROVED,
        actor="U2",
        action="approved",
        at=NOW,
        review=Decision.APPROVE,
        queue={"x": NOW - timedelta(minutes=number)},  # one post a slot
    )
    return post


def test_the_deliverer_publishes_what_the_shared_checker_lets_through(tmp_path: Path):
    store = open_store(tmp_path / "c.db")
    notifier = RecordingNotifier()
    queue = QueueSignal()
    outbox = tmp_path / "outbox"
    deliverer = Deliverer(
        store,
        notifier,
        {"x": OutboxPublisher("x", outbox)},
        clock=lambda: NOW,
        queue=queue,
        recheck=_checker(store).blocking_now,
    )
    fine = _approved(store, HARMLESS, 1)
    held = _approved(store, REVEALING, 2)

    assert deliverer.publish_due() == 2

    [written] = [json.loads(p.read_text()) for p in outbox.glob("*.json")]
    assert (written["post_id"], written["text"]) == (fine.id, HARMLESS)
    [published] = store.deliveries_for(fine.id)
    [refused] = store.deliveries_for(held.id)
    assert published.status is DeliveryStatus.PUBLISHED
    assert refused.status is DeliveryStatus.FAILED and "held back" in (refused.last_error or "")
    # The proposer hears why in the thread, the admins by an alert; neither quotes the words.
    [why] = [text for post_id, text in notifier.notes if post_id == held.id]
    assert "was not published on X" in why and "Mary" not in why
    assert len(notifier.alerts) == 1 and "Mary" not in notifier.alerts[0]
    store.close()


def test_the_queue_signal_reaches_every_listener_in_order():
    heard: list[str] = []
    queue = QueueSignal()
    queue.subscribe(lambda: heard.append("scheduler"))
    queue.subscribe(lambda: heard.append("another"))
    queue.changed()
    queue.changed()
    assert heard == ["scheduler", "another", "scheduler", "another"]


def test_the_checker_reads_the_register_afresh_for_each_check(tmp_path: Path):
    store = open_store(tmp_path / "c.db")
    reads: list[int] = []

    def register():
        reads.append(1)
        return load_register(store, None)

    checker = Checker(
        policy=load_policy(None),
        zone_name="Europe/London",
        platforms=("x",),
        clock=lambda: NOW,
        register=register,
    )
    assert all(f.severity is not Severity.BLOCK for f in checker.check(HARMLESS))
    assert len(reads) == 1
    blocking = checker.blocking_now(_approved(store, REVEALING, 1), "x")
    assert blocking and all(f.severity is Severity.BLOCK for f in blocking)
    assert len(reads) == 2  # read again, not kept from the first check
    assert checker.today().isoformat() == "2026-11-23"
    store.close()


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(out, "PNG")
    return out.getvalue()


def test_attachments_are_downloaded_stripped_and_failures_become_findings():
    files = RecordingFiles(
        {
            "F1": Download("harbour.png", _png("navy")),
            "F2": Download("broken.png", None, "Slack answered 404"),
            "F3": Download("notes.png", b"not a picture at all"),
        }
    )
    images, findings = Attachments(files).read(
        [{"id": "F1"}, {"id": "F2"}, {"id": "F3"}], ("x",), alt_texts=["The harbour at dusk"]
    )

    assert files.asked == ["F1", "F2", "F3"]
    [(attachment, data)] = images
    assert isinstance(attachment, Attachment)
    assert (attachment.name, attachment.alt_text, attachment.mime_type) == (
        "harbour.png",
        "The harbour at dusk",
        "image/png",
    )
    assert attachment.size == len(data) and Image.open(io.BytesIO(data)).size == (40, 30)
    said = " ".join(f.message for f in findings)
    assert "broken.png" in said and "Slack answered 404" in said
    assert "notes.png" in said


def test_attachments_past_the_limit_are_refused_without_downloading_them():
    given = {f"F{n}": Download(f"p{n}.png", _png("white")) for n in range(MAX_ATTACHMENTS + 2)}
    files = RecordingFiles(given)
    images, findings = Attachments(files).read([{"id": k} for k in given], ("facebook",))
    assert len(files.asked) == MAX_ATTACHMENTS == len(images)
    assert any("2 more files" in f.message for f in findings)
