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

from graders.practice.state import STATE_FILE

MAX_FILE_BYTES = 500_000_000
MAX_SOURCE_BYTES = 10_000_000
SCHEMA_VERSION = 3
MAX_EXCHANGE_FILE_BYTES = 10_000
LATE_FILE = "lms_late.txt"  # the files an LMS download marked late (graders/instructor/lms_zip.py)
# Written by nbgrader's exchange on submit (release_feedback needs them beside the notebooks),
# practice's retry counter and the LMS's late marks: staged, not graded.
EXCHANGE_FILES = ("timestamp.txt", "submission_secret.txt", STATE_FILE, LATE_FILE)


@dataclass
class Intake:
    """What intake made of one student's submission."""

    student: str
    staged: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_notebook(path: Path) -> tuple[NotebookNode | None, str | None]:
    """The notebook at path with its outputs cleared, or why it cannot be graded."""
    name = path.name
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        return None, f"{name} is {size // 1_000_000} MB, over the {MAX_FILE_BYTES // 1_000_000} MB limit"
    try:
        raw = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        return None, f"{name} is not valid JSON ({str(exc)[:120]}): the file is damaged"
    if not isinstance(raw, dict) or not ("cells" in raw or "worksheets" in raw):
        return None, f"{name} is JSON but not a Jupyter notebook"
    try:
        nb = nbformat.reads(json.dumps(raw), as_version=4)
    except Exception as exc:
        return None, f"{name} could not be read as a notebook: {str(exc)[:200]}"
    for cell in nb.cells:
        if cell.get("cell_type") == "code":
            cell.outputs, cell.execution_count = [], None
    source = sum(len(str(cell.get("source", ""))) for cell in nb.cells)
    if source > MAX_SOURCE_BYTES:
        return None, f"{name} holds {source // 1_000_000} MB of code and text, over the limit"
    return nb, None


def repair_metadata(nb: NotebookNode, name: str) -> list[str]:
    """Undo edits to nbgrader's cell metadata that would stop nbgrader for everyone."""
    notes = []
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is None:
            continue
        if not isinstance(meta, dict) or not isinstance(meta.get("grade_id", ""), str):
            del cell.metadata["nbgrader"]
            notes.append(f"{name}: a cell's nbgrader metadata was malformed and was ignored")
        elif meta.get("schema_version") != SCHEMA_VERSION:
            meta["schema_version"] = SCHEMA_VERSION
            notes.append(f"{name}: cell '{meta.get('grade_id')}' had its metadata version changed; restored")
    return notes


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


def _grade_ids(path: Path) -> set[str]:
    nb, _ = read_notebook(path)
    if nb is None:
        return set()
    return {str(c.metadata.get("nbgrader", {}).get("grade_id")) for c in nb.cells} - {"None"}


def _match_names(files: list[Path], expected: dict[str, set[str]]) -> tuple[dict[str, Path], list[str]]:
    """Map expected notebook names to submitted files; a renamed file takes the missing
    notebook whose cells it shares most."""
    found = {p.stem: p for p in files if p.stem in expected}
    notes = []
    for extra in (p for p in files if p.stem not in expected):
        missing = [name for name in expected if name not in found]
        ids = _grade_ids(extra)
        best = max(missing, key=lambda name: len(expected[name] & ids), default=None)
        if best is not None and expected[best] & ids:
            found[best] = extra
            notes.append(f"{extra.name} was graded as {best}.ipynb (the expected name)")
        else:
            notes.append(f"{extra.name} is not part of this assignment and was not graded")
    notes += [f"{name}.ipynb is missing: it scores 0" for name in expected if name not in found]
    return found, notes


def stage(submission: Path, staging: Path, expected: dict[str, set[str]]) -> Intake:
    """Check `submission` (a student's assignment folder) and stage it in `staging`.

    `expected` maps each notebook name of the assignment to the grade ids of its cells.
    """
    intake = Intake(student=submission.parent.name)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for name in EXCHANGE_FILES:
        path = submission / name
        if path.is_file() and path.stat().st_size <= MAX_EXCHANGE_FILE_BYTES:
            shutil.copy(path, staging / name)
    files = sorted(p for p in submission.glob("*.ipynb") if p.is_file())
    found, intake.problems = _match_names(files, expected)
    for other in sorted(p for p in submission.rglob("*") if p.is_file() and p.suffix != ".ipynb"):
        if other.relative_to(submission).as_posix() not in EXCHANGE_FILES:
            size = other.stat().st_size
            intake.problems.append(f"{other.name} ({size:,} bytes) was not graded: only notebooks are")
    for name, path in sorted(found.items()):
        nb, problem = read_notebook(path)
        if nb is None:
            intake.problems.append(f"{problem}; it scores 0")
            continue
        intake.problems += repair_metadata(nb, path.name)
        intake.problems += drop_duplicate_grade_cells(nb, path.name)
        nbformat.write(nb, staging / f"{name}.ipynb")
        intake.staged.append(name)
    return intake
