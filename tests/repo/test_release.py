"""``make release``: the student template holds no solution and no hidden check, works on its
own, and the Gradescope zip grades like our grader."""

import ast
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO

from autograder import paths, pins
from autograder.assign.regions import parse_regions
from autograder.grade.bank import load_bank
from autograder.frontends.github import build_student
from autograder.frontends.gradescope import build_gradescope
from autograder.frontends.material import PUBLIC_GRADER_FILES, pytest_config

EXPECTED = json.loads((REPO / "examples" / "expected_scores.json").read_text())


@pytest.fixture(scope="module")
def student(tmp_path_factory) -> Path:
    return build_student(tmp_path_factory.mktemp("dist"))


def _solution_regions() -> list[list[str]]:
    """The code lines (stripped; no TASK, HINT or ANSWER lines) of every solution region of the
    reference."""
    regions = []
    for path in sorted((paths.SOLUTIONS / paths.PACKAGE).glob("*.py")):
        lines = path.read_text().splitlines()
        for region in parse_regions(path.read_text(), str(path)):
            code = [line.strip() for line in lines[region.start + 1 : region.end]]
            regions.append([line for line in code if line and not line.startswith("###")])
    return regions


def _d2l_code() -> str:
    """Code the handout quotes from d2l verbatim (its cells carry d2l's own ``#@save`` marker):
    given to every reader of the book, so not a leak even where the reference agrees with it."""
    import nbformat

    nb = nbformat.read(paths.ASSIGNMENTS / "convolutions.ipynb", as_version=4)
    return "\n".join(c.source for c in nb.cells if c.cell_type == "code" and "#@save" in c.source)


def _texts(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text(errors="replace")
            for p in root.rglob("*") if p.is_file() and p.suffix != ".npz"}


def test_no_solution_code_in_the_student_template(student) -> None:
    texts = _texts(student)
    stubs = "\n".join(p.read_text() for p in (paths.ASSIGNMENTS / paths.PACKAGE).glob("*.py"))
    given = stubs + "\n" + _d2l_code()
    regions = _solution_regions()
    assert len(regions) >= 25
    for lines in regions:
        block = "\n".join(lines)
        # A region's distinctive lines: long enough to mean something, not given code too.
        distinctive = [line for line in lines if len(line) >= 24 and line not in given]
        for name, text in texts.items():
            flat = "\n".join(t.strip() for t in text.splitlines())
            assert block not in flat, f"a whole solution region is in {name}"
            leaked = [line for line in distinctive if line in flat]
            assert not leaked, f"solution code in {name}: {leaked[:3]}"


def test_no_hidden_check_in_the_student_template(student) -> None:
    texts = _texts(student)
    bank = load_bank()
    ids = {c.id.split("[")[0] for c in bank.checks}
    sources = []
    for path in sorted((REPO / "tests" / "hidden").glob("*.py")):
        tree = ast.parse(path.read_text())
        sources += [ast.get_source_segment(path.read_text(), n) for n in ast.walk(tree)
                    if isinstance(n, ast.FunctionDef)]
    for name, text in texts.items():
        found = sorted(i for i in ids if i in text)
        assert not found, f"hidden check ids in {name}: {found}"
        for src in sources:
            body = [ln.strip() for ln in src.splitlines()[1:] if len(ln.strip()) >= 30]
            leaked = [ln for ln in body if ln in text]
            assert len(leaked) < 2, f"hidden check source in {name}: {leaked[:2]}"
    assert not (student / "tests" / "hidden").exists()
    assert not any(p.name == "eval.npz" for p in student.rglob("*"))


def test_template_layout_and_workflow(student) -> None:
    """The workflow and its scorer are there; what the workflow does is
    tests/unit/frontends/test_github_workflow.py."""
    from autograder.frontends.github import SCORER_DIR, WORKFLOW, workflow_yaml
    from autograder.frontends.material import SCORER, SCORER_CONFIG, public_parts

    for name in ("convolutions/__init__.py", "convolutions.ipynb", "README.md", "requirements.txt",
                 "environment.yml", "pyproject.toml", "tests/public/conftest.py",
                 "data/audio_mfcc.npz", "data/text.npz", str(WORKFLOW),
                 str(SCORER_DIR / SCORER.name), str(SCORER_DIR / SCORER_CONFIG),
                 *PUBLIC_GRADER_FILES):
        assert (student / name).is_file(), name
    assert sorted(p.name for p in (student / WORKFLOW).parent.iterdir()) == [WORKFLOW.name]
    assert (student / WORKFLOW).read_text() == workflow_yaml()
    assert (student / SCORER_DIR / SCORER.name).read_bytes() == SCORER.read_bytes()
    config = json.loads((student / SCORER_DIR / SCORER_CONFIG).read_text())
    assert config == public_parts()
    bank = load_bank()
    assert {p["id"]: p["points"] for p in config["parts"]} == {**bank.scheme.parts,
                                                               **bank.scheme.optional}


@pytest.mark.slow  # every part's public tests, one process each (~30 s)
def test_the_workflows_scorer_step_on_the_reference(student, tmp_path) -> None:
    """The workflow's last step, run as GitHub runs it (bash, at the repository's root, with
    $GITHUB_STEP_SUMMARY), in the template with the reference's package: every part passes, with
    the points ``python -m autograder grade`` gives the reference, and the summary says so."""
    from autograder.frontends.github import scorer_command, workflow

    step = workflow()["jobs"]["public-tests"]["steps"][-1]
    assert step["run"] == scorer_command()
    work = tmp_path / "repository"
    shutil.copytree(student, work)
    shutil.rmtree(work / "convolutions")
    shutil.copytree(paths.SOLUTIONS / paths.PACKAGE, work / "convolutions")
    summary = tmp_path / "summary.md"
    python = Path(sys.executable).parent
    env = {**os.environ, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_ACTIONS": "true",
           "PATH": f"{python}{os.pathsep}{os.environ['PATH']}"}
    env.pop("CONVOLUTIONS_IMPL", None)
    proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=work, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "::error" not in proc.stdout
    text = summary.read_text()
    expected = EXPECTED["reference"]
    assert text.startswith(f"### Public tests: {sum(expected.values()):g} / "
                           f"{sum(expected.values()):g} points")
    for part, points in expected.items():
        assert f"`{part}`" in text and f"| {points:g} / {points:g} | passed |" in text, part
    assert "python -m autograder grade" in text


def test_student_pytest_config_is_the_one_function(student) -> None:
    """The template's pyproject.toml is ``pytest_config()``: valid TOML, the public tests, the
    repository's markers."""
    import tomllib

    text = (student / "pyproject.toml").read_text()
    assert text == pytest_config()
    options = tomllib.loads(text)["tool"]["pytest"]["ini_options"]
    ours = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert options["testpaths"] == ["tests/public"]
    assert options["markers"] == ours.get("markers", [])


def test_gradescope_scripts_are_the_templates_with_the_pins() -> None:
    from autograder.frontends.gradescope import SCRIPTS, TEMPLATES, render

    for name in SCRIPTS:
        text = render(name)
        assert "{{" not in text and "{%" not in text, name
        assert text.startswith("#!/usr/bin/env bash\n"), name
        assert (TEMPLATES / f"{name}.j2").is_file()
    assert f"torch=={pins.TORCH}" in render("setup.sh")


def test_gradescope_zip_holds_the_scripts_the_grader_bundle_and_its_requirements(tmp_path) -> None:
    from autograder import bundle
    from autograder.frontends.gradescope import REQUIREMENTS, SCRIPTS

    files = [*bundle.grader_files(), REQUIREMENTS]
    with zipfile.ZipFile(build_gradescope(tmp_path / "dist")) as zf:
        assert zf.namelist() == [*SCRIPTS, *(p.relative_to(REPO).as_posix() for p in files)]
        for path in files:
            assert zf.read(path.relative_to(REPO).as_posix()) == path.read_bytes(), path


def test_template_ships_the_grader_files_the_public_tests_use_and_no_other(student) -> None:
    """The rule guard and the tolerances, byte for byte the grader's own, importing nothing but
    torch and the standard library; no other grader file (judge, probes, the bank's wire)."""
    shipped = sorted(str(p.relative_to(student)) for p in (student / "autograder").rglob("*")
                     if p.is_file())
    assert shipped == sorted(PUBLIC_GRADER_FILES)
    for name in PUBLIC_GRADER_FILES:
        source = (student / name).read_text()
        assert source == (REPO / name).read_text(), f"{name} differs from the grader's"
        if not name.endswith(".py"):
            continue  # data the grader files read (the parts registry)
        imported = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{name} makes a relative import"
                imported.add((node.module or "").split(".")[0])
        assert imported <= {"torch", *sys.stdlib_module_names}, f"{name} imports {imported}"
    public = "\n".join(p.read_text() for p in (student / "tests" / "public").glob("*.py"))
    for name in PUBLIC_GRADER_FILES:
        if not name.endswith(".py"):
            continue
        parts = Path(name).relative_to("autograder").parts
        loads = (" / ".join(f'"{p}"' for p in parts), f'"{parts[-1]}"',
                 *([f'GRADER / "{parts[0]}").glob("*.py")'] if len(parts) > 1 else []))
        assert any(text in public for text in loads), f"no public test loads {name}"


def _public_tests(student: Path, package: Path) -> subprocess.CompletedProcess:
    work = student.parent / f"check-{package.parent.name}"
    shutil.copytree(student, work)
    shutil.rmtree(work / "convolutions")
    shutil.copytree(package, work / "convolutions")
    env = {k: v for k, v in os.environ.items() if k != "CONVOLUTIONS_IMPL"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=work, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow  # the public tests in the released template (~20 s)
def test_template_public_tests_run_on_their_own(student) -> None:
    reference = _public_tests(student, paths.SOLUTIONS / paths.PACKAGE)
    assert reference.returncode == 0, reference.stdout[-3000:]
    stubs = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                           cwd=student, capture_output=True, text=True, timeout=300)
    assert stubs.returncode == 1 and " passed" not in stubs.stdout.splitlines()[-1]


@pytest.mark.slow
@pytest.mark.parametrize("example", ["reference", "d2l-style-zeros"])
def test_gradescope_zip_in_a_fake_autograder_tree(tmp_path, example) -> None:
    archive = build_gradescope(tmp_path / "dist")
    root = tmp_path / "autograder"
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root / "source")
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())
        assert f"torch=={pins.TORCH}" in zf.read("setup.sh").decode()
        mode = zf.getinfo("run_autograder").external_attr >> 16
        assert mode & 0o111, "run_autograder must be executable"
    os.chmod(root / "source" / "run_autograder", 0o755)
    shutil.copytree(REPO / "examples" / "submissions" / example, root / "submission")
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADER_PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    results = json.loads((root / "results" / "results.json").read_text())
    parts = {p: v["score"] for p, v in results["extra_data"]["parts"].items()}
    assert parts == EXPECTED[example]
    assert all({"name", "score", "max_score", "status", "visibility", "tags"} <= set(t)
               for t in results["tests"])
