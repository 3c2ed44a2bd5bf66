"""A verdict as the outputs of its test cell: a message, and the score nbgrader reads.

nbgrader's `determine_grade` reads a cell's first `execute_result` as its score,
so the verdict's points travel that way; the message is a display output (text
and HTML) that the feedback shows, with the student's plot where the part drew one.
Student text is escaped before it reaches HTML.
"""

import base64
import io
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


def plot_png(lines: list[dict]) -> str:
    """The student's plot, drawn again in the grader from the lines their Axes held (base64 PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.2))
    for line in lines:
        label = line.get("label", "")
        ax.plot(line["x"], line["y"], label=None if label.startswith("_") else label)
    if any(not line.get("label", "_").startswith("_") for line in lines):
        ax.legend()
    ax.set_title("your plot, as the grader read it")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def plot_description(lines: list[dict]) -> str:
    """The redrawn plot in words (its alt text): the curves by name, and the ranges they cover."""
    names = [line.get("label", "") for line in lines]
    named = [n for n in names if n and not n.startswith("_")]
    xs = [v for line in lines for v in line["x"] if isinstance(v, (int, float))]
    ys = [v for line in lines for v in line["y"] if isinstance(v, (int, float))]
    text = f"Your plot, as the grader read it: {len(lines)} curve{'s' if len(lines) != 1 else ''}"
    if named:
        text += f" ({', '.join(named)})"
    if xs and ys:
        text += f", x from {min(xs):.3g} to {max(xs):.3g}, y from {min(ys):.3g} to {max(ys):.3g}"
    return text + "."


def cell_outputs(
    record: VerdictRecord, execution_count: int | None, plots: list[list[dict]] = ()
) -> list[NotebookNode]:
    """The verdict's message, each plot the student's code drew (beside its verdict), then the
    score as nbgrader reads it."""
    message = new_output("display_data", data={"text/plain": record.text(), "text/html": as_html(record)})
    images = [
        new_output(
            "display_data",
            data={"image/png": plot_png(lines), "text/plain": "<the student's plot>"},
            metadata={"image/png": {"alt": plot_description(lines)}},
        )
        for lines in plots
    ]
    score = new_output(
        "execute_result",
        data={"text/plain": repr(float(record.earned))},
        execution_count=execution_count,
    )
    return [message, *images, score]
