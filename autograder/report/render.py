"""The report as one self-contained HTML page.

Everything student-derived (names, messages, flags, code) is escaped with ``html.escape``; a
Content-Security-Policy allows no script, no request and only inline styles and ``data:``
images, so even a missed escape could neither run code nor reach the network. Links to
feedback are relative (``<name>/feedback.md``), with the name URL-quoted.
"""

from __future__ import annotations

import html
from urllib.parse import quote

from .lookhere import LOW
from .model import Report
from .similarity import Pair
from .stats import INCIDENT_KINDS, TOTAL, CheckStat

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
MAX_CHECK_ROWS = 40     # rows of the check table shown before "all checks"
MAX_CONCEPT_ROWS = 20   # rows of the concept table shown before the rest
MAX_MESSAGE_CHECKS = 25  # checks whose common messages are listed
MAX_LEADS = 25          # "look here first" lines shown before the rest
MAX_NAMES = 8           # submissions named in one incident group before "and N more"

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;
max-width:1200px;padding:1em 2em;color:#222}
h1{margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}
nav a{margin-right:1em}table{border-collapse:collapse;margin:.5em 0 1em}
th,td{border:1px solid #ddd;padding:3px 7px;vertical-align:top;text-align:left;
overflow-wrap:break-word}.scroll{max-width:100%;overflow-x:auto}
.scroll.tall{max-height:40em;overflow-y:auto}.scroll.tall thead th{position:sticky;top:0}
ol.leads li{margin:.15em 0}
th{background:#f4f4f4}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.meta,.note{color:#555}.note{max-width:60em}
.bar{display:inline-block;height:.8em;background:#C44E52;vertical-align:middle;margin-right:.4em}
.tag{display:inline-block;border-radius:3px;padding:0 .4em;margin:0 .2em .1em 0;font-size:12px;
background:#eee;white-space:nowrap}.tag.timeout,.tag.crash{background:#fde2c8}
.tag.rule,.tag.sandbox{background:#f8c9c9}
.tag.review{background:#e4dcf5}.tag.not-graded,.tag.unreadable{background:#f3b0b0}
code,pre{font:12px/1.35 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
pre{margin:0;white-space:pre-wrap;word-break:break-word;max-height:32em;overflow:auto}
.side{display:grid;grid-template-columns:1fr 1fr;gap:.5em}
.side>div{border:1px solid #ddd;padding:.4em;min-width:0}
mark{background:#ffe08a}img{max-width:100%}details{margin:.4em 0}summary{cursor:pointer}
.zero{color:#aaa}.rate{white-space:nowrap}.ctl{background:#f8c9c9;font-size:10px}
"""


def e(value: object) -> str:
    """Escaped for HTML text and attribute values."""
    return html.escape(str(value), quote=True)


def _pct(rate: float) -> str:
    return f"{100 * rate:.0f}%"


def _bar(rate: float) -> str:
    width = max(0.0, min(100.0, 100 * rate))
    return (f'<span class="rate"><span class="bar" style="width:{width * 0.8:.0f}px"></span>'
            f"{_pct(rate)}</span>")


def _feedback_link(name: str, present: bool) -> str:
    if not present:
        return e(name)
    return f'<a href="{e(quote(name, safe=""))}/feedback.md">{e(name)}</a>'


def _table(head: list[str], rows: list[list[str]], numeric: set[int] = frozenset(),
           tall: bool = False) -> str:
    """A table of already escaped cells; ``numeric`` columns are right-aligned. It scrolls
    inside its own box when wider than the page (and, ``tall``, when longer than 40 lines)."""
    cls = [' class="n"' if i in numeric else "" for i in range(len(head))]
    out = [f'<div class="scroll{" tall" if tall else ""}"><table><thead><tr>',
           *(f"<th{c}>{h}</th>" for c, h in zip(cls, head)),
           "</tr></thead><tbody>"]
    for row in rows:
        out.append("<tr>" + "".join(f"<td{c}>{cell}</td>" for c, cell in zip(cls, row))
                   + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def _num(x: float) -> str:
    return f"{x:.4g}"


# -- sections

def _scores(r: Report) -> str:
    rows = []
    for d in r.distributions:
        label = "total" if d.part == TOTAL else d.part + (" (extra credit)" if d.optional else "")
        about = f'<br><span class="meta">{e(d.about)}</span>' if d.about else ""
        rows.append([f"<b>{e(label)}</b>{about}", _num(d.mean), _num(d.median), _num(d.min),
                     _num(d.max), _num(d.max_score), str(d.n)])
    out = ['<section id="scores"><h2>Scores</h2>',
           _table(["", "mean", "median", "min", "max", "out of", "submissions"], rows,
                  {1, 2, 3, 4, 5, 6})]
    if "total" in r.plots:
        out.append(f'<p><img alt="histogram of total scores" src="{r.plots["total"]}"></p>')
    if "parts" in r.plots:
        out.append(f'<p><img alt="histograms of the scores of each part" '
                   f'src="{r.plots["parts"]}"></p>')
    if r.bank.scheme and r.bank.scheme.manual:
        manual = ", ".join(f"{p} ({m:g} points)" for p, m in r.bank.scheme.manual.items())
        out.append(f'<p class="note">Recorded by hand, not in these numbers: {e(manual)}.</p>')
    out.append("</section>")
    return "".join(out)


def _check_row(c: CheckStat) -> list[str]:
    return [_bar(c.fail_rate), f"{c.failed} / {c.graded}", f"<code>{e(c.id)}</code>",
            e(c.part), e(c.title)]


def _checks(r: Report) -> str:
    graded = sum(1 for g in r.graded if g.problem is None and g.error is None)
    out = ['<section id="checks"><h2>What the class missed</h2>',
           f'<p class="note">Failure rates among the {graded} submissions the grader could run, '
           "counting for each part only the students who <b>attempted</b> it: a part left as "
           "the stub is not a misconception and is counted under "
           "<a href=\"#attempts\">not attempted</a> (submissions not graded fail every check "
           "for one reason and are listed under <a href=\"#incidents\">incidents</a>). A "
           "concept is a check of the hidden bank with all its cases; its rate is the mean over "
           "the cases.</p>", _misconceptions(r), _attempts(r)]
    if "concepts" in r.plots:
        out.append(f'<p><img alt="failure rate of the most failed concepts" '
                   f'src="{r.plots["concepts"]}"></p>')
    rows = [[_bar(c.fail_rate), f"{c.submissions_failing} / {c.attempted}",
             f"<code>{e(c.id)}</code>", e(c.part), e(c.concept), str(c.cases)]
            for c in r.concepts if c.fail_rate > 0]
    head = ["fail rate", "failing a case / attempted the part", "check", "part",
            "what it tests", "cases"]
    out.append("<h3>Concepts to re-teach</h3>")
    out.append(_table(head, rows[:MAX_CONCEPT_ROWS], {1, 5}) if rows
               else "<p>No check failed.</p>")
    if len(rows) > MAX_CONCEPT_ROWS:
        out.append(f"<details><summary>the other {len(rows) - MAX_CONCEPT_ROWS} concepts that "
                   f"failed</summary>{_table(head, rows[MAX_CONCEPT_ROWS:], {1, 5})}</details>")
    failing = [c for c in r.checks if c.failed]
    if failing:
        out.append(f"<h3>Checks, most failed first ({len(failing)} of {len(r.checks)} failed "
                   "at least once)</h3>")
        head = ["fail rate", "failed", "check", "part", "title"]
        out.append(_table(head, [_check_row(c) for c in failing[:MAX_CHECK_ROWS]], {1}))
        if len(failing) > MAX_CHECK_ROWS:
            out.append(f"<details><summary>the other {len(failing) - MAX_CHECK_ROWS} failed "
                       "checks</summary>"
                       + _table(head, [_check_row(c) for c in failing[MAX_CHECK_ROWS:]], {1})
                       + "</details>")
    out.append("</section>")
    return "".join(out)


def _misconceptions(r: Report) -> str:
    """Students per known misconception, most first: the first thing to re-teach."""
    present = {g.name: g.has_feedback for g in r.graded}
    out = ['<h3 id="misconceptions">Known misconceptions: re-teach these first</h3>',
           '<p class="note">Students in whose results a failed check was recognised as a known '
           "mistake of the misconception library (<code>autograder/misconceptions.toml</code>: "
           "the value equals what that mistake gives on the same input), most students first; "
           "a student counts once per misconception however many checks recognised it. The "
           "share is of the students who attempted its parts. These sit beside the failure "
           "rates below, not in their place: a failure recognised as nothing is counted there "
           "only.</p>"]
    if not r.misconceptions:
        out.append("<p>No failure was recognised as a known misconception.</p>")
        return "".join(out)
    rows = [[f"<b>{len(m.students)}</b> {e(m.sentence().split(' ', 1)[1])}",  # "students: …"
             f"{_bar(m.share)} {len(m.students)} / {m.attempted}",
             e(", ".join(f"{p} {n}" for p, n in m.by_part.items())),
             e(", ".join(f"{c} ({n})" for c, n in list(m.checks.items())[:5])
               + (f" and {len(m.checks) - 5} more" if len(m.checks) > 5 else "")),
             _names(m.students, present), f"<code>{e(m.id)}</code>"]
            for m in r.misconceptions]
    out.append(_table(["students", "share of those who attempted", "recognised in part",
                       "in checks (students)", "who", "id"], rows, {1}))
    return "".join(out)


def _attempts(r: Report) -> str:
    """Per part: how many attempted it and how many left it as the stub."""
    if not r.attempts:
        return ""
    rows = [[e(a.part) + (" (extra credit)" if a.optional else ""), str(a.attempted),
             str(a.skipped), _bar(a.skip_rate)] for a in r.attempts]
    skipped = sum(a.skipped for a in r.attempts)
    return ('<h3 id="attempts">Not attempted (left as the stub)</h3>'
            f'<p class="note">{skipped} part submissions were left as the stub (every function '
            "of the part still raises NotImplementedError): counted here, not in the failure "
            "rates below.</p>"
            + _table(["part", "attempted", "not attempted", "share not attempted"], rows,
                     {1, 2}))


def _messages(r: Report) -> str:
    out = ['<section id="messages"><h2>Most common failure messages</h2>',
           '<p class="note">Per check, the messages students got, grouped after numbers became '
           "<code>N</code> and quoted names <code>'X'</code>; the example is one real message "
           "of the group.</p>"]
    rows = []
    for c in [c for c in r.checks if c.failed][:MAX_MESSAGE_CHECKS]:
        for i, m in enumerate(c.messages):
            first = [f"<code>{e(c.id)}</code><br>{_pct(c.fail_rate)} fail, "
                     f"{c.distinct_messages} distinct" if i == 0 else "",
                     ]
            rows.append([*first, f"{m.count}", f"<code>{e(m.pattern)}</code>",
                         e(m.example), e(", ".join(m.submissions[:5]))
                         + (f" and {len(m.submissions) - 5} more" if len(m.submissions) > 5
                            else "")])
    out.append(_table(["check", "count", "message (normalised)", "example", "submissions"],
                      rows, {1}) if rows else "<p>No check failed.</p>")
    out.append("</section>")
    return "".join(out)


def _tags(kinds: list[str]) -> str:
    return "".join(f'<span class="tag {e(k.replace(" ", "-"))}">{e(k)}</span>' for k in kinds)


def _names(names: list[str], present: dict[str, bool]) -> str:
    shown = ", ".join(_feedback_link(n, present.get(n, False)) for n in names[:MAX_NAMES])
    return shown + (f" and {len(names) - MAX_NAMES} more" if len(names) > MAX_NAMES else "")


def _incidents(r: Report) -> str:
    present = {g.name: g.has_feedback for g in r.graded}
    legend = "".join(f"<li>{_tags([k])} {e(v)}</li>" for k, v in INCIDENT_KINDS.items())
    rows = [[_tags([x.kind]), f"<code>{e(x.cause)}</code>"
             + (f'<br><span class="meta">e.g. {e(x.example)}</span>' if x.example != x.cause
                else ""), str(len(x.submissions)),
             _names(x.submissions, present),
             e(", ".join(x.checks[:6]) + (f" and {len(x.checks) - 6} more"
                                          if len(x.checks) > 6 else ""))]
            for x in r.incident_groups]
    counts = {k: sum(k in i.kinds for i in r.incidents) for k in INCIDENT_KINDS}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "none"
    return ('<section id="incidents"><h2>Crashes, time-outs, rules and the sandbox</h2>'
            f'<p class="note">Submissions with more than wrong answers ({e(summary)}), grouped '
            "by cause: one row per kind and message (numbers and names folded), with everyone "
            "it happened to and the checks it happened in. The links open their feedback.</p>"
            f"<ul>{legend}</ul>"
            + (_table(["kind", "cause", "submissions", "who", "in checks"], rows, {2})
               if rows else "<p>None.</p>") + "</section>")


def _times(r: Report) -> str:
    ok = sorted((g for g in r.graded if g.problem is None), key=lambda g: -g.seconds)
    total = sum(g.seconds for g in ok)
    if r.batch is not None:
        b = r.batch
        said = (f"The last grading run took {b.wall_seconds:.1f} s of wall time for "
                f"{b.submissions} submissions (from {e(b.started)} to {e(b.finished)}, "
                f"<code>batch.json</code>); the per-submission times below add up to "
                f"{total:.1f} s because jobs run in parallel.")
    else:
        said = (f"The sum of per-submission times is {total:.1f} s over {len(ok)} submissions "
                "(each the grader's wall-clock time for one submission; jobs run in parallel, "
                "so the batch took less: this folder has no <code>batch.json</code> recording "
                "the run's own wall time).")
    out = ['<section id="time"><h2>Time per submission</h2>', f'<p class="note">{said}</p>']
    if "time" in r.plots:
        out.append(f'<p><img alt="histogram of grading times" src="{r.plots["time"]}"></p>')
    rows = [[_feedback_link(g.name, g.has_feedback), f"{g.seconds:.2f}", e(g.isolation)]
            for g in ok[:10]]
    out.append("<h3>Slowest</h3>" + _table(["submission", "seconds", "isolation"], rows, {1}))
    out.append("</section>")
    return "".join(out)


def _pair_detail(p: Pair, rank: int) -> str:
    files = "".join(
        f"<details{' open' if i == 0 else ''}><summary><code>{e(f.file)}</code>: "
        f"{_pct(f.a_share)} of {e(p.a)}'s and {_pct(f.b_share)} of {e(p.b)}'s fingerprinted "
        f'code in this file is shared</summary><div class="side"><div><b>{e(p.a)}</b>'
        f"<pre>{f.a_html}</pre></div><div><b>{e(p.b)}</b><pre>{f.b_html}</pre></div></div>"
        "</details>" for i, f in enumerate(p.files))
    return (f'<h4 id="pair-{rank}">{rank}. {e(p.a)} and {e(p.b)}: '
            f"{_pct(p.similarity)} similar</h4>{files}")


def _similarity(r: Report) -> str:
    out = ['<section id="similarity"><h2>Similar submissions (to review)</h2>']
    s = r.similarity
    if s is None:
        out.append(f'<p class="note">{e(r.similarity_note)}</p></section>')
        return "".join(out)
    p = s.params
    out.append(
        '<p class="note">Pairs whose student-written code is alike, to <b>look at</b>: '
        "similar code is not proof of copying (a shared idea, the book's code, a study group, "
        "one student helping another are all possible), and code that is not listed is not "
        "proven original. The code students were given (the stubs and the handout) is ignored "
        f"as boilerplate, and so are passages more than {p['max_share']:g} submissions share "
        f"(max({p['min_share']:g}, {_pct(p['share'])} of the submissions compared, earlier "
        "terms' included): an idiom most of the class writes). Pairs at or above the "
        "threshold are joined into rings (connected groups), so copies of one source are "
        "one finding whatever their number. Similarity is copydetect's (winnowed "
        f"fingerprints of {p['k']:g}-character runs of normalised code, names and layout "
        "ignored): the mean over both submissions of the fraction of each one's student code "
        f"found in the other. Listed from {_pct(p['threshold'])}; {s.candidates} pairs shared "
        f"enough fingerprints to be compared, {s.compared} were (at most "
        f"{p['max_compare']:g}; pairs inside a known ring are not compared again), among "
        f"{s.submissions} submissions read"
        + (f" and {s.archived} of earlier terms (never listed on their own)" if s.archived
           else "") + ".</p>")
    if r.similarity_note:
        out.append(f'<p class="note">{e(r.similarity_note)}</p>')
    if s.rings:
        rows = [[str(len(ring.members)), f"{_pct(ring.similarity)}",
                 "<br>".join(f"{e(m)}{' (earlier term)' if m in ring.archived else ''}: "
                             f"{e(ring.reason(m))}" for m in ring.members)]
                for ring in s.rings]
        out.append(f"<h3>Rings ({len(s.rings)})</h3>"
                   + _table(["size", "most similar pair", "members: why"], rows, {0, 1}))
    if s.pairs:
        out.append("<h3>Pairs compared at or above the threshold</h3>")
        rows = [[f'<a href="#pair-{i}">{i}</a>' if p.files else str(i), e(p.a), e(p.b),
                 _pct(p.similarity), _pct(p.a_share), _pct(p.b_share)]
                for i, p in enumerate(s.pairs, 1)]
        out.append(_table(["#", "submission a", "submission b", "similarity",
                           "of a found in b", "of b found in a"], rows, {3, 4, 5}))
        out.append("<h3>Side by side (shared parts highlighted)</h3>")
        out.extend(_pair_detail(p, i) for i, p in enumerate(s.pairs, 1) if p.files)
    else:
        out.append("<p>No pair reached the threshold.</p>")
    if s.missing:
        rows = [[e(n), e(why)] for n, why in sorted(s.missing.items())]
        out.append(f"<details><summary>{len(rows)} submissions not compared</summary>"
                   + _table(["submission", "why"], rows) + "</details>")
    out.append("</section>")
    return "".join(out)


def _students(r: Report) -> str:
    parts = r.parts
    flagged = {i.name: i.kinds for i in r.incidents}
    rows = []
    blank = ["" for _ in parts]
    manual = sum(r.bank.scheme.manual.values()) if r.bank.scheme else 0.0   # points by hand
    for g in r.graded:
        if g.problem is not None:
            rows.append([_feedback_link(g.name, g.has_feedback), "", "", "", "", *blank, "",
                         _tags(["unreadable"])])
            continue
        cells = []
        for part in parts:
            score, top = g.parts.get(part, (0.0, 0.0))
            if part in g.attempted and not g.attempted[part]:
                cells.append('<span class="zero" title="not attempted">–</span>')
            else:
                cells.append(f'<span class="zero">{score:g}</span>' if score == 0
                             else f"{score:g}")
        written, final = "", "" if manual else f"{g.score:g}"
        if g.written is not None:
            written = f"{g.written[0]:g}"
            final = f"{g.score + g.written[0]:g}"
        top = g.max_score + (manual or (g.written[1] if g.written is not None else 0.0))
        rows.append([_feedback_link(g.name, g.has_feedback), f"{g.score:g}", written, final,
                     f"{top:g}", *cells, f"{g.seconds:.2f}", _tags(flagged.get(g.name, []))])
    head = ["submission", "autograded", "written", "final", "out of",
            *[e(p).replace("_", "_<wbr>") for p in parts], "seconds", "flags"]
    return (f'<section id="students"><h2>Every student ({len(r.graded)})</h2>'
            '<p class="note">Autograded includes extra credit; written comes from each '
            "<code>written.json</code> (empty: not graded yet); final = autograded + written "
            "(empty while the written part is not graded, as in the gradebook); out of: the "
            "autograded maximum and the points graded by hand; "
            "\u2013: part not attempted. The table scrolls inside its box.</p>"
            + _table(head, rows, set(range(1, len(parts) + 6)), tall=True) + "</section>")


def _look(r: Report) -> str:
    """The students to open first, one line each with why."""
    present = {g.name: g.has_feedback for g in r.graded}

    def line(lead) -> str:
        score = "" if lead.score is None else f" ({lead.score:g} / {lead.max_score:g})"
        return (f"<li>{_feedback_link(lead.name, present.get(lead.name, False))}{e(score)}: "
                + "; ".join(e(x) for x in lead.reasons) + "</li>")

    leads = r.leads
    out = ['<section id="look"><h2>Look here first</h2>',
           '<p class="note">Students with a finding, most pressing first: copy rings and '
           "similar pairs, rules broken at run time, submissions not graded, review flags, "
           "the sandbox stepping in, time-outs and crashes, and totals under "
           f"{_pct(LOW)} of the maximum. Each is a reason to look, not a verdict.</p>"]
    if not leads:
        out.append("<p>Nothing to look at first.</p>")
    else:
        out.append('<ol class="leads">' + "".join(line(x) for x in leads[:MAX_LEADS])
                   + "</ol>")
        if len(leads) > MAX_LEADS:
            out.append(f"<details><summary>{len(leads) - MAX_LEADS} more</summary>"
                       f'<ol class="leads" start="{MAX_LEADS + 1}">'
                       + "".join(line(x) for x in leads[MAX_LEADS:]) + "</ol></details>")
    out.append("</section>")
    return "".join(out)


def _sources(r: Report) -> str:
    found = sum(v is not None for v in r.sources.values())
    rows = [[e(n), f"<code>{e(p)}</code>" if p else "not found"]
            for n, p in sorted(r.sources.items())]
    return ('<section id="sources"><h2>Where the code was read from</h2>'
            f'<p class="note">The similarity check read {found} of {len(r.sources)} '
            "submissions' code (as text, never run).</p>"
            f"<details><summary>paths</summary>{_table(['submission', 'path'], rows)}"
            "</details></section>") if r.sources else ""


def render(r: Report) -> str:
    """The whole page."""
    sections = [_look(r), _scores(r), _checks(r), _messages(r), _incidents(r), _times(r),
                _similarity(r), _students(r), _sources(r)]
    nav = " ".join(f'<a href="#{i}">{t}</a>' for i, t in [
        ("look", "look here first"), ("scores", "scores"),
        ("misconceptions", "misconceptions"), ("checks", "missed"),
        ("messages", "messages"),
        ("incidents", "incidents"), ("time", "time"), ("similarity", "similar"),
        ("students", "students")])
    unreadable = sum(g.problem is not None for g in r.graded)
    not_graded = sum(g.error is not None for g in r.graded)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Class report: {e(r.out.name)}</title><style>{STYLE}</style></head><body>"
        f"<h1>Class report</h1><p class=\"meta\">{len(r.graded)} submissions in "
        f"<code>{e(r.out)}</code>; {not_graded} not graded, {unreadable} unreadable. "
        f"Generated {e(r.generated)}.</p><nav>{nav}</nav>"
        + "".join(sections) + "</body></html>\n")
