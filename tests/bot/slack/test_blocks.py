"""The largest report and card still fit Slack's Block Kit limits (checked by slack_sdk)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import Block

from bot.checks import run_checks
from bot.config.policy_file import load_policy
from bot.domain.findings import Finding, Severity
from bot.domain.posts import Delivery, DeliveryStatus, Post, PostStatus, content_hash
from bot.slack.blocks import card_blocks, report_blocks

ZONE = ZoneInfo("Europe/London")


def post_with(text, findings, status=PostStatus.IN_REVIEW):
    return Post(
        id=12345,
        proposer="U1",
        text=text,
        platforms=("x", "facebook"),
        content_hash=content_hash(text, ("x", "facebook")),
        status=status,
        version=3,
        findings=tuple(findings),
        source_channel="C1",
        source_ts="1.1",
        approvers=("U2",),
    )


def validate(blocks):
    assert 0 < len(blocks) <= 50
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None
        block.validate_json()  # raises SlackObjectFormationError past a limit
        text = raw.get("text", {})
        if isinstance(text, dict):
            assert len(text.get("text", "")) <= 3000


def test_largest_report_and_card_fit():
    text = ("I think my mail is jo@example.org and my number 07700 900123. " * 200)[:10_000]
    findings = run_checks(text, ("x", "facebook"), load_policy(None))
    assert len(findings) > 100
    post = post_with(text, findings, PostStatus.BLOCKED)
    validate(report_blocks(post, "C2"))
    deliveries = [
        Delivery(
            1,
            12345,
            "x",
            post.content_hash,
            DeliveryStatus.PUBLISHED,
            datetime(2026, 1, 1, tzinfo=UTC),
            url="https://x.com/i/web/status/1",
            published_at=datetime(2026, 1, 1, tzinfo=UTC),
        ),
        Delivery(
            2,
            12345,
            "facebook",
            post.content_hash,
            DeliveryStatus.FAILED,
            datetime(2026, 1, 1, tzinfo=UTC),
            last_error="e" * 5000,
        ),
    ]
    validate(card_blocks(post_with(text, findings, PostStatus.APPROVED), deliveries, ZONE))


def test_card_never_echoes_confidential_excerpts():
    finding = Finding(
        "confidentiality",
        "email_address",
        Severity.WARN,
        0,
        10,
        "jo@example.org",
        "An e-mail address…",
    )
    voice = Finding("voice", "first_person_singular", Severity.WARN, 0, 1, "I", "speaks…")
    card = str(card_blocks(post_with("text", [finding, voice]), [], ZONE))
    assert "jo@example.org" not in card and "“I”" in card
    report = str(report_blocks(post_with("text", [finding]), "C2"))
    assert "jo@example.org" in report  # the thread is where the proposer wrote it


def test_mrkdwn_in_the_text_is_escaped():
    card = str(card_blocks(post_with("<!channel> & <@U999>", []), [], ZONE))
    assert "&lt;!channel&gt; &amp; &lt;@U999&gt;" in card


def test_every_modal_fits_slacks_limits():
    from slack_sdk.models.views import View

    from bot.slack.blocks import edit_modal, full_text_modal, propose_modal, reject_modal

    longest = post_with("x" * 10_000 + " <&>", [])
    for view in (
        propose_modal(("x", "facebook"), hint="X counts this as 300/280"),
        edit_modal(longest),
        reject_modal(longest),
        full_text_modal(longest),
    ):
        View(**view).validate_json()
        assert len(view["blocks"]) <= 100
    whole = "".join(b["text"]["text"] for b in full_text_modal(longest)["blocks"])
    assert whole.endswith("&lt;&amp;&gt;") and whole.count("x") == 10_000


def test_a_long_post_offers_the_whole_text():
    card = card_blocks(post_with("word " * 2000, []), [], ZONE)
    assert any(b.get("block_id") == "full_text" for b in card)
    assert not any(
        b.get("block_id") == "full_text" for b in card_blocks(post_with("short", []), [], ZONE)
    )
