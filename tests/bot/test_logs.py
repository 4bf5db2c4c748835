import logging

from bot.logs import OwnDebugOnly, Redactor, configure


def test_secrets_and_token_shapes_never_reach_the_log(caplog):
    logger = logging.getLogger("countersign.test")
    redactor = Redactor(["s3cr3t-signing", "fb-page-token-value"])
    caplog.handler.addFilter(redactor)
    with caplog.at_level(logging.INFO):
        logger.info("token %s and %s", "s3cr3t-signing", "xoxb-123-456-abc")
        logger.info("url https://graph/v24.0/1?access_token=EAAB123&x=1")
        try:
            raise RuntimeError("boom fb-page-token-value")
        except RuntimeError:
            logger.exception("failed")
    text = caplog.text
    for secret in ("s3cr3t-signing", "xoxb-123-456-abc", "EAAB123", "fb-page-token-value"):
        assert secret not in text
    assert text.count("***") >= 4


def test_url_encoded_and_json_escaped_secrets_and_header_shapes_are_scrubbed():
    redactor = Redactor(["Kc7vQ2mXr9+LtWp4Z/hNb8Ys3Fd", "key/with+odd=chars&more"])
    text = redactor.scrub(
        "oauth_consumer_key=Kc7vQ2mXr9%2BLtWp4Z%2FhNb8Ys3Fd&oauth_version=1.0 "
        "body=key%2Fwith%2Bodd%3Dchars%26more q=key/with+odd=chars&more "
        '{"k": "key/with+odd=chars&more"} '
        '{\'Authorization\': \'OAuth oauth_nonce="1", oauth_token="tok-123", '
        "oauth_signature=\"abc%3D\"'} {'Authorization': 'Bearer xoxe-unknown-shape'} "
        "oauth_token=tok-456&oauth_signature=sig"
    )
    for leaked in ("Kc7vQ2mXr9", "key%2Fwith", "key/with", "tok-123", "tok-456", "abc%3D", "xoxe"):
        assert leaked not in text
    assert "OAuth ***" in text and "Bearer ***" in text and "oauth_version=1.0" in text


def test_below_info_only_countersigns_own_records_pass():
    own = OwnDebugOnly()

    def record(name, level):
        return logging.LogRecord(name, level, __file__, 1, "body: %s", ("x",), None)

    assert own.filter(record("bot.delivery", logging.DEBUG))
    assert own.filter(record("bot", logging.DEBUG))
    for library in ("countersign.slack", "slack_sdk.web.base_client", "oauthlib", "app.py:f"):
        assert not own.filter(record(library, logging.DEBUG))
        assert own.filter(record(library, logging.WARNING))
    assert not own.filter(record("botanist", logging.DEBUG))


def test_configure_holds_libraries_at_info_even_at_debug():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    names = ("countersign.slack", "requests_oauthlib", "oauthlib", "urllib3", "tweepy")
    levels = {n: logging.getLogger(n).level for n in names}
    try:
        configure("DEBUG", ["s3cr3t-signing"])
        assert root.level == logging.DEBUG
        for name in names:
            assert logging.getLogger(name).getEffectiveLevel() == logging.INFO, name
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
