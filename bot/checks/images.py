"""Images attached to a proposal: where they were taken, whether they open safely, who is in them.

Pure: bytes in, findings out. Only headers and metadata are read, never the pixels, so the
checks stay fast on a 12-megapixel photo and a decompression bomb is refused before any decode.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from PIL import Image, ImageFile, UnidentifiedImageError

from bot.domain.findings import Finding, Severity

MAX_PIXELS = 40_000_000
MAX_BYTES = 15 * 1024 * 1024
# What X and Facebook take; opening nothing else also keeps Pillow's riskier plugins (EPS runs
# Ghostscript) out of reach of an attached file. JPEG covers MPO, the multi-picture phone JPEG.
FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
# Below this nobody pictured is recognisable: a spacer GIF or an icon needs no consent reminder.
_MIN_SIDE_FOR_PEOPLE = 32
# Legitimate PNGs have a few thousand chunks at most; the cap bounds the walk on hostile input.
_MAX_PNG_CHUNKS = 50_000
# Enough for any real metadata block; a compressed one is never inflated past it (zip bombs),
# and one image's blocks together are read up to a total, so a file of a thousand blocks costs
# no more to scan than one full of them.
_MAX_TEXT_BYTES = 256 * 1024
_MAX_METADATA_BYTES = 1024 * 1024
_GPS_IFD = 0x8825
# GPSLatitude, GPSLongitude, GPSDestLatitude, GPSDestLongitude, GPSAreaInformation; the GPS IFD
# also holds timestamps and a version that some phones write with location turned off.
_GPS_PLACE_TAGS = (0x02, 0x04, 0x14, 0x16, 0x1C)
# IPTC IIM record 2: City, Sub-location, Province/State. A country alone locates nobody.
_IPTC_PLACE_DATASETS = frozenset({90, 92, 95})
_XMP_PLACE = re.compile(
    r"(?<=[\w.-]):(?:GPS(?:Dest)?(?:Latitude|Longitude)|GPSAreaInformation|Latitude|Longitude"
    r"|Location|Sublocation|City|State|ProvinceState)"
    r"(?:\s{0,8}=\s{0,8}\"([^\"]{0,500})\"|\s{0,8}=\s{0,8}'([^']{0,500})'|>([^<]{0,500})<)",
    re.IGNORECASE,
)
_PLACE_KEYWORD = re.compile(
    r"gps|latitude|longitude|geo[ _-]?(?:tag|loc|pos|coord)|coordinates"
    r"|(?<![a-z])(?:geo|lat|lon|lng|location)(?![a-z])",
    re.IGNORECASE,
)
_DECIMAL_PAIR = re.compile(
    r"(?<![\d.])([-+]?\d{1,2}\.\d{3,10})\s{0,3}[,;]\s{0,3}([-+]?\d{1,3}\.\d{3,10})(?![\d.])"
)
_DMS = re.compile(r"\d{1,3}\s?°\s?\d{1,2}\s?['′]\s?\d{1,2}(?:\.\d{1,6})?\s?[\"″]?\s?[NSEW]\b")
_XMP_JPEG_PREFIXES = (
    b"http://ns.adobe.com/xap/1.0/\x00",
    b"http://ns.adobe.com/xmp/extension/\x00",
)


@dataclass(frozen=True)
class ImageInput:
    name: str
    data: bytes


class UnreadableImage(ValueError):
    """An attachment that cannot be checked or published; `reason` completes "<name> ..."."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class _Metadata:
    """What a file says about itself, gathered from its headers without decoding pixels."""

    exif: list[bytes] = field(default_factory=list)
    xmp: list[bytes] = field(default_factory=list)
    iptc: list[bytes] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (keyword, text); comments too
    budget: int = _MAX_METADATA_BYTES

    def take(self, value: bytes) -> bytes:
        """As much of a block as the per-block and per-image limits leave room for."""
        kept = value[: min(_MAX_TEXT_BYTES, self.budget)]
        self.budget -= len(kept)
        return kept


def check_images(
    images: Sequence[ImageInput], *, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES
) -> list[Finding]:
    """Findings for every attached image, in attachment order."""
    findings: list[Finding] = []
    for image in images:
        findings.extend(_check_one(image, max_pixels=max_pixels, max_bytes=max_bytes))
    return findings


def _check_one(image: ImageInput, *, max_pixels: int, max_bytes: int) -> Iterator[Finding]:
    try:
        img = open_image(image.data, max_pixels=max_pixels, max_bytes=max_bytes)
    except UnreadableImage as exc:
        yield _finding(
            "image_unreadable",
            Severity.BLOCK,
            image.name,
            f"{image.name} {exc.reason}, so it cannot be checked or published safely.",
            f"Export it again as a JPEG or PNG of at most {max_bytes / 2**20:g} MB and "
            f"{max_pixels / 1e6:g} megapixels, and attach that instead.",
        )
        return
    with img:
        places = _location_sources(img, image.data)
        width, height = img.size
    if places:
        yield _finding(
            "image_location",
            Severity.BLOCK,
            image.name,
            f"{image.name} carries {_join(places)} (where it was taken): at a refuge, a hostel "
            "or someone's home, that is an address. Countersign strips metadata before "
            "publishing, but the copy shared here still has it.",
            "Attach a copy without the location (turn location off in the phone's share options, "
            "or export the photo again), check the picture itself shows nothing of the place "
            "(door numbers, signs, the view from a window), and delete the located copy.",
        )
    if min(width, height) >= _MIN_SIDE_FOR_PEOPLE:
        yield _finding(
            "image_people",
            Severity.WARN,
            image.name,
            f"If anyone is pictured in {image.name}, everyone pictured needs recorded consent "
            "before it is published: a face in a service's photo can say who uses it.",
            "Confirm consent is recorded for each person shown, or choose a picture without "
            "people, with faces out of shot, or blurred.",
        )


def _finding(rule: str, severity: Severity, name: str, message: str, suggestion: str) -> Finding:
    return Finding(
        check="confidentiality",
        rule=rule,
        severity=severity,
        start=0,
        end=0,
        excerpt=name,
        message=message,
        suggestion=suggestion,
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def open_image(
    data: bytes, *, max_pixels: int = MAX_PIXELS, max_bytes: int = MAX_BYTES
) -> ImageFile.ImageFile:
    """Open an attachment reading only its header; refuse what cannot be decoded safely."""
    if not data:
        raise UnreadableImage("is an empty file")
    if len(data) > max_bytes:
        raise UnreadableImage(
            f"is {len(data) / 2**20:.1f} MB, over the {max_bytes / 2**20:g} MB limit"
        )
    try:
        # Pillow's own bomb check runs here against its global MAX_IMAGE_PIXELS, which is never
        # changed: it is process-wide and a checker on another thread would see the change. Our
        # own, lower limit is applied to the header's size just below, before anything is
        # decoded. Pillow warns (DecompressionBombWarning) between its limit and twice it and
        # raises above; under "warnings as errors" the warning arrives as an exception too.
        img = Image.open(io.BytesIO(data), formats=FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UnreadableImage(
            "declares an enormous size (it may be a decompression bomb)"
        ) from None
    except UnidentifiedImageError:
        raise UnreadableImage(_not_an_image(data)) from None
    except Exception:
        # Plugins fail on damaged headers with all sorts of errors; none may crash a check.
        raise UnreadableImage("is damaged: its header cannot be read") from None
    width, height = img.size
    if width < 1 or height < 1:
        img.close()
        raise UnreadableImage("is damaged: it declares no pixels")
    if width * height > max_pixels:
        img.close()
        raise UnreadableImage(
            f"is {width}×{height} pixels, over the {max_pixels / 1e6:g}-megapixel limit "
            "(it may be a decompression bomb)"
        )
    if _truncated(img, data):
        img.close()
        raise UnreadableImage("is truncated: the file stops part-way through the picture")
    return img


def _not_an_image(data: bytes) -> str:
    head = data[:32]
    if head[4:8] == b"ftyp":  # the ISO media family: iPhone photos, AVIF, and videos
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "is a HEIC (iPhone) image, which Countersign cannot check"
        if brand in (b"avif", b"avis"):
            return "is an AVIF image, which Countersign cannot check"
        return "is a video or other media file, not an image"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "is a TIFF image, which Countersign cannot check"
    if head.startswith(b"%PDF"):
        return "is a PDF, not an image"
    if head.startswith(b"BM"):
        return "is a BMP image, which Countersign cannot check"
    if head.lstrip().startswith((b"<svg", b"<?xml")):
        return "is an SVG drawing, which Countersign cannot check"
    return "is not a JPEG, PNG, GIF or WebP image"


def _truncated(img: ImageFile.ImageFile, data: bytes) -> bool:
    """Whether the file ends early, judged from its structure alone, without decoding."""
    kind = img.format
    if kind in ("JPEG", "MPO"):
        # The header parse stops where the first scan's data starts. Scan data escapes every
        # 0xFF, so an end-of-image marker past that point is a real one; searching from the end
        # finds it at once (find() from the front crawls through the escapes: ~5 ms on 12 MP).
        scan = img.fp.tell() if img.fp is not None else 0
        return data.rfind(b"\xff\xd9", scan) < 0
    if kind == "PNG":
        return not _png_chunks(data)[1]
    if kind == "GIF":
        return not data.rstrip(b"\x00").endswith(b";")
    if kind == "WEBP":
        (riff_size,) = struct.unpack_from("<I", data, 4)
        return len(data) < riff_size + 8
    return False


def _location_sources(img: Image.Image, data: bytes) -> list[str]:
    """Where in its metadata an opened image says where it was taken, in words for a message."""
    meta = _metadata(img, data)
    places: list[str] = []
    if any(_exif_has_place(raw) for raw in meta.exif):
        places.append("GPS coordinates in its EXIF data")
    if any(_xmp_has_place(raw) for raw in meta.xmp):
        places.append("location fields in its XMP data")
    if any(_iptc_has_place(raw) for raw in meta.iptc):
        places.append("location fields in its IPTC data")
    if any(_text_has_place(keyword, text) for keyword, text in meta.texts):
        places.append("coordinates or a location in its text metadata")
    return places


def _metadata(img: Image.Image, data: bytes) -> _Metadata:
    meta = _Metadata()
    kind = img.format
    if kind in ("JPEG", "MPO"):
        for marker, segment in getattr(img, "applist", []):
            if marker == "APP1" and segment.startswith(b"Exif\x00"):
                meta.exif.append(meta.take(segment))
            elif marker == "APP1" and segment.startswith(_XMP_JPEG_PREFIXES):
                meta.xmp.append(meta.take(segment))
        photoshop = img.info.get("photoshop")
        if isinstance(photoshop, dict) and isinstance(photoshop.get(0x0404), bytes):
            meta.iptc.append(meta.take(photoshop[0x0404]))
    elif kind == "PNG":
        # Our own walk, not Pillow's: PngImageFile.text and getexif() decode the whole image to
        # reach chunks stored after the pixels.
        for chunk, body in _png_chunks(data)[0]:
            _add_png_chunk(meta, chunk, body)
    elif kind == "GIF":
        # Pillow skips a GIF's XMP application block; its packet is plain text after the label.
        start = data.find(b"XMP DataXMP")
        if start >= 0:
            meta.xmp.append(meta.take(data[start : start + _MAX_TEXT_BYTES]))
    else:  # WebP: Pillow has read its EXIF and XMP chunks along with the header
        for key, into in (("exif", meta.exif), ("xmp", meta.xmp)):
            value = img.info.get(key)
            if isinstance(value, str):
                value = value.encode("utf-8", "replace")
            if isinstance(value, bytes) and value:
                into.append(meta.take(value))
    comment = img.info.get("comment")
    if isinstance(comment, bytes) and kind != "PNG":
        meta.texts.append(("comment", meta.take(comment).decode("latin-1")))
    return meta


def _add_png_chunk(meta: _Metadata, chunk: bytes, body: bytes) -> None:
    if chunk == b"eXIf":
        meta.exif.append(meta.take(body))
        return
    text = _png_text(meta, chunk, body)
    if text is None:
        return
    keyword, payload = text
    if keyword == "XML:com.adobe.xmp":
        meta.xmp.append(payload.encode("utf-8"))
    elif keyword.startswith("Raw profile type "):
        # ImageMagick keeps a source photo's EXIF, XMP and IPTC as hex text in these chunks.
        raw = _raw_profile(payload)
        kind = keyword.removeprefix("Raw profile type ").lower()
        if kind in ("exif", "app1") and b"Exif\x00" in raw[:16]:
            meta.exif.append(raw)
        elif kind == "xmp":
            meta.xmp.append(raw)
        elif kind == "iptc":
            start = raw.find(b"\x1c\x02")
            if start >= 0:
                meta.iptc.append(raw[start:])
    else:
        meta.texts.append((keyword, payload))


def _raw_profile(payload: str) -> bytes:
    # "\n<type>\n<length>\n<hex, wrapped>": the hex starts after the third line break.
    parts = payload.split("\n", 3)
    if len(parts) < 4:
        return b""
    try:
        return bytes.fromhex(parts[3])
    except ValueError:
        return b""


def _png_chunks(data: bytes) -> tuple[list[tuple[bytes, bytes]], bool]:
    """A PNG's metadata chunks (type, body), and whether the walk reached IEND intact."""
    found: list[tuple[bytes, bytes]] = []
    pos = 8  # after the signature
    for _ in range(_MAX_PNG_CHUNKS):
        if pos + 12 > len(data):
            return found, False
        length, kind = struct.unpack_from(">I4s", data, pos)
        end = pos + 12 + length
        if end > len(data):
            return found, False
        if kind == b"IEND":
            return found, True
        if kind in (b"eXIf", b"tEXt", b"zTXt", b"iTXt"):
            found.append((kind, data[pos + 8 : end - 4]))
        pos = end
    # So many chunks is hostile or absurd; the structure stays unjudged rather than refused.
    return found, True


def _png_text(meta: _Metadata, kind: bytes, body: bytes) -> tuple[str, str] | None:
    keyword, sep, rest = body.partition(b"\x00")
    if not sep or meta.budget <= 0:
        return None
    name = keyword[:80].decode("latin-1")  # the spec allows 79 bytes
    # tEXt and zTXt are Latin-1 by the PNG spec; iTXt is UTF-8.
    if kind == b"tEXt":
        return name, meta.take(rest).decode("latin-1")
    if kind == b"zTXt":
        return name, meta.take(_inflate(rest[1:], meta.budget)).decode("latin-1")
    # iTXt: compression flag, method, language\0, translated keyword\0, text
    if len(rest) < 2:
        return None
    compressed, tail = rest[0], rest[2:]
    parts = tail.split(b"\x00", 2)
    if len(parts) < 3:
        return None
    text = meta.take(_inflate(parts[2], meta.budget) if compressed else parts[2])
    return name, text.decode("utf-8", "replace")


def _inflate(compressed: bytes, budget: int) -> bytes:
    try:
        # The caller has checked the budget is positive: a max_length of 0 means "no limit".
        return zlib.decompressobj().decompress(compressed, min(budget, _MAX_TEXT_BYTES))
    except zlib.error:
        return b""


def _exif_has_place(raw: bytes) -> bool:
    exif = Image.Exif()
    try:
        exif.load(raw)
        gps = exif.get_ifd(_GPS_IFD)
    except Exception:
        # A damaged EXIF block hides nothing we could read; the strip removes it regardless.
        return False
    return any(_meaningful(gps.get(tag)) for tag in _GPS_PLACE_TAGS)


def _meaningful(value: object) -> bool:
    """A GPS value worth blocking for: apps with no fix write empty values or all zeros."""
    if value is None:
        return False
    if isinstance(value, bytes):
        return bool(value.strip(b"\x00 "))
    if isinstance(value, str):
        return bool(value.strip("\x00 "))
    if isinstance(value, tuple | list):
        return any(_meaningful(v) for v in value)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, ZeroDivisionError):
        return False
    return number == number and number != 0.0  # a 0/0 rational reads as NaN: no fix either


def _xmp_has_place(raw: bytes) -> bool:
    text = raw.decode("utf-8", "replace")
    for match in _XMP_PLACE.finditer(text):
        value = next((g for g in match.groups() if g is not None), "")
        if value.strip():
            return True
    return False


def _iptc_has_place(raw: bytes) -> bool:
    pos = 0
    while pos + 5 <= len(raw) and raw[pos] == 0x1C:
        record, dataset = raw[pos + 1], raw[pos + 2]
        size = int.from_bytes(raw[pos + 3 : pos + 5], "big")
        if size & 0x8000:
            return False  # an extended length only carries binary data, and ends our reading
        value = raw[pos + 5 : pos + 5 + size]
        if record == 2 and dataset in _IPTC_PLACE_DATASETS and value.strip(b"\x00 "):
            return True
        pos += 5 + size
    return False


def _text_has_place(keyword: str, text: str) -> bool:
    if not text.strip(" \x00"):
        return False
    if _PLACE_KEYWORD.search(keyword):
        return True
    for match in _DECIMAL_PAIR.finditer(text):
        if abs(float(match.group(1))) <= 90 and abs(float(match.group(2))) <= 180:
            return True
    return _DMS.search(text) is not None
