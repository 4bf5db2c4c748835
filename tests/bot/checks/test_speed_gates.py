"""The speed gates skip a pattern only where it could not have matched (issue [9], speed).

Each gate is a cheap look at the post's words before a costly scan; these tests run the scan
anyway on texts built to sit at the gates' edges and assert that a gate never skips a match.
"""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bot.checks import identifiers, people, voice
from bot.checks.engine import Context
from bot.checks.normalise import normalise
from bot.config.policy_file import load_policy

POLICY = load_policy(None)
PARTY_RULE = POLICY.rule("party_political")
assert PARTY_RULE is not None
POLITICS = st.sampled_from(
    [
        *("the ", "our ", "The ", "local ", "new ", "mayor", "Mayor", "mayoral", "MP", "MPs"),
        *("MEP", "MSP", "MLA", "mp", "Sen.", "Rep.", "Cllr", "Cllr.", "Councillor", "council"),
        *("leader", "Prime Minister", "PM", "pm", "President", "Governor", "Minister", "Home "),
        *("Secretary", "secretary", "Chancellor", "candidate", "Congresswoman", "Senator"),
        *("Jane", "Smith", "Tom Reed", "Tory", "Tories", "Lib Dem", "LibDems", "Labour", "Green"),
        *("Greens", "SNP", "Reform UK", "Plaid", "Sinn Féin", "Democrats", "Dems", "MAGA", "GOP"),
        *("Conservatives", "Conservative", "Liberal", "Republican", "UKIP", "Alba", "party"),
        *(" ", "  ", "\n", ", ", ". ", "'s", "-", "'", "ſ", "\u212a", "\u0131", "\u0130", "x"),
    ]
)


def _ctx(text: str) -> Context:
    return Context(normalise(text), ("x", "facebook"), POLICY)


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(POLITICS, max_size=12))
@example(pieces=["the ", "mayoral"])
@example(pieces=["Sen.", " ", "Jane", " ", "Smith"])
@example(pieces=["Cllr", " ", "Jane"])
@example(pieces=["our ", "pm"])
@example(pieces=["the ", "council", " ", "leadership"])
@example(pieces=["our ", "Councillors"])
@example(pieces=["Jane", " ", "Smith", " ", "MEPs"])
@example(pieces=["Lib", " ", "Dem"])
def test_the_party_and_politician_gates_never_skip_a_match(pieces):
    ctx = _ctx("".join(pieces))
    if voice._POLITICIAN_RE.search(ctx.text):
        assert voice._may_name_a_politician(ctx)
    if any(True for _ in voice._built(voice._parties, PARTY_RULE.options).finditer(ctx.text)):
        assert voice._may_name_a_party(ctx, PARTY_RULE)


def test_the_gates_do_skip_a_post_without_those_words():
    ctx = _ctx("Thank you to everyone who came to the coffee morning on Saturday.")
    assert not voice._may_name_a_politician(ctx)
    assert not voice._may_name_a_party(ctx, PARTY_RULE)


PARTY_NAMES = [
    *("Tory", "Tories", "Lib Dem", "LibDems", "Liberal Democrats", "Reform UK", "Green Party"),
    *("Labour Party", "Conservative and Unionist Party", "Scottish National Party", "Plaid Cymru"),
    *("Sinn Féin", "Democratic Unionist Party", "Alba Party", "Alliance Party", "UKIP", "SNP"),
    *("DUP", "SDLP", "UUP", "GOP", "TUV", "MAGA", "Conservatives", "Democrats", "Republicans"),
    *("Dems", "Labour", "Conservative", "Reform", "Greens", "Liberals", "Democrat", "Plaid"),
    *("Republican Party", "Democratic Party"),
]


def test_every_party_name_passes_the_party_gate():
    for name in PARTY_NAMES:
        ctx = _ctx(f"Why {name} won.")
        assert any(
            True for _ in voice._built(voice._parties, PARTY_RULE.options).finditer(ctx.text)
        )
        assert voice._may_name_a_party(ctx, PARTY_RULE), name


def test_every_speech_word_holds_a_stem_of_the_quotation_gate():
    """text._may_be_said_before lets _BEFORE and _OWN_BEFORE search only a window holding a
    speech stem, "words" or a colon: every word of _SPEECH must hold one of the stems."""
    import re

    from bot.checks import text

    alternatives = re.sub(r"\(\?:|\)", "", text._SPEECH).replace(r"\s+", " ").split("|")
    assert len(alternatives) >= 60
    for word in alternatives:
        assert any(stem in word.lower() for stem in text._SPEECH_STEMS), word


QUOTE_PIECES = st.sampled_from(
    [
        *('"', "'", "“", "”", "a", "Sam", " ", "\n", ", ", ": ", "said", "SAID", "ſaid", "we"),
        *("I", "in her own words", "Words", "volunteer", "Jo, volunteer", "according to", "—"),
        *("(", ")", "Volunteer Rachel on her first shift", "as we always say", "told", "x"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(QUOTE_PIECES, max_size=25))
@example(pieces=["Sam", " ", "said", ": ", '"', "a", '"'])
@example(pieces=["as we always say", " ", '"', "a", '"'])
@example(pieces=["ſaid", " ", "Sam", " ", '"', "a", '"'])
def test_the_quotation_gate_gives_the_same_attribution(pieces):
    from bot.checks import text

    before = "".join(pieces)
    searched = text._may_be_said_before(before)
    if text._BEFORE.search(before) or text._OWN_BEFORE.search(before):
        assert searched


def _normalised_one_character_at_a_time(original: str) -> tuple[str, list[int], list[int]]:
    """normalise as first written: each character folded in turn, its source kept."""
    from bot.checks import normalise as module

    chars, starts, ends = [], [], []
    for i, ch in enumerate(original):
        for out in module._fold(ch):
            chars.append(out)
            starts.append(i)
            ends.append(i + 1)
    text = "".join(chars)
    keep = [True] * len(text)
    for m in module._SPACED_DIGITS.finditer(text):
        for k in range(m.start(), m.end()):
            keep[k] = text[k].isdigit()
    kept = [k for k in range(len(text)) if keep[k]]
    return "".join(text[k] for k in kept), [starts[k] for k in kept], [ends[k] for k in kept]


@settings(max_examples=500, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [*"ab 1.-`'’“é\u200b\u00adＡа—7\nΑΟ", "ﬁ", "①", "\U0001d400", "e\u0301", "0 7 7 0 0 9"]
        ),
        max_size=40,
    ).map("".join)
    | st.text(max_size=60)
)
@example(text="“Hello” — it’s café")  # one-to-one foldings, applied by replacing characters
def test_normalising_by_distinct_characters_equals_folding_each_in_turn(text):
    from bot.checks.normalise import normalise

    norm = normalise(text)
    assert (norm.text, list(norm.starts), list(norm.ends)) == (
        _normalised_one_character_at_a_time(text)
    )


_MADE_UP_PATTERNS = [
    r"(?<![\w'])I\s+think",
    r"(?:(?<![^.!?\n])|(?<=,\s))(?:honestly|frankly)(?=\s?,)",
    r"\b(?:kick|Kick)\s+out",
    r"(?i)\bsɪck",  # not ASCII and ignoring case: no gate
    r"(?:ab|ac)d",  # a factored prefix
    r"[xy]z",
    r"#(?:vote|back)\w+",
    r"(?i:x)y",  # local flags: no gate
]
_PATTERN_PIECES = st.sampled_from(
    [
        *("I", "i", "\u0130", "\u0131", " ", "\n", ",", ".", "think", "THINK", "honestly"),
        *("Honestly", "frankly", "\u017frankly", "kick", "\u212aick", "out", "abd", "acd", "xz"),
        *("yz", "#vote", "#VOTE", "x", "y", "personally", "candidly", "'", "but ", "sɪck", "SƗCK"),
    ]
)


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(_PATTERN_PIECES, max_size=20))
@example(pieces=["\u0130", " ", "think"])
@example(pieces=["\u017frankly", ",", " "])
def test_a_rule_pattern_is_skipped_only_when_none_of_its_literal_starts_is_in_the_post(pieces):
    import re

    from bot.checks.engine import may_match

    ctx = _ctx("".join(pieces))
    patterns = [p for r in POLICY.rules for p in r.patterns]
    patterns += [re.compile(p, re.IGNORECASE) for p in _MADE_UP_PATTERNS]
    patterns += [re.compile(p) for p in _MADE_UP_PATTERNS]
    for pattern in patterns:
        if pattern.search(ctx.text):
            assert may_match(ctx, pattern), pattern.pattern


def test_literal_starts_are_read_from_the_pattern():
    import re

    from bot.checks.engine import _pattern_starts

    assert _pattern_starts(re.compile(r"(?<!\w)(?:Honestly|frankly)\b", re.I)) == (
        "frankly",
        "honestly",
    )
    assert _pattern_starts(re.compile(r"(?:ab|ac)d")) == ("a",)  # the parser factors out "a"
    assert _pattern_starts(re.compile(r"\d+ Road")) is None  # no literal start: no gate
    assert _pattern_starts(re.compile(r"(?i:x)y")) is None
    ctx = _ctx("We are frankly delighted.")
    assert not voice_free_may_match(ctx, r"(?:honestly|candidly)")
    assert voice_free_may_match(ctx, r"(?:honestly|frankly)")


def voice_free_may_match(ctx: Context, pattern: str) -> bool:
    import re

    from bot.checks.engine import may_match

    return may_match(ctx, re.compile(pattern, re.IGNORECASE))


HOME_PIECES = st.sampled_from(
    [
        *("his ", "her ", "their ", "my ", "home ", "address", "lives ", "living ", "at ", "in "),
        *("into ", "Tom", "'s ", "’s ", "room", "flat", "houseboat", "bungalow", "sofa-surfing "),
        *("moved ", "moving ", "the ", "a ", "new ", "placed", "houses", "maisonette", "x" * 12),
        *("keys ", "Key ", "for ", "to ", "found ", "got ", "secured ", "offered ", "allocated "),
        *("accepted ", "signed ", "own ", "first ", "apartment", "tenancy", "forgot "),
        *(" ", "   ", "\n", "\t", ", ", ". ", "-", "'", "ſ", "\u212a", "\u0131", "\u0130", "Ä"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(HOME_PIECES, max_size=30))
@example(pieces=["their ", "x" * 12, " ", "houseboat"])  # 17 non-spaces before the gate word
@example(pieces=["Tom", "'s ", "x" * 12, " ", "room"])  # "room" is no gate word of the post
@example(pieces=["home ", "flat", "   ", "\n", "moving ", "\n", "   ", "into "])
@example(pieces=["his ", "\n", "   ", "\t", "home ", "\n", "address"])
@example(pieces=["sofa-surfing ", "   ", "at "])
@example(pieces=["Ä", "his ", "flat"])
@example(pieces=["allocated ", "their ", "first ", "apartment"])
@example(pieces=["keys ", "\n", "   ", "\t", "for "])
def test_the_home_cue_windows_find_every_cue_the_whole_scan_finds(pieces):
    text = "".join(pieces)
    found = identifiers._home_cues(text, 0, len(text))
    for pattern, gate in (
        (identifiers._HOME_CUE, identifiers._HOME_CUE_GATE),
        (identifiers._HOME_CUE_MORE, identifiers._HOME_CUE_MORE_GATE),
    ):
        whole = [m.span() for m in pattern.finditer(text)]
        if not identifiers._mentions(text, gate):
            whole = []  # the post-wide gate, older than the windows
        assert [m.span() for m in found if m.re is pattern] == whole


STREET_PIECES = st.sampled_from(
    [
        *("12 ", "3b ", "Flat 4, ", "PSC 1234, Box 5678, ", "USS Nimitz", "APO ", "FPO ", "DPO "),
        *("AE ", "AP ", "09012", "09012-1234", "Mill ", "Kelly ", "Mission", "Station", "Club"),
        *("Flat", "Centre", "Leeds", "Tacoma", "WA ", "LS1 4AB", "LS1 4ab", "GIR 0AA", "EC1A 1BB"),
        *(", ", " ", "\n", "apo", "١٢٣٤٥", "٣AB"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(STREET_PIECES, max_size=14))
@example(pieces=["PSC 1234, Box 5678, ", "APO ", "AE ", "09012"])
@example(pieces=["12 ", "Kelly ", "Mission", ", ", "Leeds", ", ", "LS1 4AB"])
@example(pieces=["12 ", "Kelly ", "Mission", ", ", "Tacoma", ", ", "WA ", "١٢٣٤٥"])
def test_the_military_and_postal_street_gates_never_skip_a_match(pieces):
    text = "".join(pieces)
    if identifiers._MILITARY.search(text):
        assert identifiers._mentions(text, identifiers._MILITARY_GATE)
    if identifiers._STREET_POSTAL.search(text):
        assert identifiers._POSTCODE_OR_ZIP_END.search(text)


def test_the_home_cue_windows_skip_text_far_from_a_home_word():
    text = "We met at the library. " * 20 + "Tom's flat is warm."
    windows = identifiers._home_cue_windows(text)
    assert windows is not None and len(windows) == 1
    assert windows[0][0] > len(text) - 60


SCHOOL_PIECES = st.sampled_from(
    [
        *("St ", "St. ", "Saint ", "Mary's ", "Oak ", "C of E ", "RC ", "Junior and Infant "),
        *("Primary", "primary", "Academy", "School", "school", "Nursery", "Juniors", "Infants"),
        *("High", "high", "Grammar", "Prep", "PREP", "Schools", " ", "\n", "ſ", "\u212a", "x"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(pieces=st.lists(SCHOOL_PIECES, max_size=10))
@example(pieces=["St ", "Mary's ", "C of E ", "Primary"])
@example(pieces=["Oak ", "Prep"])
@example(pieces=["Oak ", "Grammar"])
def test_the_school_type_gate_never_skips_a_school(pieces):
    text = "".join(pieces)
    if people._SCHOOL.search(text):
        assert any(w in text for w in people._SCHOOL_TYPES)
