from bot.checks import run_checks
from bot.config.policy_file import load_policy
from bot.domain.rewrite import apply_suggestions, has_suggestions

POLICY = load_policy(None)


def rewrite(text):
    return apply_suggestions(text, run_checks(text, ("facebook",), POLICY))


def test_first_person_and_stigmatising_terms_are_swapped_with_case_kept():
    assert rewrite("My team helps the homeless every night.") == (
        "Our team helps people experiencing homelessness every night."
    )
    assert rewrite("Thanks to my volunteers, I am proud.").startswith("Thanks to our volunteers")


def test_nothing_to_apply_leaves_the_text_alone():
    text = "We are open on Monday."
    findings = run_checks(text, ("facebook",), POLICY)
    assert not has_suggestions(findings) and apply_suggestions(text, findings) == text


def test_confidential_findings_are_never_rewritten():
    text = "Call Jo on 07700 900123."
    assert rewrite(text) == text


def swap(start, end, replacement):
    from bot.domain.findings import Finding, Severity

    return Finding("voice", "r", Severity.WARN, start, end, "", "m", replacement=replacement)


def test_suggestions_apply_in_order_skipping_overlaps_and_keeping_capitals():
    text = "My cat and my dog"
    # "My" → "Our" (capital kept); an overlapping swap is skipped; a later one still applies.
    findings = [swap(0, 2, "our"), swap(1, 6, "zzz"), swap(11, 13, "our")]
    assert apply_suggestions(text, findings) == "Our cat and our dog"


def test_an_empty_replacement_deletes_and_an_empty_span_inserts_nothing():
    assert apply_suggestions("really very good", [swap(0, 7, "")]) == "very good"
    assert apply_suggestions("good", [swap(2, 2, "XX")]) == "good"


def test_has_suggestions_only_when_one_has_a_replacement():
    assert has_suggestions([swap(0, 1, "we")])
    assert has_suggestions([swap(0, 1, "")])
    assert not has_suggestions([swap(0, 1, None)])
