"""Attached images: location metadata blocks, unreadable files block, photos get a consent nudge.

Every fixture is a real image built in memory with Pillow (or by hand where Pillow cannot write
the block), and read back to prove it holds what the test claims.
"""

import io
import random
import struct
import time
import warnings
import zlib

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from bot.checks.images import ImageInput, check_images
from bot.domain.findings import Severity

GPS_IFD = 0x8825
# Manchester Piccadilly, written the way a phone writes it: degrees, minutes, seconds.
GPS = {1: "N", 2: (53.0, 28.0, 37.92), 3: "W", 4: (2.0, 13.0, 51.6)}


def noisy(size=(64, 48), mode="RGB", seed=0):
    """Random pixels, so compressed picture data dominates the file (truncation tests)."""
    channels = len(mode)
    raw = random.Random(seed).randbytes(size[0] * size[1] * channels)
    return Image.frombytes(mode, size, raw)


def encode(img, fmt, **params):
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def exif_with(gps=None, make="Canon", orientation=None):
    exif = Image.Exif()
    if make:
        exif[0x010F] = make  # Make
        exif[0x0110] = "EOS 5D"  # Model
    if gps is not None:
        exif[GPS_IFD] = gps
    if orientation:
        exif[0x0112] = orientation
    return exif


def gps_jpeg(size=(64, 48)):
    return encode(noisy(size), "JPEG", exif=exif_with(GPS).tobytes())


def camera_jpeg(size=(64, 48)):
    return encode(noisy(size), "JPEG", exif=exif_with().tobytes())


def png_chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def before_iend(png, *chunks):
    """A PNG with chunks placed after the pixels, where Pillow's header reading never looks."""
    assert png.endswith(png_chunk(b"IEND", b""))
    return png[:-12] + b"".join(chunks) + png[-12:]


def png_with_text(**texts):
    info = PngImagePlugin.PngInfo()
    for key, value in texts.items():
        info.add_text(key.replace("_", " "), value)
    return encode(noisy(), "PNG", pnginfo=info)


def jpeg_with_segment(jpeg, marker, payload):
    """Insert an APPn segment straight after SOI, as cameras and editors do."""
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + marker + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


def xmp_packet(body):
    return (
        '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f"<rdf:Description {body}</rdf:Description></rdf:RDF></x:xmpmeta>"
        '<?xpacket end="w"?>'
    ).encode()


def xmp_jpeg(body):
    return jpeg_with_segment(
        camera_jpeg(), b"\xff\xe1", b"http://ns.adobe.com/xap/1.0/\x00" + xmp_packet(body)
    )


def iptc_jpeg(records):
    """Photoshop APP13 holding an IPTC-NAA resource (8BIM 0x0404) with record-2 datasets."""
    iim = b"".join(
        b"\x1c\x02" + bytes([dataset]) + struct.pack(">H", len(value)) + value
        for dataset, value in records
    )
    iim += b"\x00" * (len(iim) % 2)
    resource = b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iim))
    return jpeg_with_segment(camera_jpeg(), b"\xff\xed", b"Photoshop 3.0\x00" + resource + iim)


def gif_with_xmp(body):
    gif = encode(Image.new("P", (64, 64)), "GIF")
    magic = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
    block = b"\x21\xff\x0bXMP DataXMP" + xmp_packet(body) + magic
    return gif[:-1] + block + b";"


def huge_png(width, height):
    """A header claiming a huge picture, a few dozen bytes on disk: what a bomb looks like."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


def rules(data, name="photo.jpg", **limits):
    return [(f.rule, f.severity) for f in check_images([ImageInput(name, data)], **limits)]


LOCATION = ("image_location", Severity.BLOCK)
PEOPLE = ("image_people", Severity.WARN)
UNREADABLE = ("image_unreadable", Severity.BLOCK)


# --- the fixtures hold what they claim ---------------------------------------------------------


def test_gps_fixture_really_carries_gps_and_camera_fixture_does_not():
    gps = Image.open(io.BytesIO(gps_jpeg())).getexif().get_ifd(GPS_IFD)
    assert gps[1] == "N" and float(gps[2][0]) == 53.0 and gps[3] == "W"
    camera = Image.open(io.BytesIO(camera_jpeg())).getexif()
    assert camera[0x010F] == "Canon" and not camera.get_ifd(GPS_IFD)


def test_png_fixtures_really_carry_their_text():
    assert Image.open(io.BytesIO(png_with_text(Comment="51.5074, -0.1278"))).text == {
        "Comment": "51.5074, -0.1278"
    }
    late = before_iend(encode(noisy(), "PNG"), png_chunk(b"tEXt", b"GPS\x0053.47,-2.23"))
    assert Image.open(io.BytesIO(late)).text == {"GPS": "53.47,-2.23"}  # text loads pixels


# --- image_location ----------------------------------------------------------------------------


def png_exif(gps):
    return encode(noisy(), "PNG", exif=exif_with(gps).tobytes())


def raw_profile(exif):
    hexed = exif.tobytes().hex()
    return f"\nexif\n{len(exif.tobytes()):8d}\n{hexed}\n"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(gps_jpeg(), id="jpeg-exif-gps"),
        pytest.param(png_exif(GPS), id="png-exif-chunk"),
        pytest.param(encode(noisy(), "WEBP", exif=exif_with(GPS).tobytes()), id="webp-exif"),
        pytest.param(
            before_iend(encode(noisy(), "PNG"), png_chunk(b"eXIf", exif_with(GPS).tobytes())),
            id="png-exif-after-pixels",
        ),
        pytest.param(png_with_text(Comment="Taken at 51.5074, -0.1278"), id="png-text-pair"),
        pytest.param(png_with_text(Comment="53°28'37\"N 2°13'51\"W"), id="png-text-dms"),
        pytest.param(png_with_text(GPSLatitude="53.4772"), id="png-text-gps-key"),
        pytest.param(png_with_text(Location="Hope House, 12 Mill Lane"), id="png-text-location"),
        pytest.param(
            before_iend(encode(noisy(), "PNG"), png_chunk(b"tEXt", b"geo\x0053.47,-2.23")),
            id="png-text-after-pixels",
        ),
        pytest.param(
            before_iend(
                encode(noisy(), "PNG"),
                png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"at 53.4772, -2.2309")),
            ),
            id="png-ztxt",
        ),
        pytest.param(
            before_iend(
                encode(noisy(), "PNG"),
                png_chunk(
                    b"iTXt",
                    b"Description\x00\x01\x00en\x00\x00" + zlib.compress(b"53.4772, -2.2309"),
                ),
            ),
            id="png-itxt-compressed",
        ),
        pytest.param(
            png_with_text(Raw_profile_type_exif=raw_profile(exif_with(GPS))),
            id="png-imagemagick-raw-exif",
        ),
        pytest.param(
            png_with_text(
                **{"XML:com.adobe.xmp": xmp_packet('exif:GPSLatitude="53,28.6N">').decode()}
            ),
            id="png-xmp",
        ),
        pytest.param(
            xmp_jpeg('exif:GPSLatitude="53,28.632N" exif:GPSLongitude="2,13.86W">'),
            id="jpeg-xmp-attributes",
        ),
        pytest.param(xmp_jpeg("><photoshop:City>Leeds</photoshop:City>"), id="jpeg-xmp-element"),
        pytest.param(
            xmp_jpeg("><Iptc4xmpCore:Location>Hope House</Iptc4xmpCore:Location>"),
            id="jpeg-xmp-iptc-core",
        ),
        pytest.param(iptc_jpeg([(92, b"Hope House")]), id="jpeg-iptc-sublocation"),
        pytest.param(iptc_jpeg([(5, b"Open day"), (90, b"Leeds")]), id="jpeg-iptc-city"),
        pytest.param(
            encode(noisy(), "JPEG", comment=b"GPS 53.4772, -2.2309"), id="jpeg-comment-pair"
        ),
        pytest.param(gif_with_xmp('exif:GPSLongitude="2,13.86W">'), id="gif-xmp"),
        pytest.param(
            encode(
                noisy(),
                "JPEG",
                exif=exif_with({2: (0.0, 0.0, 0.0), 4: (2.0, 13.0, 51.6)}).tobytes(),
            ),
            id="on-the-equator",
        ),
    ],
)
def test_location_metadata_blocks(data):
    found = rules(data)
    assert LOCATION in found
    assert UNREADABLE not in found


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(camera_jpeg(), id="camera-make-only"),
        pytest.param(encode(noisy(), "JPEG"), id="no-metadata"),
        pytest.param(
            encode(noisy(), "JPEG", exif=exif_with({0: b"\x02\x02\x00\x00"}).tobytes()),
            id="gps-ifd-version-only",
        ),
        pytest.param(
            encode(
                noisy(),
                "JPEG",
                exif=exif_with({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}).tobytes(),
            ),
            id="gps-no-fix-zeros",
        ),
        pytest.param(
            encode(
                noisy(), "JPEG", exif=exif_with({7: (10.0, 4.0, 0.0), 29: "2024:05:01"}).tobytes()
            ),
            id="gps-timestamp-only",
        ),
        pytest.param(png_exif(None), id="png-exif-camera-only"),
        pytest.param(
            png_with_text(Software="Countersign 1.0", Description="We supported 1,243 people"),
            id="png-ordinary-text",
        ),
        pytest.param(png_with_text(Comment="Version 1.2.3, scale 1.5, 2.25"), id="png-versions"),
        pytest.param(png_with_text(Comment="ratio 123.4567, 999.1234"), id="png-out-of-range"),
        pytest.param(png_with_text(Title="Geometry class", Author="Allocation team"), id="words"),
        pytest.param(png_with_text(Location=""), id="png-empty-location"),
        pytest.param(xmp_jpeg('photoshop:City="" xmp:CreatorTool="Lightroom">'), id="xmp-empty"),
        pytest.param(
            xmp_jpeg("><Iptc4xmpCore:CountryCode>GB</Iptc4xmpCore:CountryCode>"),
            id="xmp-country-only",
        ),
        pytest.param(iptc_jpeg([(101, b"United Kingdom"), (5, b"Open day")]), id="iptc-country"),
        pytest.param(encode(noisy(), "JPEG", comment=b"HIV testing week 2024"), id="comment"),
        pytest.param(gif_with_xmp('xmp:CreatorTool="GIMP">'), id="gif-xmp-no-place"),
    ],
)
def test_no_location_no_block(data):
    assert rules(data) == [PEOPLE]


def test_location_message_names_the_image_and_keeps_the_coordinates_out():
    [location, _people] = check_images([ImageInput("hostel-garden.jpg", gps_jpeg())])
    assert location.rule == "image_location" and location.check == "confidentiality"
    assert (location.start, location.end, location.excerpt) == (0, 0, "hostel-garden.jpg")
    assert "hostel-garden.jpg" in location.message and "GPS" in location.message
    assert not any(part in location.message + location.suggestion for part in ("53", "28", "13"))
    assert location.suggestion


# --- image_unreadable --------------------------------------------------------------------------


def truncated_png():
    png = encode(noisy(), "PNG")
    return png[: len(png) - 40]


@pytest.mark.parametrize(
    "data,reason",
    [
        pytest.param(b"", "empty", id="zero-bytes"),
        pytest.param(random.Random(1).randbytes(2000), "not a JPEG, PNG, GIF or WebP", id="noise"),
        pytest.param(b"Our open day is on Saturday", "not a JPEG", id="text-file"),
        pytest.param(gps_jpeg()[:-400], "truncated", id="truncated-jpeg"),
        pytest.param(gps_jpeg()[:300], "", id="jpeg-cut-in-header"),
        pytest.param(truncated_png(), "truncated", id="truncated-png"),
        pytest.param(encode(noisy(), "GIF")[:-30], "truncated", id="truncated-gif"),
        pytest.param(encode(noisy(), "WEBP")[:-30], "", id="truncated-webp"),
        pytest.param(huge_png(20000, 20000), "decompression bomb", id="bomb-over-pillow-limit"),
        pytest.param(huge_png(7000, 7000), "7000×7000", id="over-our-limit"),
        pytest.param(
            huge_png(10000, 10000),
            "decompression bomb",
            id="pillow-warns",
            marks=pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning"),
        ),
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "HEIC", id="heic"),
        pytest.param(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", "AVIF", id="avif"),
        pytest.param(b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2", "video", id="mp4"),
        pytest.param(encode(noisy(), "TIFF"), "TIFF", id="tiff"),
        pytest.param(encode(noisy(), "BMP"), "BMP", id="bmp"),
        pytest.param(b"%PDF-1.7\n", "PDF", id="pdf"),
    ],
)
def test_unreadable_blocks_with_a_reason(data, reason):
    [finding] = check_images([ImageInput("upload.jpg", data)])
    assert finding.rule == "image_unreadable" and finding.severity is Severity.BLOCK
    assert finding.excerpt == "upload.jpg" and finding.message.startswith("upload.jpg ")
    assert reason in finding.message
    assert finding.suggestion


def test_bomb_warning_escalated_to_error_is_still_a_finding():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert rules(huge_png(10000, 10000)) == [UNREADABLE]


def test_limits_are_per_call_and_leave_pillow_global_alone():
    before = Image.MAX_IMAGE_PIXELS
    assert rules(camera_jpeg(), max_pixels=64 * 48) == [PEOPLE]
    assert rules(camera_jpeg(), max_pixels=64 * 48 - 1) == [UNREADABLE]
    data = camera_jpeg()
    assert rules(data, max_bytes=len(data)) == [PEOPLE]
    assert rules(data, max_bytes=len(data) - 1) == [UNREADABLE]
    assert rules(huge_png(20000, 20000)) == [UNREADABLE]
    assert before == Image.MAX_IMAGE_PIXELS


def test_byte_limit_message_says_how_large():
    [finding] = check_images(
        [ImageInput("big.png", b"\x89PNG" + b"\x00" * 2_000_000)], max_bytes=1024 * 1024
    )
    assert "1.9 MB, over the 1 MB limit" in finding.message


# --- image_people ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data,expected",
    [
        pytest.param(camera_jpeg(), [PEOPLE], id="photo"),
        pytest.param(encode(Image.new("P", (1, 1)), "GIF"), [], id="one-pixel-gif"),
        pytest.param(encode(Image.new("RGB", (31, 400)), "PNG"), [], id="thin-strip"),
        pytest.param(encode(Image.new("RGB", (32, 32)), "PNG"), [PEOPLE], id="small-photo"),
        pytest.param(gps_jpeg(), [LOCATION, PEOPLE], id="located-photo"),
    ],
)
def test_each_readable_picture_gets_a_consent_reminder(data, expected):
    assert rules(data) == expected


def test_consent_reminder_names_each_image():
    found = check_images([ImageInput("a.jpg", camera_jpeg()), ImageInput("b.png", png_exif(None))])
    assert [(f.rule, f.excerpt) for f in found] == [
        ("image_people", "a.jpg"),
        ("image_people", "b.png"),
    ]
    assert all("recorded consent" in f.message and f.excerpt in f.message for f in found)
    assert all(f.check == "confidentiality" and f.severity is Severity.WARN for f in found)


def test_findings_follow_attachment_order_and_one_bad_file_does_not_stop_the_rest():
    found = check_images(
        [ImageInput("x.jpg", b""), ImageInput("y.jpg", gps_jpeg()), ImageInput("z.gif", b"GIF")]
    )
    assert [(f.excerpt, f.rule) for f in found] == [
        ("x.jpg", "image_unreadable"),
        ("y.jpg", "image_location"),
        ("y.jpg", "image_people"),
        ("z.gif", "image_unreadable"),
    ]


def twelve_megapixel_jpeg():
    photo = Image.new("RGB", (4000, 3000), (90, 120, 150))
    return encode(photo, "JPEG", quality=90, exif=exif_with(GPS).tobytes())


def test_checks_read_headers_only_never_pixels(monkeypatch):
    def no_decoding(self):
        raise AssertionError("check_images decoded pixels")

    images = [
        ImageInput("a.jpg", twelve_megapixel_jpeg()),
        ImageInput("b.png", png_with_text(Comment="51.5074, -0.1278")),
        ImageInput("c.png", png_exif(GPS)),
        ImageInput("d.webp", encode(noisy(), "WEBP", exif=exif_with(GPS).tobytes())),
        ImageInput("e.gif", gif_with_xmp('exif:GPSLongitude="2,13.86W">')),
    ]
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    monkeypatch.setattr(Image.Image, "load", no_decoding)
    assert [f.rule for f in check_images(images)] == ["image_location", "image_people"] * 5


def test_hostile_metadata_is_read_within_bounds():
    # 14 MB of compressed text chunks that would inflate to 7 GB; 200 full-size XMP segments.
    bomb = png_chunk(b"zTXt", b"Comment\x00\x00" + zlib.compress(b"1.1111111111" * 200_000, 9))
    png = before_iend(encode(noisy(), "PNG"), *[bomb] * 3_000)
    jpeg = encode(noisy(), "JPEG")
    for _ in range(200):
        segment = b"http://ns.adobe.com/xap/1.0/\x00x:City>" + b"a" * 65_000
        jpeg = jpeg_with_segment(jpeg, b"\xff\xe1", segment)
    for data in (png, jpeg):
        started = time.process_time()  # CPU time: a guard, not a benchmark
        assert rules(data) == [PEOPLE]
        assert time.process_time() - started < 5.0


def test_empty_attachment_list():
    assert check_images([]) == []
