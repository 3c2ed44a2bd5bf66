"""The students' repository template for GitHub Classroom: the released notebooks, a README
and a .gitignore, and nothing of the grader (no questions, no references, no solutions, no
catalogued mistakes, no workflow that could reach them).

A workflow in a student's repository runs what the student writes and can read any secret it
is given, so no grading happens there: the course's private grading repository fetches each
student's latest commit, grades it and comments the verdicts on that commit
(`.github/workflows/classroom.yml`, `scripts/classroom.sh`)."""

import shutil
from pathlib import Path

from graders.instructor.course import Course, CourseError

README = """# {assignment}

Your work for {assignment}: answer in the notebooks of this repository and push.

- Open the notebooks in JupyterLab (`pip install jupyterlab numpy matplotlib`), answer in the
  cells marked `YOUR CODE HERE` / `YOUR ANSWER HERE`, and keep the other cells as they are.
- Push whenever you like: the last commit before the deadline is graded.
- Grading happens in the course's own grading repository, not here: after each grading run
  your verdicts (points per part, the mistake each lost point comes from) arrive as a comment
  on the commit that was graded. Nothing in this repository can change them.
"""
GITIGNORE = ".ipynb_checkpoints/\n__pycache__/\n"


def write(course: Course, assignment: str, out: Path) -> list[Path]:
    """The template in `out` (new or empty), from the generated release; return its files."""
    release = course.folder("release") / assignment
    notebooks = sorted(release.glob("*.ipynb"))
    if not notebooks:
        raise CourseError(f"no release of {assignment} in {release}: run nbgrader generate_assignment first")
    if out.exists() and any(out.iterdir()):
        raise CourseError(f"{out} is not empty: the template goes into a new folder")
    out.mkdir(parents=True, exist_ok=True)
    for notebook in notebooks:
        shutil.copyfile(notebook, out / notebook.name)
    (out / "README.md").write_text(README.format(assignment=assignment))
    (out / ".gitignore").write_text(GITIGNORE)
    return sorted(p for p in out.rglob("*") if p.is_file())
