"""The otter-grader front-end, generated from the handout, the reference and the check bank.

    python -m autograder.frontends.otter build [--dist dist] [--pdf]
    python -m autograder.frontends.otter package SUBMISSION... --out DIR [--notebook NB]
    python -m autograder.frontends.otter grade SUBMISSION... --output OUT [--jobs N]
                                               [--backend local|docker] [--device cpu|cuda]

One module per job, as otter has one subpackage per verb:

- ``master``: the master notebook from the parsed handout (``frontends.handout``) and the bank;
  its config names the grading environment (torch's pinned CPU build, the students' other
  requirements, otter) and, with the release option ``otter_pdf``, otter's PDF export of the
  written answers for manual grading;
- ``assign``: ``build`` writes ``dist/otter/`` and runs ``otter assign`` (which grades the
  master and fails unless it scores 100 %): ``master/``, ``autograder/`` (the autograder zip)
  and ``student/`` (the notebook, the stubs, the public tests, the pytest configuration);
- ``run``: ``package`` zips checkouts as the notebook's export cell does; ``grade`` runs
  ``otter run`` on each, here or inside the grading container (``--backend docker``);
- ``cli``: the command line.

None of them runs in the student's kernel: otter executes the whole notebook, then each part's
test cases in the same kernel, and each test case imports the grader from ``<autograder
dir>/source/files/d2l_grader`` (never the submission's copy) and calls
``autograder.frontends.kernel.otter_check``, which runs one check with
``autograder.frontends.inprocess``. Scores per part are the same as ``python -m autograder
grade`` gives (same checks, same points; tests/repo/test_frontend_otter.py compares them).

What holds under otter: replies still go through the wire format with exact types, so objects
whose ``==`` always holds and tensor subclasses get no credit; the rule guards (no convolution,
no autograd in backward) still run; ``sys.exit()`` in a function costs only its checks; a
package that replaced torch's comparison functions gets no credit at all.

What otter does *not* protect (the notebook and the checks run in one kernel as the grading
user, and the notebook imports the student's package before any check runs, so no grader code
can be imported first; otter has no hook for that in ``otter run``):

- the student's code can patch otter itself or the grader once it is imported (stubs that make
  otter's test cases no-ops get full marks), and read the hidden checks (``../source/``);
- ``os._exit()`` or a crash kills the kernel: otter writes no results for the submission;
- a hang hangs otter, which has no timeout, so ``grade`` kills the whole run after
  ``OTTER_TIMEOUT``;
- locally, memory and output are not limited, the network is open, nothing stops writes.
  ``--backend docker`` runs each ``otter run`` in its own confined container (no network,
  read-only root, memory/pid/CPU limits, capabilities dropped): the last point no longer
  holds, the others do (docs/frontends-containers.md).

Use otter for practice or low stakes; grade for credit with ``python -m autograder grade``.
"""

from __future__ import annotations

from autograder.frontends.handout import NOTEBOOK
from autograder.frontends.platform import Platform

from .assign import build, built_zip
from .master import (SUPPORT, assignment_config, master_notebook, pdf_config, write_master,
                     zip_requirements)
from .run import OTTER_TIMEOUT, grade, grade_release, otter_run, package_submission, part_scores

__all__ = ["NOTEBOOK", "OTTER_TIMEOUT", "PLATFORM", "SUPPORT", "assignment_config", "build",
           "built_zip", "grade", "grade_release", "master_notebook", "otter_run",
           "package_submission", "part_scores", "pdf_config", "write_master", "zip_requirements"]

# otter-grader runs `otter assign` and `otter run`; the master is written with nbformat and
# pyyaml, the students' pytest configuration with tomli_w.
PLATFORM = Platform(name="otter", requires=("otter", "nbformat", "yaml", "tomli_w"),
                    build=build, grade=grade_release)
