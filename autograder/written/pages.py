"""The HTML pages graders read: one per question (every student's answer, the rubric beside
it), one per student (all their answers, to print or save as PDF for Gradescope's manual
grading) and an index.

Every page is one self-contained file: inline CSS, no script, no external resource (a Content
Security Policy forbids loading any), so it opens offline and prints as it shows. Students'
texts are untrusted: HTML-escaped and shown as written (Markdown and LaTeX as text, never
rendered), already capped by ``notebooks``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from .notebooks import WORDS, Answer, is_answer_status
from .rubric import Rubric, RubricQuestion

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 78rem; padding: 1rem;
       color: #1b1b1b; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 1.5rem; }
.layout { display: grid; grid-template-columns: minmax(0, 1fr) 24rem; gap: 1.5rem; }
.rubric { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto;
          background: #f6f8fa; border: 1px solid #d0d7de; padding: .5rem 1rem; }
.rubric li { margin-bottom: .5rem; }
.answer { border: 1px solid #d0d7de; border-radius: 4px; margin: 1rem 0; padding: .5rem 1rem;
          break-inside: avoid; page-break-inside: avoid; }
.answer h3 { margin: .2rem 0; font-size: 1rem; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: 14px/1.4 ui-monospace, monospace;
      margin: .4rem 0; }
.status { font-size: .85rem; color: #57606a; }
.missing { color: #9a6700; }
.ticks { font-size: .85rem; color: #57606a; }
.box { display: inline-block; width: .8em; height: .8em; border: 1px solid #57606a;
       margin: 0 .2em 0 .8em; vertical-align: middle; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: .2rem .5rem; }
details { margin: 1rem 0; } summary { cursor: pointer; font-weight: 600; }
.student { break-after: page; page-break-after: always; }
@media (max-width: 60rem) { .layout { grid-template-columns: 1fr; } .rubric { position: static; } }
@media print {
  body { max-width: none; font-size: 12px; } a { color: inherit; text-decoration: none; }
  .layout { display: block; } .rubric { position: static; max-height: none; }
  nav { display: none; }
}
"""
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'none'"


@dataclass(frozen=True)
class Entry:
    """One student's answer to one question, as a page shows it."""

    student: str          # the name or anonymous id shown
    answer: Answer
    notes: Sequence[str]  # the notebook's notes (where it was found, odd cells...)


def _page(title: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n'
            f'{body}\n</body>\n</html>\n')


def _pre(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def _points(x: float) -> str:
    return f"{x:g} point" + ("" if x == 1 else "s")


def question_file(qid: str) -> str:
    return f"question-{qid}.html"


def student_file(student: str) -> str:
    return f"student-{student}.html"


def _rubric_box(q: RubricQuestion) -> str:
    items = "".join(f"<li><strong>{escape(lv.id)}</strong>: {escape(lv.text)}</li>"
                    for lv in q.levels)
    return (f'<aside class="rubric"><h2>Rubric ({escape(_points(q.points))})</h2>'
            f"<ul>{items}</ul><p class=\"status\">Tick one item per answer in the sheet "
            f"(<code>item &lt;points&gt;</code> columns), or give a score in "
            f"<code>override</code>.</p></aside>")


def _status(answer: Answer, notes: Sequence[str]) -> str:
    words = WORDS.get(answer.status, answer.status)
    cls = "status" if is_answer_status(answer.status) else "status missing"
    extra = [*answer.notes, *notes]
    shown = f"{escape(words)}" + ("".join(f"; {escape(n)}" for n in extra) if extra else "")
    return f'<p class="{cls}">{shown}</p>'


def question_page(q: RubricQuestion, prompt: str, entries: Sequence[Entry], *,
                  anonymous: bool) -> str:
    answered = sum(is_answer_status(e.answer.status) for e in entries)
    blocks = []
    for e in entries:
        ticks = "".join(f'<span class="box"></span>{escape(lv.id)}' for lv in q.levels)
        text = _pre(e.answer.text) if e.answer.text else ""
        link = f'<a href="{escape(student_file(e.student))}">{escape(e.student)}</a>'
        blocks.append(f'<section class="answer" id="{escape(e.student)}"><h3>{link}</h3>'
                      f"{_status(e.answer, e.notes)}{text}"
                      f'<p class="ticks">score:{ticks}</p></section>')
    who = "anonymised" if anonymous else "named"
    body = (f'<nav><a href="index.html">all questions</a></nav>'
            f"<h1>Written question {escape(q.id)}: {escape(q.title)} "
            f"({escape(_points(q.points))})</h1>"
            f'<p class="status">{answered} of {len(entries)} students answered ({who}).</p>'
            f"<details open><summary>The question in the notebook</summary>{_pre(prompt)}"
            f"</details><details><summary>Model answer (graders only)</summary>"
            f"{_pre(q.model_answer)}</details>"
            f'<div class="layout"><main>{"".join(blocks) or "<p>No students.</p>"}</main>'
            f"{_rubric_box(q)}</div>")
    return _page(f"Written question {q.id}", body)


def student_page(student: str, rubric: Rubric, answers: dict[str, Answer],
                 notes: Sequence[str]) -> str:
    """All of one student's answers, one question after the other, each under its heading
    (for print or PDF: nothing folded, no navigation on paper)."""
    parts = []
    for q in rubric.questions:
        a = answers.get(q.id, Answer(q.id, "missing-cell"))
        parts.append(f'<section class="answer"><h2>{escape(q.id)}: {escape(q.title)} '
                     f"({escape(_points(q.points))})</h2>"
                     f"{_status(a, [])}{_pre(a.text) if a.text else ''}</section>")
    shown = "".join(f"<li>{escape(n)}</li>" for n in notes)
    body = (f'<nav><a href="index.html">index</a></nav>'
            f'<div class="student"><h1>Written answers of {escape(student)}</h1>'
            f"{f'<ul class=status>{shown}</ul>' if shown else ''}{''.join(parts)}</div>")
    return _page(f"Written answers: {student}", body)


def index_page(rubric: Rubric, rows: Sequence[tuple[str, str, dict[str, Answer]]],
               summary: str, sheet: str, *, anonymous: bool) -> str:
    """``rows``: (student shown, notebook problem or "", answers) per student."""
    questions = "".join(
        f'<li><a href="{escape(question_file(q.id))}">{escape(q.id)}: {escape(q.title)}</a> '
        f"({escape(_points(q.points))})</li>" for q in rubric.questions)
    head = "".join(f"<th>{escape(q.id)}</th>" for q in rubric.questions)
    lines = []
    for student, problem, answers in rows:
        cells = "".join(
            f"<td>{escape(answers[q.id].status) if q.id in answers else ''}</td>"
            for q in rubric.questions)
        lines.append(f'<tr><td><a href="{escape(student_file(student))}">{escape(student)}</a>'
                     f"</td>{cells}<td>{escape(problem)}</td></tr>")
    body = (f"<h1>Written answers</h1><p>{escape(summary)}</p>"
            f"<p>Scores go in <code>{escape(sheet)}</code> (one row per student and question),"
            f" then <code>python -m autograder written merge {escape(sheet)} OUT</code>."
            f"{' Students are anonymised; the key is kept apart.' if anonymous else ''}</p>"
            f"<h2>Questions</h2><ul>{questions}</ul>"
            f"<details><summary>General guidance for graders</summary>"
            f"{_pre(rubric.guidance)}</details>"
            f"<h2>Students</h2><table><tr><th>student</th>{head}<th>problem</th></tr>"
            f"{''.join(lines)}</table>")
    return _page("Written answers", body)
