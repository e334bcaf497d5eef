"""The instructor's whole term, end to end, on a synthetic class of 300 (issue 22, "Done when"):
``collect`` -> ``grade --collection --roster`` -> ``written collect`` -> the scores sheet filled
in -> ``written merge`` -> ``report`` -> ``export canvas``, each through the command line as an
instructor runs it, in a fresh folder.

The class (all of it deterministic, seeded by the student's number):

- a roster CSV (username, name, email, sis_id, section, extension) and one local bare git
  repository per student, written with ``git fast-import`` (each commit's committer date set
  explicitly, as ``GIT_COMMITTER_DATE`` would: a start from the template days before the
  deadline, then the work), except one student with no repository and one with an empty one;
- late work (the last commit within the two days' grace ``--late-days 2`` allows), approved
  extensions (on time although after the class deadline), an extension overrun (late), and work
  pushed after the grace (the earlier commit counts);
- code from ``examples/submissions`` (the stubs, the partial one, the reference and the buggy
  ones) with ``tests/variants`` mutants and honest variants mixed in per module, and a notebook
  ``convolutions.ipynb`` from the handout with the cells tagged ``answer`` filled in (varied:
  all six, some, none; one notebook broken);
- a ring of 12 students with one and the same full solution, and a pair of renamed copies
  (every local name of the code they share renamed, comments and layout changed: the plain
  text differs, the code does not).

Other students must not look like copies. The similarity check ignores names, comments and
layout, so varying those distinguishes nobody; and what more than half the class writes (the
reference's code, which most submissions here are built on) counts as an idiom. So each other
student gets code of their own: a scratch function of their experiments (random statements,
never called) in a module they worked on, and at most one honest variant nobody else has.

What the report finds here: the ring (12, 100 % similar) and the pair (100 %) and no other
ring or pair; 17 submissions not compared (the 15 left as the stubs: no code of their own; the
2 not collected). The "look here first" list names the ring first, then the pair among the
students whose ``corr2d`` called ``conv2d`` (a rule broken at run time, from the
``corr2d_uses_conv2d`` mutant), then review flags of the static scan (``enable_grad`` in the
autograd-in-backward students' ``backward``, ``__import__`` in ``corr2d_computes_in_float64``):
legitimate findings, none of them similarity. Everyone also carries "low score", because only
one part (15 of 90 points) was graded.

**Restricted**: the grading runs only the part ``cross_correlation`` (``--part``), in the
bwrap sandbox. The whole bank costs about 2.5 s per submission here (2 cores, ``--jobs 2``),
12 minutes for 300; ``cross_correlation`` about 0.15 s (``conv2d_backward`` 0.5 s), so the
whole test takes about 50 s alone. Every other step handles the whole class; the gradebook's
maximum is still the assignment's (autograded 90 + written 10).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import keyword
import os
import random
import subprocess
import sys
import time
import tokenize
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest

from autograder import paths
from autograder.assign.examples import BUGGY, PARTIAL_DONE, mutants_module
from autograder.grade.bank import load_scheme

from conftest import PY, REPO

pytestmark = pytest.mark.slow

N = 300
EDT = timezone(timedelta(hours=-4))
DEADLINE = datetime(2026, 10, 1, 23, 59, tzinfo=EDT)
HOUR = timedelta(hours=1)
GRACE_DAYS = 2
PART = "cross_correlation"           # the one part graded (see the docstring)
RING = [f"ring{i}" for i in range(12)]
PAIR = ("pair-a", "pair-b")
MISSING, EMPTY = "no-repo", "empty-repo"
RING_VARIANTS = ("corr2d_index_gather_matmul", "im2col_permute_reshape")
PAIR_VARIANT = "corr2d_stack_einsum"
PAIR_MUTANT = "corr2d_d2l_zeros"
BROKEN = 41                          # the student whose notebook is broken JSON

FIRST = ("ada", "alan", "grace", "edsger", "barbara", "donald", "frances", "john", "radia",
         "ken", "leslie", "margaret", "niklaus", "shafi", "tim", "yoshua", "fei", "andrew",
         "geoffrey", "yann", "hedy", "claude", "katherine", "dorothy", "mary")
LAST = ("lovelace", "turing", "hopper", "dijkstra", "liskov", "knuth", "allen", "backus",
        "perlman", "thompson", "lamport", "hamilton", "wirth", "goldwasser", "berners", "bengio",
        "li", "ng", "hinton", "lecun", "lamarr", "shannon", "johnson", "vaughan", "jackson")


# -- the code students start from

def _tree(root: Path) -> dict[str, str]:
    return {f"{paths.PACKAGE}/{p.name}": p.read_text() for p in sorted(root.glob("*.py"))}


def _load(name: str, file: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, REPO / "tests" / "variants" / file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


EXAMPLE = {p.name: _tree(p / paths.PACKAGE) for p in paths.EXAMPLES.iterdir() if p.is_dir()}
STUBS = EXAMPLE["stubs"]
MUTANTS = {m.id: m for m in mutants_module().MUTANTS}
HONEST = {v.id: v for v in _load("_honest", "honest.py").VARIANTS}
HANDOUT = nbformat.read(paths.ASSIGNMENTS / "convolutions.ipynb", as_version=4)
QUESTIONS = [c.metadata["question"] for c in HANDOUT.cells
             if "answer" in c.metadata.get("tags", ())]


def _file(module: str) -> str:
    return f"{paths.PACKAGE}/{module}"


def _mutate(files: dict[str, str], mutant_id: str) -> None:
    m = MUTANTS[mutant_id]
    files[_file(m.file)] = m.apply(files[_file(m.file)])


def _append(files: dict[str, str], file: str, code: str) -> None:
    files[_file(file)] = files[_file(file)].rstrip("\n") + "\n\n" + code.strip("\n") + "\n"


# -- a student's own code: a scratch function of experiments, never called. Its statements are
# random in structure (the similarity check sees operators, brackets and keywords, not names),
# so no two students' scratch code shares more than a passage by chance.

_LEAVES = ("{v}", "{n}", "{v}[{n}]", "{v}[{n}:]", "{v}[:, {n}]", "{v}.sum()", "{v}.mean({n})",
           "{v}.T", "abs({v})", "len({v})", "{v}.shape[{n}]", "-{v}", "{v}.clone()",
           "{v}[{v}]", "({v}, {n})", "[{v}, {v}]", "{v}.reshape({n}, -1)", "{v}({v}, {n})")
_OPS = ("+", "-", "*", "/", "//", "%", "**", "@", "&", "|", ">>", "<<", "^")
_AUG = ("+=", "-=", "*=", "/=", "//=", "%=", "|=")
_CMP = ("<", ">", "<=", ">=", "==", "!=", "in", "is not")


def scratch(seed: str, names: list[str], tag: str) -> str:
    """A function of random statements over ``names`` (the same ``seed`` with other names gives
    the same code renamed)."""
    rng = random.Random(seed)

    def v() -> str:
        return names[rng.randrange(len(names))]

    def expr(depth: int = 0) -> str:
        leaf = rng.choice(_LEAVES).format(v=v(), n=rng.randrange(1, 9))
        if depth < 2 and rng.random() < 0.7:
            rest = expr(depth + 1)
            joined = f"{leaf} {rng.choice(_OPS)} {rest}"
            return f"({joined})" if rng.random() < 0.4 else joined
        return leaf

    def statement(indent: str) -> list[str]:
        kind = rng.randrange(7)
        if kind == 0:
            return [f"{indent}{v()} = {expr()}"]
        if kind == 1:
            return [f"{indent}{v()} {rng.choice(_AUG)} {expr()}"]
        if kind == 2:
            return [f"{indent}if {expr(1)} {rng.choice(_CMP)} {expr(1)}:",
                    *statement(indent + "    ")]
        if kind == 3:
            return [f"{indent}for {v()} in range({rng.randrange(2, 9)}):",
                    *statement(indent + "    ")]
        if kind == 4:
            return [f"{indent}{v()}.append({expr()})"]
        if kind == 5:
            return [f"{indent}assert {expr(1)} {rng.choice(_CMP)} {expr(1)}"]
        return [f"{indent}{v()}, {v()} = {expr(1)}, {expr(1)}"]

    lines = [f"def _scratch_{tag}({names[0]}, {names[1]}):",
             f"    # {tag}: my own experiments while debugging, not part of the answer"]
    for _ in range(22):
        lines += statement("    ")
    lines.append(f"    return {names[2]}")
    return "\n".join(lines) + "\n"


def _names(rng: random.Random) -> list[str]:
    pool = ["x", "y", "z", "acc", "tmp", "out", "win", "kern", "res", "buf", "idx", "val",
            "rows", "cols", "probe", "delta", "part", "grid", "seen", "step"]
    rng.shuffle(pool)
    return pool[:7]


def rename_locals(code: str, mapping: dict[str, str]) -> str:
    """``code`` with each NAME token in ``mapping`` renamed (attributes left alone)."""
    out, previous = [], None
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if tok.type == tokenize.NAME and tok.string in mapping and previous != ".":
            tok = tok._replace(string=mapping[tok.string])
        if tok.type not in (tokenize.NL, tokenize.COMMENT, tokenize.NEWLINE, tokenize.INDENT,
                            tokenize.DEDENT):
            previous = tok.string
        out.append(tok)
    return tokenize.untokenize(out)


def variant_code(variant_id: str) -> str:
    return f"# ---- written my way ({variant_id}) ----\n" + HONEST[variant_id].code


# -- notebooks

_ANSWERS = (
    "A 1x1 convolution mixes channels at each pixel, like a fully connected layer per pixel",
    "Padding keeps the output as large as the input, so the borders count as much as the middle",
    "The stride skips positions; the output shrinks by that factor in each direction",
    "Cross-correlation and convolution differ only by flipping the kernel, learned either way",
    "The receptive field grows with each layer, so deep layers see large parts of the image",
    "Translation invariance comes from sharing the kernel across positions",
    "Locality means each output only depends on a small window of the input",
    "A kernel like [1, -1] detects vertical edges; its transpose horizontal ones",
)


def notebook(rng: random.Random, who: str, answered: int) -> str:
    nb = copy.deepcopy(HANDOUT)
    chosen = set(rng.sample(QUESTIONS, answered))
    for cell in nb.cells:
        q = cell.metadata.get("question")
        if "answer" in cell.metadata.get("tags", ()) and q in chosen:
            said = rng.sample(_ANSWERS, 2)
            cell.source = f"{said[0]}. {said[1]} ({who}, on {q}; try {rng.randrange(99)})."
    return nbformat.writes(nb)


# -- the class

@dataclass
class Student:
    username: str
    name: str
    section: str
    kind: str
    extension: str = ""
    # (offset from the deadline, files) per commit, oldest first; None: no repository
    commits: list[tuple[timedelta, dict[str, str]]] | None = field(default_factory=list)
    expect_commit: int | None = None     # index into commits of the one collect must take
    expect_late: bool = False


def _work(i: int, rng: random.Random, username: str) -> tuple[str, dict[str, str], int]:
    """An ordinary student's kind, files and number of written answers."""
    tag = username.replace("-", "_")
    names = _names(rng)
    roll = i % 20
    if roll == 0:
        return "stubs", dict(STUBS), 0
    if roll in (1, 2):
        files = dict(EXAMPLE["partial"])
        module = rng.choice(PARTIAL_DONE)
        _append(files, f"{module}.py", scratch(f"s{i}", names, tag))
        return "partial", files, rng.randrange(0, 5)
    if roll in (3, 4, 5, 6):
        example = sorted(BUGGY)[roll - 3]
        files = dict(EXAMPLE[example])
        buggy_file = MUTANTS[BUGGY[example]].file
        kind = example
    else:
        files, kind, buggy_file = dict(EXAMPLE["reference"]), "full", None
    # zero to two more mutants, in other modules than the example's bug
    taken = {buggy_file}
    for mutant in rng.sample(sorted(MUTANTS), rng.randrange(0, 3)):
        m = MUTANTS[mutant]
        if m.file not in taken and mutant not in (PAIR_MUTANT,):
            taken.add(m.file)
            _mutate(files, mutant)
    _append(files, rng.choice(sorted({f.split("/")[1] for f in files} - {"__init__.py",
                                                                           "_util.py"})),
            scratch(f"s{i}", names, tag))
    return kind, files, 6 if rng.random() < 0.85 else 5


def build_class() -> list[Student]:
    """The 300 students, with the planted cases first."""
    reserved = set(RING_VARIANTS) | {PAIR_VARIANT}
    own_variants = [v for v in sorted(HONEST) if v not in reserved]
    random.Random("variants").shuffle(own_variants)

    ring_files = dict(EXAMPLE["reference"])
    for vid in RING_VARIANTS:
        _append(ring_files, HONEST[vid].file, variant_code(vid))
    ring_names = _names(random.Random("ring"))
    _append(ring_files, "conv_as_matmul.py", scratch("ring", ring_names, "leak"))

    pair_a = dict(EXAMPLE["reference"])
    _mutate(pair_a, PAIR_MUTANT)
    shared = variant_code(PAIR_VARIANT) + "\n\n" + scratch("pair", _names(random.Random("p")),
                                                           "mine")
    _append(pair_a, HONEST[PAIR_VARIANT].file, shared)
    locals_ = ["Xp", "out_h", "out_w", "shifted", "kh", "kw", "p_h", "p_w", "s_h", "s_w",
               "x", "y", "z", "acc", "tmp", "out", "win", "kern", "res", "buf", "idx", "val",
               "rows", "cols", "probe", "delta", "part", "grid", "seen", "step", "a", "b"]
    mapping = {n: f"{n.lower()}_{k}" for k, n in enumerate(locals_)}
    mapping["_scratch_mine"] = "_try_things"
    assert not set(mapping.values()) & set(keyword.kwlist)
    renamed = rename_locals(shared, mapping).replace("# ", "#   (renamed) ")
    pair_b = dict(EXAMPLE["reference"])
    _mutate(pair_b, PAIR_MUTANT)
    _append(pair_b, HONEST[PAIR_VARIANT].file, "\n\n\n" + renamed)
    assert pair_a != pair_b

    students = []
    for i in range(N):
        rng = random.Random(f"student-{i}")
        first, last = FIRST[i % len(FIRST)], LAST[(i // len(FIRST) * 7 + i) % len(LAST)]
        if i < len(RING):
            username = RING[i]
        elif i < len(RING) + 2:
            username = PAIR[i - len(RING)]
        elif i == 14:
            username = MISSING
        elif i == 15:
            username = EMPTY
        else:
            username = f"{first}-{last}{i}"
        s = Student(username, f"{first.title()} {last.title()}", "ABC"[i % 3], "")
        answered = 6
        if username in RING:
            s.kind, files = "ring", dict(ring_files)
        elif username in PAIR:
            s.kind, files = "pair", dict(pair_a if username == PAIR[0] else pair_b)
        elif username in (MISSING, EMPTY):
            s.kind, files = username, {}
        else:
            s.kind, files, answered = _work(i, rng, username)
            if s.kind == "full" and own_variants and i % 3 == 0:
                vid = own_variants.pop()
                _append(files, HONEST[vid].file, variant_code(vid))
        if username == MISSING:
            s.commits = None
            students.append(s)
            continue
        if username == EMPTY:
            students.append(s)
            continue
        if s.kind != "stubs":
            files["convolutions.ipynb"] = (notebook(rng, s.name, answered) if i != BROKEN
                                           else '{"cells": [ broken')
        else:
            files["convolutions.ipynb"] = nbformat.writes(HANDOUT)
        start = {**STUBS, "convolutions.ipynb": nbformat.writes(HANDOUT)}
        began = -timedelta(days=rng.randrange(3, 10), minutes=rng.randrange(600))
        finished = -timedelta(minutes=rng.randrange(1, 3000))
        s.commits = [(began, start), (finished, files)]
        s.expect_commit = 1
        if 16 <= i < 24:                      # late, within the grace
            s.commits[1] = (timedelta(minutes=rng.randrange(1, 40 * 60)), files)
            s.expect_late = True
        elif 24 <= i < 27:                    # an extension covers it
            s.extension = "2d"
            s.commits[1] = (30 * HOUR, files)
        elif i == 27:                         # past the extension, within the grace
            s.extension = "1d"
            s.commits[1] = (36 * HOUR, files)
            s.expect_late = True
        elif i == 28:                         # pushed after the grace: the start counts
            s.commits[1] = (timedelta(days=GRACE_DAYS, hours=3), files)
            s.expect_commit = 0
        elif i == 29:                         # exactly at the deadline: on time
            s.commits[1] = (timedelta(0), files)
        students.append(s)
    return students


# -- the repositories

def _env(tmp: Path) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp),
            "PYTHONPATH": str(REPO), "GIT_CONFIG_GLOBAL": str(tmp / "gitconfig"),
            "GIT_CONFIG_NOSYSTEM": "1", "LANG": "C.UTF-8"}


def _stamp(when: datetime) -> str:
    return f"{int(when.timestamp())} -0400"


def make_repo(remotes: Path, s: Student, env: dict[str, str]) -> list[str]:
    """``remotes/<username>.git`` with the student's commits; their SHAs."""
    repo = remotes / f"{s.username}.git"
    subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(repo)], check=True,
                   env=env)
    if not s.commits:
        return []
    stream = io.BytesIO()
    who = f"{s.name} <{s.username}@example.edu>"
    for n, (offset, files) in enumerate(s.commits):
        message = b"start from the template\n" if n == 0 else b"my solution\n"
        stream.write(f"commit refs/heads/main\nmark :{n + 1}\n"
                     f"author {who} {_stamp(DEADLINE + offset)}\n"
                     f"committer {who} {_stamp(DEADLINE + offset)}\n"
                     f"data {len(message)}\n".encode() + message)
        if n:
            stream.write(f"from :{n}\n".encode())
        stream.write(b"deleteall\n")
        for path, text in sorted(files.items()):
            data = text.encode()
            stream.write(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
    stream.write(b"done\n")
    subprocess.run(["git", "fast-import", "--quiet", "--done"], input=stream.getvalue(),
                   cwd=repo, check=True, env=env, capture_output=True)
    log = subprocess.run(["git", "rev-list", "--reverse", "main"], cwd=repo, env=env,
                         check=True, capture_output=True, text=True).stdout.split()
    return log


def write_roster(path: Path, students: list[Student]) -> None:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["username", "name", "email", "sis_id", "section", "extension"])
        for i, s in enumerate(students):
            w.writerow([s.username, s.name, f"{s.username}@example.edu", f"SIS{100000 + i}",
                        f"Section {s.section}", s.extension])


# -- the run

def _cli(tmp: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "-m", "autograder", *map(str, args)], cwd=tmp,
                          capture_output=True, text=True, timeout=timeout, env=_env(tmp))


def _isolation() -> list[str]:
    """bwrap, as the grader's default; ``--isolation none`` only where bwrap cannot start."""
    try:
        ok = subprocess.run(["bwrap", "--ro-bind", "/", "/", "true"], capture_output=True,
                            timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return [] if ok else ["--isolation", "none"]


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def _pick(student: str, question: str, items: list[str]) -> str:
    h = int(hashlib.sha256(f"{student}/{question}".encode()).hexdigest(), 16)
    return items[h % len(items)]


def fill_sheet(rows: list[dict[str, str]]) -> dict[str, float]:
    """Grade every answer as a grader would: tick one item (an override now and then); the
    expected written score per student."""
    expected: dict[str, float] = {}
    for r in rows:
        items = [c for c in r if c.startswith("item ") and r[c] != "-"]
        if r["status"].startswith("answered"):
            for c in items:
                r[c] = ""
            chosen = _pick(r["student"], r["question"], items)
            r[chosen] = "x"
            points = float(chosen.split()[1])
            if points >= 1 and _pick(r["student"], r["question"] + "o", ["", "", "", "o"]):
                points -= 0.5
                r["override"] = f"{points:g}"
                r["comment"] = "right idea, one factual slip: -0.5"
        else:
            assert r["override"] == "0", r  # collect's zero for an answer that is not there
            points = 0.0
        expected[r["student"]] = expected.get(r["student"], 0.0) + points
    return expected


def test_the_instructors_term(tmp_path):
    clock = {"start": time.perf_counter()}
    students = build_class()
    by_name = {s.username: s for s in students}
    assert len(students) == N
    broken_notebook = students[BROKEN].username
    env = _env(tmp_path)
    remotes = tmp_path / "remotes"
    remotes.mkdir()
    with ThreadPoolExecutor(4) as pool:
        shas = dict(zip(by_name, pool.map(
            lambda s: make_repo(remotes, s, env) if s.commits is not None else [], students)))
    assert not (remotes / f"{MISSING}.git").exists()
    write_roster(tmp_path / "roster.csv", students)
    clock["class"] = time.perf_counter()

    # collect: the commit that counts per student
    collected = _cli(tmp_path, "collect", "roster.csv", "--deadline", DEADLINE.isoformat(),
                     "--repo-url", str(remotes / "{username}.git"), "--dest", "collected",
                     "--late-days", str(GRACE_DAYS), "--jobs", "4", "--quiet")
    assert collected.returncode == 1, collected.stderr[-3000:]  # two students not collected
    manifest = {r["username"]: r for r in _rows(tmp_path / "collected" / "collection.csv")}
    assert set(manifest) == set(by_name)
    for s in students:
        row = manifest[s.username]
        if s.commits is None or not s.commits:
            assert row["collected"] == "false", row
            continue
        assert row["collected"] == "true", row
        assert row["commit"] == shas[s.username][s.expect_commit], s.username
        assert (row["late"] == "true") == s.expect_late, (s.username, row)
        deadline = DEADLINE + (timedelta(days=int(s.extension[:-1])) if s.extension
                               else timedelta(0))
        assert datetime.fromisoformat(row["deadline"]) == deadline, row
    assert "not found" in manifest[MISSING]["reason"]
    assert manifest[EMPTY]["reason"] == "empty repository (no commits)"
    assert sum(r["late"] == "true" for r in manifest.values()) == 9
    clock["collect"] = time.perf_counter()

    graded = _cli(tmp_path, "grade", "--collection", "collected/collection.csv",
                  "--roster", "roster.csv", "--output", "out", "--part", PART, "--jobs", "2",
                  "--quiet", *_isolation())
    assert graded.returncode == 0, graded.stderr[-3000:]
    out = tmp_path / "out"
    clock["grade"] = time.perf_counter()

    sheet_made = _cli(tmp_path, "written", "collect", "out")
    assert sheet_made.returncode == 0, sheet_made.stderr[-3000:]
    rows = _rows(out / "written" / "scores.csv")
    expected_written = fill_sheet(rows)
    assert set(expected_written) == set(by_name)  # the two not collected too, with zeros:
    assert {r["status"] for r in rows if r["student"] in (MISSING, EMPTY)} == {"no-submission"}
    status = {(r["student"], r["question"]): r["status"] for r in rows}
    assert {status[by_name[n].username, q] for n in RING for q in QUESTIONS} == {"answered"}
    assert status[broken_notebook, QUESTIONS[0]] == "unreadable"
    with (tmp_path / "graded.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    merged = _cli(tmp_path, "written", "merge", "graded.csv", "out")
    assert merged.returncode == 0, merged.stderr[-3000:]
    clock["written"] = time.perf_counter()

    reported = _cli(tmp_path, "report", "out")
    assert reported.returncode == 0, reported.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    clock["report"] = time.perf_counter()

    exported = _cli(tmp_path, "export", "canvas", "out", "canvas.csv", "--roster", "roster.csv")
    assert exported.returncode == 0, exported.stderr[-3000:]
    clock["export"] = time.perf_counter()

    # the gradebook: every roster student, the late flags, totals that add up
    scheme = load_scheme(paths.MANIFEST)
    maximum = sum(scheme.parts.values()) + sum(scheme.manual.values())
    book = {r["username"]: r for r in _rows(out / "gradebook.csv")}
    assert set(book) == set(by_name)
    for name in (MISSING, EMPTY):
        assert book[name]["error"].startswith("not collected: "), book[name]
        assert float(book[name]["final"]) == 0.0
    assert "not found" in book[MISSING]["error"]
    assert "empty repository" in book[EMPTY]["error"]
    for s in students:
        row = book[s.username]
        assert float(row["max_score"]) == maximum, row
        if s.commits:
            assert row["late"] == ("true" if s.expect_late else "false"), row
            assert row["commit"] == shas[s.username][s.expect_commit]
            assert float(row["written"]) == pytest.approx(expected_written[s.username])
            assert float(row["final"]) == pytest.approx(
                float(row["autograded"]) + float(row["extra_credit"] or 0)
                + float(row["written"])), row
            assert row["section"] == f"Section {s.section}"
    ring_scores = {book[n]["autograded"] for n in RING}
    assert len(ring_scores) == 1, ring_scores          # one solution, one score
    assert book[PAIR[0]]["autograded"] == book[PAIR[1]]["autograded"]  # renaming changed nothing

    # Canvas: the Points Possible row, then every roster student with their final
    canvas = list(csv.reader(io.StringIO((tmp_path / "canvas.csv").read_text("utf-8-sig"))))
    header, possible, *people = canvas
    assert header[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    assert possible[0].strip() == "Points Possible"
    assert float(possible[5]) == maximum
    sis = {f"SIS{100000 + i}": s.username for i, s in enumerate(students)}
    assert sorted(r[2] for r in people) == sorted(sis)
    for r in people:
        assert float(r[5]) == pytest.approx(float(book[sis[r[2]]]["final"])), r

    # the report: the ring and the pair, whole, and nothing else as large
    rings = {frozenset(r["members"]): r for r in report["rings"]}
    assert frozenset(RING) in rings, [sorted(r) for r in rings]
    assert frozenset(PAIR) in rings, [sorted(r) for r in rings]
    others = [sorted(r) for r in rings if r not in (frozenset(RING), frozenset(PAIR))]
    assert not others, others
    leads = {x["name"]: x for x in report["look_here_first"]}
    for name in RING:
        assert "ring" in leads[name]["kinds"], leads.get(name)
        assert any("in a copy ring of 12" in why for why in leads[name]["reasons"])
    for name in PAIR:
        assert "pair" in leads[name]["kinds"], leads.get(name)
    assert not [x["name"] for x in report["look_here_first"]
                if {"ring", "pair"} & set(x["kinds"]) and x["name"] not in {*RING, *PAIR}]
    # ranked first: the ring and the pair among the rules broken at run time (corr2d_uses_
    # conv2d's students, whose low score adds to the rule); every other finding weighs less
    ranked = [x["name"] for x in report["look_here_first"]]
    last = max(ranked.index(n) for n in [*RING, *PAIR])
    assert all({"ring", "pair", "rule"} & set(leads[n]["kinds"]) for n in ranked[:last + 1]), \
        [(n, leads[n]["kinds"]) for n in ranked[:last + 1]]
    for x in report["students"]:  # the report's totals are the gradebook's
        if x["final"] is not None:
            assert x["final"] == pytest.approx(float(book[x["name"]]["final"])), x
    assert report["times"]["batch_wall_seconds"] is not None
    steps = list(clock)
    print("seconds:", {b: round(clock[b] - clock[a], 1) for a, b in zip(steps, steps[1:])})
