"""Builtins put back between requests: one hostile call cannot spoil the checks after it.

Used by the sandbox's worker (after every request) and by the in-process front-end (around every
check), so both undo a submission's patches the same way.
"""

from __future__ import annotations

import builtins
from typing import Any


class BuiltinsSnapshot:
    """The builtins as they are now; ``restore()`` makes them so again."""

    def __init__(self) -> None:
        self.saved: dict[str, Any] = dict(builtins.__dict__)

    def changed(self) -> bool:
        """Whether a builtin was replaced, added or removed since. Compared by identity: a
        student's ``__eq__`` is never called."""
        current, saved = builtins.__dict__, self.saved
        return len(current) != len(saved) or any(current.get(k, saved) is not v
                                                 for k, v in saved.items())

    def restore(self) -> None:
        """Put every builtin back as it was, and remove the ones added since."""
        if self.changed():
            current = builtins.__dict__
            current.clear()
            current.update(self.saved)
