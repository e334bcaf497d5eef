"""The ``build`` verb: write the files generated from the sources, or (``--check``) say which
are stale.

    python -m autograder build [stubs|notebook|examples|goldens ...] [--check]

Targets (the Make targets of the same names run them): ``stubs``, assignments/convolutions from
solutions/ and the documents' parts tables from parts.toml; ``notebook``, the handout notebook
from handout/convolutions.py (scripts/build_handout.py, which needs jupytext); ``examples``,
examples/submissions from solutions/ and tests/variants/; ``goldens``, examples/expected_scores.json
by grading the examples (after a deliberate change of checks or points; never by default).
Targets run in that order whatever order they are given in: the stubs rewrite the handout's
parts table, which the notebook is built from.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable

from autograder import paths

HANDOUT_SCRIPT = paths.SCRIPTS / "build_handout.py"


def stubs(check: bool) -> int:
    """The stub package and the parts tables and headings of the documents."""
    from . import generate_package, package_init, stale_files
    from .tables import stale_documents, write_documents

    src = paths.SOLUTIONS / paths.PACKAGE
    dst = paths.ASSIGNMENTS / paths.PACKAGE
    if check:
        stale = stale_files(src, dst)
        if package_init.is_stale():
            stale.append(f"{package_init.INIT.relative_to(paths.REPO)} (from parts.toml)")
        if stale:
            print("stubs are out of date with solutions/ (run `make stubs`):", *stale, sep="\n  ")
        documents = stale_documents()
        if documents:
            print("parts tables, headings or the limits table differ from autograder/parts.toml "
                  "or the settings (run `make stubs`):",
                  *(d.relative_to(paths.REPO) for d in documents), sep="\n  ")
        if stale or documents:
            return 1
        print("stubs, parts tables and the limits table are up to date")
        return 0
    if package_init.write():
        print(f"rewrote {package_init.INIT.relative_to(paths.REPO)} from autograder/parts.toml")
    files = generate_package(src, dst)
    print(f"wrote {len(files)} files to {dst.relative_to(paths.REPO)}/")
    for doc in write_documents():
        print(f"rewrote the parts table or headings of {doc.relative_to(paths.REPO)}"
              + (" (run `make notebook`)" if doc.suffix == ".py" else ""))
    return 0


def notebook(check: bool) -> int:
    """The handout notebook, by its script (run with this Python, which has jupytext)."""
    command = [sys.executable, str(HANDOUT_SCRIPT), *(["--check"] if check else [])]
    return subprocess.run(command, cwd=paths.REPO, check=False).returncode


def examples(check: bool) -> int:
    """The example submissions."""
    from .examples import EXAMPLES, stale_examples, write_examples

    if check:
        stale = stale_examples()
        if stale:
            print("examples are out of date (run `make examples`):", *stale, sep="\n  ")
            return 1
        print("examples are up to date")
        return 0
    written = write_examples(EXAMPLES)
    print(f"wrote {len(written)} example submissions to {EXAMPLES.relative_to(paths.REPO)}/")
    return 0


def goldens(check: bool) -> int:
    """The examples' expected scores, regraded (``build`` refuses ``--check``: the repository's
    tests grade the examples and compare)."""
    from .goldens import GOLDENS, update_goldens

    assert not check, "goldens has no --check"
    changes = update_goldens()
    print(f"wrote {GOLDENS.relative_to(paths.REPO)}:", *(changes or ["no score changed"]),
          sep="\n  ")
    return 0


# In the order they run; ``build`` alone runs the DEFAULT ones (goldens grades: never implied).
TARGETS: dict[str, Callable[[bool], int]] = {
    "stubs": stubs, "notebook": notebook, "examples": examples, "goldens": goldens}
DEFAULT = ("stubs", "notebook", "examples")


def build(targets: list[str], check: bool = False) -> int:
    """Run ``targets`` (``DEFAULT`` when empty), in ``TARGETS``' order; the worst exit status
    (0 written or up to date, 1 stale, 2 usage)."""
    asked = set(targets or DEFAULT)
    if check and "goldens" in asked:
        print("error: goldens has no --check: it grades the examples, which the tests compare "
              "with examples/expected_scores.json (tests/repo/test_grader.py)", file=sys.stderr)
        return 2
    status = 0
    for name, target in TARGETS.items():
        if name in asked:
            status = max(status, target(check))
    return status
