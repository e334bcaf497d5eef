"""Versions that more than one file needs, written once.

Python code imports these; the Makefile, the Dockerfiles' build arguments and the generated
Gradescope, GitHub and Classroom 50 material get them from here (``python -m autograder.pins torch``
prints one). Files that cannot import Python (``requirements.txt``, ``environment.yml``) are
checked against them by ``tests/repo/test_pins.py``.
"""

from __future__ import annotations

import sys

PINS: dict[str, str] = {
    "torch": "2.13.0",  # a CPU wheel on the project's machines; the CUDA wheel of it on GPUs
    "python": "3.11",  # major.minor of the grading and student environments
}
TORCH = PINS["torch"]
PYTHON = PINS["python"]
# Where torch's CPU build of the pin comes from (pip's --index-url/--extra-index-url): a plain
# `pip install torch` on Linux takes the CUDA build, several GB.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def main(argv: list[str] | None = None) -> int:
    names = sys.argv[1:] if argv is None else argv
    unknown = [n for n in names if n not in PINS]
    if unknown or len(names) != 1:
        print(f"usage: python -m autograder.pins {{{','.join(PINS)}}}", file=sys.stderr)
        return 2
    print(PINS[names[0]])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
