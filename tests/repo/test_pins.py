"""The files that cannot import ``autograder.pins`` state the same pins (torch, Python)."""

from __future__ import annotations

import re

import yaml

from autograder import paths, pins


def _requirement(text: str, name: str) -> str | None:
    """The version a requirements file pins ``name`` to (``name==version``), or None."""
    for line in text.splitlines():
        m = re.fullmatch(rf"{re.escape(name)}==([^\s;#]+)\s*(?:#.*)?", line.strip())
        if m:
            return m[1]
    return None


def test_requirements_pin_torch() -> None:
    text = (paths.REPO / "requirements.txt").read_text()
    assert _requirement(text, "torch") == pins.TORCH, \
        f"requirements.txt must pin torch=={pins.TORCH} (autograder/pins.py)"


def test_environment_yml_pins_python_and_follows_requirements() -> None:
    env = yaml.safe_load((paths.REPO / "environment.yml").read_text())
    deps = env["dependencies"]
    python = [d for d in deps if isinstance(d, str) and re.match(r"python\b", d)]
    assert python == [f"python={pins.PYTHON}"], \
        f"environment.yml must ask for python={pins.PYTHON} (autograder/pins.py)"
    pip = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    torch = [d for d in pip if d.startswith("torch")]
    assert "-r requirements.txt" in pip or torch == [f"torch=={pins.TORCH}"], pip
    assert all(t == f"torch=={pins.TORCH}" for t in torch), torch


def test_no_other_requirements_file_pins_another_torch() -> None:
    for path in sorted(paths.REPO.glob("requirements*.txt")):
        version = _requirement(path.read_text(), "torch")
        assert version in (None, pins.TORCH), f"{path.name} pins torch=={version}"


def test_pins_command_prints_one_pin(capsys) -> None:
    assert pins.main(["torch"]) == 0 and capsys.readouterr().out.strip() == pins.TORCH
    assert pins.main(["python"]) == 0 and capsys.readouterr().out.strip() == pins.PYTHON
    assert pins.main(["numpy"]) == 2


CPU_INDEX = pins.TORCH_CPU_INDEX


def test_student_readme_states_the_python_and_the_cpu_torch_install() -> None:
    text = (paths.ASSIGNMENTS / "README.md").read_text()
    assert f"Python {pins.PYTHON} or newer" in text, \
        f"the student README must ask for Python {pins.PYTHON} or newer (autograder/pins.py)"
    assert f"pip install torch=={pins.TORCH} --index-url {CPU_INDEX}" in text, \
        "the student README must give the CPU-wheel install line of the pinned torch"
    assert "3.10 or newer" not in text


def test_environment_yml_takes_torch_cpu_build() -> None:
    env = yaml.safe_load((paths.REPO / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    assert f"--extra-index-url {CPU_INDEX}" in pip, pip
