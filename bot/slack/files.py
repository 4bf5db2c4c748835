"""Downloading a proposal's attached files from Slack, carefully: the bot token goes only to
Slack's own file servers, over https; each download has a total deadline and a size cap."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.app.ports import Download

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 15 * 1024 * 1024
# Slack's file links (https://files.slack.com/files-pri/…, in the file_share example of
# https://docs.slack.dev/reference/events/message/file_share) are on these domains or their
# subdomains; GovSlack's on slack-gov.com. The same rule as slack-go/slack v0.30.1, which
# sends the token "only to https URLs on slack.com, slack-gov.com and their subdomains, and to
# the host set with OptionAPIURL" (GHSA-3q3v-34v2-g88f).
SLACK_FILE_DOMAINS = ("slack.com", "slack-gov.com")
MAX_REDIRECTS = 3
READ_TIMEOUT = 5.0  # one silent read; the deadline bounds the whole download

ATTACH_ITSELF = "download it and attach the picture itself"


class SlackFiles:
    def __init__(
        self,
        token: str,
        *,
        api_url: str = "https://slack.com/api/",
        client: WebClient | None = None,
        deadline: float = 30.0,
        max_bytes: int = MAX_FILE_BYTES,
    ) -> None:
        self.token = token
        self.client = client
        self.deadline = deadline
        self.max_bytes = max_bytes
        # The configured Slack API (the emulators in tests, on http://127.0.0.1:…) is trusted
        # with the token as it is configured: same scheme, host and port, nothing else.
        api = urlsplit(api_url)
        self._api_origin = (api.scheme, api.hostname, api.port)

    def carries_token(self, url: str) -> bool:
        """Whether the bot token may be sent to ``url``.

        The URL is judged as requests will send it, not as urlsplit reads the raw text: the
        two disagree ("https://evil.com\\.slack.com/" is a slack.com host to urlsplit and
        evil.com to requests). Anything unusual in it (a backslash, whitespace, a control
        character, a port that is not a number) gets no token.
        """
        if "\\" in url or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
            return False
        try:
            sent = requests.Request("GET", url).prepare().url or ""
            parts = urlsplit(sent)
            port = parts.port
        except (requests.RequestException, ValueError):
            return False
        if parts.username or parts.password:
            return False
        if (parts.scheme, parts.hostname, port) == self._api_origin:
            return True
        host = (parts.hostname or "").lower()
        return (
            parts.scheme == "https"
            and port in (None, 443)
            and any(host == d or host.endswith("." + d) for d in SLACK_FILE_DOMAINS)
        )

    def fetch(self, file: dict[str, Any]) -> Download:
        name = str(file.get("name") or file.get("id") or "attachment")
        if file.get("file_access") == "check_file_info":
            # In Slack Connect channels (and others) an event names the file without its
            # details: {"id", "mode": "file_access", "file_access": "check_file_info"}; files.info
            # gives them (https://zenn.dev/straydog/articles/42c4152bf963e3).
            found = self._info(file)
            if isinstance(found, Download):
                return found
            file = found
            name = str(file.get("name") or file.get("id") or "attachment")
        if file.get("is_external") is True or file.get("mode") == "external":
            # A remote file's url_private is its external URL, "which can point to any host.
            # Don't send Slack tokens or cookies to it" (docs.slack.dev/reference/methods/
            # files.remote.info). Fetching it without the token would bypass Slack's checks.
            where = str(file.get("external_type") or "").strip() or "another service"
            return Download(
                name,
                None,
                f"it is a link to a file kept outside Slack (on {where}), which Countersign "
                f"does not fetch: {ATTACH_ITSELF}",
            )
        url = str(file.get("url_private_download") or file.get("url_private") or "")
        if not url:
            return Download(name, None, "Slack did not give a download link for it")
        if int(file.get("size") or 0) > self.max_bytes:
            return Download(name, None, self._too_large())
        if not self.carries_token(url):
            log.warning("refused to download file %s from outside Slack", file.get("id"))
            return Download(
                name,
                None,
                "its download link is not on Slack's file servers, and Countersign sends its "
                f"Slack token nowhere else: {ATTACH_ITSELF}",
            )
        try:
            return self._download(name, url, str(file.get("id")))
        except requests.RequestException as exc:
            # The file's id, never its name: people name photos after who is in them.
            log.warning("could not download file %s: %s", file.get("id"), type(exc).__name__)
            return Download(name, None, "it could not be downloaded from Slack")

    def _info(self, file: dict[str, Any]) -> dict[str, Any] | Download:
        name = str(file.get("id") or "attachment")
        if self.client is None or not file.get("id"):
            return Download(name, None, "Slack did not give its details")
        try:
            answer = self.client.files_info(file=str(file["id"]))
        except SlackApiError as exc:
            error = str(exc.response.get("error") or "an error")
            log.warning("files.info for %s answered %s", file.get("id"), error)
            return Download(name, None, f"Slack would not show it to Countersign ({error})")
        except SlackClientError as exc:
            log.warning("files.info for %s failed: %s", file.get("id"), type(exc).__name__)
            return Download(name, None, "Slack could not be asked about it")
        found = answer.get("file")
        if not isinstance(found, dict):
            return Download(name, None, "Slack did not give its details")
        return found

    def _download(self, name: str, url: str, file_id: str) -> Download:
        ends = time.monotonic() + self.deadline
        for _ in range(MAX_REDIRECTS + 1):
            if not self.carries_token(url):
                # requests would drop the token on a redirect to another host; this does not
                # follow such a redirect at all (no request leaves for a host not Slack's).
                log.warning("file %s redirected outside Slack; not followed", file_id)
                return Download(name, None, f"Slack sent its download elsewhere: {ATTACH_ITSELF}")
            left = ends - time.monotonic()
            if left <= 0:
                return Download(name, None, self._too_slow())
            with requests.get(
                url,
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=(min(left, READ_TIMEOUT), min(left, READ_TIMEOUT)),
                stream=True,
                allow_redirects=False,
            ) as response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    continue
                return self._read(name, response, ends)
        return Download(name, None, "Slack redirected its download too many times")

    def _read(self, name: str, response: requests.Response, ends: float) -> Download:
        if response.status_code != 200:
            return Download(name, None, f"Slack answered {response.status_code}")
        if "text/html" in response.headers.get("Content-Type", ""):
            # Slack answers a download it refuses with a sign-in page.
            return Download(
                name, None, "Slack refused the download (is the bot's files:read scope granted?)"
            )
        if int(response.headers.get("Content-Length") or 0) > self.max_bytes:
            return Download(name, None, self._too_large())
        data = bytearray()
        while True:
            # read1 returns what one read brings, so a trickle of bytes cannot hold a read open
            # past the deadline the way read(n), which waits for n bytes, would.
            chunk = response.raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                return Download(name, bytes(data))
            data += chunk
            if len(data) > self.max_bytes:
                return Download(name, None, self._too_large())
            if time.monotonic() > ends:
                return Download(name, None, self._too_slow())

    def _too_large(self) -> str:
        if self.max_bytes >= 2**20:
            return f"it is larger than {self.max_bytes // 2**20} MB"
        return f"it is larger than {self.max_bytes} bytes"

    def _too_slow(self) -> str:
        return f"it took more than {self.deadline:g} seconds to download from Slack"
