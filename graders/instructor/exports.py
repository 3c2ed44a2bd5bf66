"""The class's results in the formats other tools read.

Gradescope's results.json (one per submission), GitHub Classroom's autograding
result (version 3) and its "Points X/Y" line, JUnit XML, a markdown summary for
$GITHUB_STEP_SUMMARY, nbgrader's own CSV export of the gradebook, and the grade import
files of Canvas and Moodle (lms_export.py), and the item analysis (item_analysis.py) as JSON
and as a CSV a spreadsheet reads.
"""

import csv
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict
from pathlib import Path

from nbgrader.plugins import CsvExportPlugin

from graders.instructor import item_analysis, lms_export
from graders.instructor.course import Course
from graders.instructor.results import PartResult, SubmissionResult, save

# What XML 1.0 cannot hold, even escaped: control characters (but tab, newline and carriage
# return), lone surrogates and the two non-characters. A student's output may contain any.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml(text: str) -> str:
    return NOT_XML.sub("\ufffd", text)


def _points(x: float) -> str:
    return f"{x:g}"


def _output(part: PartResult) -> str:
    return part.output or "No verdict was recorded for this part."


def _submission_note(result: SubmissionResult) -> str:
    notes = list(result.problems)
    if result.seconds_late > 0:
        hours = result.seconds_late / 3600
        notes.append(f"submitted {hours:.1f} h late (penalty {_points(result.late_penalty)})")
    if result.late_by_lms:
        notes.append(f"marked late by the LMS: {', '.join(result.late_by_lms)}")
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
                "number": part.number,
                "score": part.score,
                "max_score": part.max_score,
                # Pending parts are not passed: their output says they await a grader.
                "status": "passed" if part.status == "passed" else "failed",
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
            "status": "pass" if part.status == "passed" else "fail",
            "score": part.score,
            "message": _output(part),
            "test_code": f"{part.title}: the autograder test cell {part.grade_id} of {part.notebook}.ipynb"
            if not part.graded_by_hand
            else f"{part.title}: the answer cell {part.grade_id} of {part.notebook}.ipynb, graded by hand",
            "filename": f"{part.notebook}.ipynb",
            "line_no": 0,
            "execution_time": f"{round(part.seconds * 1000)}ms",
        }
        for part in result.parts
    ]
    status = "pass" if all(t["status"] == "pass" for t in tests) and result.graded else "fail"
    return {"version": 3, "status": status, "max_score": result.max_score, "tests": tests}


def points_line(result: SubmissionResult) -> str:
    return f"Points {_points(result.score)}/{_points(result.max_score)}"


def junit(results: list[SubmissionResult]) -> str:
    """One testsuite per submission, one testcase per part: a lost point is a failure whose
    message names the mistake (the body holds the whole verdict); a part awaiting its grader
    is skipped, for everyone alike; a submission that could not be graded is an error."""
    suites = ET.Element("testsuites", name="cv-exam")
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}  # <testsuites> has no skipped
    for result in results:
        counts = {
            "tests": max(len(result.parts), 0 if result.graded else 1),
            "failures": sum(p.status == "failed" for p in result.parts),
            "errors": 0 if result.graded else 1,
            "time": round(result.seconds, 3),
        }
        totals = {key: totals[key] + value for key, value in counts.items()}
        skipped = sum(p.status == "pending" for p in result.parts)
        attributes = {k: f"{v:.3f}" if k == "time" else str(v) for k, v in counts.items()}
        suite = ET.SubElement(
            suites, "testsuite", name=_xml(result.student), skipped=str(skipped), **attributes
        )
        if not result.graded:
            case = ET.SubElement(suite, "testcase", classname=_xml(result.student), name="grading", time="0")
            ET.SubElement(case, "error", message="the submission could not be graded", type="NotGraded")
        for part in result.parts:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=_xml(f"{result.student}.{part.notebook}"),
                name=_xml(part.title),
                time=f"{part.seconds:.3f}",
            )
            if part.status == "failed":
                message = f"{part.summary} ({_points(part.score)}/{_points(part.max_score)} points)"
                failure = ET.SubElement(case, "failure", message=_xml(message), type="WrongAnswer")
                failure.text = _xml(_output(part))
            elif part.status == "pending":
                ET.SubElement(case, "skipped", message="graded by hand: awaiting a grader")
        note = _submission_note(result)
        if note:
            ET.SubElement(suite, "system-out").text = _xml(note)
    for key, value in totals.items():
        suites.set(key, f"{value:.3f}" if key == "time" else str(value))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True)


def student_markdown(result: SubmissionResult) -> str:
    """One student's verdicts in markdown: the total, then each part's points and what was wrong
    (a commit comment in the student's GitHub Classroom repository, scripts/classroom.sh)."""
    lines = [f"## {result.assignment}: {result.score_text()}", ""]
    note = _submission_note(result)
    if note:
        lines += [f"> {line}" for line in note.splitlines()] + [""]
    lines += ["| part | points | |", "|---|---|---|"]
    for part in result.parts:
        verdict = "awaiting a grader" if part.pending else (part.summary or "right")
        cell = verdict.replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {part.title} | {_points(part.score)}/{_points(part.max_score)} | {cell} |")
    lines += ["", "<details><summary>Every part's verdict</summary>", "", "~~~text"]
    lines += [_output(part).replace("~~~", "~ ~ ~") for part in result.parts]
    return "\n".join([*lines, "~~~", "</details>", ""])


def markdown(results: list[SubmissionResult]) -> str:
    """A summary table fit for $GITHUB_STEP_SUMMARY."""
    lines = ["## Grading results", "", "| student | score | notes |", "|---|---|---|"]
    for r in results:
        note = _submission_note(r).replace("\n", "; ").replace("|", "\\|")
        lines.append(f"| {r.student} | {r.score_text()} | {note or r.why_zero()} |")
    graded = [r for r in results if r.graded]
    if graded:
        mean = sum(r.score for r in graded) / len(graded)
        lines += ["", f"{len(results)} submissions, mean score {mean:.1f}."]
    if len(graded) < len(results):
        lines += ["", f"**{len(results) - len(graded)} submission(s) could not be graded** (see notes)."]
    return "\n".join(lines) + "\n"


def nbgrader_csv(course: Course, path: Path, not_graded: set[tuple[str, str]] = frozenset()) -> None:
    """nbgrader's own CSV export, each assignment's students by id (nbgrader lists them in the
    order they reached the gradebook, which parallel grading varies), with no score where a
    submission could not be graded (`not_graded`: its (assignment, student) pairs): nbgrader
    would write the 0 it holds."""
    with course.gradebook() as gb:
        CsvExportPlugin(config=course.config, to=str(path)).export(gb)
    with path.open(newline="") as f:
        reader = csv.DictReader(f)
        rows, fields = list(reader), list(reader.fieldnames or [])
    order = {a: i for i, a in enumerate(dict.fromkeys(r["assignment"] for r in rows))}
    rows.sort(key=lambda r: (order[r["assignment"]], r["student_id"]))
    for row in rows:
        if (row["assignment"], row["student_id"]) in not_graded:
            row.update(raw_score="", late_submission_penalty="", score="")
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_all(
    course: Course, results: list[SubmissionResult], folder: Path, copies: dict | None = None
) -> dict[str, Path]:
    """Write every export under `folder` (`copies`: copied_work.find's, to copied_work.json);
    return where each went."""
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
    nbgrader_csv(course, written["csv"], {(r.assignment, r.student) for r in results if not r.graded})
    for assignment in sorted({r.assignment for r in results}):
        written[f"canvas {assignment}"] = lms_export.canvas(
            course, assignment, results, folder / f"canvas_{assignment}.csv"
        )
        written[f"moodle {assignment}"] = lms_export.moodle(
            course, assignment, results, folder / f"moodle_{assignment}.csv"
        )
    analysis = item_analysis.analyse(results)
    written["item analysis"] = folder / "item_analysis.json"
    written["item analysis"].write_text(json.dumps(analysis.as_dict(), indent=1))
    written["item analysis csv"] = folder / "item_analysis.csv"
    with written["item analysis csv"].open("w", newline="") as f:
        rows = item_analysis.csv_rows(analysis)
        writer = csv.DictWriter(f, fieldnames=list(rows[0]) if rows else ["level"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    if copies is not None:
        written["copied work"] = folder / "copied_work.json"
        written["copied work"].write_text(
            json.dumps(
                {"pairs": [asdict(p) for p in copies["pairs"]], "numbers": copies["numbers"]}, indent=1
            )
        )
    written["junit"].write_text(junit(results))
    written["summary"].write_text(markdown(results))
    written["classroom"].mkdir(exist_ok=True)
    for result in results:
        gs = written["gradescope"] / result.student / "results.json"
        room = [written["classroom"] / f"{result.student}.{ext}" for ext in ("json", "txt", "md")]
        if not result.graded:  # no score it did not earn: the reader sees no result, not a 0
            for path in (gs, *room):
                path.unlink(missing_ok=True)
            continue
        gs.parent.mkdir(parents=True, exist_ok=True)
        gs.write_text(json.dumps(gradescope(result), indent=1))
        room[0].write_text(json.dumps(classroom(result), indent=1))
        room[1].write_text(points_line(result) + "\n")
        room[2].write_text(student_markdown(result))
    return written
