"""Gradescope: ``dist/gradescope/autograder.zip``, its ``setup.sh`` and ``run_autograder`` and
the grader bundle.

Both scripts are the templates in ``autograder/frontends/templates/`` filled with the pins of
``autograder/pins.py``. ``run_autograder`` calls our sandboxed grader on
``$AUTOGRADER_ROOT/submission`` (Gradescope's ``/autograder`` unless set otherwise, which is how
the tests run it in a temporary tree) and copies its results.json to
``$AUTOGRADER_ROOT/results/results.json``. Gradescope grades on its own machines: the platform
has no ``grade`` here.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from autograder import bundle, paths, pins

from .platform import Platform, without_options

TEMPLATES = Path(__file__).with_name("templates")
REQUIREMENTS = paths.GRADER_REQUIREMENTS
SCRIPTS = ("setup.sh", "run_autograder")  # at the zip's top, executable


def render(name: str) -> str:
    """Template ``templates/<name>.j2`` filled with the pins (an unknown field is an error)."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             autoescape=False)
    return env.get_template(f"{name}.j2").render(
        torch=pins.TORCH, python=pins.PYTHON, requirements=REQUIREMENTS.name)


def build_gradescope(dist: Path) -> Path:
    """Write ``dist/gradescope/autograder.zip``: the scripts, the grader bundle and the
    grader's requirements; return its path."""
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
            zf.writestr(info, render(name))
        bundle.write_zip(zf, [*bundle.grader_files(), REQUIREMENTS])
    return archive


PLATFORM = Platform(name="gradescope", requires=("jinja2",),
                    build=without_options(build_gradescope))
