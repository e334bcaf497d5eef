"""autograder.assign.regions: solution regions parsed back into what their markers declare."""

from __future__ import annotations

import textwrap

import pytest
from hypothesis import given

from autograder.assign.regions import (BEGIN, END, HINT_LEVELS, StubError, function_spans,
                                       level_index, parse_regions)
from tests.unit.strategies import ModuleSpec, reference_modules


@given(reference_modules())
def test_regions_give_back_what_their_markers_declare(module: ModuleSpec) -> None:
    regions = parse_regions(module.source)
    lines = module.source.splitlines()
    assert [r.function for r in regions] == [s.function for s in module.regions]
    for region, spec in zip(regions, module.regions):
        assert lines[region.start].strip() == BEGIN and lines[region.end].strip() == END
        assert region.indent == lines[region.start][: len(region.indent)]
        assert not lines[region.start][len(region.indent):].startswith(" ")
        assert region.tasks == spec.tasks
        assert region.hints == spec.hints
        assert region.answers == spec.answers
        assert any(spec.secret in line for line in lines[region.start:region.end])


def test_a_region_belongs_to_its_innermost_function() -> None:
    source = textwrap.dedent(f'''
        class Outer:
            class Inner:
                def method(self):
                    def helper():
                        {BEGIN}
                        ### TASK: t
                        return 1
                        {END}
                    return helper()

        async def coroutine():
            {BEGIN}
            ### TASK: t
            return 2
            {END}
    ''')
    assert [r.function for r in parse_regions(source)] == ["Outer.Inner.method.helper",
                                                           "coroutine"]


def test_function_spans_are_qualified_and_one_based() -> None:
    source = "def f():\n    def g():\n        pass\n\nclass A:\n    def m(self):\n        pass\n"
    assert function_spans(source) == [(1, 3, "f"), (2, 3, "f.g"), (6, 7, "A.m")]


def test_hint_levels_are_ordered_and_unknown_ones_named() -> None:
    assert [level_index(level) for level in HINT_LEVELS] == list(range(len(HINT_LEVELS)))
    with pytest.raises(ValueError, match="unknown hint level 'nudg'.*none, nudge, method, full"):
        level_index("nudg")


def _region(*head: str, code: str = "return 1") -> str:
    body = "".join(f"    {line}\n" for line in (BEGIN, *head, code, END))
    return f"def f():\n{body}"


@pytest.mark.parametrize("source, problem", [
    (_region("### TASK: t", "### HINT nuge: misspelt"), "hint level 'nuge' is not one of"),
    (_region("### TASKS: t"), "unknown marker"),
    (_region("### TASK: t", "### HINT: no level"), "hint level ''"),
    (_region("### HINT nudge: h", "### TASK: t"), "TASK lines come first"),
    (_region("### TASK: t", "### ANSWER: "), "empty ANSWER"),
    (_region("### TASK: t", "### ANSWER none: a"), "answer level 'none'"),
    (_region("### TASK: t", code="x = 1\n    ### HINT nudge: late"),
     "marker after the region's code"),
    (_region("### TASK: t", code=f"x = 1\n    {BEGIN}"), "nested"),
    (_region("### HINT nudge: h"), "no '### TASK:' line"),
    (f"def f():\n    {BEGIN}\n    ### TASK: t\n    return 1\n", "without"),
    (f"def f():\n    return 1\n    {END}\n", "without"),
    (f"{BEGIN}\n### TASK: t\nA = 1\n{END}\n", "outside a function"),
])
def test_malformed_regions_are_refused_with_their_line(source: str, problem: str) -> None:
    with pytest.raises(StubError, match=problem) as error:
        parse_regions(source, "m.py")
    assert str(error.value).startswith("m.py:")


def test_a_source_without_regions_has_none() -> None:
    assert parse_regions("def f():\n    # ### not a marker\n    return 1\n") == []
