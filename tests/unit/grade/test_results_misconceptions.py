"""How a recognised misconception reaches students (``autograder/grade/results.py``): results.json
carries its id in the check's ``extra_data`` and its explanation in the check's output;
feedback.md names it once at the top of its part's section, however many checks recognised it;
the scores are those of the same failures unrecognised."""

from __future__ import annotations

import re

from autograder import misconceptions
from autograder.grade.bank import Bank, Check, GradingScheme
from autograder.grade.intake import Submission
from autograder.grade.results import (feedback_markdown, md_unescape, recognised, results_json,
                                      summary_text)
from autograder.grade.runner import CheckResult, SubmissionResult

FLIPPED, OVERWRITE = "kernel_flipped", "overwrite_not_accumulate"


def _noop(student) -> None:
    pass


def _bank() -> Bank:
    scheme = GradingScheme(parts={"cross_correlation": 9, "audio_conv1d": 3}, optional={},
                           manual={})
    checks = [Check("corr2d.example", "cross_correlation", "d2l example", _noop, points=2,
                    visibility="visible"),
              Check("corr2d.oracle[a]", "cross_correlation", "oracle a", _noop, points=3),
              Check("corr2d.oracle[b]", "cross_correlation", "oracle b", _noop, points=3),
              Check("corr2d.float32", "cross_correlation", "float32", _noop, points=1),
              Check("corr1d.values", "audio_conv1d", "corr1d values", _noop, points=3)]
    return Bank(scheme, checks)


def _result(bank: Bank, recognised_as: dict[str, str | None]) -> SubmissionResult:
    """Checks in ``recognised_as`` fail (each with its own message, recognised as the id given,
    or as nothing); the others pass."""
    results = []
    for c in bank.checks:
        if c.id not in recognised_as:
            results.append(CheckResult(c, True))
            continue
        message = f"{c.id}: 5 of 9 values are wrong"
        results.append(CheckResult(c, False, message,
                                   message + "; got 1, expected 2" if c.visibility == "visible"
                                   else None, misconception=recognised_as[c.id]))
    return SubmissionResult(Submission(name="alice", source="/subs/alice"), results=results,
                            devices={"cpu": "all checks"})


RECOGNISED = {"corr2d.example": FLIPPED, "corr2d.oracle[a]": FLIPPED,
              "corr2d.oracle[b]": FLIPPED, "corr2d.float32": None, "corr1d.values": FLIPPED}


def _tests(result: SubmissionResult, bank: Bank) -> dict[str, dict]:
    return {t["extra_data"]["id"]: t for t in results_json(result, bank)["tests"]}


def test_results_json_carries_the_id_and_the_explanation() -> None:
    bank = _bank()
    tests = _tests(_result(bank, RECOGNISED), bank)
    text = misconceptions.feedback(FLIPPED)
    for check_id, mid in RECOGNISED.items():
        output = md_unescape(tests[check_id]["output"])
        assert tests[check_id]["status"] == "failed"
        assert output.startswith(f"{check_id}: 5 of 9 values are wrong"), output
        if mid is None:
            assert "misconception" not in tests[check_id]["extra_data"]
            assert "Known mistake" not in output
        else:
            assert tests[check_id]["extra_data"]["misconception"] == mid
            assert output.endswith(text), output
    # a visible check keeps its detail, with the explanation after it
    assert "got 1, expected 2" in md_unescape(tests["corr2d.example"]["output"])


def test_a_passed_or_unrecognised_check_has_no_misconception() -> None:
    bank = _bank()
    tests = _tests(_result(bank, {"corr2d.float32": None}), bank)
    for t in tests.values():
        assert "misconception" not in t["extra_data"]
        assert "Known mistake" not in t["output"]


def test_feedback_md_names_a_misconception_once_per_part() -> None:
    bank = _bank()
    text = feedback_markdown(_result(bank, RECOGNISED), bank)
    plain = md_unescape(text)
    named = misconceptions.feedback(FLIPPED)
    assert plain.count(named) == 2, text  # once in each part that recognised it
    sections = re.split(r"\n### ", plain)
    corr2d = next(s for s in sections if s.startswith("cross_correlation"))
    corr1d = next(s for s in sections if s.startswith("audio_conv1d"))
    assert f"- {named} (recognised in 3 checks below)" in corr2d
    assert f"- {named} (recognised in 1 check below)" in corr1d
    # the misconception comes first in its section, before the failed checks it explains
    assert corr2d.index(named) < corr2d.index("corr2d.oracle[a]: 5 of 9")
    # the summary Gradescope shows above the tests does not repeat it
    assert named not in md_unescape(summary_text(_result(bank, RECOGNISED), bank))


def test_two_misconceptions_in_one_part_are_each_named_once_in_check_order() -> None:
    bank = _bank()
    both = {"corr2d.oracle[a]": OVERWRITE, "corr2d.oracle[b]": FLIPPED,
            "corr2d.example": OVERWRITE}
    plain = md_unescape(feedback_markdown(_result(bank, both), bank))
    first, second = misconceptions.feedback(OVERWRITE), misconceptions.feedback(FLIPPED)
    assert plain.count(first) == 1 and plain.count(second) == 1
    assert plain.index(first) < plain.index(second)
    assert f"- {first} (recognised in 2 checks below)" in plain
    assert f"- {second} (recognised in 1 check below)" in plain


def test_no_misconception_no_line() -> None:
    bank = _bank()
    plain = md_unescape(feedback_markdown(_result(bank, {"corr2d.oracle[a]": None}), bank))
    assert "Known mistake" not in plain and "recognised in" not in plain


def test_recognised_groups_failed_checks_by_misconception() -> None:
    bank = _bank()
    result = _result(bank, RECOGNISED)
    groups = recognised(result.results)
    assert list(groups) == [FLIPPED]
    assert [r.check.id for r in groups[FLIPPED]] == [
        "corr2d.example", "corr2d.oracle[a]", "corr2d.oracle[b]", "corr1d.values"]
    passed = CheckResult(bank.checks[0], True, misconception=FLIPPED)  # never listed
    assert recognised([passed]) == {}


def test_recognition_never_changes_a_score() -> None:
    bank = _bank()
    named = _result(bank, RECOGNISED)
    unnamed = _result(bank, dict.fromkeys(RECOGNISED))
    assert named.total() == unnamed.total() and named.part_scores(bank) == \
        unnamed.part_scores(bank)
    a, b = results_json(named, bank), results_json(unnamed, bank)
    assert a["score"] == b["score"]
    assert [t["score"] for t in a["tests"]] == [t["score"] for t in b["tests"]]
    assert a["extra_data"]["parts"] == b["extra_data"]["parts"]


def test_an_id_the_library_lacks_is_still_rendered_by_its_id() -> None:
    bank = _bank()
    tests = _tests(_result(bank, {"corr2d.oracle[a]": "not_in_library"}), bank)
    assert md_unescape(tests["corr2d.oracle[a]"]["output"]).endswith(
        "Known mistake (not_in_library).")
