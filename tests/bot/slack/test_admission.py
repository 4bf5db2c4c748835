"""Whose requests are this installation's: the rule alone, on recorded payloads."""

from __future__ import annotations

from bot.slack.admission import Installation
from tests.bot.slack.test_real_requests import fixture

WORKSPACE = Installation(team_id="T111", enterprise_id="E111", app_id="A111")
ORG_WIDE = Installation(team_id="", enterprise_id="E111", app_id="A111", is_enterprise_install=True)


def test_an_org_wide_install_takes_its_organisation_and_nothing_else():
    event = fixture("event_org_install_message.json")  # authorizations: E111, org-wide
    assert ORG_WIDE.refusal(event) is None
    event["authorizations"][0]["enterprise_id"] = "E222"
    assert ORG_WIDE.refusal(event) == "organisation E222"
    command = fixture("slash_command.json") | {"api_app_id": "A111", "team_id": "T999"}
    assert ORG_WIDE.refusal(command) is None  # any workspace of E111
    del command["enterprise_id"]
    assert ORG_WIDE.refusal(command) == "a workspace outside the organisation"


def test_a_workspace_install_takes_its_workspace_only():
    click = fixture("block_actions.json")  # team T111 of E111, app A111
    assert WORKSPACE.refusal(click) is None
    assert WORKSPACE.refusal(click | {"api_app_id": "A222"}) == "app A222"
    click["team"] = click["team"] | {"id": "T222"}
    assert WORKSPACE.refusal(click) == "workspace T222"
    # An event for an org-wide installation is not for this workspace's, even in its org.
    org_event = fixture("event_org_install_message.json")
    assert WORKSPACE.refusal(org_event) == "an org-wide installation"
    assert WORKSPACE.refusal(fixture("slash_command.json") | {"api_app_id": "A111"}) is None


def test_a_modal_is_judged_by_the_workspace_where_the_app_that_opened_it_is_installed():
    view = fixture("view_submission.json")  # team T123ABC456, app A123ABC456
    ours = Installation(team_id="T123ABC456", app_id="A123ABC456")
    assert ours.refusal(view) is None
    # In a Slack Connect channel team.id can be the other side's; view.app_installed_team_id
    # is the installation (slack_bolt/request/internals.py, extract_team_id).
    view["team"] = {"id": "T0PARTNER", "domain": "partner"}
    assert ours.refusal(view) is None
    view["view"]["app_installed_team_id"] = "T0PARTNER"
    assert ours.refusal(view) == "workspace T0PARTNER"
