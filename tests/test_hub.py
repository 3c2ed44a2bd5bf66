"""The hub classroom, whole, in headless Chromium: `python -m graders.classroom hub`
makes the accounts from a roster, builds the environments and runs JupyterHub (with its
proxy from npm); two students log in, fetch, answer, Validate and submit; one of them
tries to reach the answer key, the gradebook and the other's work from her own kernel;
the instructor logs in, releases and collects in the formgrader, the grading runs as
today (`python -m graders grade`, as root for its sandbox), the instructor releases
feedback, and each student fetches and reads their own. The classroom is removed at the
end, accounts included. Screenshots go to test-artifacts/hub/."""

import csv
import grp
import json
import os
import pwd
import shlex
import shutil
import socket
import sqlite3
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest
from helpers import ASSIGNMENT, CHROMIUM, CHROMIUM_FLAGS, REPO, env
from lab_driver import (
    BROWSER_TEST,
    NOTEBOOK,
    PART1,
    PART2,
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

from graders.hub import accounts, config, disks, ports
from graders.hub import cli as hub_cli
from graders.practice import state, variants

practice_client = __import__("cvexam_student.practice").practice

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
DETACHED = "sleep 86413"  # what a student's kernel starts in a session of its own
PRACTICE = """\
import json
from cvexam_student.practice import Practice

practice = Practice(student="cvtbob")  # claims to be the other student
def linear_forward(x, W, b):
    return x @ W.T + b
practice.check("1a linear_forward")
mine = {"student": practice.student, "LINEAR_IN": int(practice.givens["LINEAR_IN"]),
        "checked": {v["grade_id"]: v["earned"] == v["points"] for v in practice.verdicts}}
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
import resource
from ipykernel.connect import get_connection_info
kernel = get_connection_info(unpack=True)
tried["kernel transport"] = kernel["transport"]
tried["kernel sockets in my home"] = kernel["ip"].startswith(os.path.expanduser("~") + "/")
tried["limits"] = {n: resource.getrlimit(getattr(resource, "RLIMIT_" + n.upper()))[0] for n in LIMITS}
seen = {}
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            line = f.read(200).replace(b"\\0", b" ").decode(errors="replace").strip()
        with open(f"/proc/{pid}/comm") as f:
            seen[pid] = (os.stat(f"/proc/{pid}").st_uid, line or f.read().strip())
    except OSError:
        pass
disk = os.statvfs(os.path.expanduser("~"))
tried["home disk"] = disk.f_blocks * disk.f_frsize
tried["others' processes in sight"] = sorted(c for uid, c in seen.values() if uid != os.getuid())[:5]
import subprocess
subprocess.Popen(DETACHED.split(), start_new_session=True, stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print("ISOLATION " + json.dumps(tried))
"""
# A student's markdown answer that, rendered as it was written, would act as the instructor
# who views it in the formgrader: a file written through the instructor's server API.
XSS = (
    '\n\n<img src="x" onerror="window.PWNED = 1; fetch(\'/user/{instructor}/api/contents/pwned.txt\', '
    "{{method: 'PUT', headers: {{'X-XSRFToken': document.cookie.match(/_xsrf=([^;]+)/)[1]}}, "
    "body: JSON.stringify({{type: 'file', format: 'text', content: 'pwned'}})}})\">"
    "<script>window.PWNED = 2</script>\n"
)
# What a student's account tries on the exchange and an instructor's on the course folder,
# from a process of its own (runuser): each rename or write is reported, and undone.
TRY_TO_CHANGE = """\
import json, os, sys
tried = {}
for what, path in json.loads(sys.argv[1]).items():
    try:
        if what.startswith("write "):
            with open(path, "a") as f:
                f.write("\\n# changed\\n")
        elif what.startswith("plant "):
            os.makedirs(path)
            for name, text in [("__init__.py", ""), ("__main__.py", sys.argv[2])]:
                with open(os.path.join(path, name), "w") as f:
                    f.write(text)
        else:
            os.rename(path, path + ".moved")
            os.rename(path + ".moved", path)
        tried[what] = "done"
    except OSError as error:
        tried[what] = type(error).__name__
print(json.dumps(tried))
"""

# What an instructor's account plants as `graders/` in the course folder, for root to run: it
# marks that it ran, then hands over to the real grading (an attacker who hides), so that the
# run goes on whichever way it goes and every other test still has its grades.
PLANTED = """\
import os, sys
open({marker!r}, "w").close()
os.execv(sys.executable, [sys.executable, "-I", "-m", "graders", *sys.argv[1:]])
"""


def _try_as(user: str, targets: dict[str, Path], planted: str = "") -> dict:
    """TRY_TO_CHANGE run by `user`'s own process: what it could do to each target."""
    done = subprocess.run(
        ["runuser", "-u", user, "--", "/usr/bin/python3", "-c", TRY_TO_CHANGE]
        + [json.dumps({k: str(v) for k, v in targets.items()}), planted],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _readme_grading_command() -> list[str]:
    """The documented command (docs/operations.md) for grading the hub classroom's course as root."""
    line = next(
        line
        for line in (REPO / "docs" / "operations.md").read_text().splitlines()
        if line.startswith("cd /srv/cvexam/courses/")
    )
    command = shlex.split(line.split("&&", 1)[1])
    assert command[0] == "/path/to/this/repo/.venv/bin/python" and command[-1] == ASSIGNMENT, command
    return [sys.executable, *command[1:]]


def _spy_on_iopub(spy: str, victim: str) -> dict[str, str]:
    """`spy`'s process connects to the IOPub socket of each of `victim`'s running kernels
    (their connection files tell where it is): connected, or the error."""
    runtime = _home(victim) / ".local" / "share" / "jupyter" / "runtime"
    found = {}
    for path in sorted(runtime.glob("kernel-*.json")):
        info = json.loads(path.read_text())
        if info["transport"] == "tcp":
            target = f"socket.create_connection(({info['ip']!r}, {info['iopub_port']}), timeout=5)"
        else:
            target = f"socket.socket(socket.AF_UNIX).connect({info['ip'] + '-' + str(info['iopub_port'])!r})"
        code = f"import socket\ntry:\n    {target}\n    print('connected')\n"
        code += "except OSError as e:\n    print(type(e).__name__)"
        done = subprocess.run(
            ["runuser", "-u", spy, "--", "/usr/bin/python3", "-c", code],
            capture_output=True,
            text=True,
            cwd="/",
        )
        found[f"{info['transport']} {path.name}"] = done.stdout.strip() or done.stderr[-300:]
    return found


def _internal_endpoints(port: int, user: str) -> dict[str, int]:
    """The hub's own port, the proxy's API and the user's server, by port."""
    server = next(
        c.laddr.port
        for proc in psutil.process_iter(["username", "cmdline"])
        if proc.info["username"] == user and "jupyterhub-singleuser" in " ".join(proc.info["cmdline"] or [])
        for c in proc.net_connections(kind="tcp")
        if c.status == psutil.CONN_LISTEN
    )
    return {"hub": port + 1, "proxy API": port + 2, f"{user}'s server": server}


def _unauthenticated(port: int) -> dict[str, str]:
    """What a process without the classroom's certificates gets on an internal port: in plain
    HTTP, and in TLS without a client certificate (each outcome named)."""
    outcomes = {}
    try:
        reply = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        outcomes["http"] = f"HTTP {reply.status}"
    except urllib.error.HTTPError as error:
        outcomes["http"] = f"HTTP {error.code}"
    except OSError as error:
        outcomes["http"] = type(error).__name__
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE  # no client certificate
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                outcomes["tls"] = "answered" if tls.recv(64) else "closed"
    except OSError as error:  # ssl.SSLError is an OSError
        outcomes["tls"] = type(error).__name__
    return outcomes


def _formgrader_view(page, url: str, student: str, notebook: str) -> dict:
    """The instructor opens a student's graded notebook in the formgrader."""
    with sqlite3.connect(COURSE / "gradebook.db") as db:
        (submission,) = db.execute(
            "SELECT sn.id FROM submitted_notebook sn JOIN notebook n ON n.id = sn.notebook_id "
            "JOIN submitted_assignment sa ON sa.id = sn.assignment_id WHERE sa.student_id = ? AND n.name = ?",
            (student, notebook),
        ).fetchone()
    page.goto(f"{url}/user/{INSTRUCTOR}/formgrader/submissions/{submission}")
    page.wait_for_selector("text=softmax", timeout=60_000)
    page.wait_for_timeout(3000)  # time for a script, had one run
    page.screenshot(path=SHOTS / "instructor-formgrader-xss.png", full_page=True)
    return {
        "PWNED": page.evaluate("() => window.PWNED === undefined ? null : window.PWNED"),
        "file written as the instructor": (COURSE / "pwned.txt").exists(),
        "shown as text": "window.PWNED = 2" in page.locator("body").inner_text(),
    }


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
    code = f"PATHS = {json.dumps(json.dumps(paths))}\nLIMITS = {list(config.STUDENT_LIMITS)!r}\n"
    code += f"DETACHED = {DETACHED!r}\n" + PROBE
    return _run_in_kernel(page, user, code, name, "ISOLATION")


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
    if user == "cvtbob":  # the attack on the instructor, in his 2b proof
        path = workspace / f"{PART2}.ipynb"
        nb = nbformat.read(path, as_version=4)
        proof = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "softmax_proof")
        proof.source += XSS.format(instructor=INSTRUCTOR)
        nbformat.write(nb, path)
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
    port = ports.free_run()
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
        time.sleep(1)
        left = subprocess.run(["pgrep", "-u", "cvtalice", "-f", DETACHED], capture_output=True, text=True)
        seen["detached process left"] = left.stdout.split()
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
            "instructors' environment": PREFIX / "envs" / "instructors",
            "passwords": PREFIX / "hub" / "passwords.csv",
        }
        seen["probe"] = _probe(
            pages["cvtalice"], "cvtalice", {k: str(v) for k, v in targets.items()}, "probe"
        )
        seen["spy on IOPub"] = _spy_on_iopub("cvtbob", "cvtalice")  # while her kernel runs
        seen["internal traffic"] = {
            name: _unauthenticated(number)
            for name, number in _internal_endpoints(int(url.rsplit(":", 1)[1]), "cvtalice").items()
        }
        seen["student changes the exchange"] = _try_as(
            "cvtalice",
            {
                "course's exchange folder": PREFIX / "exchange" / COURSE_ID,
                "other's submission": bob_submitted,
            },
        )
        submit(pages["cvtalice"], ASSIGNMENT)

        _formgrader(teacher, INSTRUCTOR, "collect")
        seen["instructor changes the course"] = _try_as(
            INSTRUCTOR,
            {
                "write nbgrader_config.py": COURSE / "nbgrader_config.py",
                "nbgrader_config.py": COURSE / "nbgrader_config.py",
                "plant graders": COURSE / "graders",
            },
            planted=PLANTED.format(marker=str(PREFIX / "planted-ran")),
        )
        graded = subprocess.run(
            _readme_grading_command(),
            cwd=COURSE,
            env=env(),
            capture_output=True,
            text=True,
            timeout=1200,
        )
        assert graded.returncode == 0, graded.stdout[-3000:] + graded.stderr[-3000:]
        seen["results"] = json.loads((COURSE / "results" / "results.json").read_text())
        seen["planted code ran as root"] = (PREFIX / "planted-ran").exists()
        shutil.rmtree(COURSE / "graders", ignore_errors=True)
        instructors = grp.getgrnam(f"formgrade-{COURSE_ID}").gr_gid
        seen["not the instructors' to change after grading"] = [
            str(p)
            for p in COURSE.rglob("*")
            if p.name != "nbgrader_config.py"
            and not p.is_symlink()
            and p.lstat().st_uid == 0  # what grading wrote (the rest is the instructor's own)
            and (p.lstat().st_gid != instructors or not p.lstat().st_mode & 0o020)
        ]
        seen["formgrader"] = _formgrader_view(teacher, url, "cvtbob", PART2)
        _formgrader(teacher, INSTRUCTOR, "release_feedback")

        _formgrader(teacher, INSTRUCTOR, "assign", PRACTICE_ASSIGNMENT)
        _formgrader(teacher, INSTRUCTOR, "release", PRACTICE_ASSIGNMENT)
        pages["cvtalice"].goto(f"{url}/user/cvtalice/lab")  # a fresh Assignment List
        wait_ready(pages["cvtalice"])
        fetch(pages["cvtalice"], PRACTICE_ASSIGNMENT)
        seen["practice"] = _run_in_kernel(
            pages["cvtalice"], "cvtalice", PRACTICE, "practice-probe", "PRACTICE", PRACTICE_ASSIGNMENT
        )
        seen["practice secret"] = state.course_secret(COURSE)
        seen["practice service runs as"] = sorted(
            {
                process.info["username"]
                for process in psutil.process_iter(["cmdline", "username"])
                if "practice-service" in (process.info["cmdline"] or [])
                and str(COURSE) in process.info["cmdline"]
            }
        )
        log = (COURSE / "results" / "practice_log.jsonl").read_text().splitlines()
        seen["practice log"] = [json.loads(line) for line in log]
        socket_path = PREFIX / "run" / "practice.sock"
        anonymous = practice_client._UnixConnection(str(socket_path), 10)
        anonymous.request("POST", "/variant", json.dumps({"student": "cvtbob"}).encode())
        seen["practice without a token"] = anonymous.getresponse().status
        seen["practice socket"] = (socket_path.parent.owner(), oct(socket_path.parent.stat().st_mode & 0o777))

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
    tried = {
        k: v
        for k, v in classroom["probe"].items()
        if not k.startswith(("kernel", "limits", "others'", "home disk"))
    }
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
    assert classroom["not the instructors' to change after grading"] == []


# The attacks on the classroom (issue 19), each from a real account of the running classroom.


def test_a_students_script_in_an_answer_does_not_run_in_the_instructors_formgrader(classroom):
    assert classroom["formgrader"] == {
        "PWNED": None,
        "file written as the instructor": False,
        "shown as text": True,
    }


def test_an_instructor_cannot_change_what_grading_runs_as_root(classroom):
    assert classroom["instructor changes the course"] == {
        "write nbgrader_config.py": "PermissionError",
        "nbgrader_config.py": "PermissionError",  # cannot rename it away (sticky course folder)
        "plant graders": "done",  # a folder of theirs, which grading as root does not import:
    }
    assert classroom["planted code ran as root"] is False  # the documented command runs isolated


def test_a_student_cannot_rename_the_courses_exchange_or_anothers_submission(classroom):
    assert classroom["student changes the exchange"] == {
        "course's exchange folder": "PermissionError",
        "other's submission": "PermissionError",
    }


def test_students_kernels_are_not_on_loopback_tcp(classroom):
    tried = classroom["probe"]
    assert tried["kernel transport"] == "ipc" and tried["kernel sockets in my home"] is True
    spied = classroom["spy on IOPub"]
    assert spied and all(what.startswith("ipc ") for what in spied), spied
    assert set(spied.values()) == {"PermissionError"}, spied  # her runtime folder is hers alone


def test_internal_traffic_is_mutual_tls_that_no_stranger_passes(classroom):
    """The hub, the proxy's API and a student's server answer neither plain HTTP nor TLS without
    a certificate of the classroom's own (internal_ssl): a process that takes a freed port cannot
    pass for one of them, and one that connects cannot talk to them."""
    tried = classroom["internal traffic"]
    assert len(tried) == 3, tried
    for name, outcome in tried.items():
        assert not outcome["http"].startswith("HTTP"), (name, outcome)
        assert outcome["tls"] != "answered", (name, outcome)  # refused, whichever way


def test_each_students_server_runs_under_limits(classroom):
    assert classroom["probe"]["limits"] == config.STUDENT_LIMITS


def test_a_students_home_is_a_disk_of_its_own(classroom):
    """Her files are limited in total by the classroom's default (a full home is hers alone):
    no quota on the machine's file system needed (tests/test_hub_setup.py fills one)."""
    size = hub_cli.build_parser().get_default("student_disk")
    assert 0.9 * disks.parse_size(size) <= classroom["probe"]["home disk"] <= disks.parse_size(size)


def test_a_student_sees_her_own_processes_only(classroom):
    """A student's server has a PID namespace of its own: no other user's command line (the
    hub's, the practice service's, another student's kernel) is in sight in her /proc."""
    assert classroom["probe"]["others' processes in sight"] == []


def test_a_process_a_student_detaches_ends_with_her_server(classroom):
    """Started with setsid from her kernel, it used to outlive the hub (and could take a
    classroom port at the next start); it ends with her server's namespace."""
    assert classroom["detached process left"] == []


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
    assert mine["LINEAR_IN"] == variants.shown("cvtalice", 0, classroom["practice secret"])["LINEAR_IN"]
    assert mine["checked"] == {"test_linear_forward": True}  # that part alone, right on her numbers
    assert [line["student"] for line in classroom["practice log"]] == ["cvtalice"]
    assert classroom["practice without a token"] == 401
    # a Unix socket in a folder only the service's account can write: no one can stand in for it
    assert classroom["practice socket"] == (accounts.practice_service(COURSE_ID), "0o755")


def test_the_practice_service_runs_as_its_own_account(classroom):
    assert classroom["practice service runs as"] == [accounts.practice_service(COURSE_ID)]
