"""Grading with nbgrader: ``generate_assignment``, ``autograde`` per student, ``export``.

``autograde`` runs ``nbgrader autograde`` for one student on this machine
(``backend="local"``: the course directory as it is, so student code in the kernel can read and
write all of it), or inside the grading container (``backend="docker"``): a staging copy of the
course holding the grader, the source, that student's submission and a gradebook with no other
student in it is mounted as the container's only writable folder; afterwards the student's
autograded folder is copied back and its grades and comments are written into the course's
gradebook, so ``part_scores``, ``export`` and ``generate_feedback`` work as after a local run.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import paths
from autograder.frontends.handout import NOTEBOOK
from autograder.frontends.process import run_group

from .course import _IGNORE, ASSIGNMENT, COURSE_ID, GRADER, SETUP_ID, build, grade_id, part_of

BACKENDS = ("local", "docker")
AUTOGRADE_TIMEOUT = 3600.0  # seconds for one student's `nbgrader autograde`
_STAGED = ("nbgrader_config.py", f"source/{ASSIGNMENT}", GRADER)  # what a container gets
COURSE_IN_CONTAINER = "/out"


def _gradebook_url(course: Path) -> str:
    return f"sqlite:///{course / 'gradebook.db'}"


def nbgrader(course: Path, *args: str, python: str = sys.executable,
             timeout: float = 3600):
    """Run ``python -m nbgrader ARGS`` in the course directory; raise if it fails. Past
    ``timeout`` the whole process group goes (a hung kernel too) and ``TimeoutExpired`` is
    raised."""
    # nbgrader runs the ``alembic`` script of its environment to create the gradebook, and the
    # kernel must be that environment's too (with torch), not a user-wide "python3" kernel.
    bindir = os.path.dirname(os.path.abspath(python))
    env = {**os.environ,
           "PATH": os.pathsep.join(filter(None, [bindir, os.environ.get("PATH")])),
           "JUPYTER_PATH": os.pathsep.join(filter(None, [
               os.path.join(os.path.dirname(bindir), "share", "jupyter"),
               os.environ.get("JUPYTER_PATH")]))}
    proc = run_group([python, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"],
                     cwd=course, timeout=timeout, env=env)
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


# --------------------------------------------------------------------- in a container ----

def stage(course: Path, student: str, staging: Path) -> Path:
    """A course directory for one student's container: the generated parts, that student's
    submission, and the gradebook with every other student removed."""
    from nbgrader.api import Gradebook

    for rel in _STAGED:
        src, dst = course / rel, staging / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=_IGNORE)
        else:
            shutil.copy2(src, dst)
    shutil.copytree(course / "submitted" / student, staging / "submitted" / student)
    shutil.copy2(course / "gradebook.db", staging / "gradebook.db")
    with Gradebook(_gradebook_url(staging), COURSE_ID) as gb:
        for other in [s.id for s in gb.students if s.id != student]:
            gb.remove_student(other)
    return staging


def merge(staging: Path, course: Path, student: str) -> None:
    """Copy the student's autograded folder back and write its grades, comments and flags into
    the course's gradebook (the staging gradebook is read for that student only)."""
    from nbgrader.api import Gradebook

    autograded = course / "autograded" / student
    if autograded.exists():
        shutil.rmtree(autograded)
    shutil.copytree(staging / "autograded" / student, autograded, symlinks=True)
    with Gradebook(_gradebook_url(staging), COURSE_ID) as src, \
            Gradebook(_gradebook_url(course), COURSE_ID) as dst:
        done = src.find_submission(ASSIGNMENT, student)
        dst.update_or_create_student(student)
        dst.update_or_create_submission(ASSIGNMENT, student, timestamp=done.timestamp)
        for nb in done.notebooks:
            for g in nb.grades:
                mine = dst.find_grade(g.name, nb.name, ASSIGNMENT, student)
                mine.auto_score, mine.manual_score = g.auto_score, g.manual_score
                mine.extra_credit, mine.needs_manual_grade = g.extra_credit, g.needs_manual_grade
            for c in nb.comments:
                dst.find_comment(c.name, nb.name, ASSIGNMENT, student).auto_comment = \
                    c.auto_comment
            dst.find_submission_notebook(nb.name, ASSIGNMENT, student).flagged = nb.flagged
        dst.db.commit()


def _autograde_in_container(course: Path, student: str, device: str, timeout: float) -> None:
    from autograder.frontends import container

    with tempfile.TemporaryDirectory(prefix=f"nbgrader-{student}-") as tmp:
        staging = stage(course, student, Path(tmp) / "course")
        root = COURSE_IN_CONTAINER
        argv = ["python", "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", student,
                "--force", f"--CourseDirectory.root={root}"]
        for folder in [staging, *(p for p in staging.rglob("*") if p.is_dir())]:
            folder.chmod(0o777)  # the container's unprivileged user writes the course
        for f in (p for p in staging.rglob("*") if p.is_file()):
            f.chmod(0o666)
        proc = container.run(argv, mounts=[container.Mount(staging, root, readonly=False)],
                             device=device, timeout=timeout, workdir=root)
        if proc.returncode != 0 or not (staging / "autograded" / student).is_dir():
            raise RuntimeError(f"nbgrader autograde failed in the container "
                               f"({proc.returncode}):\n{proc.stdout[-3000:]}\n"
                               f"{proc.stderr[-6000:]}")
        merge(staging, course, student)


def autograde(course: Path, student: str, python: str = sys.executable,
              timeout: float = AUTOGRADE_TIMEOUT, backend: str = "local",
              device: str = "cpu") -> float:
    """``nbgrader autograde`` for one student, here or in a container; its wall time."""
    if backend not in BACKENDS:
        raise ValueError(f"backend must be one of {BACKENDS}, not {backend!r}")
    start = time.monotonic()
    if backend == "local":
        nbgrader(course, "autograde", ASSIGNMENT, "--student", student, "--force",
                 python=python, timeout=timeout)
    else:
        _autograde_in_container(Path(course).resolve(), student, device, timeout)
    return time.monotonic() - start


# ------------------------------------------------------------------------------ scores ----

def part_scores(course: Path, students: list[str] | None = None
                ) -> dict[str, dict[str, float | None]]:
    """student -> part -> score, summed over the grade cells from nbgrader's gradebook (a part
    with a cell that still needs grading by hand is ``None``: an answer not graded yet, or every
    cell of a notebook whose autograding failed)."""
    from nbgrader.api import Gradebook

    out: dict[str, dict[str, float | None]] = {}
    with Gradebook(_gradebook_url(course), COURSE_ID) as gb:
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
    with Gradebook(_gradebook_url(course), COURSE_ID) as gb:
        nb = gb.find_submission_notebook(Path(NOTEBOOK).stem, ASSIGNMENT, student)
        return {by_cell[g.name]: g.score for g in nb.grades if g.name in by_cell}


@dataclass
class GradeRun:
    course: Path
    scores: dict[str, dict[str, float | None]]
    seconds: dict[str, float] = field(default_factory=dict)  # autograde wall time per student
    grades_csv: Path | None = None


def grade(dist: Path, submissions: dict[str, Path], *, python: str = sys.executable,
          rebuild: bool = True, backend: str = "local", device: str = "cpu") -> GradeRun:
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
        seconds[student] = autograde(course, student, python, backend=backend, device=device)
    nbgrader(course, "export", python=python)
    return GradeRun(course, part_scores(course, list(submissions)), seconds,
                    course / "grades.csv")


def grade_release(dist: Path, submissions: list[Path], output: Path, *, backend: str = "local",
                  device: str = "cpu") -> dict[str, dict[str, float | None]]:
    """The platform's ``grade``: ``grade`` in the course ``build`` left in ``dist`` (built if
    missing), each checkout a student named by its folder; name -> part -> score. nbgrader
    keeps its runs in the course, not in ``output``."""
    run = grade(dist, {Path(s).name: Path(s) for s in submissions}, rebuild=False,
                backend=backend, device=device)
    return run.scores
