"""The nbgrader front-end: a course directory generated from the handout and the check bank.

    python -m autograder.frontends.nbgrader_course build [--dist dist]
    python -m autograder.frontends.nbgrader_course grade [--dist dist] [EXAMPLE ...]

``build(dist)`` writes ``dist/nbgrader/``, an nbgrader course directory:

* ``nbgrader_config.py``: the settings below (per-cell timeout, the students' package is never
  overwritten from ``source/`` at autograde time, the answer cells' stub text).
* ``source/convolutions/``: what ``nbgrader generate_assignment`` releases: the handout
  notebook ``convolutions.ipynb`` with nbgrader metadata added, the stubs ``convolutions/``,
  ``data/``, ``tests/public/`` and the students' README and requirements.
* ``grader/``: what the hidden test cells import while ``nbgrader autograde`` runs: this
  ``autograder`` package, the check bank ``tests/hidden/``, the given ``training.py`` of the
  reference (its settings only) and ``data/``. It sits outside ``source/``, so it is never
  released.

The notebook is the handout (``assignments/convolutions.ipynb``, made by
``scripts/build_handout.py`` from ``handout/convolutions.py``) plus:

* each written question's answer cell (tag ``answer``, metadata ``question``) becomes a manually
  graded answer cell worth its points in ``solutions/written/answers.md``;
* a hidden set-up cell before the first code cell that imports the grader, so that the
  references it relies on are taken before any student code runs;
* at the end, one locked "autograder tests" cell per check of the bank, grouped by part under a
  markdown header, worth the check's points; its body, between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``, is removed from the released notebook and put back by
  ``nbgrader autograde``. Its grade id is ``<part>__<check id>`` (sanitised), so per-part scores
  are sums over grade cells.

In the kernel each hidden cell calls ``kernel_check(check_id)``: the check of the bank, run by
``inprocess.run_check`` on the student's package in the notebook's folder, within the check's
own time limit (``SIGALRM``), with warnings and output swallowed (nbgrader gives no credit to a
test cell that writes to stderr) and builtins a student replaced put back before and after, as
the sandbox's worker does. So a submission gets the scores of ``python -m autograder grade``,
with the protections of in-process grading only (see ``inprocess``): student code shares the
kernel with the checks and can read and write the course directory (gradebook, ``grader/``).
An ``os._exit`` anywhere kills the kernel: nbgrader then fails the whole notebook, and
``part_scores`` reports every part of that student as ``None``.

``grade(dist, submissions)`` runs ``generate_assignment``, ``autograde`` per student and
``export``, and returns per-part scores read from the gradebook.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.release.student import PUBLIC_GRADER_FILES, data_files

ASSIGNMENT = "convolutions"                      # nbgrader's assignment id
NOTEBOOK = "convolutions.ipynb"                  # the handout, in assignments/
COURSE_ID = "d2l-convolutions"
GRADER = "grader"                                # the bundle, next to source/ in the course
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MANUAL_PART = "written"
SETUP_ID = "grader__setup"                       # part "grader": no points, not a part
ANSWERS = paths.SOLUTIONS / "written" / "answers.md"
# What students get besides the notebook (their repository's files), relative to the repo root.
RELEASED = {
    paths.PACKAGE: paths.ASSIGNMENTS / paths.PACKAGE,
    **{f"data/{f.name}": f for f in data_files()},
    "tests/public": paths.REPO / "tests" / "public",
    # the grader files the public tests load (the rule guard, the tolerances)
    **{name: paths.REPO / name for name in PUBLIC_GRADER_FILES},
    "README.md": paths.ASSIGNMENTS / "README.md",
    "requirements.txt": paths.REPO / "requirements.txt",
    "environment.yml": paths.REPO / "environment.yml",
}
CELL_MARGIN = 30.0  # seconds a cell may run beyond the longest check's time limit
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


# ---------------------------------------------------------------------------------- ids ----

def grade_id(part: str, check_id: str) -> str:
    """nbgrader's grade id for a check: ``<part>__<check id>`` with ``[A-Za-z0-9_-]`` only."""
    return f"{part}__{re.sub(r'[^A-Za-z0-9_-]+', '-', check_id).strip('-')}"


def part_of(grade_id_: str) -> str:
    return grade_id_.split("__", 1)[0]


def written_points(path: Path = ANSWERS) -> dict[str, float]:
    """Question id -> points, from the table at the top of ``solutions/written/answers.md``."""
    points = {}
    for line in path.read_text().splitlines():
        m = re.fullmatch(r"\|\s*(\d+\.\d+-\d+)\s*\|.*\|\s*(\d+(?:\.\d+)?)\s*\|", line.strip())
        if m:
            points[m[1]] = float(m[2])
    return points


# ----------------------------------------------------------------------------- notebook ----

def _meta(grade_id_: str, *, grade: bool, solution: bool, locked: bool,
          points: float | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id_, "locked": locked,
                            "schema_version": 3, "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def _hidden(visible: str, *code: str) -> str:
    return "\n".join([visible, BEGIN_HIDDEN, *code, END_HIDDEN])


def _setup_source(grader_dir: Path) -> str:
    """The hidden set-up cell: find the grader bundle (``grader/`` of the course, whose
    autograded copy sits three levels below it; the build's absolute path as a fallback),
    import it first on ``sys.path`` and capture the references the judge relies on."""
    return _hidden(
        "# Set-up for the grader's hidden checks: empty in your copy, nothing to do here.",
        "import os as _nbg_os, sys as _nbg_sys",
        "_nbg_dirs = [_nbg_os.path.join(_nbg_os.getcwd(), *['..'] * n, "
        f"{GRADER!r}) for n in (3, 2)] + [{str(grader_dir)!r}]",
        "_nbg_dir = next(_nbg_os.path.abspath(d) for d in _nbg_dirs if _nbg_os.path.isfile("
        "_nbg_os.path.join(d, 'autograder', 'frontends', 'nbgrader_course.py')))",
        "_nbg_sys.path.insert(0, _nbg_dir)",
        "from autograder.frontends.nbgrader_course import kernel_setup as _nbg_setup",
        "_nbg_setup()",
        "del _nbg_os, _nbg_sys, _nbg_dirs, _nbg_dir, _nbg_setup",
    )


def _check_source(check: Any) -> str:
    name = " ".join(str(check.name).split())
    return _hidden(
        f"# Hidden check {check.id} ({check.points:g} points): {name}",
        "from autograder.frontends.nbgrader_course import kernel_check",
        f"kernel_check({check.id!r})",
    )


def make_notebook(handout: Any, grader_dir: Path) -> Any:
    """The nbgrader source notebook: ``handout`` (an nbformat notebook) plus nbgrader cells."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell

    from autograder.grade.bank import load_bank

    nb = copy.deepcopy(handout)
    bank = load_bank()
    manifest = bank.manifest
    points = written_points()
    questions = []
    for cell in nb.cells:
        if "answer" in cell.metadata.get("tags", []):
            qid = cell.metadata["question"]
            if qid not in points:
                raise ValueError(f"no points for written question {qid} in {ANSWERS}")
            questions.append(qid)
            cell.metadata["nbgrader"] = _meta(grade_id(MANUAL_PART, qid.replace(".", "_")),
                                              grade=True, solution=True, locked=False,
                                              points=points[qid])
    if sorted(questions) != sorted(points):
        raise ValueError(f"answer cells {sorted(questions)} != questions in {ANSWERS} "
                         f"{sorted(points)}")
    if sum(points.values()) != manifest.manual.get(MANUAL_PART):
        raise ValueError(f"the written questions' points ({sum(points.values())}) differ from "
                         f"the manifest's {MANUAL_PART} = {manifest.manual.get(MANUAL_PART)}")

    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    setup = new_code_cell(_setup_source(grader_dir))
    setup.metadata["nbgrader"] = _meta(SETUP_ID, grade=True, solution=False, locked=True,
                                       points=0)
    nb.cells.insert(first_code, setup)

    nb.cells.append(new_markdown_cell(
        "## Grader checks\n\n"
        "The cells below are the grader's checks, one per cell, grouped by part. Your copy "
        "shows only what each one checks: the grader fills in the code and runs it on your "
        "`convolutions/` package when it grades this notebook. Leave these cells where they "
        "are."))
    by_part = bank.by_part()
    for part in [*manifest.parts, *manifest.optional]:
        checks = by_part.get(part, [])
        if not checks:
            continue
        bonus = " bonus" if part in manifest.optional else ""
        nb.cells.append(new_markdown_cell(
            f"### Checks of part `{part}` ({manifest.points(part):g}{bonus} points, "
            f"{len(checks)} checks)"))
        for check in checks:
            cell = new_code_cell(_check_source(check))
            cell.metadata["nbgrader"] = _meta(grade_id(part, check.id), grade=True,
                                              solution=False, locked=True, points=check.points)
            nb.cells.append(cell)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    if len(ids) != len(set(ids)):
        raise ValueError("two cells got the same grade id")
    kept = {c.get("id") for c in handout.cells}
    for i, cell in enumerate(nb.cells):  # the handout's ids kept, stable ones for ours
        if cell.get("id") not in kept:
            cell["id"] = f"nbgrader-{i:03d}"
    nbformat.validate(nb)
    return nb


# -------------------------------------------------------------------------------- build ----

def _config(package_files: list[str], text_stub: str, cell_timeout: float) -> str:
    return f'''# Generated by autograder/frontends/nbgrader_course.py: rebuild rather than edit.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = {COURSE_ID!r}
# The students' package is what gets graded: never overwrite it with the stubs of source/.
c.Autograde.exclude_overwriting = {{{ASSIGNMENT!r}: {package_files!r}}}
# Each hidden check enforces its own time limit; this is the backstop for a whole cell
# (the longest check's limit plus a margin), and for the students' own cells.
c.Execute.timeout = {int(cell_timeout)}
# The released answer cells keep the handout's text.
c.ClearSolutions.text_stub = {text_stub!r}
'''


def build(dist: Path) -> Path:
    """Write the nbgrader course directory ``dist/nbgrader``; return its path.

    Only what is generated is replaced (``nbgrader_config.py``, ``source/convolutions/``,
    ``grader/``): a gradebook, submissions and grades already there are kept."""
    import nbformat

    from autograder.grade.bank import load_bank

    course = Path(dist).resolve() / "nbgrader"
    source = course / "source" / ASSIGNMENT
    grader = course / GRADER
    for generated in (source, grader):
        if generated.exists():
            shutil.rmtree(generated)
    source.mkdir(parents=True)

    # The grader bundle: autograder/ makes grader/ its REPO, so paths.py finds the rest there.
    paths.copy_grader(grader)

    for name, src in RELEASED.items():
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=_IGNORE)
        elif src.is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, source / name)
    handout = nbformat.read(paths.ASSIGNMENTS / NOTEBOOK, as_version=4)
    nbformat.write(make_notebook(handout, grader), source / NOTEBOOK)

    stubs = {c.source for c in handout.cells if "answer" in c.metadata.get("tags", [])}
    if len(stubs) != 1:
        raise ValueError("the answer cells of the handout do not share one placeholder text")
    package = sorted(p.relative_to(source).as_posix()
                     for p in (source / paths.PACKAGE).rglob("*") if p.is_file())
    longest = max(c.timeout for c in load_bank().checks)
    (course / "nbgrader_config.py").write_text(
        _config(package, stubs.pop(), longest + CELL_MARGIN))
    return course


# -------------------------------------------------------------------------------- grade ----

def nbgrader(course: Path, *args: str, python: str = sys.executable,
             timeout: float = 3600) -> subprocess.CompletedProcess:
    """Run ``python -m nbgrader ARGS`` in the course directory; raise if it fails."""
    # nbgrader runs the ``alembic`` script of its environment to create the gradebook, and the
    # kernel must be that environment's too (with torch), not a user-wide "python3" kernel.
    bindir = os.path.dirname(os.path.abspath(python))
    env = {**os.environ,
           "PATH": os.pathsep.join(filter(None, [bindir, os.environ.get("PATH")])),
           "JUPYTER_PATH": os.pathsep.join(filter(None, [
               os.path.join(os.path.dirname(bindir), "share", "jupyter"),
               os.environ.get("JUPYTER_PATH")]))}
    proc = subprocess.run([python, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                          cwd=course, capture_output=True, text=True, timeout=timeout, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}")
    return proc


def generate(course: Path, python: str = sys.executable) -> Path:
    """``nbgrader generate_assignment``: fills the gradebook, writes ``release/``."""
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", python=python)
    return course / "release" / ASSIGNMENT


def prepare_submission(course: Path, student: str, submission: Path) -> Path:
    """``submitted/<student>/convolutions/``: the released assignment with the submission's
    ``convolutions/`` package in place of the stubs (deleted files stay deleted), and its
    ``convolutions.ipynb`` if it has one (else the released, unanswered notebook)."""
    release = course / "release" / ASSIGNMENT
    if not release.is_dir():
        raise FileNotFoundError(f"{release} does not exist: run generate_assignment first")
    target = course / "submitted" / student / ASSIGNMENT
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(release, target, ignore=_IGNORE)
    shutil.rmtree(target / paths.PACKAGE)
    shutil.copytree(Path(submission) / paths.PACKAGE, target / paths.PACKAGE, ignore=_IGNORE)
    notebook = Path(submission) / NOTEBOOK
    if notebook.is_file():
        shutil.copy2(notebook, target / NOTEBOOK)
    return target


def autograde(course: Path, student: str, python: str = sys.executable,
              timeout: float = 3600) -> float:
    """``nbgrader autograde`` for one student; its wall time in seconds."""
    start = time.monotonic()
    nbgrader(course, "autograde", ASSIGNMENT, "--student", student, "--force",
             python=python, timeout=timeout)
    return time.monotonic() - start


def part_scores(course: Path, students: list[str] | None = None
                ) -> dict[str, dict[str, float | None]]:
    """student -> part -> score, summed over the grade cells from nbgrader's gradebook (a part
    with a cell that still needs grading by hand is ``None``: an answer not graded yet, or every
    cell of a notebook whose autograding failed)."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float | None]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        for student in students or [s.id for s in gb.students]:
            nb = gb.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT, student)
            sums: dict[str, float | None] = {}
            for grade in nb.grades:
                part = part_of(grade.name)
                if part == part_of(SETUP_ID):
                    continue
                score = grade.score
                pending = grade.needs_manual_grade and grade.manual_score is None
                if pending or score is None or part in sums and sums[part] is None:
                    sums[part] = None
                else:
                    sums[part] = (sums.get(part) or 0.0) + float(score)
            out[student] = {p: None if s is None else round(s, 2) for p, s in sums.items()}
    return out


def check_scores(course: Path, student: str) -> dict[str, float | None]:
    """Check id -> the score nbgrader gave its cell, for one student (the setup cell and the
    written answers left out)."""
    from nbgrader.api import Gradebook

    from autograder.grade.bank import load_bank

    by_cell = {grade_id(c.part, c.id): c.id for c in load_bank().checks}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", COURSE_ID) as gb:
        nb = gb.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT, student)
        return {by_cell[g.name]: g.score for g in nb.grades if g.name in by_cell}


@dataclass
class GradeRun:
    course: Path
    scores: dict[str, dict[str, float | None]]
    seconds: dict[str, float] = field(default_factory=dict)  # autograde wall time per student
    grades_csv: Path | None = None


def grade(dist: Path, submissions: dict[str, Path], *, python: str = sys.executable,
          rebuild: bool = True) -> GradeRun:
    """Build the course (unless ``rebuild`` is false and it exists), generate the assignment,
    autograde each submission (student id -> directory holding ``convolutions/``), export
    ``grades.csv`` and return per-part scores from the gradebook."""
    course = Path(dist).resolve() / "nbgrader"
    if rebuild or not (course / "nbgrader_config.py").is_file():
        build(dist)
    generate(course, python)
    seconds = {}
    for student, directory in submissions.items():
        prepare_submission(course, student, directory)
        seconds[student] = autograde(course, student, python)
    nbgrader(course, "export", python=python)
    return GradeRun(course, part_scores(course, list(submissions)), seconds,
                    course / "grades.csv")


# ------------------------------------------------------------------- in the grading kernel ----

_CODE_DIR: str | None = None


class _Sink(io.TextIOBase):
    """Swallows what student code prints during a check (nbgrader fails a test cell that
    writes to stderr; our grader never shows it either)."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        return len(text)


def kernel_setup() -> None:
    """The hidden set-up cell, before any student code: import everything the judge uses (the
    worker and the probes take their builtins and autograd entry points at import), load the
    bank, note the builtins, run torch on one thread as the sandbox does, and remember the
    notebook's folder (the one holding the student's package)."""
    global _CODE_DIR
    import torch

    import autograder.sandbox.worker  # noqa: F401
    from autograder.frontends import inprocess  # notes the builtins on import

    torch.set_num_threads(1)
    inprocess.bank()
    _CODE_DIR = os.getcwd()


def kernel_check(check_id: str) -> None:
    """One hidden cell: run check ``check_id``; raise ``AssertionError`` (the student-facing
    reason) if it fails, so nbgrader gives the cell no points. What the check prints is
    swallowed: nbgrader gives no credit to a cell that writes to stderr."""
    from autograder.frontends import inprocess

    sink = _Sink()
    with warnings.catch_warnings(), contextlib.redirect_stdout(sink), \
            contextlib.redirect_stderr(sink):
        warnings.simplefilter("ignore")
        inprocess.run_check(check_id, _CODE_DIR)


# ---------------------------------------------------------------------------------- CLI ----

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.frontends.nbgrader_course")
    verbs = parser.add_subparsers(dest="verb", required=True)
    b = verbs.add_parser("build", help="write DIST/nbgrader, the nbgrader course directory")
    b.add_argument("--dist", type=Path, default=paths.REPO / "dist")
    g = verbs.add_parser("grade", help="build, then autograde example submissions with nbgrader")
    g.add_argument("--dist", type=Path, default=paths.REPO / "dist")
    g.add_argument("examples", nargs="*", help="names in examples/submissions (default: all)")
    args = parser.parse_args(argv)
    if args.verb == "build":
        print(build(args.dist))
        return 0
    root = paths.REPO / "examples" / "submissions"
    names = args.examples or sorted(p.name for p in root.iterdir() if p.is_dir())
    run = grade(args.dist, {n: root / n for n in names})
    print(json.dumps({"scores": run.scores, "seconds": {k: round(v, 1)
                                                          for k, v in run.seconds.items()}},
                     indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
