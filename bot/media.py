"""What the publishers upload: an attached image re-encoded from its pixels, with no metadata.

Rebuilding the file, rather than deleting known blocks, is what makes the strip complete: EXIF
(GPS, camera serials), XMP, IPTC, comments, text chunks and MPO side images are simply never
written. The EXIF orientation is applied first so a rotated phone photo still looks right.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageCms, ImageOps, ImageSequence

from bot.checks.images import MAX_BYTES, MAX_PIXELS, UnreadableImage, open_image

__all__ = ["StrippedImage", "UnreadableImage", "file_name_where", "strip_metadata"]

JPEG_QUALITY = 90
WEBP_QUALITY = 90
# An animation is decoded frame by frame: its frames together share the pixel budget, and a
# flood of tiny frames is capped too, so a small file cannot expand into gigabytes.
MAX_FRAMES = 1_000
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
    """Re-encode an attachment without metadata; raise UnreadableImage for what cannot be."""
    with open_image(data, max_pixels=max_pixels, max_bytes=max_bytes) as img:
        # MPO (a phone's multi-picture JPEG) is published as its first picture, a plain JPEG.
        kind = "JPEG" if img.format == "MPO" else str(img.format)
        lossless_webp = kind == "WEBP" and data[12:16] == b"VP8L"
        try:
            if kind in ("GIF", "WEBP") and getattr(img, "is_animated", False):
                frames = _frames(img, max_pixels)
            else:
                frames = [_clean(img, kind)]
        except UnreadableImage:
            raise
        except Exception:
            # The header was sound but the pixels are not: cut short, corrupt, or undecodable.
            raise UnreadableImage("is damaged: its picture cannot be decoded") from None
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
