"""``dist/gradescope/autograder.zip``: Gradescope's ``setup.sh`` and ``run_autograder``.

``run_autograder`` calls our sandboxed grader on ``$AUTOGRADER_ROOT/submission`` (Gradescope's
``/autograder`` unless set otherwise, which is how the tests run it in a temporary tree) and
copies its results.json to ``$AUTOGRADER_ROOT/results/results.json``.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from autograder import paths

SETUP = """#!/usr/bin/env bash
# Gradescope runs this once when it builds the autograder image.
set -euo pipefail
apt-get update -q
apt-get install -y -q python3 python3-pip python3-venv bubblewrap
cd "$(dirname "$0")"
python3 -m venv /opt/grader-venv
/opt/grader-venv/bin/pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0
/opt/grader-venv/bin/pip install -r requirements-grader.txt
"""

RUN = """#!/usr/bin/env bash
# Gradescope runs this for every submission. AUTOGRADER_ROOT defaults to /autograder.
set -uo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$(cd "$(dirname "$0")" && pwd)"
PYTHON="${GRADER_PYTHON:-/opt/grader-venv/bin/python}"
OUT="$(mktemp -d)"
mkdir -p "$ROOT/results"
cd "$SOURCE" && "$PYTHON" -m autograder grade "$ROOT/submission" --output "$OUT" --jobs 1 --quiet
status=$?
if [ -f "$OUT/submission/results.json" ]; then
    cp "$OUT/submission/results.json" "$ROOT/results/results.json"
else
    printf '{"score": 0, "output": "The autograder failed (status %s); please tell your instructor.", "tests": []}\\n' "$status" > "$ROOT/results/results.json"
fi
rm -rf "$OUT"
"""



def build_gradescope(dist: Path) -> Path:
    target = dist / "gradescope"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    archive = target / "autograder.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in (("setup.sh", SETUP), ("run_autograder", RUN)):
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o755 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text)
        for f in [*paths.grader_files(), paths.REPO / "requirements-grader.txt"]:
            zf.write(f, f.relative_to(paths.REPO).as_posix())
    return archive
