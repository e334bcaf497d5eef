"""Build the student handout ``assignments/convolutions.ipynb`` from ``handout/convolutions.py``.

    python scripts/build_handout.py                   # (re)write the notebook
    python scripts/build_handout.py --check           # exit 1 if the committed notebook is stale
    python scripts/build_handout.py --output PATH     # write it elsewhere
    python scripts/build_handout.py --run solutions   # execute it on the reference, print time

The source is a jupytext "percent" script (``# %%`` starts a code cell, ``# %% [markdown]`` a
markdown cell); edit it directly (see ``handout/README.md``). This script reads it with jupytext
and writes the notebook with nbformat: no outputs, cell ids ``cell-00``, ``cell-01``, ...,
notebook metadata reduced to the python3 kernelspec, cell metadata dropped except on answer
cells (markdown cells tagged ``answer``), which keep the tag and their ``question`` id. So the
same source always gives the same bytes.

``--run DIR`` executes the notebook with nbclient in ``DIR`` (the folder holding a
``convolutions/`` package: ``solutions`` for the reference, ``assignments`` for the stubs, or
any path), reports the wall time and fails if a cell raised; it never writes the executed
notebook back (use ``--save PATH`` to keep a copy with outputs).
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "handout" / "convolutions.py"
OUTPUT = ROOT / "assignments" / "convolutions.ipynb"
NAMED = {"solutions": ROOT / "solutions", "assignments": ROOT / "assignments"}
METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
QUESTION = re.compile(r"### ✍️ Written question (\S+) \(\d+(?:\.\d+)? points?\)")


def build(source: Path = SOURCE) -> nbformat.NotebookNode:
    """The handout notebook of the jupytext script ``source``."""
    text = jupytext.read(source, fmt="py:percent")
    nb = new_notebook()
    nb.metadata = METADATA
    previous = None
    for index, cell in enumerate(text.cells):
        tags = cell.metadata.get("tags", [])
        if "@@" in cell.source:
            raise ValueError(f"{source.name}: cell {index} still holds a placeholder: "
                             f"{cell.source[cell.source.index('@@'):][:40]!r}")
        if cell.cell_type == "code":
            new = new_code_cell(cell.source)
        elif cell.cell_type == "markdown":
            new = new_markdown_cell(cell.source)
        else:
            raise ValueError(f"{source.name}: cell {index} is a {cell.cell_type} cell; "
                             "the handout has code and markdown cells only")
        if "answer" in tags:
            qid = cell.metadata.get("question")
            asked = QUESTION.match(previous.source) if previous is not None else None
            if cell.cell_type != "markdown" or asked is None or asked.group(1) != qid:
                raise ValueError(f"{source.name}: answer cell {index} (question={qid!r}) must be "
                                 "a markdown cell right after its '### ✍️ Written question "
                                 f"{qid} (N points)' cell")
            new.metadata = {"tags": ["answer"], "question": qid}
        new.id = f"cell-{index:02d}"  # fixed ids: nbformat would draw random ones
        nb.cells.append(new)
        previous = cell
    nbformat.validate(nb)
    return nb


def render(nb: nbformat.NotebookNode) -> str:
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def run(nb: nbformat.NotebookNode, folder: Path, save: Path | None) -> float:
    """Execute ``nb`` with ``folder`` as the kernel's working directory; return seconds."""
    from nbclient import NotebookClient

    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    start = time.perf_counter()
    try:
        client.execute()
    finally:
        if save is not None:
            nbformat.write(nb, save)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE,
                        help="the jupytext percent script (default: %(default)s)")
    parser.add_argument("--output", "--out", dest="output", type=Path, default=OUTPUT,
                        help="where to write the notebook (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="only check that --out is current")
    parser.add_argument("--run", metavar="DIR", help="execute the notebook in DIR and time it")
    parser.add_argument("--save", type=Path, help="with --run: write the executed notebook here")
    args = parser.parse_args()

    nb = build(args.source)
    text = render(nb)
    if args.run:
        folder = NAMED.get(args.run, Path(args.run)).resolve()
        seconds = run(nb, folder, args.save)
        print(f"executed {len(nb.cells)} cells in {folder} in {seconds:.1f} s")
        return 0
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is stale: run `python scripts/build_handout.py` (make notebook)")
            return 1
        print(f"{args.output} is up to date")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({len(nb.cells)} cells)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
