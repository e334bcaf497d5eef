"""The handout notebook is what scripts/build_handout.py makes of handout/convolutions.py, and
runs top to bottom on the reference."""

import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import paths

NOTEBOOK = paths.ASSIGNMENTS / "convolutions.ipynb"
BUILD = paths.REPO / "scripts" / "build_handout.py"


def test_notebook_matches_its_source(tmp_path) -> None:
    out = tmp_path / "fresh.ipynb"
    subprocess.run([sys.executable, str(BUILD), "--output", str(out)], check=True, timeout=120)
    assert out.read_bytes() == NOTEBOOK.read_bytes(), "run `make notebook` and commit the result"


@pytest.mark.slow  # builds the notebook twice (~6 s)
def test_build_is_deterministic(tmp_path) -> None:
    for name in ("a.ipynb", "b.ipynb"):
        subprocess.run([sys.executable, str(BUILD), "--output", str(tmp_path / name)],
                       check=True, timeout=120)
    assert (tmp_path / "a.ipynb").read_bytes() == (tmp_path / "b.ipynb").read_bytes()
    nb = nbformat.read(tmp_path / "a.ipynb", as_version=4)
    assert [c.id for c in nb.cells] == [f"cell-{i:02d}" for i in range(len(nb.cells))]
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code")
    answers = [c for c in nb.cells if "answer" in c.metadata.get("tags", [])]
    assert answers and all(c.cell_type == "markdown" and c.metadata.get("question")
                           for c in answers)


@pytest.mark.slow
def test_notebook_runs_on_the_reference() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # The kernel starts in solutions/, so `import convolutions` finds the reference.
    client = NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(paths.SOLUTIONS)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if "image/png" in o.get("data", {})]
    assert len(images) >= 3, \
        f"expected the heat maps, kernel history and kernel matrix, got {len(images)} images"
    # Written question 6.2-2 asks about the error d2l's exercise produces: the notebook must
    # show it (caught and printed), with the pinned torch.
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                      for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert ("The size of tensor a (0) must match the size of tensor b (7) at non-singleton "
            "dimension 3") in printed, "d2l's error for question 6.2-2 is not reproduced"
