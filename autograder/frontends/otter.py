"""The otter-grader front-end, generated from the handout, the reference and the check bank.

    python -m autograder.frontends.otter build [--dist dist]
    python -m autograder.frontends.otter package SUBMISSION... --out DIR [--notebook NB]
    python -m autograder.frontends.otter grade SUBMISSION... --output OUT [--jobs N]

``build`` writes ``dist/otter/``:

- ``master/``: the otter-assign master notebook, made from ``assignments/convolutions.ipynb``
  with otter's raw cells inserted: the assignment config, one autograded question per part
  (named by the part id) whose test cases are the bank's checks of that part (one exception-based
  test case per check, with the check's points; hidden checks are hidden test cases), and the six
  written questions as manual questions whose solutions are the model answers and rubrics of
  ``solutions/written/answers.md``. Next to it: ``data/`` and ``d2l_grader/``, the grader
  support the tests need (``autograder/``, ``tests/hidden/``, the given ``training.py``, ``data/``
  in the repository's layout, so ``autograder.paths`` finds everything without configuration).
- ``autograder/`` and ``student/``: what ``otter assign`` makes from the master, including the
  autograder zip (``autograder/convolutions-autograder_<timestamp>.zip``; its requirements are
  the students' minus torch, which must already be installed where otter grades). ``student/``
  also gets the stubs ``convolutions/``, ``tests/public/`` and the pytest markers.

``otter assign`` grades the master itself and fails unless it scores 100 %: the kernel finds the
reference package through ``PYTHONPATH`` (it never enters the zip).

A submission is the student's notebook plus their ``convolutions/`` package, zipped as the
notebook's export cell does (``package`` makes such a zip from a checkout); ``otter run -a
<zip> <submission.zip>`` grades it (``grade`` does both, a few submissions at a time, and prints
the part scores). Otter executes the whole notebook, then runs each part's tests in the same
kernel: each test case imports the grader from ``<autograder dir>/source/files/d2l_grader`` (not
from the submission's copy) and calls ``kernel_check`` below, which runs one check with
``autograder.frontends.inprocess``. Scores per part are the same as ``python -m autograder
grade`` gives (same checks, same points; tests/repo/test_frontend_otter.py compares them).

What holds under otter: replies still go through the wire format with exact types, so objects
whose ``==`` always holds and tensor subclasses get no credit; the rule guards (no convolution,
no autograd in backward) still run; ``sys.exit()`` in a function costs only its checks; a
package that replaced torch's comparison functions gets no credit at all (``patched_torch``).

What otter does *not* protect (there is no sandbox: the notebook and the checks run in one kernel
as the grading user, and the notebook imports the student's package before any check runs, so no
grader code can be imported first; otter has no hook for that in ``otter run``):

- the student's code can patch otter itself or the grader once it is imported (stubs that make
  otter's test cases no-ops get full marks), and read the hidden checks (``../source/``);
- ``os._exit()`` or a crash kills the kernel: otter writes no results for the submission;
- a hang hangs otter, which has no timeout (the notebook calls the student's functions before
  any check; ``kernel_check``'s SIGALRM limit only stops Python loops reached by a check), so run
  ``otter run`` under a timeout (``grade`` kills the whole run after ``OTTER_TIMEOUT``);
- memory and output are not limited, the network is open, nothing stops writes.

Use otter for practice or low stakes; grade for credit with ``python -m autograder grade``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from autograder import paths

SUPPORT = "d2l_grader"              # the grader support folder inside the autograder zip
NOTEBOOK = "convolutions.ipynb"     # the handout's name, kept by otter for the student notebook
ASSIGNMENT_NAME = "d2l-convolutions"
HANDOUT = paths.ASSIGNMENTS / NOTEBOOK
ANSWERS = paths.SOLUTIONS / "written" / "answers.md"
# Student requirements otter installs in its grading environment. torch is left out on purpose:
# it is installed where the grading runs (a CPU or CUDA build, chosen by the instructor).
REQUIREMENTS_EXCLUDED = {"torch", "pytest", "ipykernel"}
OTTER_TIMEOUT = 600  # seconds per `otter run` in `grade` (otter itself has no timeout)


# ------------------------------------------------------------------------------ the kernel side

def submission_dir(root: str) -> str:
    """The submission folder otter grades, from the support folder's location.

    Otter unpacks the autograder zip in ``<dir>/source`` and the submission in
    ``<dir>/submission`` (``/autograder`` on Gradescope, a temporary folder with ``otter run``).
    """
    source_files = Path(root).resolve().parent
    if source_files.name == "files" and source_files.parent.name == "source":
        return str(source_files.parent.parent / "submission")
    return os.getcwd()


def patched_torch() -> list[str]:
    """Names of the judge's torch functions that student code replaced (see ``inprocess``)."""
    from autograder.frontends.inprocess import tampered

    return tampered()


def kernel_check(check_id: str, root: str) -> None:
    """Run check ``check_id`` of the bank on the submission, in this (the student's) kernel.

    Called by the generated otter test cases; raises ``AssertionError`` with the check's name
    and its student-facing message when the check fails (see ``inprocess.run_check``).
    """
    from autograder.frontends.inprocess import run_check

    run_check(check_id, submission_dir(root))


# Body of every generated test case: find the grader support in the unpacked autograder zip
# (never the submission's copy), make sure `autograder` is imported from there, run one check.
_TEST_CASE = '''\
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
    from autograder.frontends.otter import kernel_check
    kernel_check({check_id!r}, root)
'''


# ------------------------------------------------------------------------- the master notebook

def _raw(source: str) -> Any:
    import nbformat

    return nbformat.v4.new_raw_cell(source.strip("\n"))


def _yaml_scalar(value: Any) -> str:
    return json.dumps(value)  # JSON scalars and lists are valid YAML


def _requirements() -> list[str]:
    out = []
    for line in (paths.REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        name = re.split(r"[=<>!~\[ ]", line)[0].lower() if line else ""
        if name and name not in REQUIREMENTS_EXCLUDED:
            out.append(line)
    return out


def assignment_config() -> str:
    files = json.dumps([paths.PACKAGE])
    return f"""\
# ASSIGNMENT CONFIG
# Generated by `python -m autograder.frontends.otter build` from assignments/{NOTEBOOK},
# the check bank (tests/hidden/) and solutions/written/answers.md. Do not edit: rebuild.
name: {ASSIGNMENT_NAME}
requirements: {json.dumps(_requirements())}
python_version: "3.11"
init_cell: true
check_all_cell: false
export_cell:
  pdf: false
  run_tests: false
  files: {files}
  instructions: "The zip holds this notebook and your convolutions/ package; submit it."
files: ["data"]
autograder_files: ["{SUPPORT}"]
run_tests: true
tests:
  files: false
  ok_format: false
generate:
  pdf: false
  show_hidden: true  # part results (safe messages only) shown once grades are published
"""


def model_answers(text: str | None = None) -> dict[str, str]:
    """question id -> the model answer and rubric of ``solutions/written/answers.md``."""
    text = ANSWERS.read_text() if text is None else text
    out = {}
    for section in re.split(r"^---\s*$", text, flags=re.M):
        head = re.search(r"^## ([0-9.]+-[0-9]+):", section, flags=re.M)
        start = section.find("**Model answer")
        if head and start >= 0:
            out[head.group(1)] = section[start:].strip()
    return out


def _part_of(cell: Any) -> str | None:
    if cell.cell_type != "markdown":
        return None
    match = re.match(r"## (?:Optional )?[Pp]art `([a-z0-9_]+)`", cell.source)
    return match.group(1) if match else None


def _is_section(cell: Any) -> bool:
    return cell.cell_type == "markdown" and cell.source.startswith("## ")


def _fn_name(check_id: str) -> str:
    return re.sub(r"\W+", "_", check_id).strip("_")


def question_cells(part: str, checks: list[Any]) -> list[Any]:
    """An autograded otter question for ``part``: one test case per check of the bank."""
    import nbformat

    total = round(sum(c.points for c in checks), 2)
    hidden = sum(c.visibility != "visible" for c in checks)
    cells = [
        _raw(f"# BEGIN QUESTION\nname: {part}"),
        nbformat.v4.new_markdown_cell(
            f"**Autograder: part `{part}`** ({total:g} points). When your submission is graded, "
            f"{len(checks)} checks of the grader run on your `convolutions/` package "
            f"({hidden} of them hidden, on inputs you have not seen). Locally, run the public "
            f"tests: `pytest tests/public -m {part}`."),
        _raw("# BEGIN TESTS"),
    ]
    for check in checks:
        config = (f'""" # BEGIN TEST CONFIG\npoints: {_yaml_scalar(check.points)}\n'
                  f'hidden: {"false" if check.visibility == "visible" else "true"}\n'
                  '""" # END TEST CONFIG\n')
        body = _TEST_CASE.format(fn=_fn_name(check.id), support=SUPPORT, part=part,
                                 check_id=check.id)
        cells.append(nbformat.v4.new_code_cell(config + body))
    cells += [_raw("# END TESTS"), _raw("# END QUESTION")]
    return cells


def written_cells(prompt: Any, answer: Any, answers: dict[str, str]) -> list[Any]:
    """A manual otter question: the prompt, the student's answer cell, the model answer."""
    import nbformat

    qid = answer.metadata["question"]
    points = re.search(r"\((\d+(?:\.\d+)?) points?\)", prompt.source)
    if points is None or qid not in answers:
        raise ValueError(f"written question {qid}: no points in its heading or no model answer "
                         f"in {ANSWERS.name}")
    return [
        _raw(f"# BEGIN QUESTION\nname: written-{qid}\nmanual: true\npoints: {points.group(1)}"),
        prompt,
        _raw("# BEGIN PROMPT"), answer, _raw("# END PROMPT"),
        _raw("# BEGIN SOLUTION"), nbformat.v4.new_markdown_cell(answers[qid]),
        _raw("# END SOLUTION"),
        _raw("# END QUESTION"),
    ]


def master_notebook() -> Any:
    """The handout with otter's cells: config, one question per part, the written questions."""
    import nbformat

    from autograder.grade.bank import load_bank

    bank = load_bank()
    by_part = bank.by_part()
    expected = [*bank.manifest.parts, *bank.manifest.optional]
    handout = nbformat.read(HANDOUT, as_version=4)
    answers = model_answers()
    cells, seen, current = [_raw(assignment_config())], [], None
    written_points = 0.0
    source = handout.cells
    i = 0
    while i < len(source):
        cell = source[i]
        if _is_section(cell) and current is not None:
            cells += question_cells(current, by_part[current])
            current = None
        part = _part_of(cell)
        if part is not None:
            if part not in expected or part in seen:
                raise ValueError(f"handout section for unknown or repeated part {part!r}")
            seen.append(part)
            current = part
        nxt = source[i + 1] if i + 1 < len(source) else None
        if (nxt is not None and "answer" in nxt.metadata.get("tags", [])
                and "question" in nxt.metadata):
            block = written_cells(cell, nxt, answers)
            written_points += float(block[0].source.rsplit(" ", 1)[1])
            cells += block
            i += 2
            continue
        cells.append(cell)
        i += 1
    if current is not None:
        cells += question_cells(current, by_part[current])
    if sorted(seen) != sorted(expected):
        raise ValueError(f"the handout has sections for {seen}, the manifest lists {expected}")
    manual = sum(bank.manifest.manual.values())
    if abs(written_points - manual) > 1e-9:
        raise ValueError(f"written questions are worth {written_points:g} in the handout and "
                         f"{manual:g} in the manifest")
    nb = nbformat.v4.new_notebook(cells=cells, metadata=handout.metadata)
    nb.metadata.setdefault("kernelspec", {})["language"] = "python"
    for i, cell in enumerate(nb.cells):  # fixed ids: the same sources give the same notebook
        cell.id = f"otter-{i:03d}"
    return nb


def _copy(src: Path, dst: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".*")
    if src.is_dir():
        shutil.copytree(src, dst, ignore=ignore)
    else:
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)


def write_support(dst: Path) -> None:
    """What the checks need, in the repository's layout (``autograder.paths`` resolves there)."""
    paths.copy_grader(dst)


def write_master(master: Path) -> Path:
    import nbformat

    shutil.rmtree(master, ignore_errors=True)
    master.mkdir(parents=True)
    for npz in sorted(paths.DATA.glob("*.npz")):
        _copy(npz, master / "data" / npz.name)
    write_support(master / SUPPORT)
    path = master / NOTEBOOK
    nbformat.write(master_notebook(), path)
    return path


def write_student_extras(student: Path) -> None:
    """What students need next to otter's notebook: the stubs, and the public tests with the
    part markers (the notebook says `pytest tests/public -m <part>`)."""
    import tomllib

    _copy(paths.ASSIGNMENTS / paths.PACKAGE, student / paths.PACKAGE)
    from autograder.release.student import copy_public_tests

    copy_public_tests(student)  # with the grader's guard and tolerances they load
    config = tomllib.loads((paths.REPO / "pyproject.toml").read_text())
    markers = config["tool"]["pytest"]["ini_options"]["markers"]
    (student / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\ntestpaths = ["tests/public"]\nmarkers = [\n'
        + "".join(f"    {json.dumps(m)},\n" for m in markers) + "]\n")


def _otter(*args: str, timeout: float | None = None, env: dict[str, str] | None = None,
           cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run otter's CLI with this interpreter. On timeout the whole process group goes (otter's
    kernel included: otter itself never stops a hung kernel) and ``TimeoutExpired`` is raised."""
    proc = subprocess.Popen([sys.executable, "-m", "otter", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def build(dist: Path) -> Path:
    """Write ``dist/otter/`` (master, autograder, student); return the autograder zip's path.

    ``otter assign`` grades the master with otter itself and fails unless it scores 100 %. The
    kernel that runs it finds the reference package through ``PYTHONPATH`` (otter 7.0's
    ``student_files`` cannot carry a package folder: ``otter run`` copies such files without
    creating their folders), and the reference never enters the zip.
    """
    out = Path(dist).resolve() / "otter"
    shutil.rmtree(out, ignore_errors=True)
    master = write_master(out / "master")
    env = {**os.environ, "PYTHONPATH": str(paths.SOLUTIONS), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = _otter("assign", str(master), str(out), env=env, cwd=out, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"otter assign failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    write_student_extras(out / "student")
    zips = sorted((out / "autograder").glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip, found {zips}")
    (out / "assign.log").write_text(proc.stdout + proc.stderr)
    return zips[0]


# ----------------------------------------------------------------------------- submissions

def package_submission(submission: Path, dest: Path, notebook: Path | None = None) -> Path:
    """Zip a checkout (``convolutions/`` at its root) as the notebook's export cell does: the
    notebook at the top (the submission's own ``convolutions.ipynb`` if it has one, otherwise
    ``notebook``, e.g. ``dist/otter/student/convolutions.ipynb``) and ``convolutions/``."""
    submission = Path(submission)
    own = submission / NOTEBOOK
    nb = own if own.is_file() else notebook
    if nb is None or not Path(nb).is_file():
        raise FileNotFoundError(f"{submission} has no {NOTEBOOK} and no notebook was given")
    package = submission / paths.PACKAGE
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.write(nb, NOTEBOOK)
        for path in sorted(package.rglob("*")) if package.is_dir() else []:
            rel = path.relative_to(submission)
            if path.is_file() and "__pycache__" not in rel.parts and path.suffix != ".pyc":
                zf.write(path, rel.as_posix())
    return dest


def otter_run(autograder_zip: Path, submission_zip: Path, out: Path,
              timeout: float = OTTER_TIMEOUT) -> dict[str, Any]:
    """``otter run`` one submission zip; its results.json (Gradescope's schema), with the wall
    time added as ``extra_data.seconds``."""
    import time

    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    proc = _otter("run", "-a", str(Path(autograder_zip).resolve()), "-o", str(out.resolve()),
                  "--no-logo", str(Path(submission_zip).resolve()), timeout=timeout, cwd=out)
    seconds = time.monotonic() - start
    (out / "otter-run.log").write_text(proc.stdout + proc.stderr)
    results_path = out / "results.json"
    if not results_path.is_file():
        raise RuntimeError(f"otter run wrote no results:\n{proc.stdout[-3000:]}"
                           f"\n{proc.stderr[-3000:]}")
    results = json.loads(results_path.read_text())
    extra = results.setdefault("extra_data", {})
    extra["seconds"] = round(seconds, 2)
    extra["total"] = round(sum(float(t.get("score") or 0) for t in results.get("tests", [])), 2)
    return results


def part_scores(results: dict[str, Any]) -> dict[str, float]:
    """part -> score from otter's results.json (one test per question; parts are named by id)."""
    from autograder.grade.bank import load_manifest

    manifest = load_manifest(paths.REPO / "tests" / "hidden" / "manifest.toml")
    parts = [*manifest.parts, *manifest.optional]
    return {t["name"]: round(float(t.get("score", 0.0)), 2)
            for t in results.get("tests", []) if t.get("name") in parts}


def grade(autograder_zip: Path, submissions: list[Path], output: Path, jobs: int = 2,
          notebook: Path | None = None) -> dict[str, dict[str, Any]]:
    """Package and ``otter run`` each submission (``jobs`` at a time); name -> results.json."""
    if notebook is None:
        notebook = Path(autograder_zip).resolve().parent.parent / "student" / NOTEBOOK
    output = Path(output)

    def one(sub: Path) -> tuple[str, dict[str, Any]]:
        name = Path(sub).name.removesuffix(".zip")
        if str(sub).endswith(".zip"):
            zipped = Path(sub)
        else:
            zipped = package_submission(Path(sub), output / name / "submission.zip", notebook)
        try:
            return name, otter_run(autograder_zip, zipped, output / name)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:  # a dead or hung kernel
            return name, {"tests": [], "extra_data": {"error": str(exc)[-2000:], "seconds": None,
                                                      "total": 0.0}}

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, submissions))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograder.frontends.otter",
                                     description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write dist/otter/ (master, student, autograder zip)")
    b.add_argument("--dist", type=Path, default=paths.REPO / "dist")
    p = sub.add_parser("package", help="zip checkouts as otter submissions")
    p.add_argument("submissions", nargs="+", type=Path)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--notebook", type=Path, default=paths.REPO / "dist" / "otter" / "student"
                   / NOTEBOOK)
    g = sub.add_parser("grade", help="package and `otter run` submissions, print part scores")
    g.add_argument("submissions", nargs="+", type=Path)
    g.add_argument("--output", type=Path, required=True)
    g.add_argument("--autograder", type=Path, help="the zip (default: the one in dist/otter)")
    g.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(build(args.dist))
    elif args.command == "package":
        for s in args.submissions:
            print(package_submission(s, args.out / f"{s.name}.zip", args.notebook))
    else:
        zips = ([args.autograder] if args.autograder else
                sorted((paths.REPO / "dist" / "otter" / "autograder").glob("*-autograder_*.zip")))
        if len(zips) != 1:
            parser.error("no autograder zip: run `build` first or pass --autograder")
        results = grade(zips[0], args.submissions, args.output, args.jobs)
        for name, r in sorted(results.items()):
            if r["extra_data"].get("error"):
                print(f"{name}: otter wrote no results: {r['extra_data']['error'][-300:]}")
                continue
            scores = part_scores(r)
            print(f"{name}: {r['extra_data']['total']:g} in {r['extra_data']['seconds']:.1f} s  "
                  + "  ".join(f"{p}={s:g}" for p, s in scores.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
