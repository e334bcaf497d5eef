"""Otter's master notebook, made from the parsed handout and the check bank.

The handout with otter's raw cells inserted: the assignment config, one autograded question per
part (named by the part id) whose test cases are the bank's checks of that part (one
exception-based test case per check, with the check's points; hidden checks are hidden test
cases), and the written questions as manual questions whose solutions are the model answers
and rubrics of ``solutions/written/answers.md``. Every YAML block is written by pyyaml.

The config's ``requirements`` are the grading environment that the autograder zip's
``environment.yml`` installs (``otter grade``'s image, otter on Gradescope): the pinned CPU
build of torch, the students' other requirements and otter itself (``zip_requirements``). With
``ReleaseOptions.otter_pdf`` the export cell adds a PDF of the written answers to the
submission and the autograder keeps it for manual grading (``pdf_config``).

Each test case finds the grader support (``SUPPORT``) in the unpacked autograder zip, never the
submission's copy, and calls ``autograder.frontends.kernel.otter_check``: the only front-end
code that runs in the student's kernel.
"""

from __future__ import annotations

import importlib.metadata
import re
import shutil
from pathlib import Path
from typing import Any

from autograder import paths, pins
from autograder.bundle import copy_kernel_grader
from autograder.frontends.github import TORCH_INDEX
from autograder.frontends.handout import NOTEBOOK, Handout, Question, load_handout
from autograder.frontends.material import copy_public_tests, pytest_config
from autograder.frontends.platform import ReleaseOptions

SUPPORT = "d2l_grader"              # the grader support folder inside the autograder zip
ASSIGNMENT_NAME = "d2l-convolutions"
OTTER = "otter-grader"              # otter's distribution: the grading environment runs it
# Of the students' requirements, what otter's grading environment leaves out: torch (its CPU
# build is named apart, ``torch_requirements``) and the runner of the public tests.
REQUIREMENTS_EXCLUDED = {"torch", "pytest"}
EXPORT_INSTRUCTIONS = "The zip holds this notebook and your convolutions/ package; submit it."
PDF_INSTRUCTIONS = ("The zip holds this notebook, your convolutions/ package and a PDF of your "
                    "written answers, which are graded by hand; submit it.")
# shown by the export cell when this machine cannot make the PDF: the student may go on
PDF_MISSING = ("Your notebook could not be turned into a PDF here (otter makes it with LaTeX "
               "and pandoc). Submit the zip anyway: the grader makes the PDF of your written "
               "answers from your notebook.")
# otter's autograder config for the manually graded (written) questions: keep the student's
# PDF (or make one), only the questions' cells, one question per page, and tell the student
# when no PDF could be had
PDF_GENERATE = {"pdf": True, "use_submission_pdf": True, "filtering": True, "pagebreaks": True,
                "warn_missing_pdf": True}

# Body of every generated test case: find the grader support in the unpacked autograder zip
# (never the submission's copy), make sure `autograder` is imported from there, run one check.
TEST_CASE = '''\
def test_{fn}():
    import os, sys
    roots = ("/autograder/source/files/{support}",
             os.path.abspath(os.path.join("..", "source", "files", "{support}")))
    root = next((r for r in roots if os.path.isfile(os.path.join(r, "autograder", "paths.py"))),
                None)
    assert root, ("this check runs when your submission is graded; locally, run the public "
                  "tests (pytest tests/public -m {part})")
    if sys.path[:1] != [root]:
        sys.path[:] = [root] + [p for p in sys.path if p != root]
    loaded = sys.modules.get("autograder")
    if loaded is not None and not str(getattr(loaded, "__file__", "")).startswith(root + os.sep):
        for name in [m for m in sys.modules if m.split(".")[0] == "autograder"]:
            del sys.modules[name]
    from autograder.frontends.kernel import otter_check
    otter_check({check_id!r}, root)
'''


def _yaml(data: dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False, width=100, allow_unicode=True)


def _raw(source: str) -> Any:
    import nbformat

    return nbformat.v4.new_raw_cell(source.strip("\n"))


def _name(requirement: str) -> str:
    """The distribution a requirement line names, lower case ('' for none)."""
    line = requirement.split("#")[0].strip()
    return re.split(r"[=<>!~\[; ]", line)[0].lower() if line else ""


def torch_requirements() -> list[str]:
    """torch's pin (``pins.TORCH``) as its CPU build, from PyTorch's CPU index: named explicitly
    on Linux (where a plain install takes the CUDA build), plain elsewhere (CPU builds)."""
    return [f"--extra-index-url {TORCH_INDEX}",
            f'torch=={pins.TORCH}+cpu; sys_platform == "linux"',
            f'torch=={pins.TORCH}; sys_platform != "linux"']


def zip_requirements() -> list[str]:
    """What otter installs where it grades (the zip's ``environment.yml``, pip section), in
    place of otter's defaults: torch's CPU build, the students' ``requirements.txt`` less
    ``REQUIREMENTS_EXCLUDED``, and the otter that builds the zip (otter's own default line, less
    its extras: ``plugins`` is not used; of ``grading``, ipykernel comes pinned from
    requirements.txt, jupyter_client with nbconvert, and pypdf only pads a failed PDF upload,
    which this config does not ask for)."""
    students = [line.split("#")[0].strip()
                for line in paths.STUDENT_REQUIREMENTS.read_text().splitlines()]
    kept = [line for line in students if _name(line) and _name(line) not in REQUIREMENTS_EXCLUDED]
    return [*torch_requirements(), *kept,
            f"{OTTER}=={importlib.metadata.version(OTTER)}"]


def pdf_config(options: ReleaseOptions) -> tuple[dict[str, Any], dict[str, Any]]:
    """(export cell, autograder config) entries that ``options.otter_pdf`` adds or changes."""
    if not options.otter_pdf:
        return {"pdf": False}, {"pdf": False}
    export = {"pdf": True, "filtering": True, "require_no_pdf_ack": {"message": PDF_MISSING}}
    return export, dict(PDF_GENERATE)


def assignment_config(options: ReleaseOptions = ReleaseOptions()) -> str:
    """The master's ``# ASSIGNMENT CONFIG`` raw cell."""
    export_pdf, generate_pdf = pdf_config(options)
    instructions = PDF_INSTRUCTIONS if options.otter_pdf else EXPORT_INSTRUCTIONS
    config = {
        "name": ASSIGNMENT_NAME,
        "requirements": zip_requirements(),
        "overwrite_requirements": True,
        "python_version": pins.PYTHON,
        "init_cell": True,
        "check_all_cell": False,
        "export_cell": {**export_pdf, "run_tests": False, "files": [paths.PACKAGE],
                        "instructions": instructions},
        "files": ["data"],
        "autograder_files": [SUPPORT],
        "run_tests": True,
        "tests": {"files": False, "ok_format": False},
        # part results (safe messages only) are shown once grades are published
        "generate": {**generate_pdf, "show_hidden": True},
    }
    return ("# ASSIGNMENT CONFIG\n"
            f"# Generated by `python -m autograder.frontends.otter build` from assignments/"
            f"{NOTEBOOK},\n# the check bank (tests/hidden/) and solutions/written/answers.md. "
            "Do not edit: rebuild.\n" + _yaml(config))


def _fn_name(check_id: str) -> str:
    return re.sub(r"\W+", "_", check_id).strip("_")


def test_case(part: str, check: Any) -> str:
    """One otter test case (its YAML config, then the test function) for a check of the bank."""
    config = _yaml({"points": check.points, "hidden": check.visibility != "visible"})
    body = TEST_CASE.format(fn=_fn_name(check.id), support=SUPPORT, part=part,
                            check_id=check.id)
    return f'""" # BEGIN TEST CONFIG\n{config}""" # END TEST CONFIG\n{body}'


def question_cells(part: str, checks: list[Any]) -> list[Any]:
    """An autograded otter question for ``part``: one test case per check of the bank."""
    import nbformat

    total = round(sum(c.points for c in checks), 2)
    hidden = sum(c.visibility != "visible" for c in checks)
    cells = [
        _raw("# BEGIN QUESTION\n" + _yaml({"name": part})),
        nbformat.v4.new_markdown_cell(
            f"**Autograder: part `{part}`** ({total:g} points). When your submission is graded, "
            f"{len(checks)} checks of the grader run on your `{paths.PACKAGE}/` package "
            f"({hidden} of them hidden, on inputs you have not seen). Locally, run the public "
            f"tests: `pytest tests/public -m {part}`."),
        _raw("# BEGIN TESTS"),
    ]
    cells += [nbformat.v4.new_code_cell(test_case(part, check)) for check in checks]
    return cells + [_raw("# END TESTS"), _raw("# END QUESTION")]


def written_cells(prompt: Any, answer: Any, question: Question) -> list[Any]:
    """A manual otter question: the prompt, the student's answer cell, the model answer."""
    import nbformat

    points = int(question.points) if question.points.is_integer() else question.points
    head = {"name": f"written-{question.id}", "manual": True, "points": points}
    return [
        _raw("# BEGIN QUESTION\n" + _yaml(head)),
        prompt,
        _raw("# BEGIN PROMPT"), answer, _raw("# END PROMPT"),
        _raw("# BEGIN SOLUTION"), nbformat.v4.new_markdown_cell(question.model_answer),
        _raw("# END SOLUTION"),
        _raw("# END QUESTION"),
    ]


def master_notebook(handout: Handout | None = None,
                    options: ReleaseOptions = ReleaseOptions()) -> Any:
    """The handout with otter's cells: config, one question per part, the written questions."""
    import nbformat

    from autograder.grade.bank import load_bank

    handout = handout or load_handout()
    bank = load_bank()
    by_part = bank.by_part()
    handout.check([*bank.scheme.parts, *bank.scheme.optional],
                  sum(bank.scheme.manual.values()))
    source = handout.copy()
    cells, i = [_raw(assignment_config(options))], 0
    while i <= len(source.cells):
        ending = handout.part_ending_at(i)
        if ending is not None:  # a part's section closes with its autograded question
            cells += question_cells(ending.id, by_part[ending.id])
        if i == len(source.cells):
            break
        question = handout.question_at(i)
        if question is not None:
            cells += written_cells(source.cells[i], source.cells[question.answer], question)
            i = question.answer + 1
            continue
        cells.append(source.cells[i])
        i += 1
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source.metadata)
    nb.metadata.setdefault("kernelspec", {})["language"] = "python"
    for n, cell in enumerate(nb.cells):  # fixed ids: the same sources give the same notebook
        cell.id = f"otter-{n:03d}"
    return nb


def write_master(master: Path, options: ReleaseOptions = ReleaseOptions()) -> Path:
    """``master/``: the notebook, ``data/`` and the grader support ``SUPPORT`` (the kernel side
    of the grader bundle, in the repository's layout)."""
    import nbformat

    shutil.rmtree(master, ignore_errors=True)
    master.mkdir(parents=True)
    for npz in sorted(paths.DATA.glob("*.npz")):
        (master / "data").mkdir(exist_ok=True)
        shutil.copy2(npz, master / "data" / npz.name)
    copy_kernel_grader(master / SUPPORT)
    path = master / NOTEBOOK
    nbformat.write(master_notebook(options=options), path)
    return path


def write_student_extras(student: Path) -> None:
    """What students need next to otter's notebook: the stubs, the public tests (with the
    grader files they load) and the students' pytest configuration."""
    shutil.copytree(paths.ASSIGNMENTS / paths.PACKAGE, student / paths.PACKAGE,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    copy_public_tests(student)
    (student / "pyproject.toml").write_text(pytest_config())
