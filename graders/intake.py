"""Check each submitted notebook before nbgrader reads it, and stage what can be graded.

A submission is copied into a staging folder that autograde reads instead of
`submitted/`, which is never changed. A notebook that cannot be read is left out
with a clear reason (it scores 0, the student's other notebooks are graded); a
copy-pasted test cell is ignored; a notebook renamed by the student is graded
under its expected name.
"""

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbformat import NotebookNode

MAX_NOTEBOOK_BYTES = 20_000_000
TIMESTAMP = "timestamp.txt"


@dataclass
class Intake:
    """What intake made of one student's submission."""

    student: str
    staged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_notebook(path: Path) -> tuple[NotebookNode | None, str | None]:
    """The notebook at path, or why it cannot be graded."""
    name = path.name
    size = path.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        return None, f"{name} is {size // 1_000_000} MB, over the {MAX_NOTEBOOK_BYTES // 1_000_000} MB limit"
    try:
        raw = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"{name} is not valid JSON ({exc}): the file is damaged"
    if not isinstance(raw, dict) or not ("cells" in raw or "worksheets" in raw):
        return None, f"{name} is JSON but not a Jupyter notebook"
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:
        return None, f"{name} could not be read as a notebook: {str(exc)[:200]}"
    return nb, None


def drop_duplicate_grade_cells(nb: NotebookNode, name: str) -> list[str]:
    """Keep the first cell of each grade_id; later copies become ordinary cells."""
    seen, notes = set(), []
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id is None:
            continue
        if grade_id in seen:
            del cell.metadata["nbgrader"]
            notes.append(f"{name}: a copy of cell '{grade_id}' was ignored")
        seen.add(grade_id)
    return notes


def _match_names(files: list[Path], expected: list[str]) -> tuple[dict[str, Path], list[str]]:
    """Map expected notebook names to submitted files; a lone renamed file takes the lone missing name."""
    found = {p.stem: p for p in files if p.stem in expected}
    extra = [p for p in files if p.stem not in expected]
    missing = [name for name in expected if name not in found]
    notes = []
    if len(extra) == 1 and len(missing) == 1:
        found[missing[0]] = extra[0]
        notes.append(f"{extra[0].name} was graded as {missing[0]}.ipynb (the expected name)")
        missing, extra = [], []
    notes += [f"{name}.ipynb is missing: it scores 0" for name in missing]
    notes += [f"{p.name} is not part of this assignment and was not graded" for p in extra]
    return found, notes


def stage(submission: Path, staging: Path, expected: list[str]) -> Intake:
    """Check `submission` (a student's assignment folder) and stage it in `staging`."""
    intake = Intake(student=submission.parent.name)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    if (submission / TIMESTAMP).is_file():
        shutil.copy(submission / TIMESTAMP, staging / TIMESTAMP)
    files = sorted(p for p in submission.glob("*.ipynb") if p.is_file())
    found, intake.problems = _match_names(files, expected)
    for name, path in sorted(found.items()):
        nb, problem = read_notebook(path)
        if nb is None:
            intake.problems.append(f"{problem}; it scores 0")
            continue
        intake.problems += drop_duplicate_grade_cells(nb, path.name)
        nbformat.write(nb, staging / f"{name}.ipynb")
        intake.staged.append(name)
    return intake
