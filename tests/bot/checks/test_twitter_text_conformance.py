"""X's weighted length against the official twitter-text conformance suite, when present.

Countersign counts as X does today (config v3: emoji count 2) with its own module,
``bot.checks.x_text``. The v3 section and the directional-marker section run through
`measure`, the function behind `platforms.x.length`; the v2 section (emoji counted per code
point) runs the same counter with the v2 configuration file the suite ships beside it.
validate.yml's `urls` and `urls_without_protocol` sections are twitter-text's ``isValidUrl``
cases (is this whole string a well-formed URL?), which X's count does not use; what the count
needs from them is that every URL it would link is counted 23 — checked below for each valid
case the extractor links. The extractor's own cases are in extract.yml (run when present, and
a hand-written selection in tests/fixtures/real/x/).
"""

import json
from pathlib import Path

import pytest
import yaml

from bot.checks import run_checks
from bot.checks.platform_fit import measure
from bot.checks.x_text import CONFIG_V3, Config, extract_urls, extract_urls_with_indices, parse
from bot.config.policy_file import load_policy
from bot.domain.findings import Severity

FOLDER = Path(__file__).resolve().parents[4] / "shared" / "conformance" / "twitter-text"
SUITE = FOLDER / "validate.yml"
EXTRACT = FOLDER / "extract.yml"
pytestmark = pytest.mark.skipif(not SUITE.exists(), reason="../shared/conformance not present")
# Valid by isValidUrl, but linked otherwise by twitter-text's extractor (its JavaScript and
# Java alike): it has no pattern for IP addresses or user info, and a query never ends in "+".
# X counts what is not linked character by character.
LINKED_OTHERWISE = {
    "http://user:PASSW0RD@example.com:8080/login.php": [],
    "http://192.168.0.1/index.html?src=asdf": [],
    "http://[3ffe:1900:4545:3:200:f8ff:fe21:67cf]:80/index.html": [],
    "http://example.com?foo=$bar.;baz?BAZ&c=d-#top/?stories+": [
        "http://example.com?foo=$bar.;baz?BAZ&c=d-#top/?stories"
    ],
}


def _load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))["tests"] if path.exists() else {}


def cases(section, path=SUITE):
    return [
        pytest.param(c["text"], c["expected"], id=c["description"][:60])
        for c in _load(path).get(section, [])
    ]


def test_the_suite_has_the_sections_this_file_runs():
    # A renamed section must not turn into zero silently-passing cases.
    sections = _load(SUITE)
    for name in (
        "WeightedTweetsCounterTest",
        "WeightedTweetsWithDiscountedEmojiCounterTest",
        "UnicodeDirectionalMarkerCounterTest",
        "urls",
        "urls_without_protocol",
    ):
        assert sections.get(name), name


def test_the_product_configuration_is_v3():
    raw = json.loads((FOLDER / "config-v3.json").read_text())
    assert Config.from_json(raw) == CONFIG_V3


@pytest.mark.parametrize(
    "text,expected",
    [
        *cases("WeightedTweetsWithDiscountedEmojiCounterTest"),
        *cases("UnicodeDirectionalMarkerCounterTest"),
    ],
)
def test_weighted_length_matches_x(text, expected):
    length, valid_end = measure(text)
    assert length == expected["weightedLength"]
    assert valid_end == expected["validRangeEnd"]
    counted = parse(text)
    assert counted.valid == expected["valid"]
    assert counted.display_range_end == expected["displayRangeEnd"]


@pytest.mark.parametrize(
    "text,expected",
    [
        *cases("WeightedTweetsWithDiscountedEmojiCounterTest"),
        *cases("UnicodeDirectionalMarkerCounterTest"),
    ],
)
def test_the_checks_block_for_x_exactly_what_x_refuses(text, expected):
    # "Handle invalid characters" is short yet invalid: the length alone is not X's verdict.
    findings = run_checks(text, ("x",), load_policy(None))
    blocked = [f.rule for f in findings if f.check == "platform" and f.severity is Severity.BLOCK]
    assert bool(blocked) is (not expected["valid"]), blocked


@pytest.mark.parametrize("text,expected", cases("WeightedTweetsCounterTest"))
def test_v2_configuration(text, expected):
    v2 = Config.from_json(json.loads((FOLDER / "config-v2.json").read_text()))
    assert not v2.emoji_parsing  # v2 predates emoji parsing
    counted = parse(text, v2)
    assert counted.weighted_length == expected["weightedLength"]
    assert counted.valid_range_end == expected["validRangeEnd"]
    assert counted.valid == expected["valid"]


# Only the valid ones: for a string isValidUrl refuses, the extractor may still link part of it.
@pytest.mark.parametrize(
    "text,expected", [c for c in [*cases("urls"), *cases("urls_without_protocol")] if c.values[1]]
)
def test_every_valid_url_is_one_link_counted_23(text, expected):
    linked = LINKED_OTHERWISE.get(text, [text])
    assert [u.url for u in extract_urls(text)] == linked
    rest = len(text) - sum(len(url) for url in linked)  # these texts are ASCII: weight 1 each
    assert measure(text)[0] == 23 * len(linked) + rest
    assert measure(f"Read {text} today")[0] == len("Read  today") + 23 * len(linked) + rest


@pytest.mark.skipif(not EXTRACT.exists(), reason="extract.yml is not in ../shared")
@pytest.mark.parametrize(
    "text,expected",
    [
        *cases("urls", EXTRACT),
        *cases("urls_with_indices", EXTRACT),
        *cases("urls_with_directional_markers", EXTRACT),
        *cases("tco_urls_with_params", EXTRACT),
    ],
)
def test_extractor_matches_twitter_text(text, expected):
    # Some sections give the links alone, others with their code point indices.
    if expected and isinstance(expected[0], dict):
        assert extract_urls_with_indices(text) == expected
    else:
        assert [u.url for u in extract_urls(text)] == expected
