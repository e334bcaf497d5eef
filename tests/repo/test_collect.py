"""``collect`` on local bare repositories as the remotes (no network): the commit that counts at
and around the deadline, extensions, grace, ``submit/*`` tags, Classroom 50's export, the rows of
students it cannot collect; and ``grade --collection`` carrying what it recorded into each
result and the gradebook."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from autograder.cli import main
from autograder.collect.manifest import MANIFEST, read_manifest
from conftest import PY, REPO

DEADLINE = datetime(2026, 10, 1, 23, 59, tzinfo=UTC)
HOUR, SECOND = timedelta(hours=1), timedelta(seconds=1)
REFERENCE = REPO / "examples" / "submissions" / "reference"
STUBS = REPO / "examples" / "submissions" / "stubs"


@pytest.fixture(autouse=True)
def _own_git_config(monkeypatch, tmp_path) -> None:
    """Git here and in ``collect`` reads none of this machine's configuration."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key, value in (("NAME", "Student"), ("EMAIL", "student@example.org")):
        monkeypatch.setenv(f"GIT_AUTHOR_{key}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{key}", value)


def _git(*args: str, cwd: Path, when: datetime | None = None) -> str:
    env = dict(os.environ)
    if when is not None:
        env["GIT_COMMITTER_DATE"] = env["GIT_AUTHOR_DATE"] = when.isoformat()
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True,
                          text=True).stdout.strip()


def remote(root: Path, name: str, commits: list[tuple[timedelta, dict[str, str | Path]]],
           tags: dict[str, int] | None = None) -> list[str]:
    """A bare repository ``root/remotes/<name>.git`` whose ``main`` has ``commits`` (each at
    DEADLINE + its offset, writing its files: text, or a folder to copy, or ``link:`` a symlink),
    tagged as ``tags`` says (tag -> commit index); the commits' SHAs."""
    work = root / "work" / name
    work.mkdir(parents=True)
    _git("init", "-q", "-b", "main", cwd=work)
    shas = []
    for offset, files in commits:
        for rel, content in files.items():
            target = work / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, Path):
                subprocess.run(["cp", "-rT", str(content), str(target)], check=True)
            elif content.startswith("link:"):
                target.unlink(missing_ok=True)
                target.symlink_to(content[5:])
            else:
                target.write_text(content)
        _git("add", "-A", cwd=work)
        _git("commit", "-q", "--allow-empty", "-m", f"at {offset}", cwd=work,
             when=DEADLINE + offset)
        shas.append(_git("rev-parse", "HEAD", cwd=work))
    for i, (tag, index) in enumerate((tags or {}).items()):
        annotated = ["-a", "-m", tag] if i % 2 else []  # both kinds of tag
        _git("tag", *annotated, tag, shas[index], cwd=work, when=DEADLINE + 10 * HOUR)
    (root / "remotes").mkdir(exist_ok=True)
    _git("clone", "-q", "--bare", str(work), str(root / "remotes" / f"{name}.git"), cwd=root)
    return shas


def collect(root: Path, roster: str, *options: str) -> tuple[int, dict[str, dict]]:
    """Run ``collect`` on ``roster`` (CSV text); the exit status and the manifest's rows."""
    (root / "roster.csv").write_text(roster)
    status = main(["collect", str(root / "roster.csv"), "--deadline", DEADLINE.isoformat(),
                   "--repo-url", str(root / "remotes" / "{username}.git"),
                   "--dest", str(root / "dest"), "--quiet", *options])
    rows = read_manifest(root / "dest" / MANIFEST)
    return status, {r.username or f"line-{r.line}": r for r in rows}


def test_the_last_commit_at_or_before_the_deadline(tmp_path) -> None:
    at = remote(tmp_path, "alice", [(-HOUR, {"a.py": "1", "escape": "link:/etc/passwd"}),
                                    (timedelta(0), {"a.py": "2"}), (SECOND, {"a.py": "3"})])
    before = remote(tmp_path, "bob", [(-HOUR, {"a.py": "1"}), (SECOND, {"a.py": "2"})])
    status, rows = collect(tmp_path, "username\nalice\nbob\n")
    assert status == 0
    alice, bob = rows["alice"], rows["bob"]
    assert (alice.commit, alice.late, alice.ref) == (at[1], False, "main")
    assert alice.commit_date == "2026-10-01T23:59:00+00:00"
    assert alice.deadline == DEADLINE.isoformat()
    assert bob.commit == before[0] and not bob.late
    checkout = tmp_path / "dest" / "alice"
    assert (checkout / "a.py").read_text() == "2"
    assert not (checkout / ".git").exists() and not (checkout / "escape").exists()
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == ["alice", "bob", MANIFEST]


def test_extension_grace_and_accepting_late_work(tmp_path) -> None:
    remote(tmp_path, "carol", [(2 * HOUR, {"a.py": "1"})])
    remote(tmp_path, "dave", [(2 * HOUR, {"a.py": "1"}), (30 * HOUR, {"a.py": "2"})])
    status, rows = collect(tmp_path, "username,extension\ncarol,1d\ndave,\n")
    assert status == 1
    assert rows["carol"].collected and not rows["carol"].late
    assert rows["carol"].deadline == (DEADLINE + timedelta(days=1)).isoformat()
    assert not rows["dave"].collected and not (tmp_path / "dest" / "dave").exists()
    assert rows["dave"].reason.startswith("no commit before the deadline")
    assert "--accept-late" in rows["dave"].reason
    _, rows = collect(tmp_path, "username\ndave\n", "--late-days", "1")
    assert rows["dave"].collected and rows["dave"].late
    assert (tmp_path / "dest" / "dave" / "a.py").read_text() == "1"  # the newest within grace
    _, rows = collect(tmp_path, "username\ndave\n", "--accept-late")
    assert rows["dave"].late and rows["dave"].commit_date.startswith("2026-10-02T01:59")


def test_the_latest_submit_tag_before_the_deadline(tmp_path) -> None:
    shas = remote(tmp_path, "erin", [(-2 * HOUR, {"a.py": "1"}), (-HOUR, {"a.py": "2"}),
                                     (HOUR, {"a.py": "3"}), (2 * HOUR, {"a.py": "4"})],
                  tags={"submit/1": 0, "submit/2": 1, "submit/3": 2, "other": 1})
    remote(tmp_path, "frank", [(-HOUR, {"a.py": "1"})])
    status, rows = collect(tmp_path, "username\nerin\nfrank\n", "--tag", "submit/*")
    assert status == 1
    assert (rows["erin"].ref, rows["erin"].commit) == ("submit/2", shas[1])
    assert (tmp_path / "dest" / "erin" / "a.py").read_text() == "2"
    assert rows["frank"].reason == "no tag matching 'submit/*'"


def test_missing_empty_and_bad_rows_never_stop_the_batch(tmp_path) -> None:
    remote(tmp_path, "alice", [(-HOUR, {"a.py": "1"})])
    _git("init", "-q", "--bare", str(tmp_path / "remotes" / "empty.git"), cwd=tmp_path)
    status, rows = collect(tmp_path, "username,deadline\nghost,\nempty,\n../x,\nalice,\n"
                                     "zoe,tomorrow\n")
    assert status == 1
    assert rows["alice"].collected
    assert rows["ghost"].reason.startswith("cannot clone") and "not found" in rows["ghost"].reason
    assert rows["empty"].reason == "empty repository (no commits)"
    assert "is not a GitHub username" in rows["../x"].reason
    assert "not an ISO 8601" in rows["zoe"].reason


def test_classroom50_export_chooses_by_its_recorded_time(tmp_path) -> None:
    shas = remote(tmp_path, "alice", [(-3 * HOUR, {"a.py": "1"}), (-2 * HOUR, {"a.py": "2"})],
                  tags={"submit/1": 0, "submit/2": 1})
    remote(tmp_path, "bob", [(-HOUR, {"a.py": "1"})], tags={"submit/1": 0})
    export = (  # newest first; submit/2 was recorded after the deadline (pushed late)
        "username,first_name,last_name,email,section,score,max_score,datetime,submission_tag,"
        "submitted_by,review_url,late,override\n"
        f"alice,,,,,9,10,{(DEADLINE + HOUR).isoformat()},submit/2,alice,,true,\n"
        f"alice,,,,,5,10,{(DEADLINE - HOUR).isoformat()},submit/1,alice,,false,\n"
        "bob,,,,,,,,,,,,\ncarol,,,,,,,,,,,,\n")
    status, rows = collect(tmp_path, export)
    assert status == 1
    alice = rows["alice"]
    assert (alice.ref, alice.commit, alice.late) == ("submit/1", shas[0], False)
    assert alice.submitted_at == (DEADLINE - HOUR).isoformat()
    assert rows["bob"].reason == "no submission in the Classroom 50 export"
    _, rows = collect(tmp_path, export.replace("submit/1,alice", "submit/2,alice"))
    assert rows["alice"].commit == shas[1]  # both lines name submit/2: the on-time one counts
    moved = export.split("\n")[0].replace("override", "override,commit") + "\n" + \
        f"alice,,,,,5,10,{(DEADLINE - HOUR).isoformat()},submit/1,alice,,false,,{shas[1]}\n"
    _, rows = collect(tmp_path, moved)
    assert "the tag was moved" in rows["alice"].reason


def test_a_second_run_replaces_the_checkout(tmp_path) -> None:
    remote(tmp_path, "alice", [(-2 * HOUR, {"a.py": "1", "old.py": "x"}),
                               (-HOUR, {"a.py": "2", "old.py": "link:a.py"})])
    collect(tmp_path, "username\nalice\n")
    (tmp_path / "dest" / "alice" / "stray.txt").write_text("left by hand")
    _, rows = collect(tmp_path, "username\nalice\n")
    assert rows["alice"].collected
    assert sorted(p.name for p in (tmp_path / "dest" / "alice").iterdir()) == ["a.py"]


def test_a_deadline_without_offset_is_a_usage_error(tmp_path, capsys) -> None:
    (tmp_path / "roster.csv").write_text("username\nalice\n")
    with pytest.raises(SystemExit) as exited:
        main(["collect", str(tmp_path / "roster.csv"), "--deadline", "2026-10-01T23:59"])
    assert exited.value.code == 2 and "no UTC offset" in capsys.readouterr().err


def test_grade_collection_carries_the_commit_into_results_and_gradebook(tmp_path) -> None:
    shas = remote(tmp_path, "alice", [(-HOUR, {"convolutions": REFERENCE / "convolutions"}),
                                      (HOUR, {"convolutions": STUBS / "convolutions"})])
    late = remote(tmp_path, "bob", [(3 * HOUR, {"convolutions": REFERENCE / "convolutions"})])
    status, _ = collect(tmp_path, "username,extension\nalice,\nbob,1d\nghost,\n")
    assert status == 1
    out = tmp_path / "out"
    done = subprocess.run(
        [PY, "-m", "autograder", "grade", "--collection", str(tmp_path / "dest" / MANIFEST),
         "-o", str(out), "--isolation", "none", "--part", "cross_correlation", "-q"],
        cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "alice" / "results.json").read_text())
    assert results["score"] > 0
    collected = results["extra_data"]["collection"]
    assert (collected["username"], collected["commit"], collected["late"]) == \
        ("alice", shas[0], False)
    assert collected["commit_date"] == (DEADLINE - HOUR).isoformat()
    assert json.loads((out / "bob" / "results.json").read_text())["extra_data"][
        "collection"]["commit"] == late[0]
    book = {r["submission"]: r for r in csv.DictReader(io.StringIO(
        (out / "gradebook.csv").read_text()))}
    assert set(book) == {"alice", "bob", "ghost"}
    assert (book["alice"]["commit"], book["alice"]["late"]) == (shas[0], "false")
    assert book["alice"]["commit_date"] == (DEADLINE - HOUR).isoformat()
    assert float(book["ghost"]["autograded"]) == 0
    assert book["ghost"]["error"].startswith("not collected: cannot clone")
    assert book["ghost"]["username"] == "ghost" and book["ghost"]["commit"] == ""
    assert not (tmp_path / "dest" / "alice" / MANIFEST).exists()


def test_credentials_in_a_url_stay_out_of_the_record(tmp_path) -> None:
    url = "http://student:s3cret@127.0.0.1:9/org/conv-{username}.git"  # nothing listens there
    (tmp_path / "roster.csv").write_text("username\nalice\n")
    main(["collect", str(tmp_path / "roster.csv"), "--deadline", DEADLINE.isoformat(),
          "--repo-url", url, "--dest", str(tmp_path / "dest"), "--quiet", "--git-timeout", "20"])
    text = (tmp_path / "dest" / MANIFEST).read_text()
    assert "s3cret" not in text and "http://127.0.0.1:9/org/conv-alice.git" in text


def _blob(bare: Path, data: bytes) -> str:
    return subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=bare, input=data,
                          check=True, capture_output=True).stdout.decode().strip()


def _tree(bare: Path, entries: list[tuple[str, str, str]]) -> str:
    """A tree made with ``git mktree`` from (mode, object, name): a name may repeat, which git
    itself never writes."""
    text = "".join(f"{mode} {'tree' if mode == '040000' else 'blob'} {obj}\t{name}\n"
                   for mode, obj, name in entries)
    return subprocess.run(["git", "mktree"], cwd=bare, input=text, check=True,
                          capture_output=True, text=True).stdout.strip()


def test_a_hostile_tree_writes_nothing_out_of_the_checkout(tmp_path) -> None:
    """No link of any kind reaches the checkout (Python's extraction filter, the only other
    guard, has been bypassed with chains of links: CVE-2025-4517), a name that is both a link
    and a folder writes inside, and the tree's attributes neither hide nor rewrite files."""
    outside = tmp_path / "outside"
    outside.mkdir()
    bare = tmp_path / "remotes" / "mallory.git"
    bare.parent.mkdir()
    _git("init", "-q", "--bare", "-b", "main", str(bare), cwd=tmp_path)
    blob = {k: _blob(bare, v) for k, v in {
        "owned": b"pwned", "out": str(outside).encode(), "up": b"../../..", "in": b"a.py",
        "a": b"print(1)\n", "attrs": b"a.py export-ignore\nver.py export-subst\n",
        "ver": b"V = '$Format:%H$'\n"}.items()}
    tree = _tree(bare, [
        ("120000", blob["out"], "escape"),  # a link out, then a folder of the same name
        ("040000", _tree(bare, [("100644", blob["owned"], "owned")]), "escape"),
        ("120000", blob["up"], "up"), ("120000", blob["in"], "inside"),
        ("100644", blob["a"], "a.py"), ("100644", blob["attrs"], ".gitattributes"),
        ("100644", blob["ver"], "ver.py")])
    commit = _git("commit-tree", tree, "-m", "crafted", cwd=bare, when=DEADLINE - HOUR)
    _git("update-ref", "refs/heads/main", commit, cwd=bare)
    status, rows = collect(tmp_path, "username\nmallory\n")
    assert status == 0, rows["mallory"].reason
    checkout = tmp_path / "dest" / "mallory"
    assert not list(outside.iterdir())
    assert (checkout / "escape" / "owned").read_bytes() == b"pwned"  # a plain folder, inside
    assert not any(p.is_symlink() for p in checkout.rglob("*"))
    assert (checkout / "a.py").read_text() == "print(1)\n"
    assert (checkout / "ver.py").read_text() == "V = '$Format:%H$'\n"


def test_a_tree_too_large_to_export_is_a_reason_not_a_full_disk(tmp_path, monkeypatch) -> None:
    from autograder.collect import git

    remote(tmp_path, "bomb", [(-HOUR, {"big.bin": "0" * 5000, "a.py": "1"})])
    remote(tmp_path, "many", [(-HOUR, {f"f{i}.py": "" for i in range(30)})])
    monkeypatch.setattr(git, "MAX_EXPORT_BYTES", 4096)
    monkeypatch.setattr(git, "MAX_EXPORT_FILES", 20)
    status, rows = collect(tmp_path, "username\nbomb\nmany\n")
    assert status == 1
    for name in ("bomb", "many"):
        assert rows[name].reason.startswith("cannot export commit"), rows[name].reason
        assert "more than 20 files or" in rows[name].reason
    assert sorted(p.name for p in (tmp_path / "dest").iterdir()) == [MANIFEST]


def test_dates_git_writes_but_python_cannot_read_leave_the_commit_out(tmp_path) -> None:
    shas = remote(tmp_path, "tim", [(-HOUR, {"a.py": "1"})])
    bare = tmp_path / "remotes" / "tim.git"
    env = dict(os.environ, GIT_COMMITTER_DATE="@253402300800 +0000")  # year 10000
    future = subprocess.run(["git", "commit-tree", f"{shas[0]}^{{tree}}", "-p", shas[0], "-m",
                             "far"], cwd=bare, env=env, check=True, capture_output=True,
                            text=True).stdout.strip()
    _git("update-ref", "refs/heads/main", future, cwd=bare)
    status, rows = collect(tmp_path, "username\ntim\n")
    assert status == 0 and rows["tim"].commit == shas[0]


def test_an_ext_url_runs_no_command_even_where_git_allows_it(tmp_path) -> None:
    (tmp_path / "gitconfig").write_text("[protocol]\n\tallow = always\n")
    marker = tmp_path / "ran"
    status, rows = collect(tmp_path, f"username,repository\neve,ext::sh -c touch% {marker}\n")
    assert status == 1 and not marker.exists()
    assert "not allowed" in rows["eve"].reason


def test_tags_on_a_tree_or_a_blob_are_not_submissions(tmp_path) -> None:
    shas = remote(tmp_path, "ivan", [(-2 * HOUR, {"a.py": "1"}), (-HOUR, {"a.py": "2"})],
                  tags={"submit/1": 0})
    bare = tmp_path / "remotes" / "ivan.git"
    _git("tag", "submit/9-tree", f"{shas[1]}^{{tree}}", cwd=bare)
    _git("tag", "submit/9-blob", f"{shas[1]}:a.py", cwd=bare)
    status, rows = collect(tmp_path, "username\nivan\n", "--tag", "submit/*")
    assert status == 0 and (rows["ivan"].ref, rows["ivan"].commit) == ("submit/1", shas[0])
