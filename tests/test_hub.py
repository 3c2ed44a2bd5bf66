"""The hub classroom, whole, in headless Chromium: `python -m graders.classroom hub`
makes the accounts from a roster, builds the environments and runs JupyterHub (with its
proxy from npm); two students log in, fetch, answer, Validate and submit; one of them
tries to reach the answer key, the gradebook and the other's work from her own kernel;
the instructor logs in, releases and collects in the formgrader, the grading runs as
today (`python -m graders grade`, as root for its sandbox), the instructor releases
feedback, and each student fetches and reads their own. The classroom is removed at the
end, accounts included. Screenshots go to test-artifacts/hub/."""

import csv
import json
import os
import pwd
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest
from helpers import ASSIGNMENT, CHROMIUM, CHROMIUM_FLAGS, REPO, env
from lab_driver import (
    BROWSER_TEST,
    NOTEBOOK,
    PART1,
    answer_the_rest,
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

from graders.practice import variants

playwright = pytest.importorskip("playwright.sync_api")
pytestmark = [
    *BROWSER_TEST,
    pytest.mark.skipif(os.geteuid() != 0, reason="the hub classroom makes Linux accounts: root only"),
    pytest.mark.skipif(shutil.which("npm") is None, reason="JupyterHub's proxy comes from npm"),
]

PREFIX = Path(f"/srv/cvexam-test-{os.getpid()}")
COURSE_ID = "cvt-exam"
PRACTICE_ASSIGNMENT = "cv_practice"
COURSE = PREFIX / "courses" / COURSE_ID
INSTRUCTOR = "cvtinstr"
STUDENTS = {"cvtalice": "alice-pw-3141", "cvtbob": "bob-pw-2718"}
ANSWERS = {
    "cvtalice": "def linear_forward(x, W, b):\n    return x @ W.T + b\n",
    "cvtbob": "def linear_forward(x, W, b):\n    return x @ W.T\n",  # the bias forgotten
}
SHOTS = REPO / "test-artifacts" / "hub"
PRACTICE = """\
import json
from cvexam_student.practice import Practice

practice = Practice(student="cvtbob")  # claims to be the other student
practice.check()
mine = {"student": practice.student, "LINEAR_IN": int(practice.givens["LINEAR_IN"]),
        "checked": sorted(v["grade_id"] for v in practice.verdicts)}
print("PRACTICE " + json.dumps(mine))
"""
PROBE = """\
import json, os
tried = {}
try:
    import graders
    tried["import graders"] = "imported"
except Exception as error:
    tried["import graders"] = type(error).__name__
for what, path in json.loads(PATHS).items():
    try:
        os.listdir(path) if os.path.isdir(path) else open(path, "rb").read(1)
        tried[what] = "read"
    except Exception as error:
        tried[what] = type(error).__name__
import torch
tried["torch"] = torch.__version__
print("ISOLATION " + json.dumps(tried))
"""


def _free_ports() -> int:
    """A port whose next three are free too (the hub's API, the proxy's, the practice checks)."""
    for _ in range(200):
        port = random.randint(20_000, 40_000)
        try:
            for p in range(port, port + 4):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
            return port
        except OSError:
            continue
    raise AssertionError("no three free ports in a row")


def _login(browser, url: str, user: str, password: str):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.goto(f"{url}/hub/login")
    page.fill("#username_input", user)
    page.fill("#password_input", password)
    page.click("#login_submit")
    page.wait_for_url(f"**/user/{user}/lab**", timeout=180_000)
    wait_ready(page)
    return page


def _formgrader(page, user: str, action: str, assignment: str = ASSIGNMENT) -> dict:
    """What a formgrader button does: POST its API with the page's own session."""
    status, text = page.evaluate(
        """async (url) => {
            const xsrf = decodeURIComponent(document.cookie.split('; ')
                .find(c => c.startsWith('_xsrf=')).slice(6));
            const r = await fetch(url, {method: 'POST', headers: {'X-XSRFToken': xsrf}});
            return [r.status, await r.text()];
        }""",
        f"/user/{user}/formgrader/api/assignment/{assignment}/{action}",
    )
    assert status == 200, (action, status, text[:2000])
    reply = json.loads(text)
    assert reply.get("success"), (action, str(reply.get("error"))[-3000:])
    return reply


def _as_owner(path: Path, user: str) -> None:
    account = pwd.getpwnam(user)
    for p in [path, *path.rglob("*")]:
        os.chown(p, account.pw_uid, account.pw_gid)


def _home(user: str) -> Path:
    return PREFIX / "home" / user


def _probe(page, user: str, paths: dict[str, str], name: str) -> dict:
    """Run PROBE in the student's own kernel (a scratch notebook in their home)."""
    return _run_in_kernel(page, user, f"PATHS = {json.dumps(json.dumps(paths))}\n" + PROBE, name, "ISOLATION")


def _run_in_kernel(page, user: str, code: str, name: str, mark: str, folder: str = "") -> dict:
    """Run `code` in the student's own kernel (a scratch notebook in their home, or in
    `folder` there) and read back the JSON it prints after `mark`."""
    nb = nbformat.v4.new_notebook()
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(code)]
    path = _home(user) / folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    _as_owner(path, user)
    open_notebook(page, str(path.relative_to(_home(user))))
    run_all(page)
    out = page.wait_for_selector(f"{NOTEBOOK} .jp-OutputArea-output:has-text('{mark}')", timeout=120_000)
    page.screenshot(path=SHOTS / f"{user}-{name}.png")
    text = out.inner_text()
    return json.loads(text[text.index(mark) + len(mark) :].strip().splitlines()[0])


def _student_solves_and_submits(page, user: str, seen: dict) -> None:
    fetch(page, ASSIGNMENT)
    workspace = _home(user) / ASSIGNMENT
    answer_the_rest(workspace)
    open_notebook(page, f"{ASSIGNMENT}/{PART1}.ipynb")
    type_into_cell(page, "def linear_forward", ANSWERS[user])
    run_all(page)
    seen[f"{user} validate"] = validate(page)
    page.screenshot(path=SHOTS / f"{user}-validate.png")
    close_dialog_and_save(page)


def _feedback(page, url: str, user: str) -> tuple[str, list[str]]:
    fetch_feedback(page, ASSIGNMENT)
    root = _home(user) / ASSIGNMENT / "feedback"
    deadline = time.monotonic() + 60
    while not list(root.rglob(f"{PART1}.html")) and time.monotonic() < deadline:
        time.sleep(0.5)
    html = next(root.rglob(f"{PART1}.html"))
    page.goto(f"{url}/user/{user}/files/{html.relative_to(_home(user))}")
    page.wait_for_selector(".cvexam-verdict", timeout=60_000)
    page.screenshot(path=SHOTS / f"{user}-feedback.png")
    return page.locator("body").inner_text(), sorted(p.name for p in root.rglob("*.html"))


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    SHOTS.mkdir(parents=True, exist_ok=True)
    roster = tmp_path_factory.mktemp("roster") / "roster.csv"
    with roster.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "first_name", "last_name", "email", "password"])
        for user, password in STUDENTS.items():
            writer.writerow([user, user[3:].title(), "Test", f"{user}@example.org", password])
    port = _free_ports()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "graders.classroom", "hub", "--roster", str(roster)]
    command += ["--instructor", INSTRUCTOR, "--prefix", str(PREFIX), "--port", str(port)]
    command += ["--course-id", COURSE_ID]
    log = open(SHOTS / "hub.log", "w")
    hub = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env())
    seen: dict = {}
    try:
        deadline = time.monotonic() + 900  # the first run builds the environments
        while True:
            assert hub.poll() is None, f"the hub command ended: see {SHOTS / 'hub.log'}"
            assert time.monotonic() < deadline, f"the hub did not start: see {SHOTS / 'hub.log'}"
            try:
                urllib.request.urlopen(f"{url}/hub/api", timeout=2)
                break
            except OSError:
                time.sleep(1)
        passwords = dict(
            line.split(",", 1) for line in (PREFIX / "hub" / "passwords.csv").read_text().split()
        )
        _loop(url, passwords[INSTRUCTOR], seen)
    finally:
        hub.terminate()
        try:
            hub.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hub.kill()
        log.close()
        removed = subprocess.run(
            [sys.executable, "-m", "graders.classroom", "hub", "--remove", "--prefix", str(PREFIX)],
            env=env(),
            capture_output=True,
            text=True,
        )
        seen["removed"] = removed.stdout + removed.stderr
        proxies = subprocess.run(
            ["pgrep", "-f", f"configurable-http-proxy.* --port {port} "], capture_output=True
        )
        seen["proxy left"] = proxies.stdout.decode().split()
    return seen


def _loop(url: str, instructor_password: str, seen: dict) -> None:
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        teacher = _login(browser, url, INSTRUCTOR, instructor_password)
        seen["instructor menu"] = nbgrader_menu(teacher)
        _formgrader(teacher, INSTRUCTOR, "assign")
        _formgrader(teacher, INSTRUCTOR, "release")

        pages = {user: _login(browser, url, user, password) for user, password in STUDENTS.items()}
        seen["student menu"] = nbgrader_menu(pages["cvtalice"])
        pages["cvtalice"].screenshot(path=SHOTS / "cvtalice-lab.png")
        for user, page in pages.items():
            _student_solves_and_submits(page, user, seen)
        submit(pages["cvtbob"], ASSIGNMENT)

        bob_submitted = next((PREFIX / "exchange" / COURSE_ID / "inbound").glob(f"cvtbob+{ASSIGNMENT}+*"))
        seen["bob inbound mode"] = bob_submitted.stat().st_mode & 0o7777
        targets = {
            "course source": COURSE / "source" / ASSIGNMENT / f"{PART1}.ipynb",
            "gradebook": COURSE / "gradebook.db",
            "course folder": COURSE,
            "other's submission": bob_submitted / f"{PART1}.ipynb",
            "other's submission secret": bob_submitted / "submission_secret.txt",
            "inbound listing": bob_submitted.parent,
            "other's home": _home("cvtbob") / ASSIGNMENT / f"{PART1}.ipynb",
            "answer key in this checkout": REPO / "graders" / "questions" / "linear.py",
            "instructors' environment": Path("/opt/cvexam/instructors"),
            "passwords": PREFIX / "hub" / "passwords.csv",
        }
        seen["probe"] = _probe(
            pages["cvtalice"], "cvtalice", {k: str(v) for k, v in targets.items()}, "probe"
        )
        submit(pages["cvtalice"], ASSIGNMENT)

        _formgrader(teacher, INSTRUCTOR, "collect")
        graded = subprocess.run(
            [sys.executable, "-m", "graders", "grade", ASSIGNMENT],
            cwd=COURSE,
            env=env(),
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
        seen["results"] = json.loads((COURSE / "results" / "results.json").read_text())
        seen["root-owned after grading"] = [
            str(p) for p in COURSE.rglob("*") if p.lstat().st_uid == 0 and not p.is_symlink()
        ]
        _formgrader(teacher, INSTRUCTOR, "release_feedback")

        _formgrader(teacher, INSTRUCTOR, "assign", PRACTICE_ASSIGNMENT)
        _formgrader(teacher, INSTRUCTOR, "release", PRACTICE_ASSIGNMENT)
        pages["cvtalice"].goto(f"{url}/user/cvtalice/lab")  # a fresh Assignment List
        wait_ready(pages["cvtalice"])
        fetch(pages["cvtalice"], PRACTICE_ASSIGNMENT)
        seen["practice"] = _run_in_kernel(
            pages["cvtalice"], "cvtalice", PRACTICE, "practice-probe", "PRACTICE", PRACTICE_ASSIGNMENT
        )
        log = (COURSE / "results" / "practice_log.jsonl").read_text().splitlines()
        seen["practice log"] = [json.loads(line) for line in log]
        service_url = f"{url.rsplit(':', 1)[0]}:{int(url.rsplit(':', 1)[1]) + 3}"
        anonymous = urllib.request.Request(
            f"{service_url}/variant", json.dumps({"student": "cvtbob"}).encode()
        )
        try:
            urllib.request.urlopen(anonymous, timeout=10)
            seen["practice without a token"] = 200
        except urllib.error.HTTPError as error:
            seen["practice without a token"] = error.code

        for user, page in pages.items():
            seen[f"{user} feedback"] = _feedback(page, url, user)
        page = pages["cvtalice"]
        page.goto(f"{url}/user/cvtalice/lab")
        wait_ready(page)
        feedback_folder = PREFIX / "exchange" / COURSE_ID / "feedback"
        seen["probe after feedback"] = _probe(
            page, "cvtalice", {"feedback listing": str(feedback_folder)}, "probe2"
        )
        browser.close()


def _result(seen: dict, student: str) -> dict:
    return next(r for r in seen["results"] if r["student"] == student)


def _linear(seen: dict, student: str) -> dict:
    return next(p for p in _result(seen, student)["parts"] if p["grade_id"] == "test_linear_forward")


def test_students_get_the_assignment_list_and_validate_the_instructor_the_formgrader(classroom):
    assert "Assignment List" in classroom["student menu"]
    assert "Formgrader" not in classroom["student menu"]
    assert "Formgrader" in classroom["instructor menu"]


def test_validate_runs_in_the_students_environment(classroom):
    for user in STUDENTS:
        passed, text = classroom[f"{user} validate"][1], classroom[f"{user} validate"][0]
        assert passed, text  # the exam's visible checks look at shapes only (issue: practice)


def test_a_student_cannot_reach_the_key_the_gradebook_or_anothers_work(classroom):
    tried = classroom["probe"]
    assert tried.pop("import graders") == "ModuleNotFoundError"
    assert tried.pop("torch").startswith("2.13.0")  # the exam's libraries are there
    assert tried == {what: "PermissionError" for what in tried}, tried


def test_a_submission_in_the_exchange_is_closed_to_other_students(classroom):
    assert classroom["bob inbound mode"] & 0o777 == 0o770


def test_the_submissions_are_graded_normally(classroom):
    alice, bob = _linear(classroom, "cvtalice"), _linear(classroom, "cvtbob")
    assert alice["score"] == alice["max_score"] > 0
    assert bob["score"] < bob["max_score"]
    assert "bias dropped" in json.dumps(bob)
    assert _result(classroom, "cvtalice")["score"] > _result(classroom, "cvtbob")["score"]


def test_what_grading_wrote_belongs_to_the_instructors(classroom):
    assert classroom["root-owned after grading"] == []


def test_each_student_fetches_and_reads_only_their_own_feedback(classroom):
    alice_text, alice_files = classroom["cvtalice feedback"]
    bob_text, bob_files = classroom["cvtbob feedback"]
    assert "1a linear_forward: 2 / 2 points" in alice_text
    assert "bias dropped" in bob_text and "bias dropped" not in alice_text
    assert alice_files == bob_files == sorted(["part1_exam_questions.html", "part2_extra_exercises.html"])
    assert classroom["probe after feedback"]["feedback listing"] == "PermissionError"


def test_the_classroom_is_removed_with_its_accounts(classroom):
    assert "removed user cvtalice" in classroom["removed"], classroom["removed"]
    for user in [*STUDENTS, INSTRUCTOR]:
        with pytest.raises(KeyError):
            pwd.getpwnam(user)
    assert not PREFIX.exists()
    assert classroom["proxy left"] == []


def test_practice_checks_run_as_a_hub_service_that_knows_the_student_by_their_token(classroom):
    mine = classroom["practice"]
    assert mine["student"] == "cvtalice"  # not the "cvtbob" the kernel claimed
    assert mine["LINEAR_IN"] == variants.shown("cvtalice", 0)["LINEAR_IN"]
    assert mine["checked"] == sorted(p.grade_id for p in variants.parts())
    assert [line["student"] for line in classroom["practice log"]] == ["cvtalice"]
    assert classroom["practice without a token"] == 401
