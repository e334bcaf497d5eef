"""The handout notebook is what its generator makes, and runs top to bottom on the reference."""

import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import paths

NOTEBOOK = paths.ASSIGNMENTS / "convolutions.ipynb"


def test_notebook_matches_its_generator(tmp_path) -> None:
    out = tmp_path / "fresh.ipynb"
    subprocess.run([sys.executable, str(paths.REPO / "scripts" / "make_notebook.py"), "--output",
                    str(out)], check=True, timeout=120)
    assert out.read_bytes() == NOTEBOOK.read_bytes(), "run `make notebook` and commit the result"


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
    assert len(images) >= 3, f"expected the heat maps, kernel history and kernel matrix, got {len(images)} images"
