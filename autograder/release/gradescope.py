"""``dist/gradescope/autograder.zip``: Gradescope's ``setup.sh`` and ``run_autograder``.

Both scripts are the templates in ``autograder/release/templates/`` filled with the pins of
``autograder/pins.py``. ``run_autograder`` calls our sandboxed grader on
``$AUTOGRADER_ROOT/submission`` (Gradescope's ``/autograder`` unless set otherwise, which is how
the tests run it in a temporary tree) and copies its results.json to
``$AUTOGRADER_ROOT/results/results.json``.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from autograder import paths, pins

TEMPLATES = Path(__file__).with_name("templates")
REQUIREMENTS = paths.REPO / "requirements-grader.txt"
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
        for f in [*paths.grader_files(), REQUIREMENTS]:
            zf.write(f, f.relative_to(paths.REPO).as_posix())
    return archive
