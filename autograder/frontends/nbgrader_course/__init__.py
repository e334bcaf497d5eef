"""The nbgrader front-end: a course directory generated from the handout and the check bank.

    python -m autograder.frontends.nbgrader_course build [--dist dist]
    python -m autograder.frontends.nbgrader_course grade [--dist dist] [--backend local|docker]
                                                         [--device cpu|cuda] [EXAMPLE ...]

- ``course``: ``build(dist)`` writes ``dist/nbgrader/`` (config, ``source/``, ``grader/``) with
  the notebook made from the parsed handout (``frontends.handout``);
- ``run``: ``generate``, ``prepare_submission``, ``autograde`` (here, or inside the grading
  container with ``backend="docker"``), ``part_scores`` from the gradebook, and ``grade``,
  which does all of it;
- ``cli``: the command line.

None of them runs in the student's kernel. There, the hidden set-up cell calls
``autograder.frontends.kernel.nbgrader_setup`` and each hidden cell
``kernel.nbgrader_check(check_id)``: the check of the bank, run by ``inprocess.run_check`` on the
student's package in the notebook's folder, within the check's own time limit (``SIGALRM``),
with warnings and output swallowed (nbgrader gives no credit to a test cell that writes to
stderr) and builtins a student replaced put back before and after, as the sandbox's worker
does. So a submission gets the scores of ``python -m autograder grade``, with the protections
of in-process grading only (see ``inprocess``): locally, student code shares the kernel with
the checks and can read and write the course directory (gradebook, ``grader/``); in a
container (``--backend docker``) it reaches only a staging copy holding its own submission (see
``run``). An ``os._exit`` anywhere kills the kernel: nbgrader then fails the whole notebook, and
``part_scores`` reports every part of that student as ``None``.
"""

from __future__ import annotations

from autograder.frontends.handout import NOTEBOOK
from autograder.frontends.platform import Platform, without_options

from .course import (
                     ASSIGNMENT,
                     BEGIN_HIDDEN,
                     COURSE_ID,
                     END_HIDDEN,
                     GRADER,
                     MANUAL_PART,
                     SETUP_ID,
                     build,
                     grade_id,
                     make_notebook,
                     part_of,
)
from .run import (
                     GradeRun,
                     autograde,
                     check_scores,
                     generate,
                     grade,
                     grade_release,
                     nbgrader,
                     part_scores,
                     prepare_submission,
)

__all__ = ["ASSIGNMENT", "BEGIN_HIDDEN", "COURSE_ID", "END_HIDDEN", "GRADER", "MANUAL_PART",
           "NOTEBOOK", "PLATFORM", "SETUP_ID", "GradeRun", "autograde", "build", "check_scores",
           "generate", "grade", "grade_id", "grade_release", "make_notebook", "nbgrader",
           "part_of", "part_scores", "prepare_submission"]

# nbgrader generates and autogrades the course; the notebook is written with nbformat, the
# students' pytest configuration with tomli_w.
PLATFORM = Platform(name="nbgrader", requires=("nbgrader", "nbformat", "tomli_w"),
                    build=without_options(build), grade=grade_release)
