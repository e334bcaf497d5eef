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


# ------------------------------------------------------------ the misconception library ----
# Issue 23: the library's titles and explanations (autograder/misconceptions.toml) and the public
# wrong answers (autograder/wrong_answers/<part>.py) ship to students at every hint level, beside
# the public tests. What recognition adds to a grader's feedback is that fixed text alone
# (tests/repo/test_mutants.py::test_recognition_adds_only_the_librarys_text checks it on every
# recognised mutant): it can carry no hidden input or expected value.


def _misconception_files() -> list[str]:
    from autograder import misconceptions, wrong_answers

    return [p.relative_to(paths.REPO).as_posix()
            for p in (misconceptions.LIBRARY, *wrong_answers.part_files())]


def test_the_misconception_files_ship_with_the_public_tests() -> None:
    """So the release scan (test_the_student_release_holds_no_answer_...) reads them too."""
    from autograder.frontends.material import PUBLIC_GRADER_FILES

    missing = [f for f in _misconception_files() if f not in PUBLIC_GRADER_FILES]
    assert not missing, f"not shipped with the public tests: {missing}"


def test_the_misconception_files_hold_no_answer(tmp_path: Path) -> None:
    """No ANSWER text of any level: these files ship even at hint level none."""
    import shutil

    for name in _misconception_files():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(paths.REPO / name, tmp_path / name)
    leaks = find_leaks(tmp_path, HINT_LEVELS[0])
    assert not leaks, "\n".join(map(str, leaks))


def _words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9_]+", text.casefold())


def _runs(text: str, n: int) -> set[str]:
    words = _words(text)
    return {" ".join(words[i:i + n]) for i in range(len(words) - n + 1)}


RUN = 8  # words in a row an explanation may not share with a method or full hint


def test_misconception_explanations_copy_no_method_or_full_hint() -> None:
    """An explanation points at the section or the property, never at the method: it shares no
    run of RUN words with a hint of level method or full (formulas of the forward definition,
    which the nudges quote too, are shorter)."""
    from autograder import misconceptions

    copied = [(m.id, h.target, h.level, sorted(common)[0])
              for m in misconceptions.load().values() for h in all_hints()
              if h.level in ("method", "full")
              and (common := _runs(f"{m.title} {m.explanation}", RUN) & _runs(h.text, RUN))]
    assert not copied, f"explanations that copy a hint (id, target, level, words): {copied}"


def test_misconception_explanations_carry_no_long_numbers() -> None:
    """Nothing that could be a value (the leak scans look for runs of five digits)."""
    import re

    from autograder import misconceptions

    numbers = [(m.id, n) for m in misconceptions.load().values()
               for n in re.findall(r"\d{4,}", f"{m.title} {m.explanation}")]
    assert not numbers, numbers


def test_public_wrong_answers_import_only_torch() -> None:
    """They ship beside the public tests and are loaded by path: torch, typing and nothing of
    the grader, the solutions or the student's package (which would give the answer away)."""
    import ast

    from autograder import wrong_answers

    allowed = {"torch", "typing", "__future__", "math", "functools", "itertools"}
    bad = []
    for path in wrong_answers.part_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = ["." * node.level + (node.module or "")]
            else:
                continue
            bad += [(path.name, n) for n in names if n.split(".")[0] not in allowed]
    assert not bad, f"imports beyond torch in the public wrong answers: {bad}"
