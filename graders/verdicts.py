"""A verdict as the outputs of its test cell: a message, and the score nbgrader reads.

nbgrader's `determine_grade` reads a cell's first `execute_result` as its score,
so the verdict's points travel that way; the message is a display output (text
and HTML) that the feedback shows. Student text is escaped before it reaches HTML.
"""

from html import escape

from nbformat import NotebookNode
from nbformat.v4 import new_output

from graders.checks import Verdict

PASS, FAIL = "✓", "✗"


def _points(x: float) -> str:
    return f"{x:g}"


def as_text(verdict: Verdict) -> str:
    lines = [f"{verdict.title}: {_points(verdict.earned)} / {_points(verdict.points)} points"]
    if verdict.note:
        lines.append(f"  {verdict.note}")
    for r in verdict.results:
        mark = PASS if r.earned == r.points else FAIL
        lines.append(f"  {mark} {r.label} ({_points(r.earned)}/{_points(r.points)})")
        if r.problem:
            lines.append(f"      {r.problem}")
    for m in verdict.mistakes:
        lines.append(f"  Likely mistake: {m.name}. {m.hint}")
    return "\n".join(lines)


def as_html(verdict: Verdict) -> str:
    rows = []
    for r in verdict.results:
        ok = r.earned == r.points
        problem = f"<div>{escape(r.problem)}</div>" if r.problem else ""
        rows.append(
            f'<li style="color:{"#1a7f37" if ok else "#b3261e"}">'
            f"{PASS if ok else FAIL} {escape(r.label)} "
            f"({_points(r.earned)}/{_points(r.points)}){problem}</li>"
        )
    note = f"<p>{escape(verdict.note)}</p>" if verdict.note else ""
    mistakes = "".join(
        f"<p><b>Likely mistake: {escape(m.name)}.</b> {escape(m.hint)}</p>" for m in verdict.mistakes
    )
    return (
        f'<div class="cvexam-verdict"><p><b>{escape(verdict.title)}: '
        f"{_points(verdict.earned)} / {_points(verdict.points)} points</b></p>"
        f"{note}<ul>{''.join(rows)}</ul>{mistakes}</div>"
    )


def as_metadata(verdict: Verdict) -> dict:
    """The verdict as data, kept in the graded cell's metadata for exports and reports."""
    return {
        "title": verdict.title,
        "text": as_text(verdict),
        "mistakes": [m.name for m in verdict.mistakes],
    }


def cell_outputs(verdict: Verdict, execution_count: int | None) -> list[NotebookNode]:
    message = new_output("display_data", data={"text/plain": as_text(verdict), "text/html": as_html(verdict)})
    score = new_output(
        "execute_result",
        data={"text/plain": repr(float(verdict.earned))},
        execution_count=execution_count,
    )
    return [message, score]
