"""Reading submissions: directories and zips, including hostile and broken ones."""

import os
import stat
import struct
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from hypothesis import given

from autograder.grade import intake
from autograder.grade.intake import MAX_DEPTH, MAX_FILE, MAX_NOTES, read_submission, submission_name
from tests.unit.strategies import package_files, top_folders

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


# -- hostile directory trees: iterative walk with budgets, links and special files


def _package(root, files=None):
    pkg = root / "convolutions"
    pkg.mkdir(parents=True)
    for name, data in (files or {"__init__.py": GOOD}).items():
        (pkg / name).write_bytes(data)
    return root


def test_a_tree_ten_thousand_folders_deep_costs_a_note(tmp_path) -> None:
    import time

    root = _package(tmp_path / "deep")
    try:
        _nest(root, 10_000)
        start = time.monotonic()
        sub = read_submission(root)
        assert time.monotonic() - start < 10
        assert sub.error is None and sub.files == {"convolutions/__init__.py": GOOD}
        assert any(f"more than {MAX_DEPTH} levels deep" in n for n in sub.notes)
    finally:
        if (root / "d").exists():
            _flatten(root / "d")


def _nest(root, depth: int) -> None:
    """``root/d/d/.../d``, made with relative mkdirs: the full path is far beyond PATH_MAX."""
    fd = os.open(root, os.O_RDONLY)
    try:
        for _ in range(depth):
            os.mkdir("d", dir_fd=fd)
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
    finally:
        os.close(fd)


def _flatten(top) -> None:
    """Remove a chain of nested ``d`` folders one level at a time: shutil.rmtree (and so pytest's
    clean-up of old temporary folders) recurses, and would hit RecursionError."""
    hoisted = top.with_name("hoisted")
    while (top / "d").exists():
        (top / "d").rename(hoisted)
        top.rmdir()
        hoisted.rename(top)
    top.rmdir()


def test_too_many_entries_stop_the_walk_with_a_note(tmp_path, monkeypatch) -> None:
    from autograder.grade import intake

    monkeypatch.setattr(intake, "MAX_ENTRIES", 300)
    root = _package(tmp_path / "wide")
    junk = root / "junk"
    junk.mkdir()
    for i in range(1000):
        (junk / f"f{i}").touch()
    sub = read_submission(root)
    assert sub.error is None and "convolutions/__init__.py" in sub.files  # breadth first
    assert any("more than 300 files and folders" in n for n in sub.notes)
    (tmp_path / "nothing").mkdir()
    for i in range(400):
        (tmp_path / "nothing" / f"f{i}").touch()
    sub = read_submission(tmp_path / "nothing")
    assert sub.error and "no convolutions/ package" in sub.error and "more than 300" in sub.error


def test_fifos_are_never_opened_and_symlinked_folders_never_followed(tmp_path) -> None:
    root = _package(tmp_path / "erin")
    os.mkfifo(root / "convolutions" / "cross_correlation.py")  # open() would block forever
    outside = tmp_path / "outside"
    (outside / "convolutions").mkdir(parents=True)
    (outside / "convolutions" / "leak.py").write_bytes(b"SECRET = 1\n")
    os.symlink(outside / "convolutions", root / "convolutions" / "sub")
    os.symlink(root, root / "convolutions" / "loop")  # a cycle
    sub = read_submission(root)
    assert sub.files == {"convolutions/__init__.py": GOOD}
    notes = " ".join(sub.notes)
    assert "cross_correlation.py: skipped, not a regular file" in notes
    assert "convolutions/sub: symlink ignored" in notes and "loop: symlink ignored" in notes


def test_many_problems_give_a_short_list_of_notes(tmp_path) -> None:
    root = _package(tmp_path / "frank")
    for i in range(500):
        os.symlink("/etc/passwd", root / "convolutions" / f"link{i}.py")
    sub = read_submission(root)
    assert len(sub.notes) <= MAX_NOTES + 2
    assert "more problems were found and not listed" in sub.notes


def test_undecodable_file_names_are_skipped_with_a_readable_note(tmp_path) -> None:
    root = _package(tmp_path / "gina")
    with open(os.path.join(os.fsencode(root / "convolutions"), b"bad\xff.py"), "wb") as fh:
        fh.write(GOOD)
    sub = read_submission(root)
    assert set(sub.files) == {"convolutions/__init__.py"}
    note = next(n for n in sub.notes if "bad" in n)
    assert "bad\\xff.py" in note and "not valid UTF-8" in note
    note.encode("utf-8")


def test_zip_paths_deeper_than_the_limit_are_skipped(tmp_path) -> None:
    deep = "convolutions/" + "d/" * (MAX_DEPTH + 5) + "x.py"
    z = _zip(tmp_path / "deepzip.zip", {"convolutions/__init__.py": GOOD, deep: GOOD})
    sub = read_submission(z)
    assert set(sub.files) == {"convolutions/__init__.py"}
    assert any(f"more than {MAX_DEPTH} folders deep" in n for n in sub.notes)


def test_zip_with_too_many_entries_is_an_error(tmp_path, monkeypatch) -> None:
    from autograder.grade import intake

    monkeypatch.setattr(intake, "MAX_ZIP_ENTRIES", 50)
    z = _zip(tmp_path / "many.zip", {f"convolutions/m{i}.py": GOOD for i in range(60)})
    sub = read_submission(z)
    assert sub.error and "60 entries (limit 50)" in sub.error and not sub.files


def test_corrupt_deflate_stream_is_an_error_not_a_crash(tmp_path) -> None:
    z = tmp_path / "corrupt.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("convolutions/__init__.py", GOOD * 200)
    data = bytearray(z.read_bytes())
    start = data.index(b"convolutions/__init__.py") + len("convolutions/__init__.py")
    data[start:start + 40] = b"\xff" * 40  # garble the compressed bytes, keep the headers
    z.write_bytes(bytes(data))
    sub = read_submission(z)
    assert sub.error and "cannot be read" in sub.error


@pytest.mark.parametrize("path, name", [("x/-rf", "rf"), ("x/.hidden", "hidden"),
                                        ("x/__x__", "x"), ("x/" + "a" * 150 + ".zip", "a" * 100)])
def test_names_are_never_hidden_or_options(path, name) -> None:
    from pathlib import Path

    assert submission_name(Path(path)) == name


# -- the same tree, as a folder or a zip, with or without a top folder


def _write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


@given(package_files, top_folders)
def test_a_folder_and_its_zip_give_the_packages_python_files(files: dict[str, bytes],
                                                             top: str | None) -> None:
    prefix = f"{top}/" if top else ""
    tree = {f"{prefix}convolutions/{name}": data for name, data in files.items()}
    tree[f"{prefix}README.md"] = b"not taken"
    tree[f"{prefix}other/x.py"] = b"not taken"
    expected = {f"convolutions/{n}": d for n, d in files.items() if n.endswith(".py")}
    with tempfile.TemporaryDirectory() as tmp:
        folder = _write_tree(Path(tmp) / "alice", tree)
        archive = _zip(Path(tmp) / "alice.zip", tree)
        for sub in (read_submission(folder), read_submission(archive)):
            assert (sub.name, sub.error, sub.files) == ("alice", None, expected)
            missing = "convolutions/__init__.py is missing; the modules are loaded one by one"
            assert (missing in sub.notes) == ("__init__.py" not in files)


@pytest.mark.parametrize("layout, found", [
    (["convolutions/__init__.py"], "convolutions/__init__.py"),
    (["repo-main/convolutions/__init__.py"], "convolutions/__init__.py"),
    (["a/convolutions/__init__.py", "b/convolutions/__init__.py"], None),  # which one?
    (["a/b/convolutions/__init__.py"], None),  # only one top folder is looked into
    (["convolutions/__init__.py", "top/convolutions/other.py"], "convolutions/__init__.py"),
    (["convolutions.py"], None),
])
def test_where_the_package_may_sit(tmp_path, layout: list[str], found: str | None) -> None:
    tree = {name: GOOD for name in layout}
    for sub in (read_submission(_write_tree(tmp_path / "d", tree)),
                read_submission(_zip(tmp_path / "z.zip", tree))):
        if found is None:
            assert sub.error and "no convolutions/ package" in sub.error and not sub.files
        else:
            assert sub.error is None and list(sub.files) == [found]


# -- zips from elsewhere and hostile zips


@pytest.mark.parametrize("name", ["../convolutions/x.py", "convolutions/../../x.py",
                                  "/convolutions/x.py", "convolutions\\..\\..\\x.py",
                                  "..\\convolutions\\x.py", "convolutions/./../x.py"])
def test_paths_that_leave_the_submission_are_refused(tmp_path, name: str) -> None:
    sub = read_submission(_zip(tmp_path / "evil.zip", {"convolutions/__init__.py": GOOD,
                                                       name: b"EVIL = 1\n"}))
    assert sub.files == {"convolutions/__init__.py": GOOD}
    assert any("refused, the path leaves the submission" in n for n in sub.notes)


def test_windows_separators_in_a_zip_are_folders(tmp_path) -> None:
    sub = read_submission(_zip(tmp_path / "win.ZIP", {"convolutions\\__init__.py": GOOD,
                                                      "convolutions\\sub\\m.py": GOOD}))
    assert sub.error is None and set(sub.files) == {"convolutions/__init__.py",
                                                    "convolutions/sub/m.py"}


def _patch_headers(path: Path, name: str, local: int, central: int, change) -> None:
    """Apply ``change(data, offset)`` to a field of ``name``'s local header and central directory
    entry, at offsets ``local`` and ``central`` from their signatures."""
    data = bytearray(path.read_bytes())
    for signature, field, name_at in ((b"PK\x03\x04", local, 30), (b"PK\x01\x02", central, 46)):
        start = data.find(signature)
        while start != -1:
            if data[start + name_at:start + name_at + len(name)] == name.encode():
                change(data, start + field)
            start = data.find(signature, start + 4)
    path.write_bytes(bytes(data))


def test_a_zip_bomb_whose_header_lies_is_never_unpacked_past_the_limit(tmp_path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("convolutions/__init__.py", GOOD)
        zf.writestr("convolutions/bomb.py", b"\0" * (64 * MAX_FILE))  # about 0.1 % of it packed

    def lie(data: bytearray, at: int) -> None:
        data[at:at + 4] = (100).to_bytes(4, "little")  # "100 bytes unpacked"

    _patch_headers(path, "convolutions/bomb.py", 22, 24, lie)
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo("convolutions/bomb.py").file_size == 100
    sub = read_submission(path)
    assert "convolutions/bomb.py" not in sub.files
    assert sub.error and "cannot be read" in sub.error and not sub.files  # bad CRC: it lied


def test_encrypted_entries_are_skipped_with_a_note(tmp_path) -> None:
    path = _zip(tmp_path / "enc.zip", {"convolutions/__init__.py": GOOD,
                                       "convolutions/secret.py": GOOD})

    def encrypted(data: bytearray, at: int) -> None:
        data[at] |= 1  # bit 0 of the flags

    _patch_headers(path, "convolutions/secret.py", 6, 8, encrypted)
    sub = read_submission(path)
    assert set(sub.files) == {"convolutions/__init__.py"}
    assert "convolutions/secret.py: encrypted, skipped" in sub.notes


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_package_size_and_file_count_budgets(tmp_path, monkeypatch, kind: str) -> None:
    from autograder.grade import intake

    monkeypatch.setattr(intake, "MAX_FILES", 3)
    monkeypatch.setattr(intake, "MAX_TOTAL", 2 * len(GOOD) + 1)
    tree = {f"convolutions/m{i}.py": GOOD for i in range(5)}
    sub = read_submission(_write_tree(tmp_path / "d", tree) if kind == "folder"
                          else _zip(tmp_path / "z.zip", tree))
    assert list(sub.files) == ["convolutions/m0.py", "convolutions/m1.py"]
    assert any("the package exceeds" in n for n in sub.notes)
    monkeypatch.setattr(intake, "MAX_TOTAL", 10 ** 6)
    sub = read_submission(_write_tree(tmp_path / "d2", tree) if kind == "folder"
                          else _zip(tmp_path / "z2.zip", tree))
    assert len(sub.files) == 3 and any("more than 3 files" in n for n in sub.notes)


def test_something_else_than_a_folder_or_a_zip_is_an_error(tmp_path) -> None:
    (tmp_path / "work.tar").write_bytes(b"x")
    for path in (tmp_path / "work.tar", tmp_path / "absent"):
        sub = read_submission(path)
        assert sub.error and "is neither a directory nor a .zip file" in sub.error


# -- zips too large to list: refused from their end records, before zipfile reads them

def _crafted_zip(path: Path, n: int, *, says: int | None = None, zip64: bool | None = None,
                 comment: bytes = b"") -> Path:
    """A zip of ``convolutions/__init__.py`` and ``n - 1`` empty entries, written directly
    (a second for a few hundred thousand); its end record says ``says`` entries (default n)."""
    names = [b"convolutions/__init__.py", *(b"d/%x" % i for i in range(n - 1))]
    local, central = bytearray(), bytearray()
    for name in names:
        central += struct.pack("<4s4B4HL2L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 0, 0, 0, 0, 0,
                               0, len(name), 0, 0, 0, 0, 0o644 << 16, len(local)) + name
        local += struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 0, 0, 0, 0, 0, 0, len(name),
                             0) + name
    count = n if says is None else says
    zip64 = count > 0xFFFF if zip64 is None else zip64
    end = b""
    if zip64:
        end += struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, count, count,
                           len(central), len(local))
        end += struct.pack("<4sLQL", b"PK\x06\x07", 0, len(local) + len(central), 1)
        count = 0xFFFF
    end += struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, count, count,
                       0xFFFFFFFF if zip64 else len(central), 0xFFFFFFFF if zip64 else len(local),
                       len(comment)) + comment
    path.write_bytes(bytes(local + central + end))
    return path


@pytest.fixture
def no_zipfile(monkeypatch):
    """zipfile may not open anything: what is refused must be refused before it."""
    def refuse(*args, **kwargs):
        raise AssertionError("zipfile.ZipFile was called")

    monkeypatch.setattr(intake.zipfile, "ZipFile", refuse)


def test_crafted_zips_are_real_zips(tmp_path) -> None:
    """(The helper below writes what zipfile reads, zip64 or not, with or without a comment.)"""
    for n, zip64, comment in ((3, False, b""), (3, True, b"a comment"), (70_000, None, b"")):
        path = _crafted_zip(tmp_path / "ok.zip", n, zip64=zip64, comment=comment)
        with zipfile.ZipFile(path) as zf:
            assert len(zf.infolist()) == n and zf.comment == comment
        with open(path, "rb") as fh:
            found = intake.zip_directory(fh)
            assert found is not None and found.entries == n
            assert intake.count_headers(fh, found, 10**6) == n
    sub = read_submission(_crafted_zip(tmp_path / "fine.zip", 500, comment=b"made by hand"))
    assert sub.error is None and set(sub.files) == {"convolutions/__init__.py"}


def test_a_zip_of_many_entries_is_refused_from_its_end_record(tmp_path, no_zipfile) -> None:
    path = _crafted_zip(tmp_path / "many.zip", 300_000)
    began = time.perf_counter()
    sub = read_submission(path)
    assert time.perf_counter() - began < 0.5
    assert sub.error == "the zip has 300000 entries (limit 20000)" and not sub.files


def test_a_zip_whose_end_record_lies_is_counted_where_zipfile_looks(tmp_path,
                                                                     no_zipfile) -> None:
    """zipfile walks the central directory by its length, not by the count: so do we."""
    sub = read_submission(_crafted_zip(tmp_path / "liar.zip", 25_000, says=5))
    assert sub.error == "the zip has more than 20000 entries (limit 20000)"
    sub = read_submission(_crafted_zip(tmp_path / "liar64.zip", 25_000, says=5, zip64=True))
    assert sub.error == "the zip has more than 20000 entries (limit 20000)"


def test_a_central_directory_too_long_is_refused_unread(tmp_path, no_zipfile) -> None:
    path = _crafted_zip(tmp_path / "long.zip", 3)
    data = bytearray(path.read_bytes())  # the end record says the directory is 1 GiB long
    struct.pack_into("<L", data, len(data) - 10, 2**30)
    path.write_bytes(bytes(data))
    sub = read_submission(path)
    assert sub.error == (f"the zip's list of files takes {2**30} bytes (limit "
                         f"{intake.MAX_ZIP_DIRECTORY}): it has too many entries or too long "
                         "names")


def test_a_zip_without_an_end_record_is_left_to_zipfile(tmp_path) -> None:
    path = tmp_path / "cut.zip"
    path.write_bytes(_crafted_zip(tmp_path / "whole.zip", 3).read_bytes()[:-22])
    with open(path, "rb") as fh:
        assert intake.zip_directory(fh) is None
    sub = read_submission(path)
    assert sub.error and "cannot be read" in sub.error
