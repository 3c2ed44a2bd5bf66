"""The top of each feedback page: the exam's total across its notebooks (each linked), and a
table of contents that is also the overview: each part with its points, right, the named
mistake or what is still awaited, lost parts marked in words as well as in colour.

Built in generate_feedback: `exam_totals` from the gradebook (GetGradesAndPending), `part_rows`
from the graded notebook (PrepareFeedback); `render` (Jinja2, autoescaped) replaces
nbgrader's plain contents in the page (FeedbackHTMLExporter)."""

from dataclasses import asdict, dataclass
from pathlib import Path

import jinja2
from nbformat import NotebookNode

from graders.autograde.record import METADATA_KEY, points

EXAM = "cvexam_exam"  # resources[EXAM]: the exam's totals, set by GetGradesAndPending
PARTS = "cvexam_parts"  # resources[PARTS]: the overview's rows, set by PrepareFeedback


@dataclass
class Row:
    grade_id: str
    label: str
    score: float
    points: float
    state: str  # "right", "lost", "pending" (awaiting a grader) or "marked" (by a grader, not full)
    verdict: str


def exam_totals(submission) -> dict:
    """The exam's score (late penalty taken off) and each notebook's, with the points awaiting a
    grader, from nbgrader's gradebook submission."""
    notebooks = []
    for notebook in sorted(submission.notebooks, key=lambda n: n.name):
        waiting = sum(g.max_score for g in notebook.grades if g.auto_score is None and g.manual_score is None)
        notebooks.append(
            {
                "name": notebook.name,
                "score": notebook.score,
                "max_score": notebook.max_score,
                "pending": waiting,
            }
        )
    penalty = submission.late_submission_penalty or 0
    return {
        "assignment": submission.assignment.name,
        "score": submission.score - penalty,
        "max_score": submission.max_score,
        "late_penalty": penalty,
        "pending": sum(n["pending"] for n in notebooks),
        "notebooks": notebooks,
    }


def _first_problem(record: dict) -> str:
    """What the first failed item of a verdict says (no mistake was named)."""
    for item in record.get("items", []):
        # a record's dict has no "passed" (a property): an item with a problem is a failed one
        if isinstance(item, dict) and item.get("problem"):
            problem = str(item["problem"])
            return problem if len(problem) <= 90 else problem[:87] + "..."
    return str(record.get("note") or "wrong: see the part")


def part_rows(nb: NotebookNode, names: dict[str, str], pending: dict[str, float]) -> list[dict]:
    """A row for each graded cell of the feedback notebook (after nbgrader's GetGrades)."""
    rows = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not (meta.get("grade") and meta.get("grade_id") in names):
            continue
        grade_id = meta["grade_id"]
        score, top = float(meta.get("score") or 0), float(meta.get("points") or 0)
        record = cell.metadata.get(METADATA_KEY) or {}
        mistakes = [m.get("name", "") for m in record.get("mistakes", []) if isinstance(m, dict)]
        if grade_id in pending:
            state, verdict = "pending", "awaiting a grader"
        elif score >= top:
            state, verdict = "right", "right"
        elif record:
            state = "lost"
            verdict = "; ".join(mistakes) if mistakes else _first_problem(record)
        else:
            state, verdict = "marked", "marked by a grader: see the comment"
        rows.append(asdict(Row(grade_id, names[grade_id], score, top, state, verdict)))
    return rows


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True, undefined=jinja2.StrictUndefined
)
_ENVIRONMENT.filters["points"] = points
TEMPLATE = _ENVIRONMENT.get_template("feedback_overview.html.j2")


def render(notebook: str, exam: dict | None, rows: list[dict]) -> str:
    lost = sum(r["state"] in ("lost", "marked") for r in rows)
    return TEMPLATE.render(notebook=notebook, exam=exam, rows=rows, lost=lost)
