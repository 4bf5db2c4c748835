"""Approvers and admins from user groups: cached, refreshed, and a blip keeps the last list."""

from bot.emulators.slack import SlackEmulator
from bot.slack.app import web_client
from bot.slack.directory import SlackDirectory


def test_group_changes_take_effect_after_the_cache_expires_without_a_restart():
    with SlackEmulator(token="xoxb-test") as slack:
        slack.usergroups["S0APPROVERS"] = ["U1"]
        now = [0.0]
        directory = SlackDirectory(
            web_client("xoxb-test", slack.api_url),
            approvers=["U9", "S0APPROVERS"],
            admins=["U8"],
            ttl=300,
            monotonic=lambda: now[0],
        )
        assert directory.is_approver("U1") and directory.is_approver("U9")
        assert not directory.is_approver("U2") and directory.is_admin("U8")
        slack.usergroups["S0APPROVERS"] = ["U2"]  # an admin changes the group in Slack
        now[0] = 100
        assert directory.is_approver("U1")  # still cached
        assert len(slack.calls_to(r"usergroups\.users\.list")) == 1
        now[0] = 301
        assert directory.is_approver("U2") and not directory.is_approver("U1")
        slack.usergroups.clear()  # Slack answers no_such_subteam: keep the last known list
        now[0] = 700
        assert directory.is_approver("U2")
