"""``autograder/sandbox/`` knows no assignment: no name of the student API, no part, no package
name and no word of the convolution chapter. What the assignment adds (its probes and rules)
arrives as plugins (``paths.SANDBOX_PLUGINS``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from autograder import paths, signatures

SANDBOX = paths.REPO / "autograder" / "sandbox"

# Words of the convolution assignment, found anywhere (inside identifiers too).
INSIDE_WORDS = ("conv", "corr1d", "corr2d", "correlation", "im2col", "col2im", "unfold",
                "as_strided", "audio", "mfcc", "d2l")
# Words that also have a generic meaning inside longer names (``text_streams``,
# ``kernel_for_dispatch_key``): found as words of their own only.
WHOLE_WORDS = ("kernel", "kernels", "text", "pixel", "pixels", "vectorisation", "vectorised")


def api_names() -> set[str]:
    """The student API's names (classes and functions, not their methods), the parts with code,
    their modules and the package."""
    names = {name.split(".")[0] for table in signatures.API.values() for name in table}
    return (names | set(signatures.API) | {signatures.CONCEPTS}
            | set(signatures.MODULE_OF.values()) | {paths.PACKAGE})


def sources() -> list[Path]:
    return sorted(SANDBOX.rglob("*.py"))


def found(text: str) -> set[str]:
    """The assignment's names and words in ``text`` (case-insensitive)."""
    lower = text.lower()
    hits = {w for w in (*api_names(), *INSIDE_WORDS) if w.lower() in lower}
    return hits | {w for w in WHOLE_WORDS if re.search(rf"\b{w}\b", lower)}


def test_the_scan_sees_the_assignment() -> None:
    """The scan finds what it looks for (so an empty result means something)."""
    assert {"corr2d", "Corr2dFunction", "TextCNN", "conv"} <= api_names() | set(INSIDE_WORDS)
    assert {"Corr2dFunction", "corr2d", "learn_kernel", "kernel", "text"} <= found(
        "class Corr2dFunction: kernel = learn_kernel(x)  # a text")
    assert found("_dispatch_has_kernel_for_dispatch_key, io.TextIOWrapper, contextlib") == set()


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_sandbox_module_names_nothing_of_the_assignment(path: Path) -> None:
    hits = found(path.read_text())
    assert not hits, f"{path.relative_to(paths.REPO)} names {sorted(hits)}: move it to a plugin"


def test_plugins_lie_outside_the_sandbox() -> None:
    for plugin in paths.sandbox_plugins():
        assert plugin.is_file(), plugin
        assert not plugin.is_relative_to(SANDBOX), plugin
