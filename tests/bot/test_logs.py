import logging

from bot.logs import Redactor


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
