"""A verdict as the outputs of its test cell: a message, and the score nbgrader reads.

nbgrader's `determine_grade` reads a cell's first `execute_result` as its score,
so the verdict's points travel that way; the message is a display output (text
and HTML) that the feedback shows. Student text is escaped before it reaches HTML.
"""

from html import escape

from nbformat import NotebookNode
from nbformat.v4 import new_output

from graders.autograde.record import FAIL, PASS, VerdictRecord, points


def as_html(record: VerdictRecord) -> str:
    rows = []
    for item in record.items:
        problem = f"<div>{escape(item.problem)}</div>" if item.problem else ""
        if item.explanation():
            problem += f"<div><i>{escape(item.explanation())}</i></div>"
        rows.append(
            f'<li style="color:{"#1a7f37" if item.passed else "#b3261e"}">'
            f"{PASS if item.passed else FAIL} {escape(item.label)} "
            f"({points(item.earned)}/{points(item.points)}){problem}</li>"
        )
    note = f"<p>{escape(record.note)}</p>" if record.note else ""
    mistakes = "".join(
        f"<p><b>Likely mistake: {escape(m.name)}.</b> {escape(m.hint)}</p>" for m in record.mistakes
    )
    return (
        f'<div class="cvexam-verdict"><p><b>{escape(record.title)}: '
        f"{points(record.earned)} / {points(record.points)} points</b></p>"
        f"{note}<ul>{''.join(rows)}</ul>{mistakes}</div>"
    )


def cell_outputs(record: VerdictRecord, execution_count: int | None) -> list[NotebookNode]:
    message = new_output("display_data", data={"text/plain": record.text(), "text/html": as_html(record)})
    score = new_output(
        "execute_result",
        data={"text/plain": repr(float(record.earned))},
        execution_count=execution_count,
    )
    return [message, score]
