"""X's weighted length: the fast path counts exactly like twitter-text itself."""

from hypothesis import example, given, settings
from hypothesis import strategies as st
from twitter_text import parse_tweet

from bot.checks.platform_fit import fit, measure
from bot.policy_file import load_policy

PIECES = st.sampled_from(
    [
        "a",
        "Z",
        " ",
        "\n",
        "\r\n",
        "\r",
        ".",
        "https://example.org/path?q=1",
        "www.charity.org.uk",
        "example.com",
        "t.co/abc",
        "@org",
        "#tag",
        "1,243",
        "-",
        "x" * 40,
        "http://",
        "foo.bar",
    ]
)
ascii_texts = st.lists(PIECES, max_size=60).map("".join) | st.text(
    alphabet=st.characters(max_codepoint=127), max_size=400
)


@settings(max_examples=400, deadline=None)
@given(text=ascii_texts)
@example(text="")
@example(text="a" * 300)
@example(text="see https://example.org " * 20)
def test_fast_path_equals_twitter_text(text):
    parsed = parse_tweet(text)
    assert measure(text) == (parsed.weightedLength, parsed.validRangeEnd)


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=300))
def test_any_text_equals_twitter_text(text):
    parsed = parse_tweet(text)
    assert measure(text) == (parsed.weightedLength, parsed.validRangeEnd)


def test_fit_reports_length_limit_and_fit():
    policy = load_policy(None)
    assert fit("hello", ("x", "facebook"), policy) == {
        "x": {"length": 5, "limit": 280, "fits": True},
        "facebook": {"length": 5, "limit": 63206, "fits": True},
    }
    assert fit("日本" * 141, ("x",), policy)["x"] == {"length": 564, "limit": 280, "fits": False}
