"""How findings add up to a verdict."""

from __future__ import annotations

from bot.domain.findings import Finding, Severity, Verdict, verdict


def finding(severity):
    return Finding("voice", "rule", severity, 0, 1, "I", "m")


def test_the_worst_finding_decides():
    assert verdict([]) is Verdict.PASS
    assert verdict([finding(Severity.INFO)]) is Verdict.PASS
    assert verdict([finding(Severity.WARN)]) is Verdict.WARN
    assert verdict([finding(Severity.INFO), finding(Severity.BLOCK)]) is Verdict.BLOCK
    assert verdict([finding(Severity.WARN), finding(Severity.INFO)]) is Verdict.WARN


def test_a_finding_survives_storage():
    f = Finding("platform", "x_length", Severity.BLOCK, 3, 9, "abc", "m", "s", "x", "we")
    assert Finding.from_dict(f.to_dict()) == f
    assert f.to_dict()["severity"] == "block"
