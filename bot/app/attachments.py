"""A proposal's attached files: each downloaded, checked and stripped of its metadata.

What fails (a download Slack refused, a file that is no picture, one too many) becomes a
finding the proposer reads, never an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.app.ports import FileSource
from bot.checks.images import ImageInput, UnreadableImage, check_images
from bot.checks.platform_fit import image_count_findings, unreadable_attachment
from bot.domain.findings import Finding
from bot.domain.posts import Attachment
from bot.media import strip_metadata

MAX_ATTACHMENTS = 10  # enough for any multi-photo post


@dataclass(frozen=True)
class Attachments:
    files: FileSource  # Slack's file downloads in production

    def read(
        self,
        files: Sequence[dict[str, Any]],
        platforms: tuple[str, ...],
        alt_texts: Sequence[str] = (),
    ) -> tuple[list[tuple[Attachment, bytes]], list[Finding]]:
        """Each file downloaded, checked and stripped of metadata; what fails is a finding."""
        images: list[tuple[Attachment, bytes]] = []
        findings: list[Finding] = []
        for file in files[:MAX_ATTACHMENTS]:
            name = str(file.get("name") or file.get("id") or "attachment")
            got = self.files.fetch(file)
            name = got.name  # Slack may name a file only when asked (files.info)
            if got.data is None:
                findings.append(unreadable_attachment(name, got.problem or "unknown problem"))
                continue
            found = check_images([ImageInput(name=got.name, data=got.data)])
            findings.extend(found)
            if any(f.rule == "image_unreadable" for f in found):
                continue
            try:
                stripped = strip_metadata(got.data)
            except UnreadableImage as exc:
                findings.append(unreadable_attachment(name, exc.reason))
                continue
            digest = hashlib.sha256(stripped.data).hexdigest()
            alt = alt_texts[len(images)].strip() if len(images) < len(alt_texts) else ""
            images.append(
                (
                    Attachment(name, digest, stripped.mime_type, len(stripped.data), alt[:1000]),
                    stripped.data,
                )
            )
        if len(files) > MAX_ATTACHMENTS:
            findings.append(
                unreadable_attachment(
                    f"{len(files) - MAX_ATTACHMENTS} more files",
                    f"a post takes at most {MAX_ATTACHMENTS} attachments",
                )
            )
        findings.extend(image_count_findings(len(images), platforms))
        return images, findings
