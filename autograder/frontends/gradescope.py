"""Gradescope: ``dist/gradescope/autograder.zip``, its scripts and the grader bundle.

The scripts are the templates in ``autograder/frontends/templates/`` filled with the pins of
``autograder/pins.py``, the venv's path and the release's ``check_visibility``:

- ``setup.sh`` (once, when Gradescope builds the image): a Python of at least the pin, chosen by
  ``find_python.sh`` (the image's ``python3``, else ``python3.11`` from apt, as on Gradescope's
  default Ubuntu 22.04 whose python3 is 3.10, else one from uv), bubblewrap, and a venv with CPU
  torch and ``requirements-grader.txt`` only (``WHEELHOUSE=/path``: offline, from wheels);
- ``run_autograder`` (per submission; Gradescope runs its copy ``/autograder/run_autograder``):
  ``frontends.gradescope_run`` grades ``$AUTOGRADER_ROOT/submission`` (``/autograder`` unless
  set otherwise, which is how the tests run it in a temporary tree) and writes
  ``$AUTOGRADER_ROOT/results/results.json``.

Gradescope grades on its own machines: the platform has no ``grade`` here. docs/gradescope.md.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from autograder import bundle, paths, pins

from .platform import Platform, ReleaseOptions

TEMPLATES = Path(__file__).with_name("templates")
REQUIREMENTS = paths.GRADER_REQUIREMENTS
SCRIPTS = ("setup.sh", "run_autograder", "find_python.sh")  # at the zip's top, executable
VENV = "/opt/grader-venv"  # the grader's venv on Gradescope's image


def render(name: str, options: ReleaseOptions = ReleaseOptions()) -> str:
    """Template ``templates/<name>.j2`` filled with the pins, the venv and ``options`` (an
    unknown field is an error)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             autoescape=False)
    return env.get_template(f"{name}.j2").render(
        torch=pins.TORCH, torch_index=pins.TORCH_CPU_INDEX, python=pins.PYTHON,
        requirements=REQUIREMENTS.name, venv=VENV, check_visibility=options.check_visibility)


def build_gradescope(dist: Path, options: ReleaseOptions = ReleaseOptions()) -> Path:
    """Write ``dist/gradescope/autograder.zip``: the scripts (as ``options`` say), the grader
    bundle and the grader's requirements; return its path."""
    target = dist / "gradescope"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = target / "autograder.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in SCRIPTS:
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, render(name, options))
        bundle.write_zip(zf, [*bundle.grader_files(), REQUIREMENTS])
    return archive


PLATFORM = Platform(name="gradescope", requires=("jinja2",), build=build_gradescope)
