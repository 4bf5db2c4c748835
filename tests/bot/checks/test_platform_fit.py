"""X's weighted length in the product: fit(), the x_length check and measure() agree.

How X counts is pinned in test_x_text.py and test_twitter_text_conformance.py.
"""

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.checks import run_checks
from bot.checks.platform_fit import fit, measure
from bot.config.policy_file import load_policy

POLICY = load_policy(None)
PIECES = st.sampled_from(
    [
        "a",
        "Z",
        " ",
        "\n",
        ".",
        "https://example.org/path?q=1",
        "www.charity.org.uk",
        "example.com",
        "t.co/abc",
        "1,243",
        "x" * 40,
        "日本",
        "é",
        "🎉",
        "👨‍👩‍👧‍👦",
        "©",
    ]
)
texts = st.lists(PIECES, max_size=80).map("".join) | st.text(max_size=400)


@settings(max_examples=300, deadline=None)
@given(text=texts)
@example(text="a" * 281)
@example(text="日本" * 71)
@example(text="🎉" * 141)
@example(text="see example.org " * 20)
def test_x_length_blocks_exactly_when_x_would_refuse(text):
    # The check skips measuring short texts without a dot: that shortcut must never hide a
    # post X would refuse, nor may the check block one X would take.
    length = measure(text)[0]
    blocked = any(f.rule == "x_length" for f in run_checks(text, ("x",), POLICY))
    assert blocked == (length > 280)
    assert fit(text, ("x",), POLICY)["x"] == {"length": length, "limit": 280, "fits": length <= 280}


def test_fit_reports_length_limit_and_fit():
    policy = POLICY
    assert fit("hello", ("x", "facebook"), policy) == {
        "x": {"length": 5, "limit": 280, "fits": True},
        "facebook": {"length": 5, "limit": 63206, "fits": True},
    }
    assert fit("日本" * 141, ("x",), policy)["x"] == {"length": 564, "limit": 280, "fits": False}
