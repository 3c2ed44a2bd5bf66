"""Driving JupyterLab in headless Chromium the way a person does, for the browser tests
(the one-machine classroom and the hub)."""

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest
from helpers import CHROMIUM, SOURCE, env

from graders.instructor.course import read

PART1, PART2 = "part1_exam_questions", "part2_extra_exercises"
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in front
# What every browser test is: slow, and run only where Debian's Chromium is installed.
BROWSER_TEST = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is not installed"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A JupyterLab server for one role of the one-machine classroom, started with the
    project's own command (`extra`: more of its options)."""

    token = "cvexam-test-token"

    def __init__(self, course: Path, role: str, log: Path, student: str, extra: tuple[str, ...] = ()) -> None:
        self.port = free_port()
        command = [sys.executable, "-m", "graders.classroom", role, "--course", str(course)]
        command += ["--student", student, "--port", str(self.port), "--token", self.token, *extra]
        self.log = open(log, "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, env=env())
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise AssertionError(f"JupyterLab ({role}) did not start: see {log}")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


def wait_ready(page) -> None:
    """JupyterLab is up: its app object started, the dock shown, the splash gone."""
    page.wait_for_function("window.jupyterapp && window.jupyterapp.started", timeout=120_000)
    page.wait_for_selector("#jp-main-dock-panel", timeout=60_000)
    page.wait_for_selector("#jupyterlab-splash", state="detached", timeout=60_000)


def command(page, name: str, args: dict | None = None) -> None:
    page.evaluate("([c, a]) => window.jupyterapp.commands.execute(c, a)", [name, args or {}])


def nbgrader_menu(page) -> str:
    """The items of the Nbgrader menu in the main menu bar."""
    page.click("#jp-MainMenu .lm-MenuBar-itemLabel:text-is('Nbgrader')")
    items = page.wait_for_selector(".lm-Menu:not(.lm-mod-hidden)").inner_text()
    page.keyboard.press("Escape")
    return items


def assignment_list(page):
    command(page, "nbgrader:open-assignment-list")
    return page.wait_for_selector("#nbgrader-assignment-list", timeout=30_000)


def fetch(page, assignment: str) -> None:
    panel = assignment_list(page)
    released = panel.wait_for_selector(
        f"#released_assignments_list > .list_item:has-text('{assignment}')", timeout=60_000
    )
    released.query_selector("button:has-text('Fetch')").click()
    page.wait_for_selector(f"#fetched_assignments_list > .list_item:has-text('{assignment}')", timeout=60_000)


def answer_the_rest(workspace: Path) -> None:
    """A student's other answers, as if typed earlier (a test types one answer itself):
    every solution of both notebooks, the 2b proof included, but linear_forward."""
    for name in (PART1, PART2):
        nb, source = read(workspace / f"{name}.ipynb"), read(SOURCE / f"{name}.ipynb")
        solutions = {
            c.metadata.nbgrader["grade_id"]: c.source for c in source.cells if "nbgrader" in c.metadata
        }
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if cell.metadata.get("nbgrader", {}).get("solution") and grade_id != "linear_forward":
                lines = solutions[grade_id].splitlines()
                cell.source = "\n".join(line for line in lines if "SOLUTION" not in line)
        nbformat.write(nb, workspace / f"{name}.ipynb")


def open_notebook(page, path: str) -> None:
    command(page, "docmanager:open", {"path": path})
    page.wait_for_selector(f"{NOTEBOOK} .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=120_000)


def run_all(page) -> None:
    command(page, "notebook:run-all-cells")
    page.wait_for_function(
        f"() => [...document.querySelectorAll('{NOTEBOOK} .jp-InputArea-prompt')]"
        ".some(p => p.textContent.includes('[*]')) === false",
        timeout=180_000,
    )


def type_into_cell(page, containing: str, text: str) -> None:
    """Replace the source of the first cell that shows `containing` with `text`, typed."""
    cell = page.locator(f"{NOTEBOOK} .jp-Cell:has-text('{containing}')").first
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def validate(page) -> tuple[str, bool]:
    """Click Validate: the dialog's text, and whether it is nbgrader's success dialog."""
    page.click(f"{NOTEBOOK} .jp-NotebookPanel-toolbar .validate-button")
    dialog = page.wait_for_selector(".jp-Dialog", timeout=180_000)
    page.wait_for_selector("#validation-message", timeout=180_000)
    text, passed = dialog.inner_text(), page.locator(".nbgrader-SuccessDialog").count() > 0
    return text, passed


def close_dialog_and_save(page) -> None:
    page.click(".jp-Dialog-footer button.jp-mod-accept")
    command(page, "docmanager:save")
    time.sleep(1)


def submit(page, assignment: str) -> None:
    panel = assignment_list(page)
    fetched = panel.wait_for_selector(f"#fetched_assignments_list > .list_item:has-text('{assignment}')")
    fetched.query_selector("button:has-text('Submit')").click()
    page.wait_for_selector(
        f"#submitted_assignments_list > .list_item:has-text('{assignment}')", timeout=60_000
    )


def fetch_feedback(page, assignment: str) -> None:
    panel = assignment_list(page)
    item = panel.wait_for_selector(f"#submitted_assignments_list > .list_item:has-text('{assignment}')")
    item.query_selector("button:has-text('Fetch Feedback')").click()
