"""``build``: write ``dist/otter/`` and run ``otter assign`` on the master.

``dist/otter/master/`` (``master.write_master``) is turned by ``otter assign`` into
``autograder/`` (the autograder zip, ``<name>-autograder_<timestamp>.zip``; its
``environment.yml`` installs ``master.zip_requirements``: torch's pinned CPU build, the
students' other requirements and otter) and ``student/`` (the notebook), to which the stubs,
the public tests and the students' pytest configuration are added. The release's
``ReleaseOptions.otter_pdf`` turns on otter's PDF of the written answers (``master.pdf_config``).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from autograder import paths
from autograder.frontends.platform import ReleaseOptions
from autograder.frontends.process import run_group

from .master import write_master, write_student_extras

ASSIGN_TIMEOUT = 1800  # seconds: otter assign grades the master with otter itself


def build(dist: Path, options: ReleaseOptions = ReleaseOptions()) -> Path:
    """Write ``dist/otter/`` (master, autograder, student) as ``options`` say (``otter_pdf``);
    return the autograder zip's path.

    ``otter assign`` grades the master with otter itself and fails unless it scores 100 %. The
    kernel that runs it finds the reference package through ``PYTHONPATH`` (otter 7.0's
    ``student_files`` cannot carry a package folder: ``otter run`` copies such files without
    creating their folders), and the reference never enters the zip.
    """
    out = Path(dist).resolve() / "otter"
    shutil.rmtree(out, ignore_errors=True)
    master = write_master(out / "master", options)
    env = {**os.environ, "PYTHONPATH": str(paths.SOLUTIONS), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = run_group([sys.executable, "-m", "otter", "assign", str(master), str(out)],
                     env=env, cwd=out, timeout=ASSIGN_TIMEOUT)
    if proc.returncode != 0:
        raise RuntimeError(f"otter assign failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-8000:]}")
    write_student_extras(out / "student")
    zips = sorted((out / "autograder").glob("*-autograder_*.zip"))
    if len(zips) != 1:
        raise RuntimeError(f"expected one autograder zip, found {zips}")
    (out / "assign.log").write_text(proc.stdout + proc.stderr)
    return zips[0]


def built_zip(dist: Path) -> Path | None:
    """The autograder zip a previous ``build`` left in ``dist/otter``, if exactly one."""
    zips = sorted((Path(dist) / "otter" / "autograder").glob("*-autograder_*.zip"))
    return zips[0] if len(zips) == 1 else None
