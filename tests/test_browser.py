"""The whole nbgrader loop in a real JupyterLab, driven by headless Chromium.

The instructor releases the assignment to the local exchange. A student fetches
it in the Assignment List, types an answer into a solution cell, runs it,
Validates and submits. The instructor collects, grades and releases feedback.
The student fetches the feedback and sees the verdict. The instructor marks the
hand-graded proof in the formgrader, and the mark reaches the gradebook and the
export. Screenshots go to test-artifacts/browser/."""

import json
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from helpers import ASSIGNMENT, CHROMIUM, CHROMIUM_FLAGS, REPO, env, nbgrader, new_course, run_graders
from lab_driver import (
    BROWSER_TEST,
    PART1,
    PART2,
    Lab,
    answer_the_rest,
    assignment_list,
    close_dialog_and_save,
    fetch,
    fetch_feedback,
    nbgrader_menu,
    open_notebook,
    run_all,
    submit,
    type_into_cell,
    validate,
    wait_ready,
)

from graders.instructor.course import read

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_TEST

SHOTS = REPO / "test-artifacts" / "browser"
STUDENT = "alice"
PROOF_MARK = 1.5
ANSWER = (
    "def linear_forward(x, W, b):\n"
    "    import warnings\n"
    '    warnings.warn("a harmless warning, written to stderr")\n'
    "    return x @ W.T + b\n"
)


def _ready(page, lab: Lab, path: str = "") -> None:
    page.goto(f"{lab.url}/lab/workspaces/test-{time.monotonic_ns()}{path}?token={lab.token}")
    wait_ready(page)


@pytest.fixture(scope="module")
def loop(tmp_path_factory):
    SHOTS.mkdir(parents=True, exist_ok=True)
    course = new_course(tmp_path_factory.mktemp("classroom"))
    nbgrader(course, "release_assignment", ASSIGNMENT, "--force")
    student_lab = Lab(course, "student", SHOTS / "student-lab.log", STUDENT)
    instructor_lab = None
    seen: dict = {}
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _ready(page, student_lab)
            _student_fetches_solves_validates_submits(page, course, seen)
            _instructor_collects_grades_releases(course)
            _student_fetches_feedback(page, student_lab, course, seen)
            instructor_lab = Lab(course, "instructor", SHOTS / "instructor-lab.log", STUDENT)
            _instructor_marks_the_proof(page, instructor_lab, course, seen)
            browser.close()
    finally:
        student_lab.stop()
        if instructor_lab:
            instructor_lab.stop()
    return course, seen


def _student_fetches_solves_validates_submits(page, course: Path, seen: dict) -> None:
    panel = assignment_list(page)
    panel.wait_for_selector(f"#released_assignments_list > .list_item:has-text('{ASSIGNMENT}')")
    seen["student_menu"] = nbgrader_menu(page)
    page.screenshot(path=SHOTS / "0-released.png")
    fetch(page, ASSIGNMENT)
    page.screenshot(path=SHOTS / "1-assignment-list.png")

    answer_the_rest(course / "students" / STUDENT / ASSIGNMENT)
    open_notebook(page, f"{ASSIGNMENT}/{PART1}.ipynb")
    type_into_cell(page, "def linear_forward", ANSWER)
    run_all(page)
    page.wait_for_selector(
        ".jp-OutputArea-output:has-text('linear_forward: shapes look right')", timeout=60_000
    )
    page.locator(".jp-Cell:has-text('def linear_forward')").first.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "2-notebook-answered.png")

    seen["validate"], seen["validate_passed"] = validate(page)
    seen["validate_says"] = page.evaluate(
        "getComputedStyle(document.querySelector('.validation-success > div'), '::after').content"
    )
    seen["validate_success_shown"] = page.locator(".validation-success p").is_visible()
    page.screenshot(path=SHOTS / "3-validate-dialog.png")
    close_dialog_and_save(page)

    submit(page, ASSIGNMENT)
    page.screenshot(path=SHOTS / "4-submitted.png")


def _instructor_collects_grades_releases(course: Path) -> None:
    nbgrader(course, "collect", ASSIGNMENT)
    graded = run_graders(course, "grade", ASSIGNMENT)
    assert graded.returncode == 0, graded.stderr[-3000:]
    nbgrader(course, "release_feedback", ASSIGNMENT)


def _student_fetches_feedback(page, lab: Lab, course: Path, seen: dict) -> None:
    _ready(page, lab)
    fetch_feedback(page, ASSIGNMENT)
    feedback_root = course / "students" / STUDENT / ASSIGNMENT / "feedback"
    deadline = time.monotonic() + 60
    while not list(feedback_root.rglob(f"{PART1}.html")) and time.monotonic() < deadline:
        time.sleep(0.5)
    html = next(feedback_root.rglob(f"{PART1}.html"))
    relative = html.relative_to(course / "students" / STUDENT)
    page.goto(f"{lab.url}/files/{relative}?token={lab.token}")
    page.wait_for_selector(".cvexam-verdict")
    seen["feedback"] = page.locator("body").inner_text()
    page.locator(".cvexam-verdict").first.scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "5-feedback.png")


def _loopback_only(route) -> None:
    """A classroom machine without internet: anything but the Jupyter server is refused."""
    host = route.request.url.split("/")[2].split(":")[0]
    route.continue_() if host in ("127.0.0.1", "localhost") else route.abort()


def _instructor_marks_the_proof(page, lab: Lab, course: Path, seen: dict) -> None:
    _ready(page, lab)  # also logs in: formgrader pages need the cookie
    page.route("**/*", _loopback_only)
    seen["instructor_menu"] = nbgrader_menu(page)
    page.goto(f"{lab.url}/formgrader/gradebook/{ASSIGNMENT}/{PART2}")
    page.wait_for_selector("a:has-text('Submission #1')", timeout=60_000)
    seen["formgrader_list"] = page.locator("table").inner_text()
    page.screenshot(path=SHOTS / "6-formgrader-submissions.png")
    page.click("a:has-text('Submission #1')")
    score = page.wait_for_selector("input.score#softmax_proof", timeout=60_000)
    seen["formgrader_cell"] = page.locator("body").inner_text()
    seen["formgrader_maths"] = page.locator("math").count()
    score.scroll_into_view_if_needed()
    score.fill(str(PROOF_MARK))
    page.fill("textarea#softmax_proof-comment", "Clear and complete.")
    page.press("textarea#softmax_proof-comment", "Tab")
    page.wait_for_timeout(2000)
    page.locator("textarea#softmax_proof-comment").scroll_into_view_if_needed()
    page.mouse.wheel(0, -300)
    page.wait_for_timeout(500)
    page.screenshot(path=SHOTS / "7-formgrader-proof.png")


def test_the_student_sees_only_the_assignment_list_and_validate(loop):
    _, seen = loop
    assert "Assignment List" in seen["student_menu"]
    assert "Formgrader" not in seen["student_menu"]
    assert "Formgrader" in seen["instructor_menu"]


def test_validate_passes_a_right_answer_that_writes_a_warning_to_stderr(loop):
    _, seen = loop
    assert seen["validate_passed"], seen["validate"]


def test_validate_says_what_it_checked_and_that_values_are_graded_later(loop):
    """nbgrader's "Success! Your notebook passes all the tests." would tell a wrong value it is right."""
    _, seen = loop
    assert not seen["validate_success_shown"]
    assert "visible checks" in seen["validate_says"], seen["validate_says"]
    assert "values are not checked here" in seen["validate_says"]


def test_the_formgrader_shows_the_maths_with_the_network_refused(loop):
    """MathJax's CDN is out of reach: the formulas are MathML, made on the server."""
    _, seen = loop
    assert seen["formgrader_maths"] > 5
    assert "\\frac" not in seen["formgrader_cell"] and "\\partial" not in seen["formgrader_cell"]


def test_the_submission_reaches_the_instructor_and_is_graded(loop):
    course, _ = loop
    results = json.loads((course / "results" / "results.json").read_text())
    alice = next(r for r in results if r["student"] == STUDENT)
    linear = next(p for p in alice["parts"] if p["grade_id"] == "test_linear_forward")
    assert linear["score"] == linear["max_score"]


def test_the_student_reads_the_verdict_in_the_fetched_feedback(loop):
    _, seen = loop
    assert "1a linear_forward: 2 / 2 points" in seen["feedback"]
    assert "HIDDEN TESTS" not in seen["feedback"]


def test_a_mark_given_in_the_formgrader_reaches_the_gradebook_and_the_export(loop):
    course, seen = loop
    assert "Submission #1" in seen["formgrader_list"]
    assert "cancels" in seen["formgrader_cell"]  # the student's proof, shown to the grader
    nbgrader(course, "export", "--to", "grades.csv")
    rows = (course / "grades.csv").read_text().splitlines()
    header = rows[0].split(",")
    alice = dict(zip(header, next(r for r in rows if f",{STUDENT}," in r).split(","), strict=True))
    results = json.loads((course / "results" / "results.json").read_text())
    autograded = next(r for r in results if r["student"] == STUDENT)["score"]
    assert float(alice["score"]) == pytest.approx(autograded + PROOF_MARK)


def test_validate_agrees_with_autograde_on_the_command_line(loop):
    """nbgrader validate exits 0 either way: its output says which."""
    course, _ = loop
    workspace = course / "students" / STUDENT
    right = workspace / "right.ipynb"
    wrong = workspace / "wrong.ipynb"
    nb = read(workspace / ASSIGNMENT / f"{PART1}.ipynb")
    nbformat.write(nb, right)
    for cell in nb.cells:
        if "def linear_forward" in cell.source:
            cell.source = "def linear_forward(x, W, b):\n    return x @ W + b\n"
    nbformat.write(nb, wrong)
    outputs = {}
    for path in (right, wrong):
        done = subprocess.run(
            [sys.executable, "-m", "nbgrader", "validate", path.name],
            cwd=workspace,
            env=env(),
            capture_output=True,
            text=True,
            timeout=300,
        )
        outputs[path.name] = done.stdout + done.stderr
    assert "Success! Your notebook passes all the tests." in outputs["right.ipynb"]
    assert "VALIDATION FAILED" in outputs["wrong.ipynb"]
