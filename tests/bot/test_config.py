from pathlib import Path

import pytest

from bot.config.policy_file import load_policy
from bot.config.schedule_file import load_schedule
from bot.config.settings import load_settings, missing_for_serve
from bot.config.yamlfile import ConfigError
from bot.domain.findings import Severity


def settings_in(tmp_path: Path, yaml_text: str = "", **env):
    (tmp_path / "settings.yaml").write_text(yaml_text)
    return load_settings(isolated=True, overrides={"COUNTERSIGN_CONFIG_DIR": str(tmp_path), **env})


def test_environment_overrides_settings_file(tmp_path):
    s = settings_in(
        tmp_path,
        "review_channel: CFILE\napprovers: [U1, U2]\ntimezone: UTC\n",
        COUNTERSIGN_REVIEW_CHANNEL="CENV",
    )
    assert s.review_channel == "CENV" and s.approvers == ["U1", "U2"] and s.timezone == "UTC"


def test_real_environment_wins_over_dotenv_and_file(tmp_path, monkeypatch):
    (tmp_path / "settings.yaml").write_text("proposals_channel: CFILE\n")
    (tmp_path / ".env").write_text("COUNTERSIGN_PROPOSALS_CHANNEL=CDOTENV\nPORT=4000\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COUNTERSIGN_CONFIG_DIR", str(tmp_path))
    s = load_settings()
    assert s.proposals_channel == "CDOTENV" and s.port == 4000
    monkeypatch.setenv("COUNTERSIGN_PROPOSALS_CHANNEL", "CENV")
    assert load_settings().proposals_channel == "CENV"


def test_comma_separated_lists_from_the_environment(tmp_path):
    s = settings_in(tmp_path, COUNTERSIGN_APPROVERS="U1, S0GROUP ,", COUNTERSIGN_PLATFORMS="x")
    assert s.approvers == ["U1", "S0GROUP"] and s.platforms == ["x"]


def test_secrets_do_not_show_in_repr(tmp_path):
    s = settings_in(tmp_path, SLACK_BOT_TOKEN="xoxb-very-secret")
    assert "xoxb-very-secret" not in repr(s) and s.secret("slack_bot_token") == "xoxb-very-secret"


@pytest.mark.parametrize(
    "env,needle",
    [
        ({"COUNTERSIGN_TIMEZONE": "Mars/Olympus"}, "Mars/Olympus"),
        ({"COUNTERSIGN_PLATFORMS": "x,myspace"}, "myspace"),
        ({"COUNTERSIGN_APPROVALS_REQUIRED": "0"}, "at least 1"),
    ],
)
def test_invalid_values_are_named(tmp_path, env, needle):
    with pytest.raises(ConfigError) as err:
        settings_in(tmp_path, **env)
    assert needle in str(err.value)


def test_unknown_key_in_settings_file_names_file_and_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        settings_in(tmp_path, "timezone: UTC\nreveiw_channel: C1\n")
    assert f"{tmp_path / 'settings.yaml'}, line 2" in str(err.value)
    assert "reveiw_channel" in str(err.value)


def test_broken_yaml_names_file_and_line(tmp_path):
    with pytest.raises(ConfigError) as err:
        settings_in(tmp_path, "timezone: UTC\napprovers: [U1\n")
    assert "settings.yaml, line" in str(err.value) and "not valid YAML" in str(err.value)


def test_missing_settings_for_serve_are_all_named_with_where_to_set_them(tmp_path):
    s = settings_in(tmp_path, SLACK_BOT_TOKEN="xoxb-1")
    missing = missing_for_serve(s, socket_mode=False)
    names = [m.split()[0] for m in missing]
    assert names == [
        "COUNTERSIGN_PROPOSALS_CHANNEL",
        "COUNTERSIGN_REVIEW_CHANNEL",
        "COUNTERSIGN_APPROVERS",
        "COUNTERSIGN_SECRET_KEY",
        "SLACK_SIGNING_SECRET",
    ]
    assert all("settings.yaml" in m and ".env" in m for m in missing)
    assert [m.split()[0] for m in missing_for_serve(s, socket_mode=True)][-1] == "SLACK_APP_TOKEN"


def test_schedule_file(tmp_path):
    (tmp_path / "schedule.yaml").write_text(
        "all:\n  - days: mon-fri\n    times: ['09:30']\nx:\n  - days: sat\n    times: '12:00'\n"
    )
    schedule = load_schedule(tmp_path)
    assert len(schedule.for_platform("x")) == 6 and len(schedule.for_platform("facebook")) == 5


@pytest.mark.parametrize(
    "text,line,needle",
    [
        ("x:\n  - days: mon-fri\n    times: ['25:00']\n", 2, "25:00"),
        ("x:\n  - days: funday\n    times: ['09:00']\n", 2, "funday"),
        ("tiktok:\n  - days: mon\n    times: ['09:00']\n", 1, "tiktok"),
    ],
)
def test_broken_schedule_names_file_line_and_reason(tmp_path, text, line, needle):
    (tmp_path / "schedule.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_schedule(tmp_path)
    assert f"schedule.yaml, line {line}" in str(err.value) and needle in str(err.value)


def test_policy_file(tmp_path):
    (tmp_path / "policy.yaml").write_text(
        "country: gb\nallow:\n  emails: [Info@Example.org]\n  phones: ['020 7946 0018']\n"
        "rules:\n  first_person_singular: block\n"
    )
    policy = load_policy(tmp_path)
    assert policy.allow.emails == {"info@example.org"}
    assert policy.allow.phones == {"+442079460018"}
    assert policy.rule("first_person_singular").severity is Severity.BLOCK


def test_broken_policy_names_the_line(tmp_path):
    (tmp_path / "policy.yaml").write_text("country: GB\nrules:\n  phone_number: maybe\n")
    with pytest.raises(ConfigError) as err:
        load_policy(tmp_path)
    assert "policy.yaml, line 3" in str(err.value)


def test_shipped_config_loads():
    root = Path(__file__).resolve().parents[2] / "config"
    load_schedule(root)
    load_policy(root)
    load_settings(isolated=True, overrides={"COUNTERSIGN_CONFIG_DIR": str(root)})


@pytest.mark.parametrize(
    "text,needle",
    [
        ("rules:\n  phone_number:\n    patterns: ['(unclosed']\n", "not a valid regular"),
        (
            "rules:\n  mine:\n    check: voice\n    message: m\n    validator: nope\n",
            "unknown validator",
        ),
        ("rules:\n  mine:\n    check: voice\n    phrases: [x]\n", "needs message"),
        (
            "rules:\n  mine:\n    check: tone\n    message: m\n    phrases: [x]\n",
            "check must be one of",
        ),
        ("rules:\n  phone_number:\n    sevrity: warn\n", "unknown setting 'sevrity'"),
        ("colour: blue\n", "unknown key 'colour'"),
        ("country: XX\n", "unknown country"),
        ("confidential_locations:\n  - label: Refuge A\n", "needs an address"),
    ],
)
def test_broken_policy_names_file_line_and_reason(tmp_path, text, needle):
    (tmp_path / "policy.yaml").write_text(text)
    with pytest.raises(ConfigError) as err:
        load_policy(tmp_path)
    assert "policy.yaml" in str(err.value) and needle in str(err.value)


def test_policy_can_extend_disable_and_add_rules(tmp_path):
    from bot.checks import run_checks

    (tmp_path / "policy.yaml").write_text(
        "case_references: ['\\bNH-\\d{5}\\b']\n"
        "rules:\n"
        "  x_length:\n    enabled: false\n"
        "  profanity:\n    add_phrases: [blimey]\n"
        "  local_politics:\n    check: voice\n    severity: warn\n"
        "    phrases: [our MP is wrong]\n    message: Campaigning against a person.\n"
    )
    policy = load_policy(tmp_path)
    found = {
        f.rule
        for f in run_checks("Blimey, our MP is wrong about NH-12345. " + "a" * 300, ("x",), policy)
    }
    # "our MP is wrong" is also a verdict on a politician to the packaged stance test.
    assert found == {"profanity", "local_politics", "case_reference", "party_political"}
