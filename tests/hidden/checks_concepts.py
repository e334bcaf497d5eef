"""Checks of the optional part ``concepts``: short answers in convolutions/concepts.py."""

from autograder.grade.bank import CheckFailed, check
from autograder.grade.judge import describe

PART = "concepts"

# question -> (expected type, answer)
ANSWERS = [
    ("fc_parameter_count", dict(kind="int", answer=10**12)),
    ("conv_parameter_count", dict(kind="int", answer=441)),
    ("transposed_edge_response", dict(kind="str", answer="b")),
    ("receptive_field", dict(kind="int", answer=7)),
    ("output_shape", dict(kind="tuple", answer=[10, 15])),
]


@check("concepts.answer", PART, "concepts.{question}()",
       cases=[(q, dict(question=q, **a)) for q, a in ANSWERS],
       # The answers themselves cannot be public: only their types are checked.
       public=["test_integer_answers", "test_multiple_choice_answer", "test_shape_answer"])
def answer(student, question, kind, answer) -> None:
    obs = student.probe("concept", name=question)["value"]
    if obs.get("kind") != kind:
        raise CheckFailed(f"concepts.{question}() returned {describe(obs)}, expected a {kind}")
    value = [i.get("value") for i in obs["items"]] if kind == "tuple" else obs.get("value")
    if kind == "tuple" and any(i.get("kind") != "int" for i in obs["items"]):
        raise CheckFailed(f"concepts.{question}() must return a tuple of ints")
    if kind == "str":
        value = value.strip().lower()
    if value != answer:
        raise CheckFailed(f"concepts.{question}() is not the right answer")
