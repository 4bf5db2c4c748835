from bot.checks import run_checks
from bot.domain.rewrite import apply_suggestions, has_suggestions
from bot.policy_file import load_policy

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
