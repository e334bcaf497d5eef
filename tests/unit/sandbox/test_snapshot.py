"""``autograder.sandbox.snapshot``: builtins come back exactly as they were."""

from __future__ import annotations

import builtins

from autograder.sandbox.snapshot import BuiltinsSnapshot


def test_replaced_added_and_removed_builtins_are_restored() -> None:
    snapshot = BuiltinsSnapshot()
    original_len, original_sorted = builtins.len, builtins.sorted
    assert not snapshot.changed()
    try:
        builtins.len = lambda x: 0
        builtins.injected_by_test = 1
        del builtins.sorted
        assert snapshot.changed()
        snapshot.restore()
        assert builtins.len is original_len and builtins.sorted is original_sorted
        assert not hasattr(builtins, "injected_by_test")
        assert not snapshot.changed()
    finally:
        builtins.len, builtins.sorted = original_len, original_sorted
        vars(builtins).pop("injected_by_test", None)


def test_comparison_is_by_identity() -> None:
    """A student's object whose ``__eq__`` claims equality is still replaced, and its
    ``__eq__`` never runs."""
    calls = []

    class Liar:
        def __eq__(self, other: object) -> bool:
            calls.append(other)
            return True

        __hash__ = object.__hash__

    snapshot = BuiltinsSnapshot()
    original = builtins.abs
    try:
        builtins.abs = Liar()
        assert snapshot.changed()
        snapshot.restore()
        assert builtins.abs is original and calls == []
    finally:
        builtins.abs = original
