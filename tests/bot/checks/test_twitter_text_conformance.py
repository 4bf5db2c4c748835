"""X's weighted length against the official twitter-text conformance suite, when present."""

from pathlib import Path

import pytest
import yaml

from bot.checks.platform_fit import x_weighted_length

SUITE = (
    Path(__file__).resolve().parents[4] / "shared" / "conformance" / "twitter-text" / "validate.yml"
)


def cases():
    if not SUITE.exists():
        return []
    data = yaml.safe_load(SUITE.read_text(encoding="utf-8"))
    return [
        pytest.param(c["text"], c["expected"]["weightedLength"], id=c["description"][:60])
        for c in data["tests"]["WeightedTweetsWithDiscountedEmojiCounterTest"]
    ]


@pytest.mark.skipif(not SUITE.exists(), reason="../shared/conformance not present")
@pytest.mark.parametrize("text,expected", cases())
def test_weighted_length_matches_x(text, expected):
    assert x_weighted_length(text) == expected
