"""The class's results in the formats other tools read.

Gradescope's results.json (one per submission), GitHub Classroom's autograding
result (version 3) and its "Points X/Y" line, JUnit XML, a markdown summary for
$GITHUB_STEP_SUMMARY, and nbgrader's own CSV export of the gradebook.
"""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from nbgrader.plugins import CsvExportPlugin

from graders.instructor.course import Course
from graders.instructor.results import PartResult, SubmissionResult, save


def _points(x: float) -> str:
    return f"{x:g}"


def _output(part: PartResult) -> str:
    if part.needs_manual_grade:
        return "Graded by hand: awaiting a grader."
    return part.output or "No verdict was recorded for this part."


def _submission_note(result: SubmissionResult) -> str:
    notes = list(result.problems)
    if result.seconds_late > 0:
        hours = result.seconds_late / 3600
        notes.append(f"submitted {hours:.1f} h late (penalty {_points(result.late_penalty)})")
    return "\n".join(notes)


def gradescope(result: SubmissionResult) -> dict:
    """Gradescope's results.json: a total, and one test per graded part."""
    return {
        "score": result.score,
        "output": _submission_note(result),
        "visibility": "visible",
        "tests": [
            {
                "name": part.title,
                "number": part.grade_id,
                "score": part.score,
                "max_score": part.max_score,
                "status": "failed" if part.status == "failed" else "passed",
                "output": _output(part),
                "visibility": "visible",
            }
            for part in result.parts
        ],
    }


def classroom(result: SubmissionResult) -> dict:
    """GitHub Classroom's autograding result, version 3."""
    tests = [
        {
            "name": part.title,
            "status": "fail" if part.status == "failed" else "pass",
            "score": part.score,
            "message": _output(part),
            "test_code": part.grade_id,
            "filename": f"{part.notebook}.ipynb",
            "line_no": 0,
            "execution_time": "0ms",
        }
        for part in result.parts
    ]
    status = "pass" if all(t["status"] == "pass" for t in tests) and result.graded else "fail"
    return {"version": 3, "status": status, "max_score": result.max_score, "tests": tests}


def points_line(result: SubmissionResult) -> str:
    return f"Points {_points(result.score)}/{_points(result.max_score)}"


def junit(results: list[SubmissionResult]) -> str:
    """One testsuite per submission, one testcase per part; a lost point is a failure."""
    suites = ET.Element("testsuites", name="cv-exam")
    for result in results:
        failed = [p for p in result.parts if p.status == "failed"]
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=result.student,
            tests=str(len(result.parts)),
            failures=str(len(failed)),
            errors="0" if result.graded else "1",
            skipped=str(sum(p.status == "manual" for p in result.parts)),
            time=f"{result.seconds:.2f}",
        )
        for part in result.parts:
            case = ET.SubElement(
                suite, "testcase", classname=f"{result.student}.{part.notebook}", name=part.grade_id
            )
            if part.status == "failed":
                message = f"{_points(part.score)}/{_points(part.max_score)} points"
                ET.SubElement(case, "failure", message=message).text = _output(part)
            elif part.status == "manual":
                ET.SubElement(case, "skipped", message="graded by hand")
        note = _submission_note(result)
        if note:
            ET.SubElement(suite, "system-out").text = note
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def markdown(results: list[SubmissionResult]) -> str:
    """A summary table fit for $GITHUB_STEP_SUMMARY."""
    lines = ["## Grading results", "", "| student | score | notes |", "|---|---:|---|"]
    for r in results:
        note = _submission_note(r).replace("\n", "; ").replace("|", "\\|")
        lines.append(f"| {r.student} | {_points(r.score)} / {_points(r.max_score)} | {note} |")
    if results:
        mean = sum(r.score for r in results) / len(results)
        lines += ["", f"{len(results)} submissions, mean score {mean:.1f}."]
    return "\n".join(lines) + "\n"


def nbgrader_csv(course: Course, path: Path) -> None:
    with course.gradebook() as gb:
        CsvExportPlugin(config=course.config, to=str(path)).export(gb)


def write_all(course: Course, results: list[SubmissionResult], folder: Path) -> dict[str, Path]:
    """Write every export under `folder`; return where each went."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {
        "results": folder / "results.json",
        "csv": folder / "grades.csv",
        "junit": folder / "junit.xml",
        "summary": folder / "summary.md",
        "gradescope": folder / "gradescope",
        "classroom": folder / "classroom",
    }
    save(results, written["results"])
    nbgrader_csv(course, written["csv"])
    written["junit"].write_text(junit(results))
    written["summary"].write_text(markdown(results))
    for result in results:
        gs = written["gradescope"] / result.student
        gs.mkdir(parents=True, exist_ok=True)
        (gs / "results.json").write_text(json.dumps(gradescope(result), indent=1))
        written["classroom"].mkdir(exist_ok=True)
        (written["classroom"] / f"{result.student}.json").write_text(json.dumps(classroom(result), indent=1))
        (written["classroom"] / f"{result.student}.txt").write_text(points_line(result) + "\n")
    return written
