"""A feedback page for each notebook of a submission that could not be graded at all (damaged,
cut off mid-upload, not a notebook, missing), so that the student reads why, and where the
graded notebooks' pages are. nbgrader makes pages only for the notebooks it graded."""

import shutil
from pathlib import Path

import jinja2

from graders.instructor.course import Course

_PAGE = jinja2.Environment(autoescape=True).from_string(
    """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ notebook }}: not graded</title>
<style>body { font-family: sans-serif; max-width: 45rem; margin: 2rem auto; padding: 0 1rem; }
.reason { border-left: 4px solid #b00020; padding: 0.5rem 1rem; background: #fdf0f2; }</style>
</head><body>
<h1>{{ notebook }}: 0 / {{ max_score | round(2) }} points, not graded</h1>
<p class="reason">{{ reason }}</p>
<p>None of this notebook's parts could be graded, so each scores 0. If you handed in the right
file, tell your instructor: the file they received is the one described above.</p>
{% if graded %}<p>Your other notebooks were graded:
{% for name in graded %}<a href="{{ name }}.html">{{ name }}</a>{{ ", " if not loop.last }}
{% endfor %}</p>{% endif %}
</body></html>
"""
)


def _reason(notebook: str, problems: list[str]) -> str:
    mentions = [p for p in problems if p.startswith(f"{notebook}.ipynb") or f"{notebook}.ipynb" in p]
    return "; ".join(mentions) or f"{notebook}.ipynb could not be read."


def write(
    course: Course, assignment: str, student: str, staged: list[str], problems: list[str]
) -> list[Path]:
    """One page per notebook of the assignment that intake could not stage (`staged`: those it
    could; `problems`: intake's, which say why); return them."""
    folder = course.folder("feedback") / student / assignment
    notebooks = course.notebooks(assignment)
    unread = [name for name in notebooks if name not in staged]
    if not unread:
        return []
    folder.mkdir(parents=True, exist_ok=True)
    submitted = course.folder("submitted") / student / assignment
    for name in ("timestamp.txt", "submission_secret.txt"):  # nbgrader's release_feedback reads them
        if (submitted / name).is_file() and not (folder / name).exists():
            shutil.copy(submitted / name, folder / name)
    with course.gradebook() as gb:
        points = {nb.name: float(nb.max_score) for nb in gb.find_assignment(assignment).notebooks}
    written = []
    for name in unread:
        page = folder / f"{name}.html"
        page.write_text(
            _PAGE.render(
                notebook=name,
                reason=_reason(name, problems),
                max_score=points.get(name, 0.0),
                graded=[n for n in notebooks if n in staged],
            )
        )
        written.append(page)
    return written
