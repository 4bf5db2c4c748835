"""The outbox dry run: files on disk stand in for posts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.emulators.png import tiny_png
from bot.publishers.base import Draft, DraftImage, FailureKind, PublishError
from bot.publishers.outbox import OutboxPublisher

DRAFT = Draft(
    key="post7-x-d3",
    post_id=7,
    text="Our winter appeal starts today.",
    images=(
        DraftImage(name="a.png", data=tiny_png(2, 2), mime_type="image/png", alt_text="A square"),
        DraftImage(name="b.jpeg", data=b"\xff\xd8\xff fake jpeg", mime_type="image/jpeg"),
    ),
)


def test_publish_writes_the_images_beside_the_json(tmp_path: Path) -> None:
    outbox = OutboxPublisher("x", tmp_path / "outbox")
    published = outbox.publish(DRAFT)
    folder = tmp_path / "outbox"
    assert sorted(p.name for p in folder.iterdir()) == [
        "post7-x-d3-1.png",
        "post7-x-d3-2.jpg",
        "post7-x-d3.json",
    ]
    record = json.loads((folder / "post7-x-d3.json").read_text())
    assert (record["platform"], record["post_id"], record["text"]) == ("x", 7, DRAFT.text)
    assert record["images"] == [
        {
            "file": "post7-x-d3-1.png",
            "name": "a.png",
            "mime_type": "image/png",
            "alt_text": "A square",
        },
        {"file": "post7-x-d3-2.jpg", "name": "b.jpeg", "mime_type": "image/jpeg", "alt_text": ""},
    ]
    assert (folder / "post7-x-d3-1.png").read_bytes() == DRAFT.images[0].data
    assert (folder / "post7-x-d3-2.jpg").read_bytes() == DRAFT.images[1].data
    assert published.remote_id == "outbox:post7-x-d3.json"
    assert published.url == str((folder / "post7-x-d3.json").resolve())
    assert outbox.publish(DRAFT) == published  # once per delivery


def test_find_and_delete(tmp_path: Path) -> None:
    outbox = OutboxPublisher("facebook", tmp_path)
    assert outbox.find(DRAFT) is None
    published = outbox.publish(DRAFT)
    assert outbox.find(DRAFT) == published
    outbox.delete(published.remote_id)
    assert not (tmp_path / "post7-x-d3.json").exists()
    assert json.loads((tmp_path / "post7-x-d3.taken-down.json").read_text())["post_id"] == 7
    assert outbox.find(DRAFT) is None
    outbox.delete(published.remote_id)  # idempotent
    assert (tmp_path / "post7-x-d3.taken-down.json").exists()


@pytest.mark.parametrize("remote_id", ["outbox:../elsewhere.json", "outbox:post7-x-d3-1.png"])
def test_delete_refuses_what_is_not_an_entry(tmp_path: Path, remote_id: str) -> None:
    with pytest.raises(PublishError) as caught:
        OutboxPublisher("x", tmp_path).delete(remote_id)
    assert caught.value.kind is FailureKind.REJECTED


def test_verify(tmp_path: Path) -> None:
    OutboxPublisher("x", tmp_path / "new").verify()
    assert (tmp_path / "new").is_dir() and list((tmp_path / "new").iterdir()) == []
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PublishError) as caught:
        OutboxPublisher("x", blocker / "outbox").verify()
    assert caught.value.kind is FailureKind.REJECTED
    assert "cannot be written to" in caught.value.reason
