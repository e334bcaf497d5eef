"""Where things live in this repository (one place, so no module hard-codes a layout)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
ASSIGNMENTS = REPO / "assignments"
PACKAGE = "convolutions"  # the package students write (its folder and import name)
DATA = REPO / "data"

TESTS = REPO / "tests"
HIDDEN = TESTS / "hidden"  # the check bank (never shipped to students)
MANIFEST = HIDDEN / "manifest.toml"  # the bank's [limits] table
PUBLIC_TESTS = TESTS / "public"
VARIANTS = TESTS / "variants"  # mutants and honest variants of the reference
MUTANTS = VARIANTS / "mutants.py"
EQUIVALENT_MUTANTS = VARIANTS / "equivalent_mutants.toml"
CORPUS = TESTS / "adversarial" / "corpus.py"

EXAMPLES = REPO / "examples" / "submissions"
GOLDENS = REPO / "examples" / "expected_scores.json"
HANDOUT = REPO / "handout" / "convolutions.py"
README = REPO / "README.md"
PYPROJECT = REPO / "pyproject.toml"
ENVIRONMENT = REPO / "environment.yml"
STUDENT_REQUIREMENTS = REPO / "requirements.txt"
GRADER_REQUIREMENTS = REPO / "requirements-grader.txt"
DOCKERFILE = REPO / "autograder" / "docker" / "Dockerfile"
SCRIPTS = REPO / "scripts"

# What the repository writes (none of it committed).
DIST = REPO / "dist"
OUT = REPO / "out"
BUILD = REPO / "build"

# The assignment's plugins of the sandbox's worker, loaded in order before any submission: its
# rules (shared with the public tests) and its probes. Bound read-only into the sandbox, so that
# every submission can read them: nothing secret may be in them.
SANDBOX_PLUGINS = ("autograder/rules.py", "tests/hidden/probes.py")


def sandbox_plugins() -> list[Path]:
    """The files of ``SANDBOX_PLUGINS``."""
    return [REPO / name for name in SANDBOX_PLUGINS]

