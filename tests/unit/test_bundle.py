"""The grader bundle: one list of files, shipped as a copy, as its kernel side and as a
deterministic zip whose digest names it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from autograder import bundle, paths


def _rel(files: list[Path]) -> list[str]:
    return [p.relative_to(paths.REPO).as_posix() for p in files]


def test_files_are_the_bundle_without_caches() -> None:
    files = _rel(bundle.grader_files())
    assert len(files) == len(set(files))
    assert all(f.startswith(tuple(bundle.GRADER_BUNDLE)) for f in files)
    assert not any("__pycache__" in f or f.endswith(".pyc") or "/." in f for f in files)
    assert {"autograder/paths.py", "autograder/bundle.py", "tests/hidden/manifest.toml",
            f"solutions/{paths.PACKAGE}/training.py"} <= set(files)
    assert not any(f.startswith(f"solutions/{paths.PACKAGE}/") and not f.endswith("training.py")
                   for f in files), "only the given training loop of the reference"


def test_kernel_side_is_the_bundle_minus_the_builders() -> None:
    every, kernel = _rel(bundle.grader_files()), _rel(bundle.kernel_files())
    assert set(kernel) <= set(every)
    assert {f for f in kernel if f.startswith(bundle.FRONTENDS)} == set(bundle.KERNEL_SIDE)
    assert set(every) - set(kernel) == {f for f in every if f.startswith(bundle.FRONTENDS)
                                        and f not in bundle.KERNEL_SIDE}


def test_copies_are_byte_for_byte(tmp_path: Path) -> None:
    bundle.copy_kernel_grader(tmp_path)
    copied = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                    if p.is_file())
    assert copied == sorted(_rel(bundle.kernel_files()))
    for path in bundle.kernel_files():
        assert (tmp_path / path.relative_to(paths.REPO)).read_bytes() == path.read_bytes()


def test_zip_is_deterministic_and_holds_the_files() -> None:
    data, digest = bundle.build_bundle()
    assert bundle.build_bundle() == (data, digest)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.namelist() == _rel(bundle.grader_files())
        assert {i.date_time for i in zf.infolist()} == {bundle.EPOCH}
        assert {i.external_attr >> 16 for i in zf.infolist()} == {0o644}
        first = bundle.grader_files()[0]
        assert zf.read(_rel([first])[0]) == first.read_bytes()
