"""The console script as people use it: subprocesses with the real entry point."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bot.cli import main
from bot.demo import run_demo
from tests.conftest import close_harness, make_harness

ROOT = Path(__file__).resolve().parents[2]


def run(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "X_", "FACEBOOK_", "COUNTERSIGN_"))
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        input=stdin,
        timeout=60,
        cwd=cwd or ROOT,
        check=False,
    )


@pytest.mark.parametrize("command", [[], ["serve"], ["demo"], ["check"], ["now"]])
def test_help_on_each_command(command):
    result = run(*command, "--help")
    assert result.returncode == 0 and "usage: countersign" in result.stdout


def test_check_json_and_exit_status():
    result = run("check", "--json", "I met Jo, call 07700 900123")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert data["verdict"] == "block"
    assert data["platforms"]["x"] == {"length": 27, "limit": 280, "fits": True}
    assert data["platforms"]["facebook"]["fits"] is True
    assert [f["rule"] for f in data["findings"]] == ["first_person_singular", "phone_number"]
    assert set(data["findings"][0]) == {
        "check",
        "rule",
        "severity",
        "start",
        "end",
        "excerpt",
        "message",
        "suggestion",
    }
    clean = run("check", "-", stdin="We are open on Monday.")
    assert clean.returncode == 0 and "verdict: pass" in clean.stdout


def test_check_x_length_only_for_x():
    assert run("check", "--platform", "x", "a" * 300).returncode == 1
    assert run("check", "--platform", "facebook", "a" * 300).returncode == 0
    assert run("check", "--platform", "myspace", "hi").returncode == 2


def test_serve_without_settings_names_every_missing_one(tmp_path):
    result = run(
        "serve", "--http", cwd=tmp_path, env={"COUNTERSIGN_CONFIG_DIR": str(ROOT / "config")}
    )
    assert result.returncode == 2
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "COUNTERSIGN_PROPOSALS_CHANNEL",
        "COUNTERSIGN_REVIEW_CHANNEL",
        "COUNTERSIGN_APPROVERS",
        "COUNTERSIGN_SECRET_KEY",
    ):
        assert name in result.stderr


def test_broken_config_fails_start_up_with_file_and_line(tmp_path):
    (tmp_path / "schedule.yaml").write_text("x:\n  - days: mon\n    times: ['9am']\n")
    result = run("check", "hello", env={"COUNTERSIGN_CONFIG_DIR": str(tmp_path)})
    assert result.returncode == 0  # check needs no schedule
    (tmp_path / "settings.yaml").write_text("timezone: Nowhere/Land\n")
    result = run("check", "hello", env={"COUNTERSIGN_CONFIG_DIR": str(tmp_path)})
    assert result.returncode == 2 and "settings.yaml, line 1" in result.stderr


def test_now_from_the_cli_publishes_an_approved_post(tmp_path):
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post("Our spring fair is on Saturday.")
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": h.slack.api_url,
            "X_CONSUMER_KEY": "x-ck",
            "X_CONSUMER_SECRET": "x-cs",
            "X_ACCESS_TOKEN": "x-at",
            "X_ACCESS_TOKEN_SECRET": "x-ats",
            "X_API_URL": h.x.url,
            "FACEBOOK_PAGE_ID": "1000",
            "FACEBOOK_PAGE_TOKEN": "fb-page-token",
            "FACEBOOK_GRAPH_URL": h.graph.url,
            "COUNTERSIGN_DB": str(tmp_path / "countersign.db"),
            "COUNTERSIGN_CONFIG_DIR": str(tmp_path / "config"),
            "COUNTERSIGN_REVIEW_CHANNEL": "C0REVIEW",
            "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
        }
        result = run("now", f"#{post.id}", env=env)
        assert result.returncode == 0, result.stderr
        assert "X published" in result.stdout and "Facebook published" in result.stdout
        assert [t["text"] for t in h.x.tweets] == ["Our spring fair is on Saturday."]
        assert len(h.graph.posts) == 1
        again = run("now", str(post.id), env=env)
        assert again.returncode == 1 and "nothing waiting" in again.stdout
        assert len(h.x.tweets) == 1
        assert run("now", "twelve", env=env).returncode == 2
    finally:
        close_harness(h)


def test_demo_runs_end_to_end():
    lines: list[str] = []
    assert run_demo(lines.append) == 0
    story = "\n".join(lines)
    assert "Refused" in story and "published on X" in story and "No review card" in story


def test_no_command_without_slack_runs_the_demo(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COUNTERSIGN_CONFIG_DIR", str(ROOT / "config"))
    assert main([]) == 0
    assert "running the demo" in capsys.readouterr().out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening_on(port: int) -> set[str]:
    """The IPv4 addresses a socket listens on at ``port`` (from /proc/net/tcp, in hex)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if state == "0A" and int(hex_port, 16) == port:
            found.add(address)
    return found


@pytest.mark.parametrize("host", [None, "127.0.0.1"])
def test_procfile_command_serves_http_and_health(tmp_path, host):
    procfile = (ROOT / "Procfile").read_text().strip()
    assert procfile == "web: countersign serve --http"
    h = make_harness(tmp_path)
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "X_", "FACEBOOK_", "COUNTERSIGN_"))
    }
    env |= {
        "PORT": str(port),
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": h.slack.api_url,
        "COUNTERSIGN_PROPOSALS_CHANNEL": "C1",
        "COUNTERSIGN_REVIEW_CHANNEL": "C2",
        "COUNTERSIGN_APPROVERS": "U1",
        "COUNTERSIGN_SECRET_KEY": "serve-register-key-0123456789",
        "COUNTERSIGN_DB": str(tmp_path / "serve.db"),
        "COUNTERSIGN_CONFIG_DIR": str(ROOT / "config"),
    } | ({"COUNTERSIGN_HOST": host} if host else {})
    command = shlex.split(procfile.split(":", 1)[1])
    command[0] = shutil.which(command[0]) or command[0]  # the installed console script
    process = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                assert process.poll() is None, process.stderr.read().decode()
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        if Path("/proc/net/tcp").exists():  # 0.0.0.0 by default; only loopback when asked
            assert _listening_on(port) == {"0100007F" if host else "00000000"}
        unsigned = requests.post(f"http://127.0.0.1:{port}/slack/events", data="{}", timeout=5)
        assert unsigned.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=15)
        close_harness(h)
    assert process.returncode == 0


def test_check_jsonl_in_order_with_errors_in_place(tmp_path):
    lines = [
        json.dumps({"id": "a", "text": "We are open on Monday."}),
        "this is not json",
        json.dumps({"id": 7, "text": "Call 07700 900123", "platforms": ["facebook"]}),
        json.dumps({"id": "long", "text": "a" * 300, "platforms": ["x"]}),
        json.dumps({"id": "bad", "text": "hi", "platforms": ["myspace"]}),
    ]
    feed = tmp_path / "posts.jsonl"
    feed.write_text("\n".join(lines) + "\n")
    result = run("check", "--jsonl", str(feed))
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o.get("id") for o in out] == ["a", None, 7, "long", "bad"]
    assert out[0]["verdict"] == "pass" and "not JSON" in out[1]["error"]
    assert out[1]["line"] == 2
    assert out[2]["verdict"] == "block" and list(out[2]["platforms"]) == ["facebook"]
    assert out[3]["platforms"]["x"] == {"length": 300, "limit": 280, "fits": False}
    assert "myspace" in out[4]["error"]
    assert result.returncode == 2  # a malformed line outranks a blocked post
    good = run("check", "--jsonl", "-", stdin="\n".join([lines[0], lines[2]]))
    assert good.returncode == 1 and len(good.stdout.splitlines()) == 2
    assert run("check", "--jsonl", str(tmp_path / "missing.jsonl")).returncode == 2


def test_people_import_list_and_check_against_the_register(tmp_path):
    env = {
        "COUNTERSIGN_DB": str(tmp_path / "c.db"),
        "COUNTERSIGN_SECRET_KEY": "cli-register-key-0123456789",
        "COUNTERSIGN_CONFIG_DIR": str(ROOT / "config"),
    }
    csv = tmp_path / "people.csv"
    csv.write_text(
        "label,name,aliases,consent,consent_expires,platforms\n"
        "P-1,Sarah Jones,Saz,yes,2099-01-31,\n"
        "P-2,Tom Baker,,no,,\n"
    )
    imported = run("people", "import", str(csv), env=env)
    assert imported.returncode == 0 and "2 added" in imported.stdout
    listing = run("people", "list", env=env)
    assert "P-1: consent yes" in listing.stdout and "Sarah" not in listing.stdout
    result = run("check", "--json", "Thanks to Saz and Tom Baker's team!", env=env)
    findings = json.loads(result.stdout)["findings"]
    assert [(f["excerpt"], f["severity"]) for f in findings] == [
        ("Saz", "info"),
        ("Tom Baker", "block"),
    ]
    assert result.returncode == 1
    bad = tmp_path / "bad.csv"
    bad.write_text("name,consent,consent_expires\nJo Bloggs,maybe,\nAl Smith,yes,31/12/2026\n")
    failed = run("people", "import", str(bad), env=env)
    assert failed.returncode == 1
    assert f"{bad}, line 2" in failed.stderr and f"{bad}, line 3" in failed.stderr
    assert "Jo Bloggs" not in failed.stderr
    assert run("people", "list", env=env).stdout.count("P-") == 2  # nothing changed
    wrong_key = {**env, "COUNTERSIGN_SECRET_KEY": "another-key-0123456789abc"}
    assert run("check", "Tom Baker", env=wrong_key).returncode == 2


def test_admin_words_on_the_command_line(tmp_path):
    """pause, resume, schedule, blackout and queue: the same words as in Slack."""
    h = make_harness(tmp_path)
    try:
        post, _ = h.approved_post("Our open day is on Saturday.")
        env = {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_API_URL": h.slack.api_url,
            "COUNTERSIGN_DB": str(tmp_path / "countersign.db"),
            "COUNTERSIGN_CONFIG_DIR": str(tmp_path / "config"),
            "COUNTERSIGN_DATA_DIR": str(tmp_path / "data"),
            "COUNTERSIGN_REVIEW_CHANNEL": "C0REVIEW",
            "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
        }
        assert "Paused" in run("pause", "a", "tragedy", env=env).stdout
        assert "already paused" in run("pause", env=env).stdout
        assert "Resumed" in run("resume", env=env).stdout
        assert "X: Mon–Fri 09:30, 17:00" in run("schedule", env=env).stdout
        assert run("schedule", "add", "x", "sun", "12:00", env=env).returncode == 0
        assert run("schedule", "add", "x", "someday", "12:00", env=env).returncode == 2
        assert f"#{post.id}" in run("queue", env=env).stdout
        assert (
            run("blackout", "add", "2099-12-24", "2099-12-26", "Christmas", env=env).returncode == 0
        )
        assert "Christmas" in run("blackout", "list", env=env).stdout
        assert run("queue", "front", env=env).returncode == 2
    finally:
        close_harness(h)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when this returns: nothing listens


def test_the_emergency_stop_works_while_slack_is_unreachable(tmp_path):
    from bot.storage import open_store

    db = tmp_path / "countersign.db"
    open_store(db).close()
    env = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": f"http://127.0.0.1:{_closed_port()}/api/",
        "COUNTERSIGN_DB": str(db),
        "COUNTERSIGN_CONFIG_DIR": str(ROOT / "config"),
        "COUNTERSIGN_REVIEW_CHANNEL": "C0REVIEW",
    }
    paused = run("pause", "Slack", "is", "down", env=env)
    assert paused.returncode == 0, paused.stderr
    assert "Paused" in paused.stdout
    store = open_store(db)
    try:
        assert store.paused_reason() == "Slack is down"
    finally:
        store.close()
    assert run("resume", env=env).returncode == 0


@pytest.mark.parametrize(
    "words", [["pause"], ["resume"], ["now", "1"], ["takedown", "1"], ["queue"], ["blackout"]]
)
def test_admin_words_refuse_a_database_that_is_not_there(tmp_path, words):
    db = tmp_path / "typo" / "countersign.db"
    result = run(*words, env={"SLACK_BOT_TOKEN": "xoxb-test", "COUNTERSIGN_DB": str(db)})
    assert result.returncode == 2
    assert f"there is no database at {db}" in result.stderr
    assert not db.exists()


def test_a_new_database_is_announced(tmp_path):
    db = tmp_path / "countersign.db"
    first = run("people", "list", env={"COUNTERSIGN_DB": str(db)})
    assert f"created a new, empty database at {db}" in first.stderr
    second = run("people", "list", env={"COUNTERSIGN_DB": str(db)})
    assert "created" not in second.stderr


def test_an_unknown_log_level_is_a_clear_mistake(tmp_path):
    result = run(
        "people",
        "list",
        env={"COUNTERSIGN_LOG_LEVEL": "LOUD", "COUNTERSIGN_DB": str(tmp_path / "d")},
    )
    assert result.returncode == 2
    assert '"LOUD" is not a logging level' in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("problem", ["refused", "unreachable"])
def test_serve_with_a_dead_token_or_no_slack_is_a_clear_start_up_error(tmp_path, problem):
    from bot.emulators.slack import SlackEmulator

    slack = SlackEmulator(token="xoxb-live").start()
    try:
        url = slack.api_url if problem == "refused" else f"http://127.0.0.1:{_closed_port()}/api/"
        result = run(
            "serve",
            "--http",
            env={
                "SLACK_BOT_TOKEN": "xoxb-revoked",
                "SLACK_SIGNING_SECRET": "s",
                "SLACK_API_URL": url,
                "COUNTERSIGN_DB": str(tmp_path / "countersign.db"),
                "COUNTERSIGN_CONFIG_DIR": str(ROOT / "config"),
                "COUNTERSIGN_PROPOSALS_CHANNEL": "C0PROPOSALS",
                "COUNTERSIGN_REVIEW_CHANNEL": "C0REVIEW",
                "COUNTERSIGN_APPROVERS": "U0ALICE",
                "COUNTERSIGN_SECRET_KEY": "test-register-key-0123456789",
                "PORT": str(_closed_port()),
            },
        )
    finally:
        slack.stop()
    assert result.returncode == 2
    expected = "did not accept SLACK_BOT_TOKEN" if problem == "refused" else "cannot be reached"
    assert f"countersign: cannot start: Slack {expected}" in result.stderr
    assert "Traceback" not in result.stderr
    assert "xoxb-revoked" not in result.stderr
