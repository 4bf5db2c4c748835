"""What the publishers upload: an attached image re-encoded from its pixels, with no metadata.

Rebuilding the file, rather than deleting known blocks, is what makes the strip complete: EXIF
(GPS, camera serials), XMP, IPTC, comments, text chunks and MPO side images are simply never
written. The EXIF orientation is applied first so a rotated phone photo still looks right.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, ImageSequence

from bot.checks.images import MAX_BYTES, MAX_PIXELS, UnreadableImage, open_image

__all__ = ["StrippedImage", "UnreadableImage", "file_name_where", "strip_metadata"]

JPEG_QUALITY = 90
WEBP_QUALITY = 90
# An animation is decoded frame by frame: its frames together share the pixel budget, and a
# flood of tiny frames is capped too, so a small file cannot expand into gigabytes.
MAX_FRAMES = 1_000
# Decoding is what costs memory: 3 or 4 bytes a pixel, and a copy or two while the picture is
# turned upright and into sRGB (a 40-megapixel PNG cost 151 MB). So a picture is decoded at
# most this big: a larger JPEG is decoded at a half, a quarter or an eighth of its size (the
# JPEG decoder's own scaling, which never holds the full picture; 16 megapixels is still more
# than X or Facebook show), and other formats, which cannot be decoded smaller, are refused.
DECODE_PIXELS = 16_000_000
_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "GIF": "image/gif", "WEBP": "image/webp"}
# Kept because they change how the picture looks or plays; everything else in info is metadata.
_KEEP_INFO = ("transparency", "duration", "loop", "background")


def file_name_where(number: int) -> str:
    """How a finding about a picture's file name says where it was (the review card reads it
    back to withhold that name)."""
    return f"the file name of picture {number}"


@dataclass(frozen=True)
class StrippedImage:
    data: bytes
    format: str  # "JPEG", "PNG", "GIF" or "WEBP"
    mime_type: str
    width: int
    height: int


def strip_metadata(
    data: bytes, *, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES
) -> StrippedImage:
    """Re-encode an attachment without metadata; raise UnreadableImage for what cannot be.
    Pictures decoded at the same time (several proposals at once) share one budget of
    ``DECODE_PIXELS``: ten pictures at once wait their turn rather than each taking its own."""
    with open_image(data, max_pixels=max_pixels, max_bytes=max_bytes) as img:
        # MPO (a phone's multi-picture JPEG) is published as its first picture, a plain JPEG.
        kind = "JPEG" if img.format == "MPO" else str(img.format)
        animated = kind in ("GIF", "WEBP") and getattr(img, "is_animated", False)
        cost = _decoded_size(img, kind, animated)
        # Held until the pixels are encoded again and let go of.
        with _BUDGET.hold(cost):
            try:
                if animated:
                    frames = _frames(img, min(max_pixels, DECODE_PIXELS))
                else:
                    frames = [_clean(img, kind)]
            except UnreadableImage:
                raise
            except Exception:
                # The header was sound but the pixels are not: cut short, corrupt, undecodable.
                raise UnreadableImage("is damaged: its picture cannot be decoded") from None
            lossless_webp = kind == "WEBP" and data[12:16] == b"VP8L"
            return _encode(frames, kind, lossless_webp=lossless_webp)


def _encode(frames: list[Image.Image], kind: str, *, lossless_webp: bool) -> StrippedImage:
    out = io.BytesIO()
    first = frames[0]
    if kind == "JPEG":
        first.save(out, "JPEG", quality=JPEG_QUALITY)
    elif kind == "PNG":
        first.save(out, "PNG")
    elif kind == "GIF":
        first.save(out, "GIF", save_all=len(frames) > 1, append_images=frames[1:])
    else:
        first.save(
            out,
            "WEBP",
            save_all=len(frames) > 1,
            append_images=frames[1:],
            quality=WEBP_QUALITY,
            lossless=lossless_webp,
        )
    return StrippedImage(out.getvalue(), kind, _MIME[kind], first.width, first.height)


def _decoded_size(img: Image.Image, kind: str, animated: bool) -> int:
    """The pixels the decoder will hold for this picture, made to fit ``DECODE_PIXELS``: a JPEG
    is told to decode smaller (``draft``); anything else that big is refused."""
    width, height = img.size
    if animated or width * height <= DECODE_PIXELS:
        return min(width * height, DECODE_PIXELS)  # an animation's frames share the budget
    if kind != "JPEG":
        raise UnreadableImage(
            f"is {width}×{height} pixels: only a JPEG is taken over "
            f"{DECODE_PIXELS / 1e6:g} megapixels (it is scaled down); export it as a JPEG, "
            "or smaller"
        )
    scale = 2
    while scale < 8 and (width // scale) * (height // scale) > DECODE_PIXELS:
        scale *= 2
    img.draft(img.mode, (-(-width // scale), -(-height // scale)))
    return min(img.size[0] * img.size[1], DECODE_PIXELS)


class _PixelBudget:
    """Pixels being decoded now, across threads, kept under a limit: a picture waits until
    its pixels fit (one alone always fits, however big)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_use = 0
        self._changed = threading.Condition()

    @contextmanager
    def hold(self, pixels: int) -> Iterator[None]:
        with self._changed:
            self._changed.wait_for(lambda: self.in_use == 0 or self.in_use + pixels <= self.limit)
            self.in_use += pixels
        try:
            yield
        finally:
            with self._changed:
                self.in_use -= pixels
                self._changed.notify_all()


_BUDGET = _PixelBudget(DECODE_PIXELS)


def _frames(img: Image.Image, max_pixels: int) -> list[Image.Image]:
    frames: list[Image.Image] = []
    budget = max_pixels
    for frame in ImageSequence.Iterator(img):
        budget -= frame.width * frame.height
        if budget < 0 or len(frames) >= MAX_FRAMES:
            raise UnreadableImage(
                f"is an animation too long to publish safely (over {max_pixels / 1e6:g} "
                f"megapixels or {MAX_FRAMES} frames in all)"
            )
        frames.append(_clean(frame, "ANIMATION"))
    return frames


def _clean(img: Image.Image, kind: str) -> Image.Image:
    """A decoded, upright, sRGB copy of the pixels carrying only what affects their look."""
    upright = ImageOps.exif_transpose(img)  # always a new image, so `img` is left as it was
    assert upright is not None  # only None when transposing in place
    upright = _to_srgb(upright, img.info.get("icc_profile"))
    if kind == "JPEG" and upright.mode not in ("L", "RGB"):
        upright = upright.convert("RGB")
    upright.info = {key: img.info[key] for key in _KEEP_INFO if key in img.info}
    return upright


def _to_srgb(img: Image.Image, icc: object) -> Image.Image:
    """Convert colours to sRGB so the profile can go: an iPhone's Display P3 would look dull."""
    if not isinstance(icc, bytes) or not icc or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        mode = "RGBA" if img.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(
            img, source, ImageCms.createProfile("sRGB"), outputMode=mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        # A profile littleCMS cannot use is dropped; the colours shift a little, nothing leaks.
        return img
    return converted if converted is not None else img
