"""The public tests' scorer (``frontends/public_scores.py``) and the Classroom 50 material
(``frontends/classroom50.py``): a result.json and an assignments.json entry that Classroom 50's
contracts accept (``classroom50_contract``), whole points however the parts' points are written,
the outputs' wording, what the scorer trusts of a submission, and a public bundle that is small
and holds nothing secret. Running the built autograder on the reference and the stubs is
tests/repo/test_classroom50.py."""

from __future__ import annotations

import io
import json
import sys
import tarfile
import textwrap
from pathlib import Path

import pytest

from autograder import paths, pins
from autograder.frontends import classroom50, material
from autograder.frontends import public_scores as ps
from autograder.frontends.platform import ReleaseOptions
from tests.unit.frontends.classroom50_contract import assignments_errors, result_errors

RUNNER_ENV = {"CLASSROOM": "cs101", "ASSIGNMENT": classroom50.SLUG,
              "SUBMISSION_TAG": "submit/2026-09-30T12-00-00Z-0123abc",
              "COMMIT_URL": "https://github.com/org/r/commit/0123abc",
              "RELEASE_URL": "https://github.com/org/r/releases/tag/submit%2F2026",
              "REVIEW_URL": "https://github.com/org/r/compare/a...0123abc",
              "USERNAME": "alice", "OWNER": "alice", "ASSIGNMENT_TYPE": "individual"}


def _config(*points: float, manual: float = 10) -> ps.Config:
    parts = tuple(ps.Part(f"p{i}", "optional" if i == len(points) - 1 else "auto", p, f"part {i}")
                  for i, p in enumerate(points))
    return ps.Config("convolutions", ("tests/public", "pyproject.toml"), parts,
                     (ps.Part("written", "manual", manual, "by hand"),))


def _outcomes(config: ps.Config, passed: list[bool]) -> list[ps.Outcome]:
    return [ps.Outcome(p, ok, "" if ok else "a public test failed",
                       () if ok else ("FAILED tests/public/test_x.py::test_y - assert 1 == 2",))
            for p, ok in zip(config.parts, passed, strict=True)]


# ------------------------------------------------------------------------- result.json ----

def test_the_result_is_valid_classroom50_and_sums_its_parts() -> None:
    config = _config(15, 20, 5)
    document = ps.result_document(config, _outcomes(config, [True, False, True]), RUNNER_ENV)
    assert result_errors(document) == []
    assert [(t["test-name"], t["score"], t["max-score"]) for t in document["tests"]] == [
        ("p0", 15, 15), ("p1", 0, 20), ("p2", 5, 5)]
    assert (document["score"], document["max-score"]) == (20, 40)
    assert document["submission"] == RUNNER_ENV["SUBMISSION_TAG"]
    assert document["review"] == RUNNER_ENV["REVIEW_URL"]


@pytest.mark.parametrize(("points", "scale"), [((15, 20, 10), 1), ((2.5, 1, 0.5), 10),
                                               ((0.25, 1.5), 100), ((0.125,), 1000)])
def test_fractional_points_are_scaled_alike_to_whole_numbers(points, scale) -> None:
    assert ps.integer_scale(points) == scale
    config = _config(*points)
    document = ps.result_document(config, _outcomes(config, [True] * len(points)), RUNNER_ENV)
    assert result_errors(document) == []
    assert [t["max-score"] for t in document["tests"]] == [round(p * scale) for p in points]
    assert [t["points"] for t in document["tests"]] == list(points)
    text = ps.markdown(config, _outcomes(config, [True] * len(points)))
    assert (f"×{scale}" in text) == (scale != 1)


def test_points_that_cannot_be_made_whole_are_refused() -> None:
    with pytest.raises(ps.ScoreError, match="decimals"):
        ps.integer_scale([1 / 3])


def test_the_result_needs_the_runner_environment() -> None:
    config = _config(10, 5)
    env = {k: v for k, v in RUNNER_ENV.items() if k not in ("SUBMISSION_TAG", "RELEASE_URL")}
    with pytest.raises(ps.ScoreError, match="SUBMISSION_TAG, RELEASE_URL"):
        ps.result_document(config, _outcomes(config, [True, True]), env)
    no_review = {k: v for k, v in RUNNER_ENV.items() if k != "REVIEW_URL"}
    document = ps.result_document(config, _outcomes(config, [True, True]), no_review)
    assert document["review"] == RUNNER_ENV["COMMIT_URL"]


def test_the_contract_check_catches_what_classroom50_refuses() -> None:
    config = _config(10, 5)
    good = ps.result_document(config, _outcomes(config, [True, True]), RUNNER_ENV)
    for broken in ({**good, "score": 16}, {**good, "score": True},
                   {**good, "tests": [{**good["tests"][0], "score": 11}]},
                   {**good, "submission": "v1"}, {**good, "datetime": "2026-09-30"},
                   {**good, "usernames": ["alice"]}, {k: v for k, v in good.items()
                                                      if k != "review"}):
        assert result_errors(broken), broken


# ------------------------------------------------------------------------ the outputs ----

def test_the_table_names_every_part_the_manual_ones_and_what_the_points_mean() -> None:
    config = _config(15, 20, 5)
    outcomes = _outcomes(config, [True, False, True])
    text = ps.markdown(config, outcomes)
    assert text.startswith("### Public tests: 20 / 40 points\n")
    for o in outcomes:
        earned = o.part.points if o.passed else 0
        assert f"| {earned:g} / {o.part.points:g} |" in text
    assert "`p2` (optional)" in text and "Not scored here: `written` (10 points)" in text
    assert ps.GRADE_NOTE in text and "python -m autograder grade" in text
    assert "FAILED tests/public/test_x.py::test_y" in text


def test_untrusted_text_cannot_break_the_table_or_its_fences() -> None:
    part = ps.Part("p0", "auto", 1, "a | b")
    outcome = ps.Outcome(part, False, "x | y", ("```", "````` and | more"))
    text = ps.markdown(ps.Config("convolutions", (), (part,), ()), [outcome])
    assert "a \\| b" in text and "x \\| y" in text
    assert "\n``````\n" in text  # a fence longer than the longest run of backticks inside


def test_annotations_carry_no_student_text() -> None:
    config = _config(15, 5)
    outcomes = [ps.Outcome(config.parts[0], False, "::add-mask::x", ("::stop-commands::y",)),
                ps.Outcome(config.parts[1], True, "")]
    lines = ps.annotations(outcomes)
    assert lines == ["::error title=Public tests of p0::0 / 15 points: see the job summary"]


# ----------------------------------------------------------- what the scorer trusts ----

MATERIAL_TEST = '''\
import pytest
import convolutions


@pytest.mark.p0
def test_value():
    assert convolutions.VALUE == 1


@pytest.mark.p1
def test_other():
    assert convolutions.OTHER == 2
'''
MATERIAL_CONFTEST = '''\
import os
import sys

sys.path.insert(0, os.environ["CONVOLUTIONS_IMPL"])
'''


@pytest.fixture
def fake_material(tmp_path: Path) -> Path:
    """A material folder like the real one, in miniature: two parts, no torch."""
    root = tmp_path / "material"
    (root / "tests" / "public").mkdir(parents=True)
    (root / "tests" / "public" / "test_parts.py").write_text(MATERIAL_TEST)
    (root / "tests" / "public" / "conftest.py").write_text(MATERIAL_CONFTEST)
    (root / "pyproject.toml").write_text(
        '[tool.pytest.ini_options]\nmarkers = ["p0: part 0", "p1: part 1"]\n'
        'filterwarnings = ["error::pytest.PytestUnknownMarkWarning"]\n')
    return root


def _submission(tmp_path: Path, package: str, **extra: str) -> Path:
    root = tmp_path / "submission"
    (root / "convolutions").mkdir(parents=True)
    (root / "convolutions" / "__init__.py").write_text(textwrap.dedent(package))
    for name, text in extra.items():
        (root / name.replace("__", "/")).parent.mkdir(parents=True, exist_ok=True)
        (root / name.replace("__", "/")).write_text(textwrap.dedent(text))
    return root


def _score(fake_material: Path, submission: Path, **kwargs) -> dict[str, tuple[bool, str]]:
    config = _config(3, 2)
    outcomes = ps.score(config, fake_material, submission, echo=False, **kwargs)
    return {o.part.id: (o.passed, o.message) for o in outcomes}


def test_a_part_passes_when_its_tests_pass(fake_material, tmp_path) -> None:
    submission = _submission(tmp_path, "VALUE = 1\nOTHER = 3\n")
    assert _score(fake_material, submission) == {
        "p0": (True, ""), "p1": (False, ps.EXIT_MESSAGES[1])}


def test_what_the_submission_adds_besides_its_package_is_ignored(fake_material, tmp_path,
                                                                 monkeypatch) -> None:
    """A conftest.py, pytest.ini and pytest.py beside the package, and PYTEST_ADDOPTS, would
    each make every test pass or vanish; none of them reaches pytest."""
    passing = "import pytest\n\n@pytest.fixture(autouse=True)\ndef _pass():\n    pytest.skip()\n"
    submission = _submission(tmp_path, "VALUE = 0\nOTHER = 0\n", conftest__py=passing,
                             pytest__ini="[pytest]\naddopts = --co\n",
                             pytest__py="raise SystemExit(0)\n",
                             tests__public__test_parts__py="def test_nothing():\n    pass\n")
    monkeypatch.setenv("PYTEST_ADDOPTS", "--collect-only")
    scores = _score(fake_material, submission)
    assert scores == {"p0": (False, ps.EXIT_MESSAGES[1]), "p1": (False, ps.EXIT_MESSAGES[1])}


def test_code_that_ends_its_process_early_does_not_pass(fake_material, tmp_path) -> None:
    submission = _submission(tmp_path, "import os\nos._exit(0)\n")
    for passed, message in _score(fake_material, submission).values():
        assert not passed and "report shows no passing run" in message


def test_a_part_that_runs_too_long_is_stopped(fake_material, tmp_path) -> None:
    submission = _submission(tmp_path, "import time\nVALUE = 1\nOTHER = 2\ntime.sleep(60)\n")
    scores = _score(fake_material, submission, timeout=2, budget=2.5)
    assert scores["p0"][0] is False and "stopped after 2 s" in scores["p0"][1]
    assert scores["p1"][0] is False and "not run" in scores["p1"][1]


def test_a_submission_without_its_package_fails_every_part(fake_material, tmp_path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    expected = ps.MISSING_PACKAGE.format(package="convolutions")
    assert _score(fake_material, empty) == {"p0": (False, expected), "p1": (False, expected)}


def test_main_writes_its_outputs_and_exits_1_when_a_part_fails(fake_material, tmp_path,
                                                                monkeypatch, capsys) -> None:
    config = tmp_path / "public_parts.json"
    config.write_text(json.dumps({
        "package": "convolutions", "material": ["tests/public", "pyproject.toml"],
        "parts": [{"id": "p0", "kind": "auto", "points": 1.5, "summary": "zero"},
                  {"id": "p1", "kind": "optional", "points": 1, "summary": "one"}],
        "manual": [{"id": "written", "kind": "manual", "points": 2, "summary": "by hand"}]}))
    submission = _submission(tmp_path, "VALUE = 1\nOTHER = 3\n")
    summary = tmp_path / "summary.md"
    for key, value in RUNNER_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    args = ["--config", str(config), "--material", str(fake_material),
            "--submission", str(submission), "--result", str(tmp_path / "result.json"),
            "--release-body", str(tmp_path / "body.md")]
    assert ps.main(args) == 1
    result = json.loads((tmp_path / "result.json").read_text())
    assert result_errors(result) == []
    assert [(t["score"], t["max-score"]) for t in result["tests"]] == [(15, 15), (0, 10)]
    body = (tmp_path / "body.md").read_text()
    assert summary.read_text() == body + "\n"
    assert "::error title=Public tests of p1::" in capsys.readouterr().out
    summary.unlink()
    assert ps.main([*args, "--no-summary"]) == 1 and not summary.exists()


FORGER = """\
import os, time
VALUE = 0
OTHER = 0
target, forged = os.environ["FORGE_TARGET"], '{"score": 999}'
if os.fork() == 0:  # a session of its own, out of pytest's process group, then orphaned
    os.setsid()
    if os.fork() == 0:
        end = time.monotonic() + 20
        while time.monotonic() < end:
            try:
                if os.path.exists(target) and open(target).read() != forged:
                    open(target, "w").write(forged)
            except OSError:
                pass
            time.sleep(0.01)
    os._exit(0)
raise RuntimeError("\\n::add-mask::VALUE\\n##[error]forged annotation")  # shown by pytest
"""


def _main_args(fake_material: Path, tmp_path: Path, submission: Path) -> list[str]:
    config = tmp_path / "public_parts.json"
    config.write_text(json.dumps({
        "package": "convolutions", "material": ["tests/public", "pyproject.toml"],
        "parts": [{"id": "p0", "kind": "auto", "points": 1, "summary": "zero"},
                  {"id": "p1", "kind": "auto", "points": 1, "summary": "one"}]}))
    return ["--config", str(config), "--material", str(fake_material), "--submission",
            str(submission), "--result", str(tmp_path / "result.json"), "--release-body",
            str(tmp_path / "body.md"), "--no-summary"]


def test_nothing_the_tests_leave_running_rewrites_the_result(fake_material, tmp_path,
                                                             monkeypatch, capsys) -> None:
    """A package that leaves a process in a session of its own, waiting to rewrite
    result.json once the scorer has written it, is killed first; what it prints is not read
    as workflow commands."""
    import time

    for key, value in RUNNER_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    monkeypatch.setenv("FORGE_TARGET", str(tmp_path / "result.json"))
    submission = _submission(tmp_path, FORGER)
    assert ps.main(_main_args(fake_material, tmp_path, submission)) == 1
    time.sleep(0.3)  # the forger rewrote within 10 ms, were it alive
    assert json.loads((tmp_path / "result.json").read_text())["score"] == 0
    out = capsys.readouterr().out.splitlines()
    stops = [i for i, line in enumerate(out) if line.startswith("::stop-commands::")]
    assert stops
    for i in stops:
        token = out[i].removeprefix("::stop-commands::")
        end = out.index(f"::{token}::", i)
        assert any("##[error]forged" in line for line in out[i:end])
    assert not any("forged" in line for i, line in enumerate(out)
                   if not any(s < i < out.index(f"::{out[s][17:]}::", s) for s in stops))


def test_an_output_path_holding_a_link_or_folder_is_replaced(fake_material, tmp_path,
                                                              monkeypatch) -> None:
    """A result.json committed as a link to a forged file (or a folder) is neither followed
    nor left standing."""
    for key, value in RUNNER_ENV.items():
        monkeypatch.setenv(key, value)
    forged = tmp_path / "forged.json"
    forged.write_text('{"score": 999}')
    (tmp_path / "result.json").symlink_to(forged)
    (tmp_path / "body.md").mkdir()
    submission = _submission(tmp_path, "VALUE = 1\nOTHER = 2\n")
    assert ps.main(_main_args(fake_material, tmp_path, submission)) == 0
    assert not (tmp_path / "result.json").is_symlink()
    assert json.loads((tmp_path / "result.json").read_text())["score"] == 2
    assert forged.read_text() == '{"score": 999}' and (tmp_path / "body.md").is_file()


def test_a_broken_parts_file_is_an_error_that_says_what_to_do(tmp_path) -> None:
    config = tmp_path / "public_parts.json"
    config.write_text('{"parts": []}')
    assert ps.main(["--config", str(config)]) == 2
    with pytest.raises(ps.ScoreError, match="make release"):
        ps.load_config(config)


# ---------------------------------------------------------------- the release material ----

def test_the_parts_file_is_the_grading_scheme() -> None:
    from autograder import parts
    from autograder.grade.bank import load_scheme

    scheme = load_scheme(paths.MANIFEST)
    data = material.public_parts()
    scored = {p["id"]: p["points"] for p in data["parts"]}
    assert scored == {**scheme.parts, **scheme.optional}
    assert {p["id"]: p["points"] for p in data["manual"]} == scheme.manual
    assert [p["id"] for p in data["parts"]] == [p.id for p in parts.load() if p.graded_code]
    assert data["package"] == paths.PACKAGE
    assert set(data["material"]) >= {"tests/public", *material.PUBLIC_GRADER_FILES}


def test_the_assignment_entry_is_valid_and_pins_python() -> None:
    document = classroom50.assignments_document()
    assert assignments_errors(document) == []
    entry, = document["assignments"]
    assert (entry["slug"], entry["mode"], entry["autograder"]) == (
        "d2l-convolutions", "individual", "default")
    version = tuple(map(int, entry["runtime"]["python"].split(".")))
    assert version >= tuple(map(int, pins.PYTHON.split(".")))
    assert assignments_errors({**document, "assignments": [entry, entry]})
    assert assignments_errors({**document, "assignments": [
        {**entry, "runtime": {"python": "3.11", "container": {"image": "x"}, "apt": ["git"]}}]})


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return classroom50.build_classroom50(tmp_path_factory.mktemp("dist"), ReleaseOptions())


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_the_release_writes_the_folder_the_entry_and_the_guide(built) -> None:
    bundle = built / "autograders" / classroom50.SLUG
    assert _files(built) == sorted(["README.md", "assignments.json",
                                    *(f"autograders/{classroom50.SLUG}/{f}"
                                      for f in _files(bundle))])
    assert json.loads((built / "assignments.json").read_text()) == \
        classroom50.assignments_document()
    assert (bundle / "autograder.py").read_bytes() == classroom50.ENTRY.read_bytes()
    assert (bundle / "public_scores.py").read_bytes() == material.SCORER.read_bytes()
    assert json.loads((bundle / "public_parts.json").read_text()) == material.public_parts()
    environment = json.loads((bundle / "environment.json").read_text())
    assert (environment["python"], environment["torch"]) == (pins.PYTHON, pins.TORCH)
    assert (bundle / environment["requirements"]).read_text() == \
        paths.STUDENT_REQUIREMENTS.read_text()
    for name in ps.load_config(bundle / "public_parts.json").material:
        assert (bundle / "material" / name).exists(), name
    guide = (built / "README.md").read_text()
    for needed in (classroom50.SLUG, "dist/student", f"autograders/{classroom50.SLUG}/",
                   "assignments.json", "python -m autograder grade", "public"):
        assert needed in guide, needed


def test_the_public_bundle_is_small_and_holds_nothing_secret(built) -> None:
    bundle = built / "autograders" / classroom50.SLUG
    files = _files(bundle)
    assert not [f for f in files if f.startswith(("material/tests/hidden", "tests/hidden"))]
    assert not [f for f in files if "solutions" in f or f.endswith("eval.npz")]
    assert {f.removeprefix("material/") for f in files if f.startswith("material/autograder/")} \
        == set(material.PUBLIC_GRADER_FILES)
    public = {p.relative_to(paths.PUBLIC_TESTS).as_posix() for p in paths.PUBLIC_TESTS.rglob("*")
              if p.is_file() and "__pycache__" not in p.parts}
    assert {f.removeprefix("material/tests/public/") for f in files
            if f.startswith("material/tests/public/")} == public
    hidden = {p.name for p in paths.HIDDEN.rglob("*.py")}
    assert not hidden & {Path(f).name for f in files if not f.startswith("material/tests/public")}
    # what the runner fetches: the folder as publish-pages tars it (<slug>/<files>, gzip)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        tar.add(bundle, arcname=classroom50.SLUG)
    assert classroom50.bundle_size(bundle) <= classroom50.MAX_BUNDLE
    assert len(buffer.getvalue()) <= classroom50.MAX_BUNDLE


def test_a_bundle_over_the_limit_is_refused(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(classroom50, "MAX_BUNDLE", 1000)
    with pytest.raises(classroom50.BundleTooLarge, match="at most 1000"):
        classroom50.build_bundle(tmp_path / "bundle", ReleaseOptions().hints)
    assert not (tmp_path / "bundle").exists()


def test_the_scripts_need_only_the_standard_library() -> None:
    import ast

    for path in (material.SCORER, classroom50.ENTRY):
        imported = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                imported.add((node.module or "").split(".")[0])
        assert imported <= {*sys.stdlib_module_names, "__future__", "public_scores"}, path
