"""Time the class report (``python -m autograder report``) on a large synthetic class.

Writes ``N`` synthetic graded submissions (default 2 000) to a temporary folder: a
``results.json`` and ``feedback.md`` each, shaped like the grader's (the check list of a real
result from out/examples, or a generated one), with failures, messages, errors, time-outs and
review flags drawn at random; and each submission's code: the stubs with every TODO replaced by
generated code of its own (random statements over random names, about 8 KB a student), a share
of the class writing one common idiom (which the index must ignore), and ``--copies`` planted
pairs where one student's code is another's with every name renamed and comments changed, and a
ring of ``--ring`` students sharing one solution (half verbatim, half renamed). Then runs the
report as the instructor would, in a fresh interpreter, and prints its wall time, its own
per-stage times, and whether the planted pairs and the ring were found.

    python scripts/bench_report.py [--n 2000] [--copies 10] [--ring 12] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from autograder import parts as registry  # noqa: E402
from autograder import paths  # noqa: E402
STUBS = paths.ASSIGNMENTS / paths.PACKAGE
EXAMPLE = paths.OUT / "examples" / "reference" / "results.json"
TODO = re.compile(r"^( *)raise NotImplementedError\(.*\)$", re.M)
MESSAGES = [
    "{f} output: shape ({a}, {b}), expected ({c}, {d})",
    "{f} output: {a} of {b} values are wrong; first at index ({c}, {d}), max abs error 0.{a}{b}",
    "your code raised IndexError: index {a} is out of bounds for dimension 0 with size {b} "
    "(at {f}.py:{c})",
    "your code raised NameError: name '{v}' is not defined (at {f}.py:{a})",
    "{f}: not implemented yet (see the TODO) (at {f}.py:{a})",
    "{f} output: dtype torch.float64, expected torch.float32 (the output must keep the input's "
    "dtype)",
]
SPECIAL = [
    ("timeout", "your code used more than this check's CPU time limit of 5 s (an infinite loop, "
                "or far too slow)"),
    ("crash", "your code's process died: killed by signal SIGSEGV (a crash in native code)"),
    ("rule", "rule broken: your code used torch.nn.functional.conv2d"),
    ("sandbox", "your code's process died: exceeded the memory limit of 2 GiB"),
]


# -- synthetic results

def template_tests() -> list[dict]:
    if EXAMPLE.is_file():
        return json.loads(EXAMPLE.read_text())["tests"]
    parts = {p.id: p.points for p in registry.graded()}
    return [{"name": f"{p}: check {i}", "score": pts / 12, "max_score": pts / 12,
             "status": "passed", "tags": [p], "extra_data": {"id": f"{p}.c{i}"}}
            for p, pts in parts.items() for i in range(12)]


def synthetic_results(name: str, tests: list[dict], rng: random.Random) -> dict:
    skill = rng.betavariate(5, 2)
    special = rng.random() < 0.03
    out_tests, parts = [], {}
    for t in tests:
        part = t["tags"][0]
        fail = rng.random() > skill ** 0.5
        message = ""
        if fail:
            f = t["extra_data"]["id"].split(".")[0]
            message = rng.choice(MESSAGES).format(
                f=f, v=rng.choice("XYKout"), a=rng.randint(1, 9), b=rng.randint(1, 9),
                c=rng.randint(1, 9), d=rng.randint(1, 9))
            if special and rng.random() < 0.3:
                message = rng.choice(SPECIAL)[1]
        score = 0.0 if fail else t["max_score"]
        p = parts.setdefault(part, {"score": 0.0, "max_score": 0.0})
        p["score"] = round(p["score"] + score, 4)
        p["max_score"] = round(p["max_score"] + t["max_score"], 4)
        out_tests.append({**t, "score": score, "status": "failed" if fail else "passed",
                          "output": message,
                          "extra_data": {**t["extra_data"], "seconds": rng.random() / 10}})
    error = "convolutions/ not found in the submission" if rng.random() < 0.005 else None
    review = ["dynamic imports (cross_correlation.py:47: __import__(...))"] \
        if rng.random() < 0.02 else []
    return {"score": round(sum(t["score"] for t in out_tests), 2),
            "execution_time": round(rng.lognormvariate(1.5, 0.4), 3),
            "output": "Autograded score", "tests": out_tests,
            "extra_data": {"submission": name, "source": "", "parts": parts, "max_score": 90,
                           "error": error, "review": review, "isolation": "bwrap"}}


# -- synthetic code

def _expr(rng: random.Random, names: list[str], depth: int = 0) -> str:
    r = rng.random()
    if depth > 2 or r < 0.3:
        return rng.choice(names) if rng.random() < 0.7 else str(rng.randint(0, 99))
    if r < 0.5:
        return f"{rng.choice(names)}[{_expr(rng, names, depth + 1)}:{_expr(rng, names, depth + 1)}]"
    if r < 0.7:
        fn = rng.choice(["torch.zeros", "torch.ones", "len", "range", "max", "min", "sum",
                         "torch.stack", "torch.cat", "abs"])
        return f"{fn}({_expr(rng, names, depth + 1)})"
    op = rng.choice(["+", "-", "*", "//", "@"])
    return f"({_expr(rng, names, depth + 1)} {op} {_expr(rng, names, depth + 1)})"


def student_block(rng: random.Random, indent: str, lines: int) -> str:
    names = [f"{rng.choice('abcdefghkmnpqrstuvwxyz')}{rng.choice(['', '_h', '_w', 's', '2'])}"
             for _ in range(8)]
    out = []
    depth = 0
    for _ in range(lines):
        pad = indent + "    " * depth
        r = rng.random()
        if r < 0.15 and depth < 2:
            out.append(f"{pad}for {rng.choice(names)} in range({_expr(rng, names)}):")
            depth += 1
            out.append(f"{pad}    {rng.choice(names)} = {_expr(rng, names)}")
        elif r < 0.25 and depth:
            depth -= 1
        elif r < 0.3:
            out.append(f"{pad}# {rng.choice(['loop over the kernel', 'pad first', 'why?'])}")
        else:
            out.append(f"{pad}{rng.choice(names)} {rng.choice(['=', '+=', '-='])} "
                       f"{_expr(rng, names)}")
    out.append(f"{indent}return {rng.choice(names)}")
    return "\n".join(out)


COMMON = """{i}out = X.new_zeros((X.shape[0] - K.shape[0] + 1, X.shape[1] - K.shape[1] + 1))
{i}for a in range(K.shape[0]):
{i}    for b in range(K.shape[1]):
{i}        out += K[a, b] * X[a:a + out.shape[0], b:b + out.shape[1]]
{i}return out"""


def student_files(rng: random.Random, common: bool) -> dict[str, str]:
    files = {}
    for path in sorted(STUBS.glob("*.py")):
        text = path.read_text()
        first = [True]

        def fill(m: re.Match) -> str:
            if common and first[0] and path.name == "cross_correlation.py":
                first[0] = False
                return COMMON.format(i=m.group(1))
            return student_block(rng, m.group(1), rng.randint(6, 14))

        files[path.name] = TODO.sub(fill, text)
    return files


def renamed(files: dict[str, str], rng: random.Random) -> dict[str, str]:
    """A copy with every short name of the student's code renamed and comments rewritten
    (what a copier does)."""
    out = {}
    for name, text in files.items():
        mapping: dict[str, str] = {}
        stub = set((STUBS / name).read_text().split("\n"))

        def rename(m: re.Match) -> str:
            word = m.group()
            if len(word) > 3 or word in ("for", "in", "def", "if", "len", "max", "min", "sum",
                                         "abs", "X", "K"):
                return word
            return mapping.setdefault(word, f"v{len(mapping)}_{rng.randint(0, 99)}")

        lines = []
        for line in text.split("\n"):
            if line.strip().startswith("# "):
                line = line.split("#")[0] + "# my own comment"
            lines.append(line if line in stub else re.sub(r"\b[a-z]\w{0,2}\b", rename, line))
        out[name] = "\n".join(lines)
    return out


def make_class(root: Path, n: int, copies: int, ring: int = 0, seed: int = 0
               ) -> tuple[list[tuple[str, str]], list[str]]:
    rng = random.Random(seed)
    tests = template_tests()
    out, subs = root / "out", root / "submissions"
    names = [f"student-{i:04d}" for i in range(n)]
    code: dict[str, dict[str, str]] = {}
    for name in names:
        code[name] = student_files(rng, common=rng.random() < 0.3)
    planted = []
    for i in range(copies):
        a, b = names[2 * i], names[n - 1 - 2 * i]
        code[b] = renamed(code[a], rng)
        planted.append((a, b))
    members = names[2 * copies:2 * copies + ring]
    for k, name in enumerate(members[1:]):
        code[name] = code[members[0]] if k % 2 else renamed(code[members[0]], rng)
    for name in names:
        pkg = subs / name / "convolutions"
        pkg.mkdir(parents=True)
        for file, text in code[name].items():
            (pkg / file).write_text(text)
        results = synthetic_results(name, tests, rng)
        results["extra_data"]["source"] = str(subs / name)
        (out / name).mkdir(parents=True)
        (out / name / "results.json").write_text(json.dumps(results))
        (out / name / "feedback.md").write_text(f"# Feedback for `{name}`\n")
    return planted, members


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--limit", type=float, default=30.0,
                        help="fail (exit status 1) when the report takes longer, in seconds "
                             "(default 30)")
    parser.add_argument("--ring", type=int, default=12,
                        help="students in a planted copy ring (default 12)")
    parser.add_argument("--keep", type=Path, default=None,
                        help="write the class here and keep it (default: a temporary folder)")
    args = parser.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench-report-"))
    try:
        start = time.perf_counter()
        planted, ring = make_class(root, args.n, args.copies, args.ring)
        print(f"wrote {args.n} synthetic submissions in {time.perf_counter() - start:.1f} s")
        start, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "autograder", "report", str(root / "out")],
                       cwd=REPO, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        data = json.loads((root / "out" / "report.json").read_text())
        found = {(p["a"], p["b"]) for p in data["similar_pairs"]}
        hits = sum((a, b) in found or (b, a) in found for a, b in planted)
        html = (root / "out" / "report.html").stat().st_size
        sim = data["similarity"]
        print(f"report of {args.n} submissions: {wall:.1f} s wall, {cpu:.1f} s CPU (fresh "
              f"interpreter, imports included; load average {os.getloadavg()[0]:.1f}); "
              f"stages {data['seconds']}; similarity {sim['seconds']} ({sim['candidates']} "
              f"candidate pairs, {sim['compared']} compared)")
        rings = [set(r["members"]) for r in data["rings"]]
        whole = any(set(ring) <= r for r in rings)
        print(f"planted copies found: {hits} of {len(planted)}; planted ring of {len(ring)} "
              f"found whole: {whole}; rings listed: {len(rings)}, pairs listed: "
              f"{len(data['similar_pairs'])}; report.html {html / 1e6:.1f} MB")
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    if wall > args.limit:
        print(f"too slow: {wall:.1f} s, over the {args.limit:g} s limit", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
