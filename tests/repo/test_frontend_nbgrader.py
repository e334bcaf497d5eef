"""The nbgrader front-end: a course generated from the handout and the check bank, graded by
``nbgrader autograde``, gives every part the score ``python -m autograder grade`` gives."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import sys

import nbformat
import pytest
from conftest import REPO, corpus, hostile_submission, matches

from autograder import paths
from autograder.bundle import KERNEL_SIDE
from autograder.frontends import container
from autograder.frontends import nbgrader_course as nc
from autograder.grade.bank import load_bank

pytestmark = pytest.mark.slow

EXAMPLES = REPO / "examples" / "submissions"
EXPECTED = json.loads((REPO / "examples" / "expected_scores.json").read_text())
GRADED = ("reference", "stubs", "d2l-style-zeros", "textcnn-pools-padding")
IN_CONTAINER = ("reference", "d2l-style-zeros")  # each an autograde plus a container
LIAR = "lying-eq"  # the corpus's object whose == always holds


def _nbgrader_available() -> str | None:
    if importlib.util.find_spec("nbgrader") is None:
        return (f"nbgrader is not installed in {sys.prefix} (pip install nbgrader==0.9.6): "
                "the nbgrader front-end's grading is not tested")
    return None


def _lying_eq(root):
    return hostile_submission("lying_eq", root, LIAR), next(
        a for a in corpus() if a.id == "lying_eq")


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return nc.build(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def graded(tmp_path_factory, course):
    """The course generated, and the examples plus the liar autograded, one student each."""
    reason = _nbgrader_available()
    if reason:
        pytest.skip(reason)
    liar, adversary = _lying_eq(tmp_path_factory.mktemp("subs"))
    submissions = {name: EXAMPLES / name for name in GRADED} | {LIAR: liar}
    nc.generate(course)
    seconds = {}
    for student, directory in submissions.items():
        nc.prepare_submission(course, student, directory)
        seconds[student] = nc.autograde(course, student, timeout=600)
    nc.nbgrader(course, "export")
    print("nbgrader autograde, seconds per submission:",
          {k: round(v, 1) for k, v in seconds.items()})
    return course, submissions, nc.part_scores(course, list(submissions)), adversary


# ------------------------------------------------------------------ the generated course ----

def test_notebook_has_one_locked_hidden_cell_per_check(course) -> None:
    nb = nbformat.read(course / "source" / nc.ASSIGNMENT / nc.NOTEBOOK, as_version=4)
    cells = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if "nbgrader" in c.metadata}
    bank = load_bank()
    for check in bank.checks:
        cell = cells.pop(nc.grade_id(check.part, check.id))
        meta = cell.metadata["nbgrader"]
        assert (meta["grade"], meta["locked"], meta["solution"]) == (True, True, False)
        assert meta["points"] == check.points
        assert nc.part_of(meta["grade_id"]) == check.part
        hidden = cell.source.split(nc.BEGIN_HIDDEN, 1)[1].split(nc.END_HIDDEN, 1)[0]
        assert f"nbgrader_check({check.id!r})" in hidden
    written = {k: v for k, v in cells.items() if nc.part_of(k) == nc.MANUAL_PART}
    assert sum(c.metadata["nbgrader"]["points"] for c in written.values()) \
        == bank.scheme.manual[nc.MANUAL_PART]
    assert all(c.cell_type == "markdown" and c.metadata["nbgrader"]["solution"]
               and "answer" in c.metadata["tags"] for c in written.values())
    assert [c.metadata["nbgrader"]["points"] for c in written.values()] == [2, 2, 2, 2, 1, 1]
    assert set(cells) - set(written) == {nc.SETUP_ID}
    # The set-up cell runs before the first cell that imports the student's package.
    first = next(i for i, c in enumerate(nb.cells)
                 if c.cell_type == "code" and "import convolutions" in c.source)
    setup = next(i for i, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == nc.SETUP_ID)
    assert setup < first and all(c.cell_type != "code" for c in nb.cells[:setup])


def test_course_layout_keeps_the_grader_out_of_source(course) -> None:
    source = course / "source" / nc.ASSIGNMENT
    grader = course / nc.GRADER
    assert (grader / "autograder" / "frontends" / "kernel.py").is_file()
    # of the front-ends, only the kernel side ships: no builder, runner or command line
    shipped = {p.relative_to(grader).as_posix()
               for p in (grader / "autograder" / "frontends").rglob("*") if p.is_file()}
    assert shipped == set(KERNEL_SIDE)
    assert (course / nc.GRADER / "tests" / "hidden" / "manifest.toml").is_file()
    assert not list(source.rglob("checks_*.py")) and not (source / nc.GRADER).exists()
    # Only the stubs are released: the reference's solution regions are not in source/.
    for stub in (source / paths.PACKAGE).glob("*.py"):
        assert stub.read_bytes() == (paths.ASSIGNMENTS / paths.PACKAGE / stub.name).read_bytes()
    config = (course / "nbgrader_config.py").read_text()
    excluded = re.search(r"exclude_overwriting = (.*)", config)[1]
    assert sorted(eval(excluded)[nc.ASSIGNMENT]) == sorted(
        f"{paths.PACKAGE}/{p.name}" for p in (source / paths.PACKAGE).iterdir() if p.is_file())


# -------------------------------------------------------------------------- grading ----

@pytest.mark.parametrize("name", GRADED)
def test_parts_score_as_our_grader(graded, name) -> None:
    _, _, scores, _ = graded
    ours = EXPECTED[name]
    theirs = {part: score for part, score in scores[name].items() if part != nc.MANUAL_PART}
    assert theirs == ours


def test_released_material_holds_no_answer(graded) -> None:
    """What nbgrader releases to students passes the answer-leak scan (no hints: level none)."""
    from autograder.assign.leaks import find_leaks

    leaks = find_leaks(graded[0] / "release" / nc.ASSIGNMENT, "none")
    assert not leaks, "\n".join(map(str, leaks))


def test_released_notebook_has_no_hidden_code(graded) -> None:
    course = graded[0]
    released = (course / "release" / nc.ASSIGNMENT / nc.NOTEBOOK).read_text()
    assert "nbgrader_check" not in released and nc.BEGIN_HIDDEN not in released
    assert str(course) not in released


def test_submitted_package_is_graded_not_the_stubs(graded) -> None:
    """nbgrader copies source/'s other files over the submission; not the package."""
    course, submissions, scores, _ = graded
    for student, directory in submissions.items():
        autograded = course / "autograded" / student / nc.ASSIGNMENT / paths.PACKAGE
        for mine in (directory / paths.PACKAGE).glob("*.py"):
            assert (autograded / mine.name).read_bytes() == mine.read_bytes(), (student, mine)
    buggy = EXAMPLES / "d2l-style-zeros" / paths.PACKAGE / "cross_correlation.py"
    stub = course / "source" / nc.ASSIGNMENT / paths.PACKAGE / "cross_correlation.py"
    assert buggy.read_bytes() != stub.read_bytes()
    buggy_score = EXPECTED["d2l-style-zeros"]["cross_correlation"]
    assert scores["d2l-style-zeros"]["cross_correlation"] == buggy_score
    assert buggy_score < EXPECTED["reference"]["cross_correlation"]


def test_object_equal_to_everything_gets_no_credit(graded) -> None:
    course, _, scores, adversary = graded
    per_check = nc.check_scores(course, LIAR)
    lost = {c for c, s in per_check.items() if not s}
    assert lost == {c for c in per_check if matches(c, adversary.fails)}
    assert scores[LIAR]["cross_correlation"] == 0
    assert scores[LIAR]["conv_as_matmul"] == EXPECTED["reference"]["conv_as_matmul"]


@pytest.mark.docker
def test_autograde_in_the_container_gives_the_same_part_scores(graded, tmp_path) -> None:
    """``autograde(backend="docker")``: ``nbgrader autograde`` inside the confined grading
    container, on a staging copy of the course, gives the local run's part scores, and its
    grades land in the course's gradebook like a local run's."""
    ok, why = container.available("cpu")
    if not ok:
        pytest.skip(f"nbgrader in a container: {why}")
    course, submissions, local, _ = graded
    for name in IN_CONTAINER:
        student = f"{name}-in-container"
        nc.prepare_submission(course, student, submissions[name])
        seconds = nc.autograde(course, student, timeout=900, backend="docker")
        print(f"{name}: nbgrader autograde in a container took {seconds:.1f} s")
        scores = nc.part_scores(course, [student])[student]
        assert scores == local[name], (scores, local[name])
        assert (course / "autograded" / student / nc.ASSIGNMENT / nc.NOTEBOOK).is_file()
    # the other students' grades are untouched by the merge
    assert nc.part_scores(course, list(submissions)) == local


def test_staging_holds_one_student_and_merging_back_keeps_the_scores(graded, tmp_path) -> None:
    """What a student's container gets (``run.stage``): the generated course, its own
    submission and a gradebook without the other students; ``run.merge`` writes its grades
    back into the course's gradebook unchanged (checked here on a local result)."""
    from nbgrader.api import Gradebook

    from autograder.frontends.nbgrader_course import run

    course, submissions, local, _ = graded
    staging = run.stage(course, "stubs", tmp_path / "course")
    assert sorted(p.name for p in (staging / "submitted").iterdir()) == ["stubs"]
    assert not (staging / "autograded").exists() and not (staging / "release").exists()
    with Gradebook(f"sqlite:///{staging / 'gradebook.db'}", nc.COURSE_ID) as gb:
        assert [s.id for s in gb.students] == ["stubs"]
    shutil.copytree(course / "autograded" / "stubs", staging / "autograded" / "stubs")
    shutil.copy2(course / "gradebook.db", staging / "gradebook.db")
    run.merge(staging, course, "stubs")
    assert nc.part_scores(course, list(submissions)) == local
