#!/usr/bin/env python3
"""Classroom 50's entry point for this assignment: ``<classroom>/autograders/<slug>/autograder.py``
in the organisation's ``classroom50`` repository (written there by ``make release``).

Classroom 50's runner runs it as ``python3 autograder.py``, with the interpreter the
assignment's ``runtime.python`` set up, the student's checkout as the working directory and
``CLASSROOM50_BUNDLE_DIR`` naming this folder. It

1. checks the interpreter against the Python pin (``environment.json``);
2. installs what the public tests need, unless it is there already (a self-hosted runner or a
   container that carries it): CPU torch from PyTorch's CPU index, then the pinned
   ``material/requirements.txt``. pip's cache is its default folder, which a self-hosted runner
   keeps between jobs (Classroom 50's hosted runners start empty: its ``runtime`` block has no
   cache setting);
3. runs ``public_scores.py`` on the checkout's package with this folder's copy of the public
   tests (``material/``, the teacher's: a student who edits their own tests changes nothing
   here), writing ``./result.json`` (one test per part) and ``./release-body.md``.

It exits 0 whenever it wrote a result (failed parts are a result); otherwise non-zero with the
reason on stderr, which the runner records as an error. Standard library only.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from pathlib import Path

BUNDLE = Path(os.environ.get("CLASSROOM50_BUNDLE_DIR") or Path(__file__).resolve().parent)
ENVIRONMENT = BUNDLE / "environment.json"
PIN = re.compile(r"^\s*([A-Za-z0-9_.-]+)\s*==\s*([^\s;#]+)")


def _installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def missing(pins: dict[str, str]) -> list[str]:
    """The ``name==version`` pins this interpreter does not have (a local version label such
    as torch's ``+cpu`` counts as the version)."""
    return [f"{name}=={version}" for name, version in pins.items()
            if (_installed(name) or "").split("+")[0] != version]


def requirement_pins(path: Path) -> dict[str, str]:
    """name -> version of the ``name==version`` lines of a requirements file."""
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = PIN.match(line)
        if match:
            pins[match.group(1)] = match.group(2)
    return pins


def install(environment: dict) -> None:
    """CPU torch, then the requirements, with this interpreter's pip (skipped when every pin
    is installed already)."""
    requirements = BUNDLE / environment["requirements"]
    torch = {"torch": environment["torch"]}
    if not missing({**torch, **requirement_pins(requirements)}):
        print("autograder: the pinned environment is installed already", flush=True)
        return
    pip = [sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
           "--progress-bar", "off"]
    steps = [[*pip, "--index-url", environment["torch_index"], f"torch=={environment['torch']}"],
             [*pip, "-r", str(requirements)]]
    for command in steps:
        print("autograder: " + " ".join(command[1:]), flush=True)
        subprocess.run(command, check=True, stdin=subprocess.DEVNULL)


def main() -> int:
    environment = json.loads(ENVIRONMENT.read_text(encoding="utf-8"))
    want = tuple(int(n) for n in environment["python"].split("."))
    if sys.version_info[:len(want)] < want:
        print(f"autograder: Python {environment['python']} or newer is needed, this is "
              f"{sys.version.split()[0]}: set \"runtime\": {{\"python\": "
              f"\"{environment['python']}\"}} in the assignment's entry of assignments.json",
              file=sys.stderr)
        return 1
    try:
        install(environment)
    except subprocess.CalledProcessError as exc:
        print(f"autograder: installing the environment failed ({exc}); see the log above",
              file=sys.stderr)
        return 1
    sys.path.insert(0, str(BUNDLE))
    import public_scores

    workspace = Path.cwd()
    code = public_scores.main([
        "--config", str(BUNDLE / "public_parts.json"), "--material", str(BUNDLE / "material"),
        "--submission", str(workspace), "--result", str(workspace / "result.json"),
        "--release-body", str(workspace / "release-body.md"), "--no-summary"])
    return 0 if code in (0, 1) else code  # 1: a part failed, which is a result


if __name__ == "__main__":
    sys.exit(main())
