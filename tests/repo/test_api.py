"""Both packages expose exactly the pinned API, documented with shapes and d2l references."""

import re

import pytest

from autograder.signatures import API, BASES
from autograder import paths
from conftest import dump_api

PINNED = {name: sig for part in API.values() for name, sig in part.items()}


@pytest.fixture(scope="module", params=["solutions", "assignments"])
def api(request) -> dict:
    return dump_api(getattr(paths, request.param.upper()))


def test_exports_exactly_the_table(api) -> None:
    top = {name.split(".")[0] for name in PINNED}
    assert set(api["__all__"]) == top


@pytest.mark.parametrize("name", sorted(PINNED))
def test_signature(api, name: str) -> None:
    assert name in api["names"], f"{name} missing"
    assert api["names"][name]["signature"] == PINNED[name]


@pytest.mark.parametrize("name", sorted(BASES))
def test_base_class(api, name: str) -> None:
    assert BASES[name] in api["names"][name]["bases"]


@pytest.mark.parametrize("name", sorted(PINNED))
def test_documented(api, name: str) -> None:
    entry = api["names"][name]
    assert len(entry["doc"]) > 40, f"{name} needs a docstring"
    assert "d2l" in entry["module_doc"], f"the module of {name} must cite its d2l exercise"
    if name != "min_kernel_size":  # the one name that takes and returns no tensor
        assert re.search(r"shape|\((\w+(\s*[-+*]\s*\w+)*,\s*)+\w+", entry["doc"]), (
            f"{name}: the docstring must give the shapes"
        )
