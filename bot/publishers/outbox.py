"""The dry run: a platform without credentials publishes to one JSON file per delivery."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

from bot.publishers.base import Draft, Publication


class OutboxPublisher:
    dry_run = True

    def __init__(self, platform: str, folder: Path) -> None:
        self.platform = platform
        self.folder = folder

    def publish(self, draft: Draft) -> Publication:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{draft.key}.json"
        if not path.exists():
            # Write then rename: a crash leaves no half-written file that looks published.
            tmp = path.with_suffix(".tmp")
            tmp.write_text(
                json.dumps(
                    {
                        "platform": self.platform,
                        "post_id": draft.post_id,
                        "delivery": draft.key,
                        "text": draft.text,
                        "written_at": datetime.now(UTC).isoformat(),
                    },
                    indent=2,
                    ensure_ascii=False,
                ),
                encoding="utf-8",
            )
            os.replace(tmp, path)
        return Publication(remote_id=f"outbox:{path.name}", url=str(path.resolve()))
