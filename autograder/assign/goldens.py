"""``examples/expected_scores.json``: the per-part scores the bundled examples must get.

The file is the golden output of ``python -m autograder grade`` on ``examples/submissions/``
(sandboxed, as ``make grade`` runs it), written by ``python -m autograder build goldens``
(``make goldens``) after a deliberate change of checks or points, never by
hand. The grader's, otter's, nbgrader's and Gradescope's tests compare with it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder import paths

from .examples import EXAMPLES

GOLDENS = paths.GOLDENS


def graded_scores(examples: Path = EXAMPLES) -> dict[str, dict[str, float]]:
    """Grade every example with the grader's command line; example -> part -> score."""
    subs = sorted(p for p in examples.iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory(prefix="goldens-") as tmp:
        out = Path(tmp) / "out"
        proc = subprocess.run([sys.executable, "-m", "autograder", "grade", *map(str, subs),
                               "--output", str(out), "--quiet"],
                              cwd=paths.REPO, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"grading the examples failed:\n{proc.stderr[-3000:]}")
        scores = {}
        for sub in subs:
            results = json.loads((out / sub.name / "results.json").read_text())
            scores[sub.name] = {part: entry["score"]
                                for part, entry in results["extra_data"]["parts"].items()}
    return scores


def render(scores: dict[str, dict[str, float]]) -> str:
    return json.dumps(dict(sorted(scores.items())), indent=2) + "\n"


def update_goldens(path: Path = GOLDENS) -> list[str]:
    """Regrade the examples and rewrite ``path``; returns a line per changed score."""
    old = json.loads(path.read_text()) if path.is_file() else {}
    new = graded_scores()
    changes = [f"{name} {part}: {old.get(name, {}).get(part)} -> {score}"
               for name, parts in sorted(new.items()) for part, score in parts.items()
               if old.get(name, {}).get(part) != score]
    changes += [f"{name}: no longer an example" for name in sorted(set(old) - set(new))]
    path.write_text(render(new))
    return changes
