"""The demo class's result files, read the way their clients read them: Gradescope's
results.json spec, GitHub Classroom's reporter (its logic, from its source), the Jenkins
xunit plugin's JUnit schema, the class report, and the feedback in a browser with no
network. Also the CI workflow under a linter, and an LMS zip graded with one command."""

import base64
import csv
import html
import io
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
import yaml
from helpers import (
    ASSIGNMENT,
    CHROMIUM,
    CHROMIUM_FLAGS,
    REPO,
    autograded_points,
    course_folder,
    env,
    run_graders,
)
from playwright.sync_api import sync_playwright

from graders.instructor import demo_class

pytestmark = pytest.mark.slow  # reads the demo run

ORDINAL = re.compile(r"^\d[a-z](?: (?:i|ii|iii|iv))?$")
PENDING = "Graded by hand: awaiting a grader"
ARTIFACTS = REPO / "test-artifacts" / "feedback"


def _read(course: Path, *parts: str):
    path = course.joinpath("results", *parts)
    return json.loads(path.read_text()) if path.suffix == ".json" else path.read_text()


def _grade_ids(results: dict) -> set[str]:
    return {p["grade_id"] for r in results.values() for p in r["parts"]}


def _part(result: dict, grade_id: str) -> dict:
    return next(p for p in result["parts"] if p["grade_id"] == grade_id)


def test_no_format_shows_a_part_passed_without_its_full_points(demo, demo_results):
    course = demo[0]
    for student, result in demo_results.items():
        full = {p["title"]: p["score"] >= p["max_score"] and p["status"] == "passed" for p in result["parts"]}
        for test in _read(course, "gradescope", student, "results.json")["tests"]:
            assert (test["status"] == "passed") == full[test["name"]], (student, test["name"])
        for test in _read(course, "classroom", f"{student}.json")["tests"]:
            assert (test["status"] == "pass") == full[test["name"]], (student, test["name"])
    for suite in ET.fromstring(_read(course, "junit.xml")):
        result = demo_results[suite.get("name")]
        for case in suite.iter("testcase"):
            part = next(p for p in result["parts"] if p["title"] == case.get("name"))
            if not list(case.iter("failure")) and not list(case.iter("skipped")):
                assert part["score"] >= part["max_score"] and part["status"] == "passed"


def test_a_part_awaiting_its_grader_is_pending_in_every_format_for_everyone(demo, demo_results):
    course, first, _, _ = demo
    for student, result in demo_results.items():
        proof = _part(result, "softmax_proof")
        assert proof["status"] == "pending" and PENDING in proof["output"]
        [gs] = [
            t
            for t in _read(course, "gradescope", student, "results.json")["tests"]
            if t["name"] == proof["title"]
        ]
        assert gs["status"] == "failed" and PENDING in gs["output"]
        [cl] = [
            t for t in _read(course, "classroom", f"{student}.json")["tests"] if t["name"] == proof["title"]
        ]
        assert cl["status"] == "fail" and PENDING in cl["message"]
    for suite in ET.fromstring(_read(course, "junit.xml")):
        [case] = [
            c for c in suite.iter("testcase") if c.get("name") == "2b proof: Softmax(x) = Softmax(x + c)"
        ]
        assert case.find("skipped").get("message") == "graded by hand: awaiting a grader"
        assert case.find("failure") is None
    full = autograded_points("part1_exam_questions") + autograded_points("part2_extra_exercises")
    hand = _part(demo_results["ada"], "softmax_proof")["max_score"]
    ada = f"{full:g}/{full:g} autograded, {hand:g} by hand pending"
    assert f"ada      {ada}" in first.stdout
    assert f"| ada | {ada} |" in _read(course, "summary.md")
    assert ada in _read(course, "report.html")


def test_every_part_is_named_by_its_label_never_by_its_cell_id(demo, demo_results):
    course = demo[0]
    ids = _grade_ids(demo_results)
    for student in demo_results:
        for test in _read(course, "gradescope", student, "results.json")["tests"]:
            assert test["name"] not in ids and ORDINAL.match(test["number"]), test
            assert test["name"].startswith(test["number"])
        for test in _read(course, "classroom", f"{student}.json")["tests"]:
            assert test["name"] not in ids and test["test_code"] not in ids and " " in test["test_code"]
    for case in ET.fromstring(_read(course, "junit.xml")).iter("testcase"):
        assert case.get("name") not in ids
    # The damaged notebook's parts: labelled, and each says why it has no verdict.
    for part in demo_results["lou"]["parts"]:
        if part["notebook"] == "part1_exam_questions":
            assert part["title"] not in ids
            assert part["output"].startswith("No verdict: part1_exam_questions.ipynb is not valid JSON")


def test_junit_failure_messages_name_the_mistake_and_carry_times_and_totals(demo, demo_results):
    root = ET.fromstring(_read(demo[0], "junit.xml"))
    messages = {
        (suite.get("name"), case.get("name")): case.find("failure").get("message")
        for suite in root
        for case in suite.iter("testcase")
        if case.find("failure") is not None
    }
    assert "Likely mistake: batch handled as x @ W + b" in messages[("cai", "1a linear_forward")]
    assert "computes ReLU itself" in messages[("pat", "2a relu_grad, leaky_relu_grad, tanh_grad")]
    assert all(re.search(r"[a-z]{3}", m.split("(")[0]) for m in messages.values())
    assert all(case.get("time") is not None for case in root.iter("testcase"))
    for key in ("tests", "failures", "errors"):
        assert int(root.get(key)) == sum(int(suite.get(key)) for suite in root)
    assert float(root.get("time")) == pytest.approx(sum(float(s.get("time")) for s in root), abs=0.01)


# The Jenkins xunit plugin's junit-10.xsd, as its documentation states it: per element, the
# attributes it allows (required ones first, marked) and the children it allows.
JUNIT_10 = {
    "testsuites": ({"name", "time", "tests", "failures", "errors"}, set(), {"testsuite"}),
    "testsuite": (
        {"name", "tests", "failures", "errors", "group", "time", "skipped", "timestamp", "hostname", "id"}
        | {"package", "file", "log", "url"},
        {"name", "tests", "failures", "errors"},
        {"testsuite", "properties", "testcase", "system-out", "system-err"},
    ),
    "testcase": (
        {"name", "time", "classname", "group"},
        {"name"},
        {"skipped", "error", "failure", "system-out", "system-err"},
    ),
    "failure": ({"type", "message"}, set(), set()),
    "error": ({"type", "message"}, set(), set()),
    "skipped": ({"type", "message"}, set(), set()),
    "system-out": (set(), set(), set()),
}
SUREFIRE_TIME = re.compile(r"^(([0-9]{0,3},)*[0-9]{3}|[0-9]{0,3})*(\.[0-9]*)?$")


def test_junit_follows_the_jenkins_xunit_schema(demo):
    root = ET.fromstring(_read(demo[0], "junit.xml"))
    assert root.tag == "testsuites"
    for element in root.iter():
        allowed, required, children = JUNIT_10[element.tag]
        assert set(element.attrib) <= allowed, (element.tag, set(element.attrib) - allowed)
        assert required <= set(element.attrib), (element.tag, required - set(element.attrib))
        assert {child.tag for child in element} <= children, element.tag
        if element.tag in ("testsuites", "testsuite") and "time" in element.attrib:
            assert SUREFIRE_TIME.match(element.get("time")), element.get("time")


def _classroom_reporter(runners: str, environment: dict[str, str]) -> tuple[float, float, bool]:
    """What GitHub Classroom's reporter does with its input and environment (src/main.js and
    src/notify-classroom.js): decode each runner's <RUNNER>_RESULTS, add up the tests' scores
    and the max scores; the step fails when a runner's status is "fail"."""
    total = maximum = 0.0
    failed = False
    for runner in runners.split(","):
        results = json.loads(base64.b64decode(environment[f"{runner.strip().upper()}_RESULTS"]))
        if results["max_score"]:
            maximum += results["max_score"]
            total += sum(test["score"] for test in results["tests"])
        failed |= results["status"] == "fail"
    return total, maximum, failed


def _workflow() -> dict:
    return yaml.safe_load((REPO / ".github" / "workflows" / "grade.yml").read_text())


def test_the_workflow_installs_cpu_torch_passes_a_linter_and_its_classroom_result_reads_back(tmp_path):
    lint = subprocess.run(
        [str(Path(env()["PATH"].split(":")[0]) / "actionlint"), ".github/workflows/grade.yml"],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    steps = {step.get("name"): step for step in _workflow()["jobs"]["grade"]["steps"]}
    assert steps["Set up"]["env"]["PIP_EXTRA_INDEX_URL"].endswith("/whl/cpu")

    # The Grade step, run as the workflow runs it on one student's submission.
    course = course_folder(tmp_path / "course")
    demo_class.write(
        REPO / "release" / ASSIGNMENT, REPO / "source" / ASSIGNMENT, tmp_path / "demo", ASSIGNMENT
    )
    shutil.copytree(tmp_path / "demo" / "cai", course / "submitted" / "cai")
    command = steps["Grade"]["run"].split()
    assert command[:3] == [".venv/bin/python", "-m", "graders"]
    done = subprocess.run(
        [sys.executable, *command[1:]], cwd=course, env=env(), capture_output=True, text=True, timeout=1200
    )
    assert done.returncode == 0, done.stderr[-3000:]
    encoded = base64.b64encode((course / "results" / "classroom" / "cai.json").read_bytes()).decode()
    total, maximum, failed = _classroom_reporter("cvexam", {"CVEXAM_RESULTS": encoded})
    [cai] = json.loads((course / "results" / "results.json").read_text())
    assert (total, maximum, failed) == (cai["score"], cai["max_score"], True)  # the mistake costs a point
    assert f"cai: Points {total:g}/{maximum:g}" in done.stdout


def test_the_class_report_lists_every_mistake_every_zeros_reason_and_pending_points(demo, demo_results):
    course, first, _, _ = demo
    page = _read(course, "report.html")
    named = {m for r in demo_results.values() for p in r["parts"] for m in p["mistakes"]}
    assert len(named) > 10  # more than the old report's cut
    for mistake in named:
        assert mistake in html.unescape(page) and mistake in first.stdout
    assert "nothing answered: every answer cell is as it was released" in page  # ben: 0 points
    assert "not valid JSON" in page  # lou: a problem
    waiting = sum(bool(any(p["status"] == "pending" for p in r["parts"])) for r in demo_results.values())
    assert f"Graded by hand and not yet graded: {2 * waiting} points over {waiting} submissions." in page
    links = re.findall(r'<a href="([^"]+\.html)">', page)
    assert len(links) >= 2 * len(demo_results) - 1  # each student's feedback (lou: part 2 only)
    assert all((course / "results" / link).resolve().is_file() for link in links)


def test_the_feedback_reads_offline_with_its_maths_the_students_plot_and_no_bare_scores(demo):
    course = demo[0]
    folder = course / "feedback" / "ada" / ASSIGNMENT
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested: list[str] = []

    def offline(route) -> None:  # the page may read its own file, and nothing else
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            requested.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.route("**/*", offline)
        page.goto((folder / "part1_exam_questions.html").as_uri())
        maths = page.locator("math")
        assert maths.count() > 5
        box = maths.first.bounding_box()
        assert box and box["width"] > 5 and box["height"] > 5  # laid out as maths, not raw TeX
        assert "$\\mathbf" not in page.inner_text("body")
        toc = page.inner_text("#toc")
        assert "1a linear_forward" in toc and "Test cell" not in toc
        plot = page.locator("img[src^='data:image/png']")
        assert plot.count() >= 1 and plot.first.evaluate("img => img.naturalWidth") > 100
        plot.first.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "1-plot-beside-its-verdict.png"))
        page.goto((folder / "part1_exam_questions.html").as_uri())
        page.screenshot(path=str(ARTIFACTS / "0-maths-offline.png"))
        browser.close()
    assert requested == []  # the page asked the network for nothing
    for path in folder.glob("*.html"):
        text = path.read_text()
        assert "Out[" not in text and "mathjax/2" not in text
        assert not re.search(r"an array of shape (\([^)]*\)) \(shape \1", text)


def test_an_lms_zip_in_canvas_naming_is_graded_with_one_command(tmp_path):
    course = course_folder(tmp_path / "course")
    demo_class.write(
        REPO / "release" / ASSIGNMENT, REPO / "source" / ASSIGNMENT, tmp_path / "demo", ASSIGNMENT
    )
    archive = tmp_path / "submissions.zip"
    with zipfile.ZipFile(archive, "w") as z:
        ada, cai = tmp_path / "demo" / "ada" / ASSIGNMENT, tmp_path / "demo" / "cai" / ASSIGNMENT
        z.write(ada / "part1_exam_questions.ipynb", "lovelaceada_1001_5001_part1_exam_questions.ipynb")
        z.write(ada / "part2_extra_exercises.ipynb", "lovelaceada_1001_5002_part2_extra_exercises-1.ipynb")
        z.write(cai / "part1_exam_questions.ipynb", "wencai_LATE_1002_5003_part1_exam_questions.ipynb")
        z.write(cai / "part2_extra_exercises.ipynb", "wencai_LATE_1002_5004_part2_extra_exercises.ipynb")
        z.write(cai / "part1_exam_questions.ipynb", "my notes.ipynb")
    done = run_graders(course, "grade", "--zip", str(archive))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "collected 2 student(s) from submissions.zip: lovelaceada, wencai" in done.stdout
    assert "1 file(s) in submissions.zip name no student and were not graded: my notes.ipynb" in done.stderr
    results = {r["student"]: r for r in json.loads((course / "results" / "results.json").read_text())}
    assert sorted(results) == ["lovelaceada", "wencai"]
    full = autograded_points("part1_exam_questions") + autograded_points("part2_extra_exercises")
    assert results["lovelaceada"]["score"] == full and 0 < results["wencai"]["score"] < full
    bad = run_graders(course, "grade", "--zip", str(tmp_path / "missing.zip"))
    assert bad.returncode == 2 and "no zip at" in bad.stderr


def test_the_grades_csv_lists_each_assignments_students_by_id(demo, demo_results):
    """nbgrader's export lists students in the order they reached the gradebook, which three
    workers vary from run to run; the CSV lists them by id, every one, each once."""
    rows = list(csv.DictReader(io.StringIO(_read(demo[0], "grades.csv"))))
    ids = [row["student_id"] for row in rows]
    assert ids == sorted(demo_results), ids
