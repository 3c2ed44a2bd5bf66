"""The instructor's whole run (`python -m graders demo`) and CI autograding
(`python -m graders ci`), run as a new user runs them, and their result files."""

import json
import shutil

import jsonschema
import junitparser
import pytest
import yaml
from helpers import ASSIGNMENT, REPO, autograded_points, course_folder, run_graders, scores

from graders.instructor import demo_class
from graders.instructor.course import read
from graders.instructor.synthetic import part_mistakes

pytestmark = pytest.mark.slow  # a whole grading run: `make test`, not `make test-fast`

STUDENTS = sorted(s.student for s in demo_class.scenarios())
PART1, PART2 = "part1_exam_questions", "part2_extra_exercises"

CLASSROOM_SCHEMA = {
    "type": "object",
    "required": ["version", "status", "max_score", "tests"],
    "properties": {
        "version": {"const": 3},
        "status": {"enum": ["pass", "fail", "error"]},
        "max_score": {"type": "number"},
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "status", "score", "message", "test_code", "filename", "line_no"],
                "properties": {
                    "name": {"type": "string"},
                    "status": {"enum": ["pass", "fail", "error"]},
                    "score": {"type": "number"},
                    "message": {"type": ["string", "null"]},
                    "line_no": {"type": ["integer", "null"]},
                    "execution_time": {"type": "string"},
                },
            },
        },
    },
}


@pytest.fixture(scope="module")
def results(demo_results):
    return demo_results


def test_the_demo_prints_the_class_table_and_shows_progress(demo):
    _, first, _, _ = demo
    for student in STUDENTS:
        assert f"\n{student} " in first.stdout
    assert "mistakes named (all)" in first.stdout
    assert f"{len(STUDENTS)}/{len(STUDENTS)} " in first.stderr  # the progress bar's last step


def test_the_demo_again_in_parallel_from_warm_kernels_gives_the_same_results(demo, results):
    def outcome(r: dict) -> tuple:
        return r["score"], [(p["score"], p["output"], p["mistakes"]) for p in r["parts"]], r["problems"]

    first = {r["student"]: outcome(r) for r in demo[2]}
    assert first == {s: outcome(r) for s, r in results.items()}
    assert "3 at a time" in demo[3].stderr and "1 at a time" in demo[1].stderr


def test_feedback_for_every_demo_student_as_html_and_notebook(demo, results):
    course = demo[0]
    for student in STUDENTS:
        folder = course / "feedback" / student / ASSIGNMENT
        graded = {p["notebook"] for p in results[student]["parts"] if p["items"]}  # a verdict
        assert graded, student
        for notebook in graded:
            assert (folder / f"{notebook}.html").is_file() and (folder / f"{notebook}.ipynb").is_file()


def test_the_demo_class_scores_as_its_mistakes_predict(results):
    full = sum(p["max_score"] for p in results["ada"]["parts"] if not p["graded_by_hand"])
    assert results["ada"]["score"] == full and results["jon"]["score"] == full
    assert results["ben"]["score"] == 0
    assert results["jon"]["seconds_late"] > 0 and results["ada"]["seconds_late"] == 0
    assert 0 < results["kim"]["score"] < full  # the endless loop costs softmax only
    assert {p["grade_id"] for p in results["kim"]["parts"] if p["score"] < p["max_score"]} == {
        "test_softmax",
        "softmax_proof",
    }


def test_the_generated_demo_class_shows_every_catalogued_mistake_by_name(results):
    named = {(p["grade_id"], m) for r in results.values() for p in r["parts"] for m in p["mistakes"]}
    catalogue = {(grade_id, mistake.name) for grade_id, mistake in part_mistakes()}
    assert catalogue <= named, catalogue - named


def test_an_uncatalogued_mistake_is_diagnosed_in_every_result_file(demo, results):
    part = next(p for p in results["pat"]["parts"] if p["grade_id"] == "test_activation_grads")
    assert part["score"] == part["max_score"] - 1 and not part["mistakes"]
    assert "Diagnosis: Your relu_grad computes ReLU itself" in part["output"]
    gradescope = json.loads((demo[0] / "results" / "gradescope" / "pat" / "results.json").read_text())
    assert any("computes ReLU itself" in t["output"] for t in gradescope["tests"])
    feedback = (demo[0] / "feedback" / "pat" / ASSIGNMENT / f"{PART2}.html").read_text()
    assert "computes ReLU itself" in feedback


def test_a_broken_and_a_duplicated_cell_notebook_cost_only_themselves(results):
    lou, max_ = results["lou"], results["max"]
    assert lou["score"] == autograded_points(PART2) and "not valid JSON" in lou["problems"][0]
    assert max_["score"] == results["ada"]["score"]
    assert "copy of cell 'test_true_false'" in max_["problems"][0]


def test_totals_agree_with_the_gradebook_and_nbgrader_csv(demo, results):
    course = demo[0]
    gradebook = scores(course)
    for student, result in results.items():
        assert result["score"] == pytest.approx(sum(gradebook[student].values()))
    csv = (course / "results" / "grades.csv").read_text().splitlines()
    header = csv[0].split(",")
    for line in csv[1:]:
        row = dict(zip(header, line.split(","), strict=True))
        assert float(row["score"]) == pytest.approx(results[row["student_id"]]["score"])


def test_gradescope_results_have_the_documented_fields(demo, results):
    course = demo[0]
    for student, result in results.items():
        data = json.loads((course / "results" / "gradescope" / student / "results.json").read_text())
        assert data["score"] == pytest.approx(result["score"])
        assert sum(t["score"] for t in data["tests"]) == pytest.approx(result["score"])
        for test in data["tests"]:
            assert {"name", "score", "max_score", "status", "output", "visibility"} <= set(test)
            assert test["status"] in ("passed", "failed") and test["visibility"] == "visible"


def test_classroom_results_follow_the_schema_and_the_points_line(demo, results):
    course = demo[0]
    for student, result in results.items():
        data = json.loads((course / "results" / "classroom" / f"{student}.json").read_text())
        jsonschema.validate(data, CLASSROOM_SCHEMA)
        assert sum(t["score"] for t in data["tests"]) == pytest.approx(result["score"])
        line = (course / "results" / "classroom" / f"{student}.txt").read_text().strip()
        assert line == f"Points {result['score']:g}/{result['max_score']:g}"


def test_junit_xml_reads_back_with_a_junit_parser(demo, results):
    course = demo[0]
    xml = junitparser.JUnitXml.fromfile(str(course / "results" / "junit.xml"))
    suites = {suite.name: suite for suite in xml}
    assert sorted(suites) == STUDENTS
    for student, result in results.items():
        failed = [p for p in result["parts"] if p["status"] == "failed"]
        assert suites[student].failures == len(failed)
        cases = {case.name: case for case in suites[student]}
        for part in failed:
            assert not cases[part["title"]].is_passed


def test_the_report_page_has_its_plots_and_the_summary_is_markdown(demo):
    course = demo[0]
    page = (course / "results" / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 2
    summary = (course / "results" / "summary.md").read_text()
    assert summary.startswith("## Grading results") and "| ada |" in summary


def _workflow_grade_step() -> list[str]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "grade.yml").read_text())
    steps = {step.get("name"): step for step in workflow["jobs"]["grade"]["steps"]}
    assert steps["Set up"]["run"] == "bash scripts/setup.sh"
    command = steps["Grade"]["run"].split()
    assert command[:3] == [".venv/bin/python", "-m", "graders"]
    return command[3:]


def test_the_workflows_grade_step_grades_a_class_and_exits_0(tmp_path):
    course = course_folder(tmp_path / "course")
    demo = tmp_path / "demo"
    demo_class.write(REPO / "release" / ASSIGNMENT, REPO / "source" / ASSIGNMENT, demo, ASSIGNMENT)
    for student in ("ada", "lou", "max"):
        shutil.copytree(demo / student, course / "submitted" / student)
    done = run_graders(course, *_workflow_grade_step())
    assert done.returncode == 0, done.stderr[-3000:]
    autograded = autograded_points(PART1) + autograded_points(PART2)
    total = sum(
        float(c.metadata.nbgrader["points"])
        for path in (REPO / "source" / ASSIGNMENT).glob("*.ipynb")
        for c in read(path).cells
        if c.metadata.get("nbgrader", {}).get("grade")
    )
    assert f"ada: Points {autograded:g}/{total:g}" in done.stdout
    for name in ("results.json", "grades.csv", "junit.xml", "summary.md", "report.html"):
        assert (course / "results" / name).is_file(), name


def test_ci_fails_when_the_pipeline_itself_fails(tmp_path):
    course = course_folder(tmp_path / "course")
    (course / "source" / ASSIGNMENT / "part1_exam_questions.ipynb").write_text("{ not json")
    done = run_graders(course, *_workflow_grade_step())
    assert done.returncode != 0 and "error" in done.stderr


def test_ci_outside_a_course_says_so(tmp_path):
    done = run_graders(tmp_path, "ci")
    assert done.returncode == 2 and "no nbgrader_config.py" in done.stderr
