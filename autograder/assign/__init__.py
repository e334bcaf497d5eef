"""``python -m autograder build stubs``: generate the student stubs from the reference solutions."""

from .stubs import StubError, generate_package, make_stub, stale_files

__all__ = ["StubError", "generate_package", "make_stub", "stale_files"]
