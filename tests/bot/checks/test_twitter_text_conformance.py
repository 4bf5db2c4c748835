"""X's weighted length against the official twitter-text conformance suite, when present.

Countersign counts as X does today (config v3: emoji count 2). The v3 section and the
directional-marker section run through `measure`, the function behind `platforms.x.length`;
the v2 section (emoji counted per code point) checks that the same engine, given the v2
configuration the suite names, agrees too.
"""

import json
from pathlib import Path

import pytest
import yaml
from twitter_text import parse_tweet

from bot.checks.platform_fit import measure

FOLDER = Path(__file__).resolve().parents[4] / "shared" / "conformance" / "twitter-text"
SUITE = FOLDER / "validate.yml"
pytestmark = pytest.mark.skipif(not SUITE.exists(), reason="../shared/conformance not present")


def cases(section):
    if not SUITE.exists():
        return []
    data = yaml.safe_load(SUITE.read_text(encoding="utf-8"))
    return [
        pytest.param(c["text"], c["expected"], id=c["description"][:60])
        for c in data["tests"][section]
    ]


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


@pytest.mark.parametrize("text,expected", cases("WeightedTweetsCounterTest"))
def test_v2_configuration(text, expected):
    raw = json.loads((FOLDER / "config-v2.json").read_text())
    config = {  # the suite's file, in the library's key names; v2 predates emoji parsing
        "version": raw["version"],
        "max_weighted_tweet_length": raw["maxWeightedTweetLength"],
        "scale": raw["scale"],
        "default_weight": raw["defaultWeight"],
        "transformed_url_length": raw["transformedURLLength"],
        "ranges": raw["ranges"],
        "emoji_parsing_enabled": False,
    }
    assert parse_tweet(text, config).weightedLength == expected["weightedLength"]
