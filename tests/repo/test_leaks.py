"""Stubs, handout and public tests state contracts, not answers; hints ship only up to a level.

The answer strings are declared beside the solutions (``### ANSWER`` lines, ``<!-- answer: -->``
comments in the written answers). The student release is built at every hint level and scanned
for every answer that level does not allow.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from autograder import paths, signatures
from autograder.assign.hints import all_answers, all_hints, write_hints
from autograder.assign.leaks import find_leaks
from autograder.assign.regions import HINT_LEVELS, StubError, parse_regions
from autograder.frontends.github import AnswerLeak, build_student
from autograder.frontends.platform import ReleaseOptions

GRADED_PARTS = list(signatures.API)


def _regions_by_part() -> dict[str, list]:
    out = {}
    for module in sorted((paths.SOLUTIONS / paths.PACKAGE).glob("*.py")):
        regions = parse_regions(module.read_text(encoding="utf-8"), str(module))
        if regions:
            out[module.stem] = regions
    return out


# ------------------------------------------------------------------------------ the markers ----
SOURCE = textwrap.dedent('''
    def f(x):
        """Contract."""
        ### BEGIN SOLUTION
        ### TASK: Return the thing.
        ### HINT nudge: Think about
        ### HINT nudge: the thing.
        ### HINT method: Use the method.
        ### HINT nudge: A second nudge.
        ### ANSWER: x + 41
        ### ANSWER method: the method
        return x + 41
        ### END SOLUTION
''')


def test_markers_are_parsed_by_level() -> None:
    (region,) = parse_regions(SOURCE)
    assert region.function == "f"
    assert region.tasks == ["Return the thing."]
    assert region.hints == {"nudge": ["Think about the thing.", "A second nudge."],
                            "method": ["Use the method."]}
    assert region.answers == [("x + 41", "full"), ("the method", "method")]


@pytest.mark.parametrize("bad, message", [
    ("### HINT nuge: typo", "hint level 'nuge'"),
    ("### HINT: no level", "hint level ''"),
    ("### ANSWER none: x", "answer level 'none'"),
    ("### TASKS: typo", "unknown marker"),
    ("### ANSWER:", "empty ANSWER"),
])
def test_a_misspelt_marker_is_an_error(bad: str, message: str) -> None:
    source = SOURCE.replace("### ANSWER: x + 41", bad)
    with pytest.raises(StubError, match=message):
        parse_regions(source)


def test_task_lines_come_first_and_markers_precede_the_code() -> None:
    late_task = SOURCE.replace("### ANSWER: x + 41", "### TASK: late")
    with pytest.raises(StubError, match="TASK lines come first"):
        parse_regions(late_task)
    after_code = SOURCE.replace("return x + 41\n", "return x + 41\n    ### HINT nudge: late\n")
    with pytest.raises(StubError, match="marker after the region's code"):
        parse_regions(after_code)


# ------------------------------------------------------------------- what the source declares ----
@pytest.mark.parametrize("part", GRADED_PARTS)
def test_every_region_of_a_graded_part_has_a_nudge_and_a_method(part: str) -> None:
    regions = _regions_by_part()[part]
    missing = [(r.function, level) for r in regions for level in ("nudge", "method")
               if not r.hints.get(level)]
    assert not missing, f"regions without hints: {missing}"


@pytest.mark.parametrize("part", [*GRADED_PARTS, signatures.CONCEPTS])
def test_every_part_declares_its_answers(part: str) -> None:
    assert any(a.part == part for a in all_answers()), (
        f"part {part} lists no ANSWER strings: the leak test would have nothing to look for")


def test_every_written_question_declares_its_answers() -> None:
    import nbformat

    nb = nbformat.read(paths.ASSIGNMENTS / "convolutions.ipynb", as_version=4)
    questions = {c.metadata["question"] for c in nb.cells if "answer" in c.metadata.get("tags", [])}
    declared = {a.target for a in all_answers() if a.part == signatures.WRITTEN}
    assert questions and questions <= declared, f"no answer phrases for {questions - declared}"


def test_hints_never_contain_an_answer_of_a_higher_level() -> None:
    from autograder.assign.leaks import normalise
    from autograder.assign.regions import level_index

    bad = [(h.target, h.level, a.text) for h in all_hints() for a in all_answers()
           if level_index(a.level) > level_index(h.level)
           and normalise(a.text) in normalise(h.text)]
    assert not bad, f"hints give away answers above their level: {bad}"


# --------------------------------------------------------------------------- the release ----
@pytest.mark.parametrize("level", HINT_LEVELS)
def test_the_student_release_holds_no_answer_its_level_does_not_allow(tmp_path: Path,
                                                                      level: str) -> None:
    # build_student raises AnswerLeak itself; scan again here
    target = build_student(tmp_path, ReleaseOptions(hints=level))
    assert find_leaks(target, level) == []
    hint_files = sorted((target / "hints").glob("*.md")) if (target / "hints").exists() else []
    if level == "none":
        assert not (target / "hints").exists(), "level none ships no hints at all"
        return
    shipped = "".join(p.read_text() for p in hint_files)
    for hint in all_hints():
        allowed = HINT_LEVELS.index(hint.level) <= HINT_LEVELS.index(level)
        assert (hint.text in shipped) == allowed, (
            f"{hint.part} {hint.target} {hint.level} hint {'missing' if allowed else 'shipped'} "
            f"at level {level}")
    assert {p.stem for p in hint_files} >= set(GRADED_PARTS)


def test_the_scan_finds_an_answer_wherever_it_is_planted(tmp_path: Path) -> None:
    target = build_student(tmp_path, ReleaseOptions(hints="none"))
    answer = next(a for a in all_answers() if a.level == "full")
    planted = target / "convolutions" / "cross_correlation.py"
    planted.write_text(planted.read_text() + f"\n# {answer.text.upper()}\n")
    notebook = target / "convolutions.ipynb"
    notebook.write_text(notebook.read_text().replace('"source": [', '"source": [\n    '
                                                     f'{_json(answer.text)},', 1))
    leaks = find_leaks(target, "none")
    assert {leak.path for leak in leaks if leak.answer == answer} == {
        "convolutions/cross_correlation.py", "convolutions.ipynb"}
    assert not any(leak.answer == answer for leak in find_leaks(target, "full")), (
        "an answer allowed at level full was reported at level full")


def test_a_release_that_would_leak_is_refused(tmp_path: Path, monkeypatch) -> None:
    from autograder.assign import hints as hints_module
    from autograder.assign.hints import Answer

    # Declare a string every release contains (the part table's first part id) as an answer.
    fake = Answer(GRADED_PARTS[0], "full", GRADED_PARTS[0], "corr2d", "test")
    monkeypatch.setattr(hints_module, "all_answers", lambda: [fake])
    monkeypatch.setattr("autograder.assign.leaks.all_answers", lambda: [fake])
    with pytest.raises(AnswerLeak, match=GRADED_PARTS[0]):
        build_student(tmp_path, ReleaseOptions(hints="nudge"))
    assert not (tmp_path / "student").exists()


def test_hints_at_none_write_nothing(tmp_path: Path) -> None:
    assert write_hints(tmp_path / "hints", "none") == []
    assert not (tmp_path / "hints").exists()


def _json(text: str) -> str:
    import json

    return json.dumps(text)


def test_check_names_students_read_hold_no_answer() -> None:
    """Every check's name reaches students in their feedback (and nbgrader's visible cell lines),
    whatever its visibility: it may say what is checked, never the expected answer."""
    from autograder.assign.leaks import normalise
    from autograder.grade.bank import load_bank

    answers = all_answers()
    bad = [(c.id, a.text) for c in load_bank().checks for a in answers
           if normalise(a.text) in normalise(c.name)]
    assert not bad, f"check names that give answers away: {bad}"
