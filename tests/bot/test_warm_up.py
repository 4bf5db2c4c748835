"""The checks' lazily built tables load when the bot starts, not while a proposer waits."""

import logging

from bot.checks.identifiers import _people
from bot.checks.names import gazetteer


def test_start_loads_the_name_lists_before_the_first_proposal(harness):
    gazetteer.cache_clear()
    _people.cache_clear()  # it remembers the last texts it read, the warm-up sentence included
    assert gazetteer.cache_info().currsize == 0
    harness.runtime.service.warm_up()
    assert gazetteer.cache_info().currsize == 1


def test_the_warm_up_sentence_leaves_nothing_behind(harness, caplog):
    """It is checked, never proposed: no post, no Slack message, no log line with its words."""
    before = harness.slack.message_count()
    with caplog.at_level(logging.DEBUG):
        harness.runtime.service.warm_up()
    assert harness.runtime.store.db["posts"].count == 0
    assert harness.slack.message_count() == before
    assert not any("Green" in r.getMessage() for r in caplog.records)
