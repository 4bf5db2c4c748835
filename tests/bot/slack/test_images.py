"""Photos attached to a proposal: downloaded from Slack, checked, stripped, bound to approval."""

from __future__ import annotations

import io

from PIL import Image

from bot.domain.posts import PostStatus
from bot.emulators.slack import message_event, new_ts
from tests.conftest import BOB, CAROL, PROPOSALS, REVIEW, card_text

CLEAN = "Our garden project in bloom this week."


def jpeg(gps: bool = False, colour=(40, 160, 60)) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # camera make
    if gps:
        exif[0x8825] = {1: "N", 2: (53.0, 48.0, 30.0), 3: "W", 4: (1.0, 32.0, 45.0)}
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG", exif=exif)
    return out.getvalue()


def propose_with(harness, text, files):
    ts = new_ts()
    harness.event(message_event(PROPOSALS, CAROL, text, ts, files=files))
    return ts, harness.post_for(ts)


def test_photo_is_checked_stripped_and_shown_on_the_card(harness):
    photo = harness.slack.add_file("garden.jpg", jpeg())
    _ts, post = propose_with(harness, CLEAN, [photo])
    assert post.status is PostStatus.IN_REVIEW
    assert [a.name for a in post.images] == ["garden.jpg"]
    assert [f.rule for f in post.findings] == ["image_people"]  # the consent reminder
    [(_attachment, data)] = harness.store.image_data(post)
    assert Image.open(io.BytesIO(data)).getexif() == {}  # camera data gone before approval
    assert "garden.jpg" in card_text(harness.card(post))
    # the download used the bot token (the emulator answers a sign-in page otherwise)
    [download] = harness.slack.calls_to(r"^/files-pri/")
    assert download.headers["authorization"] == "Bearer xoxb-test"


def test_photo_with_gps_blocks(harness):
    photo = harness.slack.add_file("refuge-garden.jpg", jpeg(gps=True))
    ts, post = propose_with(harness, CLEAN, [photo])
    assert post.status is PostStatus.BLOCKED
    assert "image_location" in [f.rule for f in post.findings]
    assert harness.slack.messages(REVIEW) == []
    report = card_text(harness.slack.thread(PROPOSALS, ts)[0])
    assert "refuge-garden.jpg" in report and "53" not in report.split("refuge-garden.jpg")[1][:80]


def test_broken_and_refused_downloads_block_with_a_reason(harness):
    broken = harness.slack.add_file("scan.jpg", b"\xff\xd8\xff\xe0 not really a jpeg")
    missing = {
        "id": "F404",
        "name": "gone.png",
        "url_private_download": harness.slack.url + "/files-pri/T0001-F404/gone.png",
    }
    _ts, post = propose_with(harness, CLEAN, [broken, missing])
    assert post.status is PostStatus.BLOCKED
    unreadable = [f for f in post.findings if f.rule == "image_unreadable"]
    assert [f.excerpt for f in unreadable] == ["scan.jpg", "gone.png"]
    assert "refused the download" in unreadable[1].message


def test_changing_the_photo_voids_the_approval(harness):
    first = harness.slack.add_file("a.jpg", jpeg())
    ts, post = propose_with(harness, CLEAN, [first])
    harness.react(BOB, "white_check_mark", harness.card(post)["ts"])
    assert harness.store.get_post(post.id).status is PostStatus.APPROVED
    # a text-only edit event that still carries the same file keeps the images
    from bot.emulators.slack import edit_event

    same = edit_event(PROPOSALS, CAROL, ts, CLEAN)
    same["message"]["files"] = [first]
    same["previous_message"]["files"] = [first]
    harness.event(same)
    assert harness.store.get_post(post.id).status is PostStatus.APPROVED
    second = harness.slack.add_file("b.jpg", jpeg(colour=(200, 30, 30)))
    changed = edit_event(PROPOSALS, CAROL, ts, CLEAN)
    changed["message"]["files"] = [second]
    changed["previous_message"]["files"] = [first]
    harness.event(changed)
    revised = harness.store.get_post(post.id)
    assert revised.status is PostStatus.IN_REVIEW and [a.name for a in revised.images] == ["b.jpg"]


def test_more_than_four_photos_is_too_many_for_x(harness):
    files = [harness.slack.add_file(f"p{i}.jpg", jpeg()) for i in range(5)]
    _, post = propose_with(harness, CLEAN, files)
    assert "x_image_count" in [f.rule for f in post.findings]
    assert post.status is PostStatus.BLOCKED


def test_a_photo_without_words_is_a_proposal(harness):
    photo = harness.slack.add_file("open-day.jpg", jpeg())
    _, post = propose_with(harness, "", [photo])
    assert post.status is PostStatus.IN_REVIEW and post.text == ""
