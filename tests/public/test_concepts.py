"""Public tests for the optional part ``concepts``: only the answers' types are checked here."""

import pytest

from convolutions import concepts

pytestmark = pytest.mark.concepts


@pytest.mark.parametrize("name", ["fc_parameter_count", "conv_parameter_count", "receptive_field"])
def test_integer_answers(name: str) -> None:
    answer = getattr(concepts, name)()
    assert type(answer) is int, f"concepts.{name}() must return an int, got {type(answer).__name__}"


def test_multiple_choice_answer() -> None:
    answer = concepts.transposed_edge_response()
    assert answer in ("a", "b", "c", "d"), f"answer {answer!r}, expected one of 'a', 'b', 'c', 'd'"


def test_shape_answer() -> None:
    answer = concepts.output_shape()
    assert type(answer) is tuple and len(answer) == 2 and all(type(v) is int for v in answer), (
        f"concepts.output_shape() must return a pair of ints, got {answer!r}"
    )
