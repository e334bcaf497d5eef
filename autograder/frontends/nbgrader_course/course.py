"""The nbgrader course directory, generated from the parsed handout and the check bank.

``build(dist)`` writes ``dist/nbgrader/``:

* ``nbgrader_config.py``: the settings below (per-cell timeout, the students' package is never
  overwritten from ``source/`` at autograde time, the answer cells' stub text).
* ``source/convolutions/``: what ``nbgrader generate_assignment`` releases: the handout
  notebook with nbgrader metadata added, the stubs ``convolutions/``, ``data/``,
  ``tests/public/`` (with the grader files they load), the students' README, requirements and
  pytest configuration.
* ``grader/``: what the hidden test cells import while ``nbgrader autograde`` runs: the kernel
  side of the grader bundle (``autograder.bundle``). It sits outside ``source/``, so it is never
  released.

The notebook is the handout plus:

* each written question's answer cell becomes a manually graded answer cell worth its points;
* a hidden set-up cell before the first code cell that imports the grader
  (``kernel.nbgrader_setup``), so that the references it relies on are taken before any
  student code runs;
* at the end, one locked "autograder tests" cell per check of the bank, grouped by part under a
  markdown header, worth the check's points; its body, between ``### BEGIN HIDDEN TESTS`` and
  ``### END HIDDEN TESTS``, is removed from the released notebook and put back by
  ``nbgrader autograde``. Its grade id is ``<part>__<check id>`` (sanitised), so per-part scores
  are sums over grade cells.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from autograder import paths
from autograder.bundle import copy_kernel_grader
from autograder.frontends.handout import NOTEBOOK, Handout, load_handout
from autograder.frontends.material import PUBLIC_GRADER_FILES, data_files, pytest_config

ASSIGNMENT = "convolutions"                      # nbgrader's assignment id
COURSE_ID = "d2l-convolutions"
GRADER = "grader"                                # the bundle, next to source/ in the course
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MANUAL_PART = "written"
SETUP_ID = "grader__setup"                       # part "grader": no points, not a part
KERNEL_MODULE = "autograder/frontends/kernel.py"  # how the set-up cell recognises grader/
# What students get besides the notebook (their repository's files), relative to the repo root.
RELEASED = {
    paths.PACKAGE: paths.ASSIGNMENTS / paths.PACKAGE,
    **{f"data/{f.name}": f for f in data_files()},
    "tests/public": paths.PUBLIC_TESTS,
    # the grader files the public tests load (the rule guard, the tolerances)
    **{name: paths.REPO / name for name in PUBLIC_GRADER_FILES},
    "README.md": paths.ASSIGNMENTS / "README.md",
    "requirements.txt": paths.STUDENT_REQUIREMENTS,
    "environment.yml": paths.ENVIRONMENT,
}
CELL_MARGIN = 30.0  # seconds a cell may run beyond the longest check's wall-clock backstop
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")


# ---------------------------------------------------------------------------------- ids ----

def grade_id(part: str, check_id: str) -> str:
    """nbgrader's grade id for a check: ``<part>__<check id>`` with ``[A-Za-z0-9_-]`` only."""
    return f"{part}__{re.sub(r'[^A-Za-z0-9_-]+', '-', check_id).strip('-')}"


def part_of(grade_id_: str) -> str:
    return grade_id_.split("__", 1)[0]


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
        f"_nbg_os.path.join(d, *{KERNEL_MODULE.split('/')!r})))",
        "_nbg_sys.path.insert(0, _nbg_dir)",
        "from autograder.frontends.kernel import nbgrader_setup as _nbg_setup",
        "_nbg_setup()",
        "del _nbg_os, _nbg_sys, _nbg_dirs, _nbg_dir, _nbg_setup",
    )


def _check_source(check: Any) -> str:
    name = " ".join(str(check.name).split())
    return _hidden(
        f"# Hidden check {check.id} ({check.points:g} points): {name}",
        "from autograder.frontends.kernel import nbgrader_check",
        f"nbgrader_check({check.id!r})",
    )


def make_notebook(grader_dir: Path, handout: Handout | None = None) -> Any:
    """The nbgrader source notebook: the handout plus nbgrader's cells."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell

    from autograder.grade.bank import load_bank

    handout = handout or load_handout()
    bank = load_bank()
    scheme = bank.scheme
    handout.check([*scheme.parts, *scheme.optional], scheme.manual.get(MANUAL_PART, 0.0))
    nb = handout.copy()
    for q in handout.questions:
        nb.cells[q.answer].metadata["nbgrader"] = _meta(
            grade_id(MANUAL_PART, q.id.replace(".", "_")), grade=True, solution=True,
            locked=False, points=q.points)

    first_code = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code")
    setup = new_code_cell(_setup_source(grader_dir))
    setup.metadata["nbgrader"] = _meta(SETUP_ID, grade=True, solution=False, locked=True,
                                       points=0)
    nb.cells.insert(first_code, setup)

    nb.cells.append(new_markdown_cell(
        "## Grader checks\n\n"
        "The cells below are the grader's checks, one per cell, grouped by part. Your copy "
        "shows only what each one checks: the grader fills in the code and runs it on your "
        f"`{paths.PACKAGE}/` package when it grades this notebook. Leave these cells where "
        "they are."))
    by_part = bank.by_part()
    for part in [*scheme.parts, *scheme.optional]:
        checks = by_part.get(part, [])
        if not checks:
            continue
        bonus = " bonus" if part in scheme.optional else ""
        nb.cells.append(new_markdown_cell(
            f"### Checks of part `{part}` ({scheme.points(part):g}{bonus} points, "
            f"{len(checks)} checks)"))
        for check in checks:
            cell = new_code_cell(_check_source(check))
            cell.metadata["nbgrader"] = _meta(grade_id(part, check.id), grade=True,
                                              solution=False, locked=True, points=check.points)
            nb.cells.append(cell)
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    if len(ids) != len(set(ids)):
        raise ValueError("two cells got the same grade id")
    kept = {c.get("id") for c in handout.notebook.cells}
    for i, cell in enumerate(nb.cells):  # the handout's ids kept, stable ones for ours
        if cell.get("id") not in kept:
            cell["id"] = f"nbgrader-{i:03d}"
    nbformat.validate(nb)
    return nb


# -------------------------------------------------------------------------------- build ----

def config_text(package_files: list[str], text_stub: str, cell_timeout: float) -> str:
    """``nbgrader_config.py`` (Python: every value written by ``repr``)."""
    return f'''# Generated by autograder/frontends/nbgrader_course: rebuild rather than edit.
c = get_config()  # noqa: F821

c.CourseDirectory.course_id = {COURSE_ID!r}
# The students' package is what gets graded: never overwrite it with the stubs of source/.
c.Autograde.exclude_overwriting = {{{ASSIGNMENT!r}: {package_files!r}}}
# Each hidden check enforces its own time limit; this is the backstop for a whole cell
# (the longest check's wall-clock backstop plus a margin), and for the students' own cells.
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
    copy_kernel_grader(grader)  # grader/ serves as the bundle's REPO: paths.py resolves there

    for name, src in RELEASED.items():
        if src.is_dir():
            shutil.copytree(src, source / name, ignore=_IGNORE)
        elif src.is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, source / name)
    (source / "pyproject.toml").write_text(pytest_config())
    handout = load_handout()
    nbformat.write(make_notebook(grader, handout), source / NOTEBOOK)

    package = sorted(p.relative_to(source).as_posix()
                     for p in (source / paths.PACKAGE).rglob("*") if p.is_file())
    bank = load_bank()
    longest = max(c.timeout for c in bank.checks)  # seconds of CPU time
    backstop = bank.scheme.settings.backstop(longest)  # what the check allows in wall time
    (course / "nbgrader_config.py").write_text(
        config_text(package, handout.answer_stub, backstop + CELL_MARGIN))
    return course
