"""``make mutation``: mutation testing of the hidden check bank.

Every first-order mutant of the reference's *solution regions* (the code between
``### BEGIN SOLUTION`` and ``### END SOLUTION`` in ``solutions/convolutions/*.py``) is graded on
its own part, the part named like its module (``cross_correlation.py`` -> ``cross_correlation``,
from ``autograder/parts.toml``). A mutant is *killed* when at least one check of that part
fails, *timed out* when its grading had to be stopped, *equivalent* when it survives and is
listed in ``tests/variants/equivalent_mutants.toml`` (with the reason), and *survived*
otherwise. The kill rate is (killed + timed out) / (generated - equivalent).

Mutants come from mutmut 3's mutation operators (``mutmut.mutation``: libcst, one node changed
per mutant), restricted to the solution regions. mutmut's own runner is not used: it runs only
pytest, it compiles every mutant of a file into one module behind trampolines that would be
part of the graded package, and it leaves functions with two decorators alone (such as
``Corr2dFunction.backward``, ``@staticmethod @once_differentiable``). Here each mutant is a
plain copy of the package with one file changed, in its own temporary directory (``solutions/``
is only read), graded by the grader's in-process runner (``grade_submission`` with ``code_dir``)
in a fresh process forked from a parent that has imported torch and the grader once, as the
sandbox's zygote does. As in the sandbox, each check gets its time limit in CPU seconds (torch
on one thread), and a process that outlives every limit of its part is killed.

Prints mutants generated, killed, survived, timed out and the kill rate per part and overall;
writes every survivor (file, line, the mutation's diff) to ``out/mutation/survivors.txt`` and
every mutant's outcome to ``out/mutation/results.json``. Exit status 1 when a mutant survives
that is not listed as equivalent, or when the reference fails a check.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import tomllib
import traceback
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# torch.cuda.is_available() through NVML, which does not initialise CUDA in the parent: its
# forked children could not use CUDA after that.
os.environ.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from autograder.assign.regions import BEGIN, END, function_spans  # noqa: E402
from autograder import parts as parts_registry  # noqa: E402
from autograder import paths  # noqa: E402

PACKAGE_DIR = paths.SOLUTIONS / paths.PACKAGE
EQUIVALENTS = paths.EQUIVALENT_MUTANTS
OUT = paths.OUT / "mutation"
TRAINING_CHECKS = ("audio_net.accuracy", "textcnn.accuracy")  # retrain a model: ~1 s each
BACKSTOP_SLACK = 30.0  # seconds on top of the part's summed check limits, per mutant


# --------------------------------------------------------------------------- the mutants


@dataclass(frozen=True)
class Mutant:
    file: str        # module file name, e.g. "cross_correlation.py"
    part: str        # the part it is graded on
    function: str    # qualified name of the enclosing function, e.g. "Corr2dFunction.backward"
    line: int        # first changed line, 1-based, in the reference
    original: str    # the changed lines of the reference, normalised (see ``normalise``)
    mutated: str     # what replaces them, normalised ("" when the lines are dropped)
    source: str      # the whole mutated module
    number: int      # its position among the file's mutants, from 1
    occurrence: int = 1  # the n-th mutant with the same file, function, original and mutated
    reference: str = dataclasses.field(repr=False, compare=False, default="")  # the module as is

    @property
    def id(self) -> str:
        return f"{self.file.removesuffix('.py')}#{self.number}"

    @property
    def diff(self) -> str:
        """The mutation as a unified diff against the reference."""
        path = f"solutions/convolutions/{self.file}"
        return "".join(difflib.unified_diff(self.reference.splitlines(keepends=True),
                                            self.source.splitlines(keepends=True),
                                            f"a/{path}", f"b/{path}", n=1))

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        """What identifies a mutant across edits elsewhere in the file (no line number)."""
        return (self.file, self.function, self.original, self.mutated, self.occurrence)


def normalise(text: str) -> str:
    """How changed lines are compared with the equivalents file: comments dropped, then one
    line with single spaces."""
    return " ".join(" ".join(_drop_comment(line) for line in text.splitlines()).split())


def _drop_comment(line: str) -> str:
    """``line`` without a trailing ``# comment`` (a ``#`` inside a string literal stays)."""
    quote, i = None, 0
    while i < len(line):
        char = line[i]
        if quote:
            if char == "\\":
                i += 1  # the escaped character
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "#":
            return line[:i]
        i += 1
    return line


def solution_lines(source: str, name: str = "<source>") -> set[int]:
    """The 1-based numbers of the lines strictly between the markers."""
    lines, inside = set(), False
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == BEGIN:
            if inside:
                raise ValueError(f"{name}:{number}: {BEGIN} inside a solution region")
            inside = True
        elif marker == END:
            if not inside:
                raise ValueError(f"{name}:{number}: {END} without {BEGIN}")
            inside = False
        elif inside:
            lines.add(number)
    if inside:
        raise ValueError(f"{name}: a solution region is never closed")
    return lines


def part_ids() -> list[str]:
    """Every part with checks: the registry's auto parts, then its optional ones."""
    return [p.id for p in parts_registry.graded()]


def module_parts(package: Path = PACKAGE_DIR) -> tuple[dict[str, str], list[str]]:
    """(file -> part for every module with solution regions, modules without any). A module
    with regions but no part of the same name is an error: its mutants could not be graded."""
    parts = set(part_ids())
    graded, support = {}, []
    for path in sorted(package.glob("*.py")):
        if not solution_lines(path.read_text(), path.name):
            support.append(path.name)
        elif path.stem in parts:
            graded[path.name] = path.stem
        else:
            raise ValueError(f"{path.name} has solution regions but the manifest has no part "
                             f"{path.stem!r}")
    return graded, support


def _enclosing(functions: list[tuple[int, int, str]], line: int) -> str:
    inside = [f for f in functions if f[0] <= line <= f[1]]
    return max(inside, key=lambda f: f[0])[2] if inside else "<module>"


def mutate_source(source: str, name: str, lines: set[int] | None = None
                  ) -> list[tuple[int, str, str, str]]:
    """First-order mutants of ``source`` by mutmut's operators, one node changed each, on the
    nodes that start on ``lines`` (default: the solution regions): a list of (first changed
    line, original lines, replacement lines, mutated source), duplicates removed."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, WhitespaceInclusivePositionProvider
    from mutmut.mutation.file_mutation import MutationVisitor
    from mutmut.mutation.mutators import mutation_operators
    from mutmut.mutation.pragma_handling import IgnoredCode, PragmaVisitor

    class RegionVisitor(MutationVisitor):
        """mutmut's visitor, without its rule that skips functions with decorators: that rule
        protects its trampolines, and no trampoline is built here (the decorators themselves
        stay outside the solution regions)."""

        def _skip_node_and_children(self, node: cst.CSTNode) -> bool:
            if isinstance(node, cst.FunctionDef):
                return False
            return super()._skip_node_and_children(node)

    lines = solution_lines(source, name) if lines is None else lines
    wrapper = MetadataWrapper(cst.parse_module(source))
    pragmas = PragmaVisitor(name)  # `# pragma: no mutate` is honoured as in mutmut
    wrapper.visit(pragmas)
    ignored = IgnoredCode(no_mutate_lines=pragmas.no_mutate_lines,
                          ignore_node_lines=pragmas.ignore_node_lines, ignore_pattern_lines=set())
    visitor = RegionVisitor(mutation_operators, ignored, lines)
    wrapper.visit(visitor)

    original = source.splitlines(keepends=True)
    offsets = [0]
    for line in original:
        offsets.append(offsets[-1] + len(line))
    spans = wrapper.resolve(WhitespaceInclusivePositionProvider)
    seen, out = {source}, []
    for mutation in visitor.mutations:
        # The node's own text replaced by the mutated node's (what deep_replace gives, without
        # rendering the whole module again), where the span is exactly the node's code.
        span, module = spans[mutation.original_node], wrapper.module
        start = offsets[span.start.line - 1] + span.start.column
        end = offsets[span.end.line - 1] + span.end.column
        if module.code_for_node(mutation.original_node) == source[start:end]:
            text = source[:start] + module.code_for_node(mutation.mutated_node) + source[end:]
        else:
            text = module.deep_replace(mutation.original_node,
                                       mutation.mutated_node).code  # type: ignore[union-attr]
        if text in seen:
            continue
        seen.add(text)
        try:
            compile(text, name, "exec")
        except SyntaxError:
            continue
        new = text.splitlines(keepends=True)
        matcher = difflib.SequenceMatcher(a=original, b=new, autojunk=False)
        changed = [op for op in matcher.get_opcodes() if op[0] != "equal"]
        first, last = changed[0], changed[-1]
        before = "".join(original[first[1]:last[2]])
        after = "".join(new[first[3]:last[4]])
        out.append((first[1] + 1, before, after, text))
    return out


def generate(package: Path = PACKAGE_DIR, files: Sequence[str] | None = None) -> list[Mutant]:
    """Every mutant of the solution regions of ``files`` (default: every graded module)."""
    graded, _ = module_parts(package)
    mutants: list[Mutant] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    for file in (files or sorted(graded)):
        source = (package / file).read_text()
        functions = function_spans(source)
        for number, (line, before, after, text) in enumerate(mutate_source(source, file),
                                                             start=1):
            function = _enclosing(functions, line)
            same = (file, function, normalise(before), normalise(after))
            seen[same] = seen.get(same, 0) + 1
            mutants.append(Mutant(file=file, part=graded[file], function=function, line=line,
                                  original=same[2], mutated=same[3], source=text,
                                  number=number, occurrence=seen[same], reference=source))
    return mutants


# --------------------------------------------------------------------------- equivalents


KINDS = ("equivalent", "allowed")


@dataclass(frozen=True)
class Equivalent:
    """An entry of the equivalents file. ``kind``: "equivalent" (the same observable behaviour
    on every input the specification admits) or "allowed" (a difference the specification
    leaves to the student). ``only_without_cuda``: the entry holds only where CUDA is not
    available (the difference shows on a GPU, where a check kills the mutant)."""

    file: str
    function: str
    original: str
    mutated: str
    kind: str
    reason: str
    occurrence: int = 1
    only_without_cuda: bool = False

    @property
    def key(self) -> tuple[str, str, str, str, int]:
        return (self.file, self.function, normalise(self.original), normalise(self.mutated),
                self.occurrence)


def load_equivalents(path: Path = EQUIVALENTS) -> list[Equivalent]:
    """The ``[[equivalent]]`` tables of the equivalents file, checked field by field."""
    if not path.exists():
        return []
    entries = tomllib.loads(path.read_text()).get("equivalent", [])
    fields = {f.name: f for f in dataclasses.fields(Equivalent)}
    out = []
    for i, entry in enumerate(entries, start=1):
        where = f"{path.name}, entry {i}"
        unknown = sorted(set(entry) - set(fields))
        missing = sorted(n for n, f in fields.items()
                         if f.default is dataclasses.MISSING and n not in entry)
        if unknown or missing:
            raise ValueError(f"{where}: unknown fields {unknown}, missing fields {missing}")
        if not all(isinstance(entry[n], str) for n in entry
                   if n not in ("occurrence", "only_without_cuda")):
            raise ValueError(f"{where}: every field but occurrence and only_without_cuda is a "
                             "string")
        if not isinstance(entry.get("only_without_cuda", False), bool):
            raise ValueError(f"{where}: only_without_cuda is true or false")
        occurrence = entry.get("occurrence", 1)
        if not isinstance(occurrence, int) or isinstance(occurrence, bool) or occurrence < 1:
            raise ValueError(f"{where}: occurrence is an integer >= 1")
        if entry["kind"] not in KINDS or not entry["reason"].strip() or "\n" in entry["reason"]:
            raise ValueError(f"{where}: kind must be one of {KINDS}, with a one-line reason")
        out.append(Equivalent(**entry))
    keys = [e.key for e in out]
    duplicates = {k for k in keys if keys.count(k) > 1}
    if duplicates:
        raise ValueError(f"{path.name}: entries listed twice: {sorted(duplicates)}")
    return out


def applicable(equivalents: Iterable[Equivalent], cuda: bool | None = None
               ) -> dict[tuple[str, str, str, str, int], Equivalent]:
    """The entries that hold on this machine, by key."""
    if cuda is None:
        import torch

        cuda = torch.cuda.is_available()
    return {e.key: e for e in equivalents if not (e.only_without_cuda and cuda)}


# --------------------------------------------------------------------------- grading


class _CheckTimeLimit(Exception):
    pass


def _on_sigprof(signum: int, frame: Any) -> None:
    raise _CheckTimeLimit("this check's CPU time limit")


def _time_limited(check: Any) -> Any:
    """The check with the sandbox's limit: ``check.timeout`` seconds of this process's CPU
    time (a SIGPROF timer, then a look at the clock in case the exception was swallowed)."""
    from autograder.grade.bank import CheckFailed

    def run(student: Any, fn: Any = check.fn, limit: float = check.timeout) -> None:
        start = time.process_time()
        signal.setitimer(signal.ITIMER_PROF, limit)
        try:
            fn(student)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        if time.process_time() - start > limit:
            raise CheckFailed(f"more than this check's CPU time limit of {limit:g} s")

    return dataclasses.replace(check, fn=run)


class Grader:
    """Grades packages in forked children of this process, which imports torch and the grader
    (and warms them up) once; the parent never imports a submission."""

    def __init__(self, skip: Sequence[str] = ()) -> None:
        import torch

        torch.set_num_threads(1)  # as in the sandbox's children; and safe to fork
        import autograder.sandbox.worker  # noqa: F401 - warms torch up, as the zygote does
        from autograder.grade.bank import load_bank

        self.bank = load_bank()
        self.checks: dict[str, list[Any]] = {}
        for check in self.bank.checks:
            if check.id.split("[")[0] not in skip:
                self.checks.setdefault(check.part, []).append(_time_limited(check))
        if "convolutions" in sys.modules:
            raise RuntimeError("the grader's parent imported a submission package")
        self.skipped = [c.id for c in self.bank.checks if c.id.split("[")[0] in skip]

    def backstop(self, part: str) -> float:
        """Wall-clock seconds after which a child grading ``part`` is killed: every check at
        its limit, plus slack."""
        return sum(c.timeout for c in self.checks[part]) + BACKSTOP_SLACK

    def start(self, root: Path, part: str) -> int:
        """Fork a child that grades ``root/convolutions`` on ``part`` and writes
        ``root/result.json``; its output goes to ``root/output.txt``."""
        pid = os.fork()
        if pid:
            return pid
        status = 3
        try:
            fd = os.open(root / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(fd, 1)
            os.dup2(fd, 2)
            sys.dont_write_bytecode = True
            signal.signal(signal.SIGPROF, _on_sigprof)
            result = self._grade_here(root, part)
            (root / "result.json").write_text(json.dumps(result))
            status = 0
        except BaseException:  # noqa: BLE001 - the child reports, then exits, whatever happened
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status)

    def _grade_here(self, root: Path, part: str) -> dict[str, Any]:
        from autograder.grade.bank import Bank
        from autograder.grade.intake import read_submission
        from autograder.grade.runner import grade_submission

        submission = read_submission(root, "mutant")
        graded = grade_submission(submission, Bank(self.bank.scheme, self.checks[part]),
                                  code_dir=str(root))
        return {"failed": {r.check.id: r.message for r in graded.results if not r.passed},
                "checks": len(graded.results), "notes": graded.notes,
                "seconds": round(graded.seconds, 3)}


@dataclass
class Outcome:
    status: str                 # killed, survived, timed out, equivalent
    failed: dict[str, str]      # check id -> message
    seconds: float
    note: str = ""


def _write_package(root: Path, file: str | None, source: str | None) -> None:
    shutil.copytree(PACKAGE_DIR, root / "convolutions",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    if file is not None and source is not None:
        (root / "convolutions" / file).write_text(source)


def run_all(grader: Grader, jobs: list[tuple[str, str, str | None, str | None]], workers: int,
            progress: bool = True) -> dict[str, Outcome]:
    """Grade ``(name, part, file, mutated source)`` jobs, ``workers`` at a time; ``file`` None
    grades the reference itself."""
    outcomes: dict[str, Outcome] = {}
    pending = list(reversed(jobs))
    running: dict[int, tuple[str, str, Path, float]] = {}
    scratch = Path(tempfile.mkdtemp(prefix="mutation-"))
    done = 0
    try:
        while pending or running:
            while pending and len(running) < workers:
                name, part, file, source = pending.pop()
                root = scratch / f"m{done + len(running)}-{os.getpid()}"
                root.mkdir()
                _write_package(root, file, source)
                running[grader.start(root, part)] = (name, part, root, time.monotonic())
            time.sleep(0.01)
            for pid, (name, part, root, began) in list(running.items()):
                finished, status = os.waitpid(pid, os.WNOHANG)
                elapsed = time.monotonic() - began
                if not finished and elapsed > grader.backstop(part):
                    os.kill(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    outcomes[name] = Outcome("timed out", {}, elapsed,
                                             f"stopped after {elapsed:.0f} s")
                elif finished:
                    outcomes[name] = _read_outcome(root, status, elapsed)
                else:
                    continue
                del running[pid]
                shutil.rmtree(root, ignore_errors=True)
                done += 1
                if progress:
                    print(f"\r{done}/{len(jobs)} graded", end="", file=sys.stderr, flush=True)
    finally:
        for pid in running:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        shutil.rmtree(scratch, ignore_errors=True)
        if progress:
            print(file=sys.stderr)
    return outcomes


def _read_outcome(root: Path, status: int, elapsed: float) -> Outcome:
    result = root / "result.json"
    if os.waitstatus_to_exitcode(status) == 0 and result.exists():
        data = json.loads(result.read_text())
        return Outcome("killed" if data["failed"] else "survived", data["failed"], elapsed)
    # The child died (a crash in the mutated code, say): in the sandbox that fails the check.
    output = (root / "output.txt").read_text(errors="replace")[-2000:]
    return Outcome("killed", {"<grading process>": "died"}, elapsed,
                   f"grading process exited with {os.waitstatus_to_exitcode(status)}: {output}")


# --------------------------------------------------------------------------- reporting


def summarise(mutants: list[Mutant], outcomes: dict[str, Outcome], parts: list[str]
              ) -> list[tuple[str, dict[str, int], float | None]]:
    rows = []
    for part in [*parts, "total"]:
        mine = [m for m in mutants if part in ("total", m.part)]
        if not mine:
            continue
        counts = {s: sum(outcomes[m.id].status == s for m in mine)
                  for s in ("killed", "survived", "timed out", "equivalent")}
        counts["generated"] = len(mine)
        scored = counts["generated"] - counts["equivalent"]
        rate = (counts["killed"] + counts["timed out"]) / scored if scored else None
        rows.append((part, counts, rate))
    return rows


def print_table(rows: list[tuple[str, dict[str, int], float | None]]) -> None:
    """One row per part: the counts, the kill rate (killed and timed out over the mutants not
    listed as equivalent) and, for comparison, the same over every mutant."""
    head = ["part", "generated", "killed", "timed out", "survived", "equivalent", "kill rate",
            "of all"]
    print(f"{head[0]:<20}" + "".join(f"{h:>11}" for h in head[1:]))
    for part, c, rate in rows:
        shown = "n/a" if rate is None else f"{100 * rate:.1f} %"
        of_all = f"{100 * (c['killed'] + c['timed out']) / c['generated']:.1f} %"
        print(f"{part:<20}" + "".join(f"{c[k]:>11}" for k in
                                      ("generated", "killed", "timed out", "survived",
                                       "equivalent")) + f"{shown:>11}{of_all:>11}")


def write_reports(out: Path, mutants: list[Mutant], outcomes: dict[str, Outcome],
                  equivalents: dict[tuple[str, str, str, str, int], Equivalent]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    survivors = [m for m in mutants if outcomes[m.id].status == "survived"]
    lines = [f"# Surviving mutants: {len(survivors)} (graded on their part; none of its checks "
             "failed)", "# Kill each with a check in tests/hidden, or list it, with the reason, in "
             "tests/variants/equivalent_mutants.toml", ""]
    for m in survivors:
        lines += [f"## {m.id}  solutions/convolutions/{m.file}:{m.line}  in {m.function}  "
                  f"(part {m.part})", f"original = {json.dumps(m.original)}",
                  f"mutated  = {json.dumps(m.mutated)}",
                  *([f"occurrence = {m.occurrence}"] if m.occurrence > 1 else []),
                  m.diff.rstrip("\n"), ""]
    listed = [m for m in mutants if outcomes[m.id].status == "equivalent"]
    if listed:
        lines += [f"# Equivalent (listed): {len(listed)}", ""]
        for m in listed:
            e = equivalents[m.key]
            lines += [f"## {m.id}  solutions/convolutions/{m.file}:{m.line}  in {m.function}  "
                      f"[{e.kind}] {e.reason}", m.diff.rstrip("\n"), ""]
    report = out / "survivors.txt"
    report.write_text("\n".join(lines) + "\n")
    (out / "results.json").write_text(json.dumps([
        {"id": m.id, "file": m.file, "line": m.line, "function": m.function, "part": m.part,
         "original": m.original, "mutated": m.mutated, "occurrence": m.occurrence,
         "status": outcomes[m.id].status,
         "failed_checks": sorted(outcomes[m.id].failed), "seconds": round(outcomes[m.id].seconds,
                                                                          3),
         "note": outcomes[m.id].note} for m in mutants], indent=1) + "\n")
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", action="append", default=None, metavar="PART",
                        help="only the mutants graded on this part (repeatable)")
    parser.add_argument("--jobs", "-j", type=int, default=1,
                        help="mutants graded at once (default 1; keep it at 1-2 on a shared "
                             "machine)")
    parser.add_argument("--skip-training", action="store_true",
                        help=f"leave out the two training checks {TRAINING_CHECKS} (faster, "
                             "fewer kills)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--output", type=Path, default=OUT, help="report directory")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress counter")
    args = parser.parse_args(argv)

    started = time.monotonic()
    graded, support = module_parts()
    parts = [p for p in part_ids() if p in graded.values()]
    unknown = set(args.part or []) - set(parts)
    if unknown:
        parser.error(f"no solution module for part(s) {sorted(unknown)}; parts: {parts}")
    files = [f for f, p in sorted(graded.items()) if not args.part or p in args.part]
    mutants = generate(files=files)
    equivalents = applicable(load_equivalents())
    if args.list:
        for m in mutants:
            print(f"{m.id:<24} {m.file}:{m.line} {m.function}: {m.original!r} -> {m.mutated!r}")
        print(f"{len(mutants)} mutants")
        return 0

    print(f"{len(mutants)} first-order mutants (mutmut 3 operators) of the solution regions of "
          f"{len(files)} modules; support modules without regions: {', '.join(support)}")
    grader = Grader(skip=TRAINING_CHECKS if args.skip_training else ())
    if grader.skipped:
        print(f"left out (--skip-training): {', '.join(grader.skipped)}")

    reference = run_all(grader, [(f"reference:{p}", p, None, None)
                                 for p in sorted({m.part for m in mutants})], args.jobs,
                        progress=False)
    broken = sorted(k.split(":")[1] for k, o in reference.items() if o.status != "survived")
    for part in broken:
        o = reference[f"reference:{part}"]
        print(f"error: the reference fails checks of {part}, so its mutants are not graded: "
              f"{o.failed} {o.note}", file=sys.stderr)
    mutants = [m for m in mutants if m.part not in broken]
    if not mutants:
        return 1

    outcomes = run_all(grader, [(m.id, m.part, m.file, m.source) for m in mutants], args.jobs,
                       progress=not args.quiet)
    matched = set()
    for m in mutants:
        if m.key in equivalents:
            matched.add(m.key)
            if outcomes[m.id].status == "survived":
                outcomes[m.id].status = "equivalent"
            else:
                print(f"warning: {m.id} is listed as equivalent but was {outcomes[m.id].status} "
                      f"(by {sorted(outcomes[m.id].failed)[:3]}): remove it from "
                      f"{EQUIVALENTS.name}", file=sys.stderr)
    for key, e in equivalents.items():
        if key not in matched and e.file in files:
            print(f"warning: no mutant matches the listed equivalent {key}", file=sys.stderr)

    rows = summarise(mutants, outcomes, parts)
    print()
    print_table(rows)
    report = write_reports(args.output, mutants, outcomes, equivalents)
    total = rows[-1][1]
    kinds = [equivalents[m.key].kind for m in mutants if outcomes[m.id].status == "equivalent"]
    print(f"\n{total['generated']} mutants: {total['killed']} killed, {total['timed out']} timed "
          f"out, {total['survived']} survived, {total['equivalent']} listed in "
          f"{EQUIVALENTS.name} ({kinds.count('equivalent')} equivalent, {kinds.count('allowed')} "
          f"allowed); {time.monotonic() - started:.0f} s with {args.jobs} job(s)")
    print(f"survivors: {report.relative_to(REPO) if report.is_relative_to(REPO) else report}")
    return 1 if total["survived"] or broken else 0


if __name__ == "__main__":
    sys.exit(main())
