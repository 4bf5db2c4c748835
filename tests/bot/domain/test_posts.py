"""What an approval is bound to: the content hash (stored with every review, delivery and audit
record, so its canonical form is fixed) and the words each platform gets."""

from __future__ import annotations

import hashlib
import json

from bot.domain.posts import Attachment, Post, PostStatus, content_hash

PICTURE = Attachment("p.png", "ab" * 32, "image/png", 10)


def test_the_canonical_form_is_the_documented_one():
    # Stored hashes must keep matching after an upgrade: an approval given yesterday is for
    # these bytes. The form: sorted keys, platforms sorted, a picture as its sha256 (with its
    # description when it has one), each platform's own words only when there are some.
    def expected(document):
        return hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()

    assert content_hash("Hi", ("x", "facebook")) == expected(
        {"images": [], "platforms": ["facebook", "x"], "text": "Hi"}
    )
    described = Attachment("p.png", "cd" * 32, "image/png", 10, alt_text="A red door")
    assert content_hash("Hi", ("x",), (PICTURE, described), {"x": "Hi X"}) == expected(
        {
            "images": ["ab" * 32, ["cd" * 32, "A red door"]],
            "platforms": ["x"],
            "text": "Hi",
            "variants": {"x": "Hi X"},
        }
    )
    # And one literal value, so that the form cannot drift along with this test's helper.
    assert (
        content_hash("Hi", ("x",))
        == hashlib.sha256(b'{"images": [], "platforms": ["x"], "text": "Hi"}').hexdigest()
    )


def test_the_hash_covers_each_platforms_own_words():
    plain = content_hash("Open day Saturday", ("x", "facebook"))
    own = content_hash("Open day Saturday", ("x", "facebook"), variants={"x": "Open day Sat"})
    other = content_hash("Open day Saturday", ("x", "facebook"), variants={"x": "Open day Sun"})
    assert len({plain, own, other}) == 3
    assert content_hash("a", ("x",), variants={}) == content_hash("a", ("x",))


def test_the_hash_covers_pictures_and_their_descriptions():
    described = Attachment("p.png", "ab" * 32, "image/png", 10, alt_text="Volunteers at work")
    redescribed = Attachment("p.png", "ab" * 32, "image/png", 10, alt_text="Our volunteers")
    hashes = {
        content_hash("a", ("x",)),
        content_hash("a", ("x",), (PICTURE,)),
        content_hash("a", ("x",), (described,)),
        content_hash("a", ("x",), (redescribed,)),
    }
    assert len(hashes) == 4


def test_each_platform_gets_its_own_words_or_the_main_ones():
    post = Post(
        id=1,
        proposer="UP",
        text="Main words",
        platforms=("x", "facebook"),
        content_hash="h",
        status=PostStatus.APPROVED,
        version=1,
        variants={"x": "X words"},
    )
    assert post.text_for("x") == "X words"
    assert post.text_for("facebook") == "Main words"
    assert post.ref == "#1"
