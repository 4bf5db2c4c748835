"""What gets published: pixels only, upright, same format, and nothing that says where or who."""

import io
import struct
import zlib

import pytest
from PIL import Image, ImageCms, ImageSequence, PngImagePlugin

from bot.checks.images import ImageInput, check_images
from bot.media import DECODE_PIXELS, StrippedImage, UnreadableImage, strip_metadata
from tests.bot.checks.test_images import (
    GPS,
    before_iend,
    camera_jpeg,
    encode,
    exif_with,
    gif_with_xmp,
    gps_jpeg,
    huge_png,
    iptc_jpeg,
    noisy,
    png_chunk,
    png_exif,
    twelve_megapixel_jpeg,
    xmp_jpeg,
)

# What a metadata block looks like in the bytes of each format it can travel in.
MARKERS = (
    b"Exif",
    b"GPS",
    b"http://ns.adobe.com",
    b"xmpmeta",
    b"Photoshop 3.0",
    b"8BIM",
    b"Canon",
    b"Hope House",
    b"tEXt",
    b"zTXt",
    b"iTXt",
    b"eXIf",
    b"iCCP",
    b"ICC_PROFILE",
    b"EXIF",
    b"XMP ",
    b"ICCP",
)


def opened(stripped):
    return Image.open(io.BytesIO(stripped.data))


def png_chunk_kinds(data):
    kinds, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack_from(">I4s", data, pos)
        kinds.append(kind)
        pos += 12 + length
    return kinds


def located_png():
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Taken at Hope House, 53.4772, -2.2309")
    info.add_itxt("Description", "Hope House garden", zip=True)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    png = encode(noisy(), "PNG", pnginfo=info, exif=exif_with(GPS).tobytes(), icc_profile=icc)
    return before_iend(png, png_chunk(b"tEXt", b"GPS\x0053.47,-2.23"))


@pytest.mark.parametrize(
    "data,fmt,mime",
    [
        pytest.param(gps_jpeg(), "JPEG", "image/jpeg", id="gps-jpeg"),
        pytest.param(xmp_jpeg('exif:GPSLatitude="53,28.6N">'), "JPEG", "image/jpeg", id="xmp"),
        pytest.param(iptc_jpeg([(92, b"Hope House")]), "JPEG", "image/jpeg", id="iptc"),
        pytest.param(
            encode(noisy(), "JPEG", comment=b"Hope House"), "JPEG", "image/jpeg", id="jpeg-comment"
        ),
        pytest.param(located_png(), "PNG", "image/png", id="png-text-exif-icc"),
        pytest.param(
            encode(
                noisy(),
                "WEBP",
                exif=exif_with(GPS).tobytes(),
                xmp=b"<x:xmpmeta>Hope House</x:xmpmeta>",
            ),
            "WEBP",
            "image/webp",
            id="webp",
        ),
        pytest.param(
            gif_with_xmp('photoshop:City="Hope House">'), "GIF", "image/gif", id="gif-xmp"
        ),
        pytest.param(
            encode(Image.new("P", (40, 40)), "GIF", comment=b"Hope House"),
            "GIF",
            "image/gif",
            id="gif-comment",
        ),
    ],
)
def test_strip_leaves_no_metadata_and_keeps_format(data, fmt, mime):
    assert any(marker in data for marker in MARKERS)  # the fixture has something to strip
    stripped = strip_metadata(data)
    assert (stripped.format, stripped.mime_type) == (fmt, mime)
    assert not [marker for marker in MARKERS if marker in stripped.data]
    img = opened(stripped)
    assert img.format == fmt and img.size == (stripped.width, stripped.height)
    assert not img.getexif()
    assert not {"exif", "xmp", "icc_profile", "comment", "photoshop"} & set(img.info)
    assert check_images([ImageInput("clean", stripped.data)])[0].rule != "image_location"


def test_gps_jpeg_published_without_any_exif():
    assert Image.open(io.BytesIO(gps_jpeg())).getexif().get_ifd(0x8825)
    stripped = strip_metadata(gps_jpeg())
    assert not opened(stripped).getexif()
    assert b"GPS" not in stripped.data and b"Exif" not in stripped.data
    assert (stripped.width, stripped.height) == (64, 48)


def test_png_text_chunks_are_dropped_and_pixels_kept():
    original = located_png()
    assert {b"tEXt", b"iTXt", b"eXIf", b"iCCP"} <= set(png_chunk_kinds(original))
    stripped = strip_metadata(original)
    assert set(png_chunk_kinds(stripped.data)) <= {b"IHDR", b"IDAT", b"IEND"}
    assert opened(stripped).tobytes() == noisy().tobytes()  # sRGB to sRGB: not one bit moved


def sideways(fmt, size):
    """Red on the left, blue on the right, tagged orientation 6: "turn 90° clockwise to view"."""
    img = Image.new("RGB", size, (0, 0, 255))
    img.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    data = encode(img, fmt, exif=exif_with(orientation=6).tobytes())
    assert Image.open(io.BytesIO(data)).getexif()[0x0112] == 6
    return data


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_orientation_applied_before_the_exif_goes(fmt):
    stripped = strip_metadata(sideways(fmt, (2, 1)))
    assert opened(stripped).size == (1, 2) and (stripped.width, stripped.height) == (1, 2)
    assert not opened(stripped).getexif()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_rotated_photo_turns_the_right_way(fmt):
    upright = opened(strip_metadata(sideways(fmt, (32, 16)))).convert("RGB")
    assert upright.size == (16, 32)
    top, bottom = upright.getpixel((8, 4)), upright.getpixel((8, 27))
    assert top[0] > 200 > top[2] and bottom[2] > 200 > bottom[0]  # the left edge is now the top


def test_upright_photo_keeps_its_shape():
    stripped = strip_metadata(camera_jpeg((64, 48)))
    assert (stripped.width, stripped.height) == (64, 48)


def test_one_pixel_gif():
    original = Image.new("P", (1, 1))
    stripped = strip_metadata(encode(original, "GIF"))
    assert (stripped.format, stripped.width, stripped.height) == ("GIF", 1, 1)


def animated_gif(frames=3, size=(40, 40)):
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    images = [Image.new("RGB", size, colours[i]) for i in range(frames)]
    return encode(
        images[0],
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=[100, 200, 300][:frames],
        loop=0,
        comment=b"Hope House",
    )


def test_animated_gif_keeps_every_frame_and_its_timing():
    stripped = strip_metadata(animated_gif())
    img = opened(stripped)
    assert img.n_frames == 3 and img.info.get("loop") == 0
    assert [frame.info["duration"] for frame in ImageSequence.Iterator(img)] == [100, 200, 300]
    assert b"Hope House" not in stripped.data


def test_animated_webp_keeps_every_frame():
    frames = [noisy(seed=seed) for seed in range(3)]
    data = encode(
        frames[0],
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=120,
        exif=exif_with(GPS).tobytes(),
    )
    stripped = strip_metadata(data)
    assert opened(stripped).n_frames == 3
    assert b"EXIF" not in stripped.data and b"GPS" not in stripped.data


def test_lossless_webp_stays_lossless():
    data = encode(noisy(), "WEBP", lossless=True)
    assert data[12:16] == b"VP8L"
    stripped = strip_metadata(data)
    assert b"VP8L" in stripped.data
    assert opened(stripped).convert("RGB").tobytes() == noisy().tobytes()


def test_multi_picture_jpeg_becomes_its_first_picture():
    second = Image.new("RGB", (64, 48), (0, 0, 0))
    data = encode(
        noisy(), "MPO", save_all=True, append_images=[second], exif=exif_with(GPS).tobytes()
    )
    assert Image.open(io.BytesIO(data)).format == "MPO"
    stripped = strip_metadata(data)
    img = opened(stripped)
    assert (stripped.format, img.format, getattr(img, "n_frames", 1)) == ("JPEG", "JPEG", 1)
    assert b"GPS" not in stripped.data


def test_cmyk_jpeg_published_as_rgb():
    stripped = strip_metadata(encode(Image.new("CMYK", (40, 40), (0, 255, 255, 0)), "JPEG"))
    assert opened(stripped).mode == "RGB"
    r, g, b = opened(stripped).getpixel((20, 20))
    assert r > 200 and g < 60 and b < 60


def swapped_primaries_profile():
    """sRGB with its red and blue primaries exchanged: a profile whose effect is unmistakable."""
    icc = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    (count,) = struct.unpack_from(">I", icc, 128)
    entries = {}
    for i in range(count):
        sig, offset, size = struct.unpack_from(">4sII", icc, 132 + 12 * i)
        entries[sig] = (132 + 12 * i, offset, size)
    (red_at, *red), (blue_at, *blue) = entries[b"rXYZ"], entries[b"bXYZ"]
    struct.pack_into(">4sII", icc, red_at, b"rXYZ", *blue)
    struct.pack_into(">4sII", icc, blue_at, b"bXYZ", *red)
    return bytes(icc)


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_colours_converted_to_srgb_before_the_profile_goes(fmt):
    data = encode(
        Image.new("RGB", (16, 16), (255, 0, 0)), fmt, icc_profile=swapped_primaries_profile()
    )
    stripped = strip_metadata(data)
    assert "icc_profile" not in opened(stripped).info
    r, _g, b = opened(stripped).convert("RGB").getpixel((8, 8))
    assert b > 200 and r < 60  # what the profile said the pixels mean, not their raw numbers


def test_unusable_profile_is_dropped_without_a_crash():
    stripped = strip_metadata(encode(noisy(), "PNG", icc_profile=b"not a profile" * 20))
    assert "icc_profile" not in opened(stripped).info
    assert opened(stripped).tobytes() == noisy().tobytes()


def test_twelve_megapixel_photo():
    stripped = strip_metadata(twelve_megapixel_jpeg())
    assert (stripped.width, stripped.height) == (4000, 3000)
    assert b"GPS" not in stripped.data


def png_with_broken_pixels():
    """Sound structure, corrupt compressed pixels: only a full decode can tell."""
    header = struct.pack(">IIBBBBB", 40, 40, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"\x78\x9c" + b"\xff" * 64)
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "data,reason",
    [
        pytest.param(b"", "empty", id="zero-bytes"),
        pytest.param(b"not an image at all", "not a JPEG, PNG, GIF or WebP", id="text"),
        pytest.param(gps_jpeg()[:-400], "truncated", id="truncated-jpeg"),
        pytest.param(huge_png(20000, 20000), "decompression bomb", id="bomb"),
        pytest.param(huge_png(7000, 7000), "megapixel limit", id="over-pixel-limit"),
        pytest.param(png_with_broken_pixels(), "cannot be decoded", id="corrupt-pixels"),
        pytest.param(encode(noisy(), "TIFF"), "TIFF", id="tiff"),
    ],
)
def test_refuses_what_it_cannot_publish_with_a_reason(data, reason):
    with pytest.raises(UnreadableImage) as raised:
        strip_metadata(data)
    assert reason in raised.value.reason and reason in str(raised.value)


def test_corrupt_pixels_pass_the_header_check_but_not_the_strip():
    # The checks never decode; the strip does, so a publisher must handle UnreadableImage.
    assert [f.rule for f in check_images([ImageInput("a.png", png_with_broken_pixels())])] == [
        "image_people"
    ]


def test_animation_shares_the_pixel_budget():
    data = animated_gif(frames=3, size=(100, 100))
    assert strip_metadata(data, max_pixels=30_000).format == "GIF"
    with pytest.raises(UnreadableImage, match="animation"):
        strip_metadata(data, max_pixels=29_999)


def test_pixel_limit_is_per_call():
    before = Image.MAX_IMAGE_PIXELS
    assert strip_metadata(camera_jpeg(), max_pixels=64 * 48).width == 64
    with pytest.raises(UnreadableImage):
        strip_metadata(camera_jpeg(), max_pixels=64 * 48 - 1)
    assert before == Image.MAX_IMAGE_PIXELS


def test_result_is_a_plain_record():
    stripped = strip_metadata(png_exif(None))
    assert isinstance(stripped, StrippedImage) and isinstance(stripped.data, bytes)
    assert zlib.crc32(stripped.data) == zlib.crc32(strip_metadata(png_exif(None)).data)


# -- the decoding budget (issue [10]: one 40-megapixel PNG cost 151 MB) ---------------------

_TEN_AT_ONCE = """
import sys, threading
from bot.media import strip_metadata


def status(field):
    # The kernel's own figures for this process (kB). Not ru_maxrss: that high-water mark is
    # inherited from the parent across fork and exec, so a big parent would hide a big child.
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])


data = open(sys.argv[1], "rb").read()
before = status("VmRSS")
results = []
threads = [
    threading.Thread(target=lambda: results.append(strip_metadata(data).width)) for _ in range(10)
]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(len(results), (status("VmHWM") - before) // 1024)
"""


def forty_megapixel_jpeg() -> bytes:
    return encode(Image.new("RGB", (7200, 5400), (90, 120, 150)), "JPEG", quality=80)


def test_a_jpeg_over_the_decode_budget_is_decoded_smaller():
    stripped = strip_metadata(forty_megapixel_jpeg())
    assert (stripped.width, stripped.height) == (3600, 2700)  # half, the aspect kept
    assert stripped.width * stripped.height <= DECODE_PIXELS


def test_other_pictures_over_the_decode_budget_are_refused():
    big = encode(Image.new("RGB", (5000, 4000), (90, 120, 150)), "PNG")
    with pytest.raises(UnreadableImage, match="only a JPEG is taken over 16 megapixels"):
        strip_metadata(big)


def test_ten_forty_megapixel_pictures_at_once_stay_under_200_mb(tmp_path):
    """Measured in a process of its own: its peak resident memory, over what it held before."""
    import subprocess
    import sys

    path = tmp_path / "big.jpg"
    path.write_bytes(forty_megapixel_jpeg())
    done = subprocess.run(
        [sys.executable, "-c", _TEN_AT_ONCE, str(path)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    count, grown_mb = map(int, done.stdout.split())
    assert count == 10
    assert grown_mb < 200, f"{grown_mb} MB"
