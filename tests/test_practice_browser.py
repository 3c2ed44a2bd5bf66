"""Practice in a real JupyterLab (the one-machine classroom) driven by headless Chromium,
with the practice service on loopback: a student fetches cv_practice, sees their own
numbers in the task, types the bias-forgotten linear_forward, runs the check cell under it
and reads the mistake's name first, then the overview (a line a part); fixes it and reads
"right"; asks for a new variant and sees new numbers.
Screenshots go to test-artifacts/practice/."""

import json
import subprocess
import sys
import time
import urllib.request

import pytest
from helpers import CHROMIUM, CHROMIUM_FLAGS, REPO, env, nbgrader, new_course
from lab_driver import (
    BROWSER_TEST,
    NOTEBOOK,
    Lab,
    command,
    fetch,
    free_port,
    open_notebook,
    run_all,
    type_into_cell,
    wait_ready,
)

from graders.practice import state, variants

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = BROWSER_TEST

SHOTS = REPO / "test-artifacts" / "practice"
STUDENT = "alice"
NO_BIAS = "def linear_forward(x, W, b):\n    return x @ W.T\n"
RIGHT = "def linear_forward(x, W, b):\n    return x @ W.T + b\n"
PART_CHECK = "practice.check('1a linear_forward')"  # the check cell under the part


def _output(page, containing: str) -> str:
    """The text of the outputs of the (first) cell whose source shows `containing`."""
    cell = page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(has_text=containing).first
    cell.scroll_into_view_if_needed()
    cell.locator(".jp-OutputArea-output").first.wait_for(timeout=60_000)
    # textContent, not innerText: JupyterLab skips rendering cells out of view, and innerText
    # of what is not rendered is empty.
    return cell.locator(".jp-OutputArea").text_content() or ""


def _run_cell(page, containing: str) -> None:
    page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(has_text=containing).first.locator(".cm-content").click()
    command(page, "notebook:run-cell")


def _run_and_check(page, cell: str = PART_CHECK) -> str:
    """Run the notebook (it stops at the first unanswered question), then a check cell."""
    run_all(page)
    _run_cell(page, cell)
    page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(has_text=cell).first.locator(
        ".jp-OutputArea-output:has-text('linear_forward:')"
    ).wait_for(timeout=60_000)
    return _output(page, cell)


def _student_practises(page, lab: Lab, found: dict) -> None:
    page.goto(f"{lab.url}/lab/workspaces/practice?token={lab.token}")
    wait_ready(page)
    fetch(page, state.ASSIGNMENT)
    open_notebook(page, f"{state.ASSIGNMENT}/practice.ipynb")
    run_all(page)
    found["numbers"] = _output(page, "practice = Practice()")
    found["task"] = _output(page, "practice.task('1a')")
    page.screenshot(path=SHOTS / "1-own-numbers.png")

    type_into_cell(page, "def linear_forward", NO_BIAS)
    found["check wrong"] = _run_and_check(page)
    page.screenshot(path=SHOTS / "2-check-names-the-mistake.png")
    found["overview"] = _run_and_check(page, "practice.check()")
    page.screenshot(path=SHOTS / "2b-overview.png")

    type_into_cell(page, "def linear_forward", RIGHT)
    found["check right"] = _run_and_check(page)
    page.screenshot(path=SHOTS / "3-check-right.png")

    page.locator(f"{NOTEBOOK} .jp-CodeCell").filter(has_text="practice.check()").first.click()
    command(page, "notebook:enter-command-mode")
    command(page, "notebook:insert-cell-below")
    page.locator(f"{NOTEBOOK} .jp-CodeCell.jp-mod-active .cm-content").click()
    page.keyboard.insert_text("practice.new_variant()")
    command(page, "notebook:run-cell")
    page.wait_for_selector(f"{NOTEBOOK} .jp-OutputArea-output:has-text('variant 2')", timeout=60_000)
    found["new numbers"] = _output(page, "practice.new_variant()")
    page.screenshot(path=SHOTS / "4-new-variant.png")
    command(page, "docmanager:save")
    time.sleep(1)


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    SHOTS.mkdir(parents=True, exist_ok=True)
    course = new_course(tmp_path_factory.mktemp("practice-lab"))
    nbgrader(course, "generate_assignment", state.ASSIGNMENT)
    nbgrader(course, "release_assignment", state.ASSIGNMENT, "--force")
    port = free_port()
    log = open(SHOTS / "service.log", "w")
    service = subprocess.Popen(
        [sys.executable, "-m", "graders", "practice-service", "--port", str(port)],
        cwd=course,
        env=env(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(120):
        try:
            urllib.request.urlopen(urllib.request.Request(f"{url}/variant", b'{"student": "x"}'), timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    lab = Lab(course, "student", SHOTS / "student-lab.log", STUDENT, ("--practice-url", url))
    found: dict = {"course": course}
    try:
        with playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            try:
                _student_practises(page, lab, found)
            except Exception:
                page.screenshot(path=SHOTS / "failure.png")
                raise
            browser.close()
    finally:
        lab.stop()
        service.terminate()
        service.wait(timeout=30)
        log.close()
    found["log"] = [
        json.loads(line) for line in (course / "results" / "practice_log.jsonl").read_text().splitlines()
    ]
    return found


def test_the_student_sees_their_own_numbers(seen):
    numbers = variants.shown(STUDENT, 0, state.course_secret(seen["course"]))
    assert f"Your numbers ({STUDENT}, variant 1)" in seen["numbers"]
    assert f"LINEAR_IN = {numbers['LINEAR_IN']}" in seen["numbers"]
    assert f"LINEAR_OUT = {numbers['LINEAR_OUT']}" in seen["numbers"]
    assert f"LINEAR_IN = {numbers['LINEAR_IN']}" in seen["task"].replace("`", "")  # in the task's text


def test_the_check_under_a_part_gives_its_verdict_first_and_the_overview_a_line_a_part(seen):
    first = seen["check wrong"].strip().splitlines()[0]
    assert first.startswith("1a linear_forward: WRONG, bias dropped"), seen["check wrong"]
    assert "1c" not in seen["check wrong"]  # this part only
    lines = seen["overview"].strip().splitlines()
    assert lines[0] == "0 of 12 parts right, 1 wrong, 11 not answered yet.", seen["overview"]
    assert "1a linear_forward: WRONG, bias dropped" in seen["overview"]
    assert "not answered yet" in seen["overview"] and "did the cell" not in seen["overview"]


def test_the_check_names_the_mistake_then_says_right(seen):
    assert "add the bias vector b" in seen["check wrong"]  # the mistake's hint
    assert "1a linear_forward: RIGHT (2/2)" in seen["check right"], seen["check right"]


def test_a_new_variant_brings_new_numbers_and_is_counted(seen):
    new = variants.shown(STUDENT, 1, state.course_secret(seen["course"]))
    assert f"Your numbers ({STUDENT}, variant 2)" in seen["new numbers"]
    assert f"LINEAR_IN = {new['LINEAR_IN']}" in seen["new numbers"]
    assert variants.shown(STUDENT, 1, state.course_secret(seen["course"])) != variants.shown(
        STUDENT, 0, state.course_secret(seen["course"])
    )
    saved = seen["course"] / "students" / STUDENT / state.ASSIGNMENT / state.STATE_FILE
    assert json.loads(saved.read_text())["retry"] == 1


def test_each_check_is_logged_on_the_instructors_side(seen):
    # The two checks, in order (a cell the browser happened to run twice logs twice: seen once in CI).
    students = [line["student"] for line in seen["log"]]
    assert len(students) >= 2 and set(students) == {STUDENT}
    assert seen["log"][0]["parts"]["test_linear_forward"]["mistakes"] == ["bias dropped"]
    assert seen["log"][-1]["parts"]["test_linear_forward"]["mistakes"] == []
