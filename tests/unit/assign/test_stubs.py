"""autograder.assign.stubs: regions become a TODO and a raise; everything else is kept verbatim.

Whether the committed stubs are up to date is a repository check: tests/repo/test_stubs.py.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given

from autograder.assign import StubError, make_stub
from autograder.assign.regions import BEGIN, END, parse_regions
from autograder.assign.stubs import generate_package, stale_files, tree_differences
from tests.unit.strategies import ModuleSpec, reference_modules


def _generated(line: str) -> bool:
    """A line make_stub writes in place of a region."""
    text = line.strip()
    return text.startswith(("# TODO: ", "#       ", "raise NotImplementedError("))


@given(reference_modules())
def test_stubs_keep_everything_outside_the_regions_verbatim(module: ModuleSpec) -> None:
    source = module.source.splitlines()
    inside = {i for r in parse_regions(module.source) for i in range(r.start, r.end + 1)}
    outside = [line for i, line in enumerate(source) if i not in inside]
    assert [line for line in make_stub(module.source).splitlines() if not _generated(line)] \
        == outside


@given(reference_modules())
def test_stubs_keep_the_tasks_and_drop_hints_answers_and_code(module: ModuleSpec) -> None:
    stub = make_stub(module.source)
    todo = [line.strip() for line in stub.splitlines() if line.strip().startswith("#  ")
            or line.strip().startswith("# TODO: ")]
    assert todo == [f"# {'TODO:' if i == 0 else '     '} {task}" for spec in module.regions
                    for i, task in enumerate(spec.tasks)]
    assert not any(spec.secret in stub for spec in module.regions)  # the solution code
    assert BEGIN not in stub and END not in stub and "###" not in stub  # markers, hints, answers


@given(reference_modules())
def test_every_stubbed_function_raises_naming_itself(module: ModuleSpec) -> None:
    namespace: dict = {}
    exec(compile(make_stub(module.source), "stub", "exec"), namespace)
    for spec in module.regions:
        owner, _, name = spec.function.rpartition(".")
        function = getattr(namespace[owner](), name) if owner else namespace[name]
        with pytest.raises(NotImplementedError, match=f"^{spec.function}: not implemented yet"):
            function(0)


def test_region_becomes_todo_and_raise() -> None:
    source = textwrap.dedent('''
        class Layer:
            def forward(self, x):
                """Doc."""
                ### BEGIN SOLUTION
                ### TASK: Double x.
                ### TASK: Then return it.
                return 2 * x
                ### END SOLUTION
    ''')
    stub = make_stub(source)
    assert "return 2 * x" not in stub
    assert "        # TODO: Double x.\n        #       Then return it.\n" in stub
    assert 'raise NotImplementedError("Layer.forward: not implemented yet (see the TODO)")' in stub
    namespace: dict = {}
    exec(compile(stub, "stub", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="Layer.forward"):
        namespace["Layer"]().forward(1)


@pytest.mark.parametrize("source, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    ### TASK: x\n    return 1\n", "without"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### TASK: x\nA = 1\n### END SOLUTION\n", "outside a function"),
    ("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n", "TASK"),
])
def test_malformed_regions_are_rejected(source: str, problem: str) -> None:
    with pytest.raises(StubError, match=problem):
        make_stub(source)


def test_a_stub_that_would_not_compile_is_refused() -> None:
    # Markers are comments, so they may sit left of the code they replace; the raise would then
    # leave the function without a body. make_stub compiles what it writes.
    source = "def f(x):\n### BEGIN SOLUTION\n### TASK: t\n    return 1\n### END SOLUTION\n"
    with pytest.raises(SyntaxError, match=r"\(stub\)"):
        make_stub(source, "m.py")


# -- packages


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


SOLUTION = "def f():\n    ### BEGIN SOLUTION\n    ### TASK: t\n    return 1\n    ### END SOLUTION\n"


def test_generate_package_stubs_sources_copies_data_and_replaces_the_old_tree(tmp_path) -> None:
    src = _tree(tmp_path / "src", {"a.py": SOLUTION, "sub/b.py": "B = 1\n", "data.txt": "x",
                                   "__pycache__/a.cpython-311.pyc": "junk"})
    dst = _tree(tmp_path / "dst", {"stale.py": "old\n"})
    written = generate_package(src, dst)
    assert sorted(written) == [dst / "a.py", dst / "data.txt", dst / "sub" / "b.py"]
    assert sorted(p.relative_to(dst).as_posix() for p in dst.rglob("*") if p.is_file()) \
        == ["a.py", "data.txt", "sub/b.py"]
    assert (dst / "a.py").read_text() == make_stub(SOLUTION)
    assert (dst / "sub" / "b.py").read_text() == "B = 1\n"
    assert (dst / "data.txt").read_text() == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dst", "src"]  # no .tmp left


def test_a_malformed_source_leaves_the_old_stubs_in_place(tmp_path) -> None:
    src = _tree(tmp_path / "src", {"a.py": SOLUTION.replace("### TASK: t\n", "")})
    dst = _tree(tmp_path / "dst", {"a.py": "old\n"})
    with pytest.raises(StubError):
        generate_package(src, dst)
    assert (dst / "a.py").read_text() == "old\n"


def test_stale_files_name_every_difference(tmp_path) -> None:
    src = _tree(tmp_path / "src", {"a.py": SOLUTION, "b.py": "B = 1\n", "c.txt": "c"})
    dst = tmp_path / "dst"
    generate_package(src, dst)
    assert stale_files(src, dst) == []
    (dst / "b.py").write_text("B = 2\n")  # edited by hand
    (dst / "c.txt").unlink()  # missing
    (dst / "extra.py").write_text("")  # not generated
    (dst / "__pycache__").mkdir()
    (dst / "__pycache__" / "b.cpython-311.pyc").write_text("cache")  # caches do not count
    assert stale_files(src, dst) == ["b.py", "c.txt", "extra.py"]
    assert tree_differences(dst, tmp_path / "absent") == ["a.py", "b.py", "extra.py"]
