"""Grades back to the LMS: one assignment's scores in the grade import files of Canvas and
Moodle, hand-graded points included (each result's score is the gradebook's, after the late
penalty). A submission that could not be graded, or whose hand-graded parts still await a
grader, is left blank (both systems leave a blank cell's grade as it was) and named on stderr
by the caller.

Canvas (Grades > Import, "gradebook CSV"): the columns `Student`, `ID`, `SIS User ID`,
`SIS Login ID`, `Section`, then one column per assignment; the second row, `Points Possible`.
Canvas finds each student by `ID` (the Canvas user id, kept as nbgrader's `lms_user_id`) or by
the SIS ids; a new assignment column makes a new assignment (add " (<Canvas assignment id>)"
to its header to fill an existing one).

Moodle (Grades > Import > CSV file): a header row; one column identifies the user (here
`Username`, nbgrader's student id, and `Email address`), mapped in Moodle's import form; one
column of grades and one of feedback (the per-part summary).
"""

import csv
from pathlib import Path

from graders.instructor.course import Course
from graders.instructor.results import SubmissionResult

CANVAS_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
MOODLE_COLUMNS = ["Username", "Email address"]


def _students(course: Course) -> dict[str, dict]:
    """Each student's name, email and LMS user id from nbgrader's gradebook."""
    with course.gradebook() as gb:
        return {
            s.id: {
                "name": ", ".join(n for n in (s.last_name, s.first_name) if n) or s.id,
                "email": s.email or "",
                "lms_user_id": s.lms_user_id or "",
            }
            for s in gb.students
        }


def exportable(result: SubmissionResult) -> bool:
    """A score that is final: graded, and nothing awaiting a grader."""
    return result.graded and not result.pending_points


def _score(result: SubmissionResult) -> str:
    return f"{result.score:g}" if exportable(result) else ""


def canvas(course: Course, assignment: str, results: list[SubmissionResult], path: Path) -> Path:
    people = _students(course)
    rows = [r for r in results if r.assignment == assignment]
    top = max((r.max_score for r in rows), default=0)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*CANVAS_COLUMNS, assignment])
        writer.writerow(["Points Possible", "", "", "", "", f"{top:g}"])
        for r in rows:
            who = people.get(r.student, {"name": r.student, "lms_user_id": ""})
            writer.writerow([who["name"], who["lms_user_id"], r.student, r.student, "", _score(r)])
    return path


def _feedback(result: SubmissionResult) -> str:
    if not result.graded:
        return "not graded"
    return "; ".join(
        f"{p.title}: {p.score:g}/{p.max_score:g}" + (" (awaiting a grader)" if p.pending else "")
        for p in result.parts
    )


def moodle(course: Course, assignment: str, results: list[SubmissionResult], path: Path) -> Path:
    people = _students(course)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([*MOODLE_COLUMNS, assignment, f"{assignment} feedback"])
        for r in results:
            if r.assignment == assignment:
                email = people.get(r.student, {}).get("email", "")
                writer.writerow([r.student, email, _score(r), _feedback(r)])
    return path
