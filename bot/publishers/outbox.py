"""The dry run: a platform without credentials publishes to one JSON file per delivery."""

from __future__ import annotations

import json
import mimetypes
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bot.publishers.base import Draft, FailureKind, Publication, PublishError

_PREFIX = "outbox:"
_TAKEN_DOWN = ".taken-down.json"


class OutboxPublisher:
    """Writes ``<key>.json``, with its images beside it as ``<key>-<n>.<ext>``."""

    dry_run = True

    def __init__(self, platform: str, folder: Path) -> None:
        self.platform = platform
        self.folder = folder

    def publish(self, draft: Draft) -> Publication:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{draft.key}.json"
        if not path.exists():
            images = []
            for number, image in enumerate(draft.images, start=1):
                extension = mimetypes.guess_extension(image.mime_type) or ".bin"
                image_path = self.folder / f"{draft.key}-{number}{extension}"
                _write_atomically(image_path, image.data)
                images.append(
                    {
                        "file": image_path.name,
                        "name": image.name,
                        "mime_type": image.mime_type,
                        "alt_text": image.alt_text,
                    }
                )
            record = {
                "platform": self.platform,
                "post_id": draft.post_id,
                "delivery": draft.key,
                "text": draft.text,
                "images": images,
                "written_at": datetime.now(UTC).isoformat(),
            }
            # The JSON goes last: only a complete delivery (images included) looks published.
            _write_atomically(path, json.dumps(record, indent=2, ensure_ascii=False).encode())
        return self._publication(path)

    def delete(self, remote_id: str) -> None:
        name = remote_id.removeprefix(_PREFIX)
        if not name.endswith(".json") or Path(name).name != name:
            raise PublishError(FailureKind.REJECTED, f"{remote_id!r} is not an outbox entry.")
        path = self.folder / name
        taken_down = path.with_name(name.removesuffix(".json") + _TAKEN_DOWN)
        if path.exists():
            os.replace(path, taken_down)
        # Missing and already renamed alike: nothing is left published.

    def verify(self) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=self.folder):
                pass
        except OSError as exc:
            raise PublishError(
                FailureKind.REJECTED,
                f"The outbox folder {self.folder} cannot be written to: {exc.strerror or exc}",
            ) from exc

    def find(self, draft: Draft) -> Publication | None:
        path = self.folder / f"{draft.key}.json"
        return self._publication(path) if path.exists() else None

    def _publication(self, path: Path) -> Publication:
        return Publication(remote_id=f"{_PREFIX}{path.name}", url=str(path.resolve()))


def _write_atomically(path: Path, data: bytes) -> None:
    """Write then rename: a crash leaves no half-written file that looks published."""
    tmp = path.with_name(path.name + ".tmp")
    # Owner only (0600): an outbox file holds a post's words and pictures.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o600)  # an old .tmp left by a crash keeps its mode through O_CREAT
    os.replace(tmp, path)
