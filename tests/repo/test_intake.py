"""Reading submissions: directories and zips, including hostile and broken ones."""

import os
import stat
import zipfile

import pytest

from autograder.grade.intake import MAX_FILE, read_submission, submission_name

GOOD = b"def corr2d(X, K):\n    return X\n"


def _zip(path, entries: dict[str, bytes], symlinks: dict[str, str] = {}):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        for name, target in symlinks.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, target)
    return path


def test_directory_takes_only_package_sources(tmp_path) -> None:
    pkg = tmp_path / "alice" / "convolutions"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_bytes(GOOD)
    (pkg / "notes.txt").write_text("ignored")
    (pkg / "__pycache__").mkdir()
    (pkg / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "alice" / "README.md").write_text("ignored")
    sub = read_submission(tmp_path / "alice")
    assert sub.name == "alice" and sub.error is None
    assert sub.files == {"convolutions/__init__.py": GOOD}


def test_github_style_zip_with_a_top_folder(tmp_path) -> None:
    z = _zip(tmp_path / "bob.zip", {"repo-main/convolutions/__init__.py": GOOD,
                                    "repo-main/convolutions/cross_correlation.py": GOOD,
                                    "repo-main/README.md": b"x"})
    sub = read_submission(z)
    assert sub.name == "bob" and sub.error is None
    assert set(sub.files) == {"convolutions/__init__.py", "convolutions/cross_correlation.py"}


def test_corrupt_zip_is_an_error_not_a_crash(tmp_path) -> None:
    z = tmp_path / "broken.zip"
    z.write_bytes(b"PK\x03\x04 this is not really a zip")
    sub = read_submission(z)
    assert sub.error and "cannot be read" in sub.error and not sub.files


def test_missing_package(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    sub = read_submission(tmp_path / "empty")
    assert sub.error and "no convolutions/ package" in sub.error


def test_path_traversal_and_symlinks_in_zip_are_refused(tmp_path) -> None:
    z = _zip(tmp_path / "evil.zip", {"convolutions/__init__.py": GOOD,
                                     "../../etc/cron.d/x": b"boom",
                                     "/abs/convolutions/x.py": b"boom"},
             symlinks={"convolutions/leak.py": "/work/main/solutions/convolutions/__init__.py"})
    sub = read_submission(z)
    assert sub.files == {"convolutions/__init__.py": GOOD}
    notes = " ".join(sub.notes)
    assert "leaves the submission" in notes and "symlink" in notes
    assert not (tmp_path.parent.parent / "etc" / "cron.d" / "x").exists()


def test_symlinks_in_directory_are_not_followed(tmp_path) -> None:
    pkg = tmp_path / "carol" / "convolutions"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_bytes(GOOD)
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n")
    os.symlink(secret, pkg / "cross_correlation.py")
    os.symlink(tmp_path, pkg / "loop")
    sub = read_submission(tmp_path / "carol")
    assert sub.files == {"convolutions/__init__.py": GOOD}
    assert any("symlink" in n for n in sub.notes)


def test_huge_files_and_zip_bombs_are_skipped(tmp_path) -> None:
    big = b"#" * (MAX_FILE + 10)
    z = _zip(tmp_path / "bomb.zip", {"convolutions/__init__.py": GOOD,
                                     "convolutions/huge.py": big})
    sub = read_submission(z)
    assert set(sub.files) == {"convolutions/__init__.py"}
    assert any("huge.py" in n for n in sub.notes)


@pytest.mark.parametrize("path, name", [("x/alice smith.zip", "alice_smith"),
                                        ("x/../..", "submission"), ("x/ok-1.2", "ok-1.2")])
def test_names_are_safe(path, name, tmp_path) -> None:
    from pathlib import Path

    assert submission_name(Path(path)) == name
