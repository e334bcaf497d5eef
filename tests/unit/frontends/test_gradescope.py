"""Gradescope's scripts and what run_autograder runs: the Python that setup.sh picks (fake
interpreters in front of the path), the rendered scripts' syntax, the layout of an upload of
loose modules, the modes of the unpacked zip, the check visibility of the release, and the
refusal to grade when student code would run as root."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import zipfile
from pathlib import Path

import pytest

from autograder import bundle, parts, paths, pins
from autograder.frontends import gradescope, gradescope_run, layout
from autograder.frontends.platform import ReleaseOptions

BASH = shutil.which("bash") or "/bin/bash"

# -- find_python.sh


def _fake_python(bin_dir: Path, name: str, version: str, venv: bool = True) -> Path:
    """A ``name`` that answers find_python.sh's probe as ``version`` (with or without venv)."""
    path = bin_dir / name
    path.write_text(f"#!{BASH}\necho '{version} {'venv' if venv else 'no-venv'}'\n")
    path.chmod(0o755)
    return path


def _bin(tmp_path: Path) -> Path:
    """A folder that will be the whole PATH: only the fakes and the tools the script uses."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("mkdir", "cp", "chmod"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    return bin_dir


def _find_python(tmp_path: Path, bin_dir: Path, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "find_python.sh"
    script.write_text(gradescope.render("find_python.sh"))
    return subprocess.run([BASH, str(script), *args], env={"PATH": str(bin_dir)},
                          capture_output=True, text=True, timeout=60, check=False)


def test_an_older_python3_first_then_the_pinned_one_is_picked(tmp_path: Path) -> None:
    bin_dir = _bin(tmp_path)
    _fake_python(bin_dir, "python3", "3.10")
    pinned = _fake_python(bin_dir, f"python{pins.PYTHON}", pins.PYTHON)
    proc = _find_python(tmp_path, bin_dir)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(pinned)
    assert _find_python(tmp_path, bin_dir, "apt-packages").stdout.strip() == ""


def test_a_new_enough_python3_is_picked_first(tmp_path: Path) -> None:
    bin_dir = _bin(tmp_path)
    newer = _fake_python(bin_dir, "python3", "3.13")
    _fake_python(bin_dir, f"python{pins.PYTHON}", pins.PYTHON)
    assert _find_python(tmp_path, bin_dir).stdout.strip() == str(newer)


@pytest.mark.parametrize(("fakes", "packages"), [
    ({"python3": ("3.10", True)}, f"python{pins.PYTHON} python{pins.PYTHON}-venv"),
    ({"python3": ("3.10", True), f"python{pins.PYTHON}": (pins.PYTHON, False)},
     f"python{pins.PYTHON}-venv"),
    ({"python3": ("3.12", False)}, "python3.12-venv"),  # Ubuntu 24.04 without python3-venv
    ({"python3": ("3.9", True), f"python{pins.PYTHON}": ("3.10", True)},
     f"python{pins.PYTHON} python{pins.PYTHON}-venv"),
    ({}, f"python{pins.PYTHON} python{pins.PYTHON}-venv"),
], ids=["22.04", "no-venv-module", "24.04-no-venv", "both-old", "no-python"])
def test_without_a_usable_python_apt_is_asked_for_one(tmp_path: Path, fakes, packages) -> None:
    bin_dir = _bin(tmp_path)
    for name, (version, venv) in fakes.items():
        _fake_python(bin_dir, name, version, venv)
    proc = _find_python(tmp_path, bin_dir)
    assert proc.returncode == 1 and proc.stdout == "", proc.stdout
    assert _find_python(tmp_path, bin_dir, "apt-packages").stdout.split() == packages.split()


def test_the_last_fallback_installs_one_with_uv_from_the_old_pythons_pip(tmp_path: Path) -> None:
    """Python 3.10 with pip only (no apt): pip installs uv, uv installs the pinned Python under
    the folder given (readable by the student uids), and its path is printed."""
    bin_dir = _bin(tmp_path)
    log = tmp_path / "calls.log"
    # uv: "python install V" makes a fake interpreter of V; "python find ... V" prints it.
    uv = (f"#!{BASH}\necho \"uv $*\" >> {log}\n"
          "v=\"${*: -1}\"; py=\"$UV_PYTHON_INSTALL_DIR/cpython-$v/bin/python$v\"\n"
          "if [ \"$2\" = install ]; then mkdir -p \"${py%/*}\"; "
          f"printf '#!{BASH}\\necho \"%s venv\"\\n' \"$v\" > \"$py\"; chmod +x \"$py\"; "
          "else echo \"$py\"; fi\n")
    (tmp_path / "uv").write_text(uv)
    # python3 3.10 whose "-m pip install ... --target DIR uv" puts that uv in DIR/bin.
    old = (f"#!{BASH}\nif [ \"$1\" = -m ]; then echo \"python3 $*\" >> {log}\n"
           "target=\"${@: -2:1}\"; mkdir -p \"$target/bin\"; "
           f"cp {tmp_path / 'uv'} \"$target/bin/uv\"; chmod +x \"$target/bin/uv\"\n"
           "else echo '3.10 venv'; fi\n")
    (bin_dir / "python3").write_text(old)
    (bin_dir / "python3").chmod(0o755)
    assert _find_python(tmp_path, bin_dir).returncode == 1
    install = tmp_path / "opt-python"
    proc = _find_python(tmp_path, bin_dir, "uv", str(install))
    assert proc.returncode == 0, proc.stderr
    found = Path(proc.stdout.strip())
    assert found.is_relative_to(install) and found.name == f"python{pins.PYTHON}"
    calls = log.read_text().splitlines()
    assert calls[0].startswith("python3 -m pip install") and calls[0].endswith(" uv")
    assert calls[1:] == [f"uv python install {pins.PYTHON}",
                         f"uv python find --python-preference only-managed {pins.PYTHON}"]


def test_the_uv_fallback_says_why_it_failed(tmp_path: Path) -> None:
    bin_dir = _bin(tmp_path)
    proc = _find_python(tmp_path, bin_dir, "uv", str(tmp_path / "opt"))
    assert proc.returncode == 1 and "could install uv" in proc.stderr


# -- the rendered scripts


@pytest.mark.parametrize("name", gradescope.SCRIPTS)
def test_the_rendered_scripts_are_valid_bash(tmp_path: Path, name: str) -> None:
    script = tmp_path / name
    script.write_text(gradescope.render(name, ReleaseOptions(check_visibility="visible")))
    proc = subprocess.run([BASH, "-n", str(script)], capture_output=True, text=True, timeout=30,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    if shutil.which("shellcheck"):
        proc = subprocess.run(["shellcheck", "--shell=bash", str(script)], capture_output=True,
                              text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stdout


def test_setup_installs_only_what_grading_needs() -> None:
    text = gradescope.render("setup.sh")
    assert f'"torch=={pins.TORCH}"' in text and f"-r {paths.GRADER_REQUIREMENTS.name}" in text
    assert "--no-index --find-links \"$WHEELHOUSE\"" in text
    for other in ("requirements-instructor", "requirements-frontends", "dask", "copydetect"):
        assert other not in text


@pytest.mark.parametrize("visibility", ["hidden", "after_published", "visible"])
def test_the_release_option_reaches_run_autograder(tmp_path: Path, visibility: str) -> None:
    archive = gradescope.build_gradescope(tmp_path, ReleaseOptions(check_visibility=visibility))
    with zipfile.ZipFile(archive) as zf:
        script = zf.read("run_autograder").decode()
        assert all(zf.getinfo(n).external_attr >> 16 & 0o111 for n in gradescope.SCRIPTS)
    assert f'--visibility "${{CHECK_VISIBILITY:-{visibility}}}"' in script


# -- loose modules


def _modules() -> list[str]:
    return [f"{p.module}.py" for p in parts.graded() if p.module]


def test_module_names_come_from_the_registry() -> None:
    assert layout.module_files() == list(dict.fromkeys(_modules()))
    assert "cross_correlation.py" in layout.module_files()


@pytest.mark.parametrize("nested", [False, True], ids=["top", "one-folder-down"])
def test_loose_modules_are_laid_out_as_the_package(tmp_path: Path, nested: bool) -> None:
    upload = tmp_path / "submission"
    folder = upload / "my-repo" if nested else upload
    folder.mkdir(parents=True)
    first, second = _modules()[:2]
    (folder / first).write_text("A = 1\n")
    (folder / second).write_text("B = 2\n")
    (folder / "__init__.py").write_text("")
    (folder / "notes.txt").write_text("not code")
    os.symlink("/etc/passwd", folder / "stolen.py")
    got = layout.lay_out(upload, tmp_path / "stage")
    assert got.how == "modules" and got.error is None
    assert got.path == tmp_path / "stage" / layout.STAGED
    package = got.path / paths.PACKAGE
    assert sorted(p.name for p in package.iterdir()) == sorted([first, second, "__init__.py"])
    assert (package / first).read_text() == "A = 1\n"
    assert got.notes == ["stolen.py: not a regular file (a link?), skipped"]


@pytest.mark.parametrize("where", [(), ("repo",)], ids=["top", "one-folder-down"])
def test_a_package_folder_is_graded_as_uploaded(tmp_path: Path, where) -> None:
    upload = tmp_path / "submission"
    (upload.joinpath(*where) / paths.PACKAGE).mkdir(parents=True)
    (upload.joinpath(*where) / paths.PACKAGE / _modules()[0]).write_text("")
    (upload / _modules()[1]).write_text("")  # a stray copy beside it: the folder wins
    got = layout.lay_out(upload, tmp_path / "stage")
    assert (got.path, got.how) == (upload, "package")
    assert not (tmp_path / "stage").exists()


def test_a_single_zip_is_graded_as_uploaded(tmp_path: Path) -> None:
    upload = tmp_path / "submission"
    upload.mkdir()
    (upload / "work.zip").write_bytes(b"PK")
    assert layout.lay_out(upload, tmp_path / "stage").path == upload / "work.zip"


def test_an_upload_with_neither_says_what_to_upload(tmp_path: Path) -> None:
    upload = tmp_path / "submission"
    (upload / "a" / "b").mkdir(parents=True)
    (upload / "a" / "b" / _modules()[0]).write_text("")  # two folders down: not looked at
    (upload / "corr2d.py").write_text("")
    got = layout.lay_out(upload, tmp_path / "stage")
    assert got.path is None and got.error == layout.no_package_message()
    assert f"`{paths.PACKAGE}/`" in got.error and f"`{_modules()[0]}`" in got.error


# -- modes


def test_modes_keep_the_checks_and_the_reference_from_other_users(tmp_path: Path) -> None:
    source = tmp_path / "source"
    for name in ("autograder/__init__.py", "autograder/sandbox/pool.py", "data/x.npy",
                 "tests/hidden/checks_x.py", "tests/hidden/manifest.toml",
                 f"solutions/{paths.PACKAGE}/training.py", *paths.SANDBOX_PLUGINS):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text("")
        (source / name).chmod(0o600)
    (source / "setup.sh").write_text("")
    (source / "setup.sh").chmod(0o700)
    bundle.set_modes(source)

    def mode(name: str) -> int:
        return stat.S_IMODE((source / name).stat().st_mode)

    assert mode(".") == mode("autograder") == mode("data") == 0o755
    assert mode("autograder/sandbox/pool.py") == mode("data/x.npy") == 0o644
    assert mode("setup.sh") == 0o755
    assert mode("tests/hidden/checks_x.py") == mode(f"solutions/{paths.PACKAGE}/training.py") \
        == mode("tests/hidden/manifest.toml") == 0o600
    assert mode("solutions") == mode(f"solutions/{paths.PACKAGE}") == 0o700
    for plugin in paths.SANDBOX_PLUGINS:  # readable, their folders searchable, not listable
        assert mode(plugin) == 0o644
        for parent in Path(plugin).parents:
            if parent.parts and parent.parts[0] in bundle.ROOT_ONLY:
                assert mode(str(parent)) == 0o711, parent


# -- visibility and results


def _results() -> dict:
    return {"score": 3, "output": "summary", "visibility": "visible", "tests": [
        {"name": "a", "visibility": "hidden"}, {"name": "b", "visibility": "visible"},
        {"name": "c"}]}


@pytest.mark.parametrize("visibility", ["hidden", "after_published", "visible"])
def test_hidden_checks_take_the_release_visibility(visibility: str) -> None:
    out = gradescope_run.publish(_results(), visibility)
    assert [t["visibility"] for t in out["tests"]] == [visibility, "visible", visibility]
    assert (out["score"], out["output"], out["visibility"]) == (3, "summary", "visible")


def test_an_unknown_visibility_is_refused() -> None:
    with pytest.raises(ValueError, match="visibility"):
        gradescope_run.publish(_results(), "after_due_date")


def test_loose_modules_are_mentioned_in_the_summary(tmp_path: Path) -> None:
    laid = layout.Layout(path=tmp_path, how="modules", notes=["x*.py: skipped"])
    text = gradescope_run.with_notes(_results(), laid)["output"]
    assert text.startswith(f"Your `.py` files were graded as the `{paths.PACKAGE}/` package.")
    assert "- x\\*.py: skipped" in text and text.endswith("summary")
    assert gradescope_run.with_notes(_results(), layout.Layout(path=tmp_path, how="package")) \
        == _results()


# -- grading: bwrap, else private uids, else nothing


def _tree(tmp_path: Path, upload: dict[str, str]) -> Path:
    root = tmp_path / "autograder"
    (root / "source").mkdir(parents=True)
    for name, text in upload.items():
        (root / "submission" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "submission" / name).write_text(text)
    (root / gradescope_run.METADATA).write_text("{}")
    return root


class FakeGrader:
    """``gradescope_run._grade`` that records its calls and writes results (status 0)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Path, tuple[str, ...]]] = []

    def __call__(self, source: Path, path: Path, out: Path, *extra: str) -> int:
        self.calls.append((path, extra))
        (out / "submission").mkdir(parents=True)
        (out / "submission" / "results.json").write_text(json.dumps(_results()))
        return 0


def _grader(monkeypatch, how: str | None, why: str = "") -> FakeGrader:
    fake = FakeGrader()
    monkeypatch.setattr(gradescope_run, "_grade", fake)
    monkeypatch.setattr(gradescope_run, "isolation", lambda: (how, why))
    return fake


def test_bwrap_grades_and_the_results_are_published(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path, {f"{paths.PACKAGE}/{_modules()[0]}": ""})
    fake = _grader(monkeypatch, "bwrap")
    assert gradescope_run.grade(root, "after_published") == 0
    assert fake.calls == [(root / "submission", ("--isolation", "bwrap"))]
    results = json.loads((root / "results" / "results.json").read_text())
    assert results == gradescope_run.publish(_results(), "after_published")
    assert stat.S_IMODE((root / gradescope_run.METADATA).stat().st_mode) == 0o600
    assert root.stat().st_mode & stat.S_IXOTH


def test_without_bwrap_student_code_runs_under_private_uids(tmp_path: Path, monkeypatch,
                                                            capsys) -> None:
    root = _tree(tmp_path, {_modules()[0]: ""})
    fake = _grader(monkeypatch, "none", "bwrap cannot start here (no namespaces)")
    assert gradescope_run.grade(root) == 0
    assert [extra for _, extra in fake.calls] == [("--isolation", "none")]
    assert fake.calls[0][0].name == layout.STAGED  # the loose module, laid out
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["output"].startswith("Your `.py` files were graded")
    assert "no namespaces" in capsys.readouterr().err


def test_never_as_root_the_grader_refuses_instead(tmp_path: Path, monkeypatch, capsys) -> None:
    root = _tree(tmp_path, {_modules()[0]: ""})
    fake = _grader(monkeypatch, None, "the venv is private")
    assert gradescope_run.grade(root) == gradescope_run.REFUSED
    assert fake.calls == [], "graded without isolation"
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == 0 and results["tests"] == []
    assert "could not run your code" in results["output"]
    log = capsys.readouterr().err  # the reason is the instructor's, in the log
    assert "REFUSED" in log and "the venv is private" in log


def test_isolation_without_bwrap_depends_on_the_private_uid(monkeypatch) -> None:
    from autograder.sandbox import pool

    def no_bwrap(*args, **kwargs):
        raise pool.IsolationUnavailable(pool.unavailable(pool.NOT_INSTALLED).args[0])

    monkeypatch.setattr(pool, "Sandbox", no_bwrap)
    monkeypatch.setattr(gradescope_run, "uid_problem", lambda: None)
    how, why = gradescope_run.isolation()
    assert how == "none" and why.startswith("bubblewrap (bwrap) is not installed")
    assert "--isolation none" not in why
    monkeypatch.setattr(gradescope_run, "uid_problem", lambda: "not reachable")
    assert gradescope_run.isolation() == (None, f"{why}; not reachable")


def test_the_uid_problem_of_a_grader_that_is_not_root(monkeypatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    assert "not root" in (gradescope_run.uid_problem() or "")


def test_an_upload_with_nothing_to_grade_gets_a_message(tmp_path: Path, monkeypatch) -> None:
    root = _tree(tmp_path, {"README.md": "hello"})
    fake = _grader(monkeypatch, "bwrap")
    assert gradescope_run.grade(root) == 0 and fake.calls == []
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["output"] == layout.no_package_message() and results["score"] == 0
