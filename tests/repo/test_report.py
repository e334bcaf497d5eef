"""The instructor's class report (python -m autograder report): statistics, message grouping,
escaping of hostile names and messages, similarity (a renamed copy is found, a shared scaffold
is not), the whole command on results the grader's own writer produced, and the page in a real
headless browser. Nothing here grades or runs submission code."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from autograder import paths
from autograder.report.concepts import base_id, read_bank
from autograder.report.load import CheckOutcome, Recorded, load_results, parse_results
from autograder.report.grouping import group_messages, normalise
from autograder.report.similarity import (find_similar, locate, normalise as normalise_code,
                                          read_code, read_stubs, student_part)
from autograder.report.stats import (check_stats, classify, distributions, histogram,
                                     incidents, summarise)

REPO = paths.REPO
EXAMPLES = REPO / "examples" / "submissions"
STUBS = paths.ASSIGNMENTS / paths.PACKAGE
HOSTILE = ('<script>alert(1)</script> <img src=x onerror=alert(2)> "quoted" \'single\' & '
           "</pre></td></table> \u202eevil\u202c \x1b[31mred\x1b[0m")

# -- a class on disk: the examples, a renamed copy of one, two independent implementations

RENAMES = {"Y": "result", "Xp": "padded", "window": "patch", "out_h": "rows", "out_w": "cols",
           "a": "i", "b": "j", "kh": "k_rows", "kw": "k_cols", "dX": "grad_x", "dK": "grad_k",
           "need_dX": "want_x", "need_dK": "want_k", "conv": "layer", "lr": "step",
           "loss": "err", "coeffs": "c"}

CORR2D_PIXELS = """\
    Xp = torch.nn.functional.pad(X, (p_w, p_w, p_h, p_h))
    rows = (Xp.shape[0] - K.shape[0]) // s_h + 1
    cols = (Xp.shape[1] - K.shape[1]) // s_w + 1
    out = torch.empty(rows, cols, dtype=X.dtype, device=X.device)
    for r in range(rows):
        for c in range(cols):
            patch = Xp[r * s_h: r * s_h + K.shape[0], c * s_w: c * s_w + K.shape[1]]
            out[r, c] = torch.sum(patch * K)
    return out
"""
CORR2D_OFFSETS = """\
    padded = X.new_zeros(X.shape[0] + 2 * p_h, X.shape[1] + 2 * p_w)
    padded[p_h:padded.shape[0] - p_h, p_w:padded.shape[1] - p_w] = X
    n_rows = 1 + (padded.shape[0] - K.shape[0]) // s_h
    n_cols = 1 + (padded.shape[1] - K.shape[1]) // s_w
    acc = X.new_zeros(n_rows, n_cols)
    for dy in range(K.shape[0]):
        for dx in range(K.shape[1]):
            acc += K[dy, dx] * padded[dy::s_h, dx::s_w][:n_rows, :n_cols]
    return acc
"""


def renamed_copy(src: Path, dst: Path) -> None:
    """``src`` with every name of its own code renamed and its comments dropped, as a copier
    would disguise it (the stub's lines are left as they are)."""
    shutil.copytree(src, dst)
    for path in (dst / "convolutions").glob("*.py"):
        stub = set((STUBS / path.name).read_text().splitlines())
        lines = []
        for line in path.read_text().splitlines():
            if line in stub:
                lines.append(line)
            elif not line.strip().startswith("#"):
                code = line.split("  #")[0]
                lines.append(re.sub(rf"\b({'|'.join(RENAMES)})\b",
                                    lambda m: RENAMES[m.group()], code))
        path.write_text("\n".join(lines) + "\n")


def with_corr2d(dst: Path, body: str) -> None:
    """The stubs with corr2d's TODO replaced by ``body``: only the scaffold is shared."""
    shutil.copytree(EXAMPLES / "stubs", dst)
    path = dst / "convolutions" / "cross_correlation.py"
    text = path.read_text()
    todo = re.search(r"    # TODO:[^\n]*\n(?:    #[^\n]*\n)*    raise NotImplementedError\(\"corr2d"
                     r"[^\n]*\n", text)
    assert todo, "the corr2d stub changed: update this test"
    path.write_text(text[:todo.start()] + body + text[todo.end():])


@pytest.fixture(scope="module")
def classroom(tmp_path_factory) -> Path:
    """Submissions: the examples, ``partial-renamed`` (partial disguised), ``stubs-again`` (the
    untouched stubs), ``pixels`` and ``offsets`` (corr2d written two different ways)."""
    root = tmp_path_factory.mktemp("class")
    for example in sorted(EXAMPLES.iterdir()):
        shutil.copytree(example, root / example.name)
    renamed_copy(EXAMPLES / "partial", root / "partial-renamed")
    shutil.copytree(EXAMPLES / "stubs", root / "stubs-again")
    with_corr2d(root / "pixels", CORR2D_PIXELS)
    with_corr2d(root / "offsets", CORR2D_OFFSETS)
    return root


# -- statistics and messages


def test_summary_and_histogram() -> None:
    assert summarise([1, 2, 3, 10]) == (4.0, 2.5, 10, 1)
    assert summarise([]) == (0.0, 0.0, 0.0, 0.0)
    h = histogram([0, 5, 9.99, 10, 10], 10, bins=2)
    assert h.edges == [0, 5, 10] and h.counts == [1, 4]
    assert sum(histogram([95, 90, -1], 90).counts) == 3  # extra credit and odd values still count


def _graded(name: str, scores: dict[str, float], failing: dict[str, str], **fields) -> Recorded:
    checks = [CheckOutcome(f"{p}.check[{i}]", p, f"{p} check {i}", f"{p}.check[{i}]" not in failing,
                           1.0, 1.0, failing.get(f"{p}.check[{i}]", ""), 0.01)
              for p in ("alpha", "beta") for i in range(2)]
    return Recorded(name, sum(scores.values()), 4, {p: (s, 2.0) for p, s in scores.items()},
                  checks=checks, **fields)


def test_fail_rates_concepts_and_incidents() -> None:
    graded = [
        _graded("ann", {"alpha": 2, "beta": 0},
                {"beta.check[0]": "shape (3, 4), expected (2, 3)",
                 "beta.check[1]": "your code used more than this check's CPU time limit of 5 s "
                                  "(an infinite loop, or far too slow)"}),
        _graded("bob", {"alpha": 1, "beta": 1},
                {"alpha.check[0]": "rule broken: your code used torch.nn.functional.conv2d",
                 "beta.check[0]": "shape (5, 6), expected (4, 5)"},
                review=["dynamic imports (cross_correlation.py:47: __import__(...))"]),
        _graded("cat", {"alpha": 0, "beta": 0}, {f"{p}.check[{i}]": "gone" for p in
                                                  ("alpha", "beta") for i in range(2)},
                error="convolutions/ not found in the submission"),
        _graded("dan", {"alpha": 2, "beta": 2}, {},
                notes=["your code's process was restarted: killed by signal SIGSEGV (a crash "
                       "in native code)"]),
    ]
    bank = read_bank(Path("/nonexistent"))
    checks = check_stats(graded, bank)
    rates = {c.id: (c.failed, c.graded) for c in checks}
    assert rates["beta.check[0]"] == (2, 3)  # cat was not graded: left out of every rate
    assert checks[0].id == "beta.check[0]"   # most failed first
    top = checks[0].messages[0]
    assert (top.pattern, top.count, top.submissions) == \
        ("shape (N, …), expected (N, …)", 2, ["ann", "bob"])
    kinds = {i.name: i.kinds for i in incidents(graded)}
    assert kinds == {"ann": ["timeout"], "bob": ["rule", "review"], "cat": ["not graded"],
                     "dan": ["crash"]}
    total, alpha, beta = distributions(graded, bank)
    assert (total.n, alpha.part, alpha.mean, beta.median, alpha.max_score) == \
        (4, "alpha", 1.25, 0.5, 2.0)


def test_message_normalisation_groups_numbers_and_names() -> None:
    assert normalise("corr2d output: shape (4, 5), expected (3, 4)") == \
        normalise("corr2d output: shape (2, 7), expected (1, 6)")
    assert normalise("your code raised NameError: name 'Y' is not defined") == \
        "your code raised NameError: name 'X' is not defined"
    assert normalise("max abs error 1.5e-03 at 0x7f3a2b") == "max abs error N at 0xN"
    groups, distinct = group_messages([("a", "x is 1"), ("b", "x is 2"), ("c", "y")], top=1)
    assert distinct == 2 and groups[0].count == 2 and groups[0].example == "x is 1"


def test_incident_patterns_follow_the_grader_messages() -> None:
    """The phrases the report keys on, as the grader words them (feedback.py, and the
    sandbox's share of it, sandbox/reasons.py)."""
    student = (REPO / "autograder" / "feedback.py").read_text()
    sandbox = (REPO / "autograder" / "sandbox" / "reasons.py").read_text()
    for phrase in ("rule broken: your code used", "CPU time limit", "did not finish in time",
                   "process died", "had to be restarted", "does not answer its request"):
        assert phrase in student, phrase
    for phrase in ("exceeded the memory limit", "killed by signal", "ran past"):
        assert phrase in sandbox, phrase
    assert classify("your code's process died: exceeded the memory limit of 1 GiB") == "sandbox"
    assert classify("your code raised ValueError: bad") is None


def test_bank_concepts_come_from_the_check_declarations() -> None:
    bank = read_bank()
    assert base_id("corr2d.oracle[3x3-pad1]") == "corr2d.oracle"
    assert bank.concept("corr1d.oracle[kernel-1]") == \
        "corr1d matches F.conv1d (T=…, kernel width …)"
    assert bank.part_order()[0] == "cross_correlation" and bank.optional("concepts")


# -- untrusted results


def test_hostile_results_are_escaped(tmp_path) -> None:
    from autograder.report.build import build_report, write_report

    out = tmp_path / "out"
    name = "<img src=x onerror=alert(3)>"
    (out / name).mkdir(parents=True)
    tests = [{"name": f"alpha: {HOSTILE}", "score": 0, "max_score": 1, "status": "failed",
              "output": HOSTILE, "tags": ["alpha<b>"], "extra_data": {"id": f"id{HOSTILE}"}}]
    data = {"score": "NaN", "execution_time": 1e400, "output": f"Problems with the submission:"
            f"\n\n- {HOSTILE}", "tests": tests,
            "extra_data": {"parts": {"alpha<b>": {"score": 0, "max_score": 1}},
                           "review": [HOSTILE], "error": None, "source": "/etc"}}
    (out / name / "results.json").write_text(json.dumps(data))
    (out / name / "feedback.md").write_text("hi")
    (out / "broken").mkdir()
    (out / "broken" / "results.json").write_text("{not json")
    report = build_report(out, similarity=False)
    page, _ = write_report(report)
    html = page.read_text()
    assert "<script" not in html and "<img src=x" not in html and "\u202e" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="%3Cimg%20src%3Dx%20onerror%3Dalert%283%29%3E/feedback.md"' in html
    assert "results.json cannot be read" in html
    data = json.loads((out / "report.json").read_text())
    assert data["submissions"] == 2 and data["unreadable"] == ["broken"]
    assert data["checks"][0]["fail_rate"] == 1.0


# -- similarity


def test_normalised_code_ignores_names_layout_and_comments() -> None:
    a = "for a in range(kh):\n    Y = Y + K[a, 0] * X  # add\n"
    b = "for off in range( rows ):\n    out = out + W[off, 0]*img\n"
    assert normalise_code(a) == normalise_code(b)
    assert normalise_code(a) != normalise_code(a.replace("+", "-"))


def test_student_part_keeps_only_changed_lines() -> None:
    stub = 'def f(x):\n    """Doc\n    string."""\n    raise NotImplementedError\n'
    mine = 'def f(x):\n    """Doc\n    string, edited."""\n    return x + 1\n'
    part = student_part(stub, mine)
    assert "return x + 1" in part and "def f" not in part
    assert part.count('"""') == 2  # a touched docstring is taken whole, quotes balanced


def test_renamed_copy_is_the_top_pair_and_a_shared_scaffold_is_not_flagged(classroom) -> None:
    stubs = read_stubs(STUBS)
    codes = [read_code(p.name, p, stubs) for p in sorted(classroom.iterdir())]
    found = find_similar(codes, stubs, detail=1)
    top = found.pairs[0]
    assert {top.a, top.b} == {"partial", "partial-renamed"}, found.pairs[:3]
    assert top.similarity > 0.95 and top.files and "<mark>" in top.files[0].a_html
    flagged = {frozenset((p.a, p.b)) for p in found.pairs}
    for scaffold_only in [("stubs", "stubs-again"), ("pixels", "offsets"), ("pixels", "stubs"),
                          ("offsets", "stubs")]:
        assert frozenset(scaffold_only) not in flagged, scaffold_only
    assert not any({"pixels", "offsets"} & set(pair) for pair in flagged)
    assert found.missing["stubs"] == "no code of its own: every file is the stub's"


def test_hostile_code_is_escaped_in_the_side_by_side_view(tmp_path) -> None:
    body = CORR2D_OFFSETS.replace("return acc", "s = '</pre><script>alert(1)</script>'\n"
                                  "    t = 'admin\u202e \u2066'  # </td><img src=x onerror=f()>\n"
                                  "    return acc")
    with_corr2d(tmp_path / "a", body)
    with_corr2d(tmp_path / "b", body)
    stubs = read_stubs(STUBS)
    found = find_similar([read_code(n, tmp_path / n, stubs) for n in "ab"], stubs, detail=1)
    shown = found.pairs[0].files[0].a_html
    assert "<script" not in shown and "<img" not in shown and "</pre>" not in shown
    assert "&lt;script&gt;" in shown and "U+202E" in shown and "\u202e" not in shown


def test_submissions_are_found_by_their_output_names(classroom, tmp_path) -> None:
    where = locate({"partial": None, "reference": "nowhere/reference", "ghost": None},
                   [classroom], [Path.cwd()])
    assert where == {"partial": classroom / "partial", "reference": classroom / "reference",
                     "ghost": None}
    assert locate({"x": str(classroom / "partial")}, None, [tmp_path]) == \
        {"x": classroom / "partial"}


# -- the whole command on what the grader's own writer produces


@pytest.fixture(scope="module")
def graded_out(classroom, tmp_path_factory) -> Path:
    """OUT as `grade` leaves it, written with the grader's own writer (results.json,
    feedback.md, gradebook.csv) from made-up verdicts; the sources point at ``classroom``."""
    from autograder.grade.bank import Bank, Check, GradingScheme
    from autograder.grade.intake import Submission
    from autograder.grade.gradebook import write_gradebook
    from autograder.grade.results import write_submission
    from autograder.grade.runner import CheckResult, SubmissionResult

    def noop(student) -> None:
        pass

    scheme = GradingScheme(parts={"cross_correlation": 6, "audio_conv1d": 4},
                        optional={"concepts": 1}, manual={"written": 10})
    checks = [Check(f"corr2d.oracle[{i}]", "cross_correlation", f"corr2d matches torch ({i})",
                    noop, points=2) for i in range(3)]
    checks += [Check("corr1d.oracle[a]", "audio_conv1d", "corr1d matches F.conv1d (a)", noop,
                     points=2), Check("corr1d.float32", "audio_conv1d", "corr1d keeps float32",
                                      noop, points=2),
               Check("concepts.answer[q]", "concepts", "concepts.q()", noop, points=1)]
    bank = Bank(scheme, checks)
    out = tmp_path_factory.mktemp("out")
    for k, path in enumerate(sorted(classroom.iterdir())):
        failing = {c.id for j, c in enumerate(checks) if (j + k) % 3 == 0}
        message = f"corr2d output: shape ({k}, 2), expected ({k + 1}, 2)"
        flipped = "kernel_flipped" if k % 2 == 0 else None   # recognised in corr2d's failures
        results = [CheckResult(c, c.id not in failing, message, seconds=0.01,
                               misconception=flipped if c.part == "cross_correlation" else None)
                   for c in checks]
        result = SubmissionResult(Submission(path.name, str(path)), results=results,
                                  seconds=0.5 + k, isolation="bwrap")
        if path.name == "stubs-again":
            result.results[0] = CheckResult(checks[0], False, "your code did not finish in time "
                                            "(an infinite loop, a sleep or a wait; this check's "
                                            "limit is 5 s)")
        write_submission(out, result, bank)
    write_gradebook(out, bank)
    return out


def test_report_command_writes_the_page_and_the_json(graded_out, classroom) -> None:
    from autograder.__main__ import main

    assert main(["report", str(graded_out)]) == 0
    data = json.loads((graded_out / "report.json").read_text())
    names = sorted(p.name for p in classroom.iterdir())
    assert data["submissions"] == len(names)
    assert set(data["parts"]) == {"cross_correlation", "audio_conv1d", "concepts"}
    for part in data["parts"].values():
        assert {"mean", "median", "max", "histogram"} <= set(part)
        assert sum(part["histogram"]["counts"]) == len(names)
    assert {"id", "part", "fail_rate"} <= set(data["checks"][0])
    assert data["checks"] == sorted(data["checks"], key=lambda c: -c["fail_rate"])
    pairs = data["similar_pairs"]
    assert {pairs[0]["a"], pairs[0]["b"]} == {"partial", "partial-renamed"}
    assert all(0 <= p["similarity"] <= 1 and {p["a"], p["b"]} <= set(names) for p in pairs)
    assert data["sources"]["partial"] == str(classroom / "partial")
    ring = next(r for r in data["rings"] if "partial-renamed" in r["members"])
    assert "partial" in ring["members"] and not {"pixels", "offsets"} & set(ring["members"])
    assert re.fullmatch(r"shares \d+ passages with \d+ others?",
                        ring["reasons"]["partial-renamed"])
    leads = {x["name"]: x for x in data["look_here_first"]}
    assert {"ring", "pair"} & set(leads["partial-renamed"]["kinds"])
    assert data["attempts"]["cross_correlation"]["attempted"] + \
        data["attempts"]["cross_correlation"]["not_attempted"] == len(names)
    assert [i["kinds"] for i in data["incidents"] if i["name"] == "stubs-again"] == [["timeout"]]
    html = (graded_out / "report.html").read_text()
    for name in names:
        assert f'href="{name}/feedback.md"' in html
    assert html.count("data:image/png;base64,") >= 3
    for section in ("look", "scores", "checks", "messages", "incidents", "time", "similarity",
                    "students"):
        assert f'<section id="{section}">' in html
    assert "to review" in html and "not proof of copying" in html
    # students per misconception, from what the grader's writer put in results.json
    recognised = sorted(n for n in names if any(
        t["status"] == "failed" and t["extra_data"].get("misconception") == "kernel_flipped"
        for t in json.loads((graded_out / n / "results.json").read_text())["tests"]))
    assert len(recognised) >= 2
    assert [(m["id"], m["names"]) for m in data["misconceptions"]] == [
        ("kernel_flipped", recognised)]
    assert f"<b>{len(recognised)}</b> students: flipped the kernel (a true convolution)" in html
    assert html.index('id="misconceptions"') < html.index("Concepts to re-teach")


def test_report_page_in_headless_chromium(graded_out, tmp_path) -> None:
    from autograder.report.browser import check_page, find_chromium

    if find_chromium() is None:
        pytest.skip("no Chromium or Chrome found (apt-get install chromium, or set CHROMIUM)")
    page = graded_out / "report.html"
    if not page.exists():
        from autograder.report.build import build_report, write_report

        write_report(build_report(graded_out))
    shot = tmp_path / "report.png"
    new = {s: tmp_path / f"{s}.png" for s in ("look", "incidents", "similarity", "students")}
    found = check_page(page, shot, height=1600, width=1280, sections=new)
    assert found.ok, (found.console_errors, found.broken_images, found.requests)
    assert found.info["overflow"] <= 0, "the page is wider than 1280 px: something overflows"
    assert found.info["images"] >= 3 and found.info["scripts"] == 0
    assert found.info["rows"] == len(load_results(graded_out))
    assert {"look", "scores", "checks", "incidents", "similarity", "students"} <= \
        set(found.info["sections"])
    for png in [shot, *new.values()]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png


def test_a_page_that_breaks_is_caught(tmp_path) -> None:
    """The browser check itself: a broken image and a script error are reported."""
    from autograder.report.browser import check_page, find_chromium

    if find_chromium() is None:
        pytest.skip("no Chromium or Chrome found (apt-get install chromium, or set CHROMIUM)")
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><body><img alt="broken" src="data:image/png;base64,'
                    'AAAA"><script>undefinedFunction()</script><table><tr><td style="white-space:'
                    'nowrap">' + "wide " * 400 + "</td></tr></table></body></html>")
    found = check_page(page)
    assert found.broken_images == ["broken"]
    assert found.info["overflow"] > 0   # a table wider than the window is seen
    assert any("undefinedFunction" in e for e in found.console_errors)


def test_parse_results_tolerates_any_json() -> None:
    for data in [None, [], "x", {"tests": "x"}, {"tests": [None, 1, {"name": 5}]},
                 {"extra_data": {"parts": {"p": "x"}, "review": "x"}}]:
        graded = parse_results("n", data)
        assert graded.name == "n" and isinstance(graded.checks, list)
