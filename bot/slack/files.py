"""Downloading a proposal's attached files from Slack, carefully: size-capped, time-limited."""

from __future__ import annotations

import logging
from typing import Any

import requests

from bot.services import Download

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 15 * 1024 * 1024


class SlackFiles:
    def __init__(
        self, token: str, *, timeout: float = 15.0, max_bytes: int = MAX_FILE_BYTES
    ) -> None:
        self.token = token
        self.timeout = timeout
        self.max_bytes = max_bytes

    def fetch(self, file: dict[str, Any]) -> Download:
        name = str(file.get("name") or file.get("id") or "attachment")
        url = file.get("url_private_download") or file.get("url_private")
        if not url:
            return Download(name, None, "Slack did not give a download link for it")
        if int(file.get("size") or 0) > self.max_bytes:
            return Download(name, None, f"it is larger than {self.max_bytes // 2**20} MB")
        try:
            with requests.get(
                str(url),
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=self.timeout,
                stream=True,
            ) as response:
                if response.status_code != 200:
                    return Download(name, None, f"Slack answered {response.status_code}")
                if "text/html" in response.headers.get("Content-Type", ""):
                    # Slack answers a download it refuses with a sign-in page.
                    return Download(
                        name,
                        None,
                        "Slack refused the download (is the bot's files:read scope granted?)",
                    )
                data = b""
                for chunk in response.iter_content(64 * 1024):
                    data += chunk
                    if len(data) > self.max_bytes:
                        return Download(
                            name, None, f"it is larger than {self.max_bytes // 2**20} MB"
                        )
                return Download(name, data)
        except requests.RequestException as exc:
            # The file's id, never its name: people name photos after who is in them.
            log.warning("could not download file %s: %s", file.get("id"), type(exc).__name__)
            return Download(name, None, "it could not be downloaded from Slack")
