"""The rubric parser: the real answers.md, and edits that break its conventions fail loudly."""

from __future__ import annotations

import pytest

from autograder import paths
from autograder.frontends.handout import ANSWERS, load_handout
from autograder.grade.bank import load_scheme
from autograder.written.rubric import RubricError, check_points, load_rubric, parse

TEXT = ANSWERS.read_text(encoding="utf-8")


def test_real_rubric_matches_the_handout_and_parts_toml():
    rubric = load_rubric()
    handout = load_handout()
    assert rubric.ids == tuple(q.id for q in handout.questions)  # the same order
    assert {q.id: q.points for q in rubric.questions} == \
        {q.id: q.points for q in handout.questions}
    check_points(rubric, sum(load_scheme(paths.MANIFEST).manual.values()))


def test_real_rubric_levels():
    rubric = load_rubric()
    q = rubric.question("6.2-2")
    assert q is not None and q.item_ids == ("2", "1.5", "1", "0.5", "0")
    assert q.level("1.5").points == 1.5 and q.level("1.5").text.startswith("(i) complete")
    assert "\n" not in q.level("2").text  # continuation lines joined
    for q in rubric.questions:
        assert q.levels[0].points == q.points and q.levels[-1].points == 0
        assert q.model_answer.startswith("**Model answer")
        assert "<!--" not in q.model_answer  # the hint comments are not shown to graders
    assert rubric.item_ids() == ("2", "1.5", "1", "0.5", "0")
    assert rubric.guidance.startswith("General guidance")


def _broken(old: str, new: str, count: int = 1) -> str:
    assert old in TEXT, old
    return TEXT.replace(old, new, count)


@pytest.mark.parametrize("old, new, message", [
    ("* **1:** a plausible example", "* **1** a plausible example",
     r"answers.md:\d+: .*expected a level"),
    ("* **1:** a plausible example", "* **3:** a plausible example", r"lists 3 after 2"),
    ("* **0:** restating the definition", "* **1:** restating the definition",
     r"lists 1 after 1"),
    ("**Rubric.**\n\n* **2:** a concrete", "**Rubric**\n\n* **2:** a concrete",
     r"6.1-2 needs exactly one '\*\*Rubric.\*\*' line, found 0"),
    ("## 6.1-3: Boundary pixels (2 points)", "## 6.1-3 Boundary pixels (2 points)",
     r"answers.md:\d+: a question's heading must read"),
    ("## 6.1-3: Boundary pixels (2 points)", "## 6.1-3: Boundary pixels (3 points)",
     r"6.1-3 is worth 3 points but its rubric's top level gives 2"),
    ("| 6.1-4 | a convolutional layer for audio | 1 |", "| 6.1-4 | audio | 2 |",
     r"6.1-4 is worth 2 points in the table and 1 in its heading"),
    ("| 6.1-4 | a convolutional layer for audio | 1 |", "", r"the points table lists"),
    ("| | **total** | **10** |", "| | **total** | **11** |", r"total row .* says 11"),
    ("| 6.1-5 | convolutions for text | 1 |", "| 6.1-5 | convolutions for text | one |",
     r"answers.md:\d+: a points-table row must read"),
    ("  object that moves\", \"translation invariance makes training slower\").",
     "object that moves\", \"translation invariance makes training slower\").",
     r"expected a level .* or its continuation"),
])
def test_broken_rubric_fails_loudly(old, new, message):
    with pytest.raises(RubricError, match=message):
        parse(_broken(old, new))


def test_a_question_with_a_single_level_is_refused():
    text = _broken("* **1:** a plausible example with a correct reason but no remedy; or only a "
                   "generic statement\n  (\"sometimes position matters\") with a remedy; or a "
                   "remedy-only answer.\n* **0:** restating the definition, no example, or a "
                   "wrong claim (e.g. \"a CNN cannot detect an\n  object that moves\", "
                   "\"translation invariance makes training slower\").\n", "")
    with pytest.raises(RubricError, match=r"rubric of 6.1-2 lists 1 level"):
        parse(text)


def test_two_sections_for_one_question_are_refused():
    section = TEXT[TEXT.index("## 6.1-5:"):TEXT.index("## Optional part")]
    with pytest.raises(RubricError, match=r"6.1-5 has two sections"):
        parse(TEXT.replace("## Optional part", section + "## Optional part"))


def test_points_disagreeing_with_parts_toml_are_refused():
    with pytest.raises(RubricError, match=r"worth 10 points in answers.md and 12 in parts.toml"):
        check_points(load_rubric(), 12)
