"""What the judge's tests share: observations as the judge receives them, and the failure a
judging call raises."""

import pytest

from autograder.grade.bank import CheckFailed
from autograder.sandbox import codec, wire


def observe(value) -> dict:
    """What the judge receives for ``value``: the worker's description, across the wire."""
    return wire.roundtrip(codec.encode_value(value))


def failure(fn, *args, **kwargs) -> CheckFailed:
    with pytest.raises(CheckFailed) as caught:
        fn(*args, **kwargs)
    return caught.value
