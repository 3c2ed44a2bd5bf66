"""Exam-day load on the hub classroom: simulated students driven through a real hub by locust.

    sudo .venv/bin/python bench/hub_load.py [--students 30 100 300] [--wave 100] [--arrival 60]

One classroom (`python -m graders.classroom hub`, its own prefix and ports, removed at the
end) with an account for every simulated student; the instructor generates and releases
the exam and the practice assignment. Then, for each class size, that many students go
through the exam day, arriving over --arrival seconds, in waves of at most --wave (the
servers of a wave are stopped before the next starts: one machine does not hold 300
running servers). Each student, as the browser would:

- log in        the hub's login form (PAM checks the password)
- start server  POST /hub/api/users/<name>/server, until the hub says it is ready
- fetch         the server's Assignment List: POST /user/<name>/assignments/fetch
- practice      a check over the practice service's socket, with a hub token: the probes,
                then the verdicts on the exam solution's answers to them
- submit        POST /user/<name>/assignments/submit

Per step, locust's statistics give the median and the 99th percentile over all the
students of a size, and the failures. Prints a markdown table.
"""

from gevent import monkey  # locust needs the standard library patched before anything else

monkey.patch_all()

import argparse  # noqa: E402
import csv  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import psutil  # noqa: E402
from locust import HttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from graders.autograde import harness  # noqa: E402
from graders.hub import ports  # noqa: E402
from graders.instructor.synthetic import solution_namespace  # noqa: E402

PRACTICE = __import__("cvexam_student.practice").practice
STEPS = ["log in", "start server", "fetch", "practice", "submit"]
COURSE_ID = "cvload"
INSTRUCTOR = "cvlinstr"
EXAM, PRACTICE_ASSIGNMENT = "cv_exam", "cv_practice"


class Classroom:
    """A hub classroom of `students` accounts, on its own prefix and ports."""

    def __init__(self, students: int, workdir: Path) -> None:
        self.prefix = Path(f"/srv/cvexam-load-{os.getpid()}")
        self.port = ports.free_run()
        self.url = f"http://127.0.0.1:{self.port}"
        self.students = {f"cvl{n:04d}": secrets.token_urlsafe(12) for n in range(students)}
        roster = workdir / "roster.csv"
        with roster.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["id", "password"])
            writer.writerows(self.students.items())
        command = [sys.executable, "-m", "graders.classroom", "hub", "--roster", str(roster)]
        command += ["--instructor", INSTRUCTOR, "--prefix", str(self.prefix), "--port", str(self.port)]
        self.log = open(workdir / "hub.log", "w")
        print(f"classroom: {students} accounts, hub at {self.url} (log: {workdir / 'hub.log'})", flush=True)
        self.hub = subprocess.Popen(
            [*command, "--course-id", COURSE_ID], stdout=self.log, stderr=subprocess.STDOUT, cwd=REPO
        )
        self.course = self.prefix / "courses" / COURSE_ID
        self.socket = self.prefix / "run" / "practice.sock"
        try:
            deadline = time.monotonic() + 1800
            while not self._up():
                if self.hub.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the hub did not start: see {workdir / 'hub.log'}")
                time.sleep(2)
            for assignment in (EXAM, PRACTICE_ASSIGNMENT):
                for step in ("generate_assignment", "release_assignment"):
                    self._as_instructor("nbgrader", step, assignment, "--force")
        except BaseException:
            self.remove()  # nothing left behind: accounts, folders, the hub
            raise

    def _up(self) -> bool:
        try:
            import urllib.request

            urllib.request.urlopen(f"{self.url}/hub/api", timeout=2)
            return True
        except OSError:
            return False

    def _as_instructor(self, *command: str) -> None:
        env = self.prefix / "envs" / "instructors" / "bin"
        done = subprocess.run(
            [shutil.which("runuser") or "/usr/sbin/runuser", "-u", INSTRUCTOR, "--", str(env / command[0])]
            + list(command[1:]),
            cwd=self.course,
            env={"PATH": f"{env}:/usr/bin:/bin", "HOME": str(self.course)},
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} as {INSTRUCTOR} failed:\n{done.stderr[-2000:]}")

    def remove(self) -> None:
        self.hub.terminate()
        try:
            self.hub.wait(timeout=120)
        except subprocess.TimeoutExpired:
            self.hub.kill()
        self.log.close()
        subprocess.run(
            [sys.executable, "-m", "graders.classroom", "hub", "--remove", "--prefix", str(self.prefix)],
            cwd=REPO,
            capture_output=True,
        )


class StepFailed(Exception):
    """A step failed (counted by locust as a failure); the student goes no further."""


def student_class(classroom: Classroom, queue: list[str], finished: list[str], answers_for):
    """The locust user: one student's exam day, each step timed as one 'request'."""

    class Student(HttpUser):
        host = classroom.url
        wait_time = constant(0)

        @contextmanager
        def step(self, name: str):
            start, error = time.perf_counter(), None
            try:
                yield
            except Exception as exc:  # noqa: BLE001 (a failed step is counted, then the student stops)
                error = exc
            self.environment.events.request.fire(
                request_type="STEP",
                name=name,
                response_time=(time.perf_counter() - start) * 1000,
                response_length=0,
                exception=error,
                context={},
            )
            if error is not None:
                raise StepFailed(name) from error

        def _xsrf(self, path: str) -> dict:
            cookie = next(
                (c for c in self.client.cookies if c.name == "_xsrf" and path.startswith(c.path)), None
            )
            return {"X-XSRFToken": cookie.value} if cookie else {}

        def _ok(self, response, what: str):
            if response.status_code >= 400:
                raise RuntimeError(f"{what}: HTTP {response.status_code} {response.text[:200]}")
            return response

        done = False

        @task
        def exam_day(self) -> None:
            """Once per simulated student; then it idles (locust would replace a user that
            stopped, and the wave ends when every student has finished)."""
            if self.done or not queue:
                gevent.sleep(1)
                return
            self.done = True
            name = queue.pop()
            try:
                self._day(name)
            except StepFailed:
                pass
            finally:
                finished.append(name)

        def _day(self, name: str) -> None:
            password = classroom.students[name]
            user = f"/user/{name}"
            with self.step("log in"):
                self._ok(self.client.get("/hub/login", name="/hub/login"), "login page")
                form = {"username": name, "password": password, **self._xsrf_form()}
                reply = self.client.post(
                    "/hub/login?next=", data=form, name="/hub/login", allow_redirects=False
                )
                if reply.status_code != 302:
                    raise RuntimeError(f"login: HTTP {reply.status_code}")
            with self.step("start server"):
                headers = self._xsrf("/hub/")
                reply = self.client.post(
                    f"/hub/api/users/{name}/server", headers=headers, name="/hub/api/server"
                )
                self._ok(reply, "start")
                while True:
                    reply = self.client.get(f"/hub/api/users/{name}", headers=headers, name="/hub/api/user")
                    server = self._ok(reply, "status").json()["servers"].get("")
                    if server is None:  # the hub gave up on it (Spawner.http_timeout, start_timeout)
                        raise RuntimeError("the hub gave up on the server: it did not start in time")
                    if server.get("ready"):
                        break
                    gevent.sleep(0.5)
            with self.step("fetch"):
                self._ok(
                    self.client.get(f"{user}/lab", name="/user/lab"), "open the server"
                )  # OAuth with the hub
                body = {"course_id": COURSE_ID, "assignment_id": EXAM}
                headers = self._xsrf(f"{user}/")
                for assignment in (EXAM, PRACTICE_ASSIGNMENT):
                    body["assignment_id"] = assignment
                    reply = self.client.post(
                        f"{user}/assignments/fetch",
                        data=body,
                        headers=headers,
                        name="/user/assignments/fetch",
                    )
                    self._ok(reply, "fetch")
            with self.step("practice"):
                headers = self._xsrf("/hub/")
                reply = self.client.post(
                    f"/hub/api/users/{name}/tokens",
                    json={"note": "load"},
                    headers=headers,
                    name="/hub/api/tokens",
                )
                token = self._ok(reply, "token").json()["token"]
                asked = self._practice("/probes", token, {})
                self._practice("/check", token, {"answers": answers_for(asked)})
            with self.step("submit"):
                body = {"course_id": COURSE_ID, "assignment_id": EXAM}
                reply = self.client.post(
                    f"{user}/assignments/submit",
                    data=body,
                    headers=self._xsrf(f"{user}/"),
                    name="/user/assignments/submit",
                )
                listed = self._ok(reply, "submit").json()
                if isinstance(listed, dict) and not listed.get("success", True):
                    raise RuntimeError(f"submit: {str(listed.get('value'))[-200:]}")

        def _xsrf_form(self) -> dict:
            cookie = self._xsrf("/hub/")
            return {"_xsrf": cookie["X-XSRFToken"]} if cookie else {}

        def _practice(self, path: str, token: str, body: dict) -> dict:
            connection = PRACTICE._UnixConnection(str(classroom.socket), 60)
            try:
                headers = {"Content-Type": "application/json", "Authorization": f"token {token}"}
                connection.request("POST", path, json.dumps(body).encode(), headers)
                reply = connection.getresponse()
                data = reply.read()
            finally:
                connection.close()
            if reply.status != 200:
                raise RuntimeError(f"practice {path}: HTTP {reply.status} {data[:200]!r}")
            return json.loads(data)

    return Student


def stop_servers(names: list[str]) -> None:
    """A wave's servers (and kernels) ended, before the next wave starts: the hub sees them gone."""
    for name in names:
        subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)


def measure(
    classroom: Classroom, names: list[str], wave: int, arrival: float, answers_for
) -> dict[str, dict]:
    queue: list[str] = []
    finished: list[str] = []
    env = Environment(user_classes=[student_class(classroom, queue, finished, answers_for)])
    runner = env.create_local_runner()
    for start in range(0, len(names), wave):
        batch = names[start : start + wave]
        queue[:] = list(reversed(batch))
        finished.clear()
        print(f"  wave of {len(batch)} students, arriving over {arrival:g} s", flush=True)
        runner.start(len(batch), spawn_rate=len(batch) / arrival if arrival > 0 else len(batch))
        began = time.monotonic()
        gevent.sleep(1)
        while len(finished) < len(batch) and time.monotonic() - began < 3600:
            gevent.sleep(1)
        runner.stop()
        stop_servers(batch)
    runner.quit()
    out = {}
    for step in STEPS:
        entry = env.stats.get(step, "STEP")
        out[step] = {
            "n": entry.num_requests,
            "failed": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5) / 1000,
            "p99": entry.get_response_time_percentile(0.99) / 1000,
        }
    for error in env.stats.errors.values():
        print(f"  failures: {error.occurrences} x {error.error}"[:300], flush=True)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, nargs="+", default=[30, 100, 300])
    parser.add_argument("--wave", type=int, default=100, help="students at once, at most")
    parser.add_argument(
        "--arrival",
        type=float,
        default=60,
        help="seconds over which a wave's students arrive (0: all at once; default: %(default)s)",
    )
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("the hub classroom makes accounts: run as root", file=sys.stderr)
        return 2
    solutions: dict = {}  # the exam's solution functions: a student who knows the answers
    for notebook in sorted((REPO / "source" / EXAM).glob("*.ipynb")):
        solutions.update(solution_namespace(notebook))

    def answers_for(asked: dict) -> dict:
        return {g: harness.answer_all(solutions, spec, []) for g, spec in asked["specs"].items()}

    with tempfile.TemporaryDirectory() as workdir:
        classroom = Classroom(sum(args.students), Path(workdir))
        try:
            names = list(classroom.students)
            table, taken = {}, 0
            for size in args.students:
                print(f"{size} students", flush=True)
                batch = names[taken : taken + size]
                table[size] = measure(classroom, batch, args.wave, args.arrival, answers_for)
                taken += size
                _print_table(table)
        finally:
            classroom.remove()
    _print_table(table)
    print(
        f"\n(waves of at most {args.wave} students arriving over {args.arrival:g} s; "
        f"{os.cpu_count()} cores, {psutil.virtual_memory().total / 1024**3:.0f} GiB)"
    )
    return 0


def _print_table(table: dict[int, dict]) -> None:
    print(f"\n| step | {' | '.join(f'{n} students: p50 / p99 (failed)' for n in table)} |")
    print(f"|---|{'---|' * len(table)}")
    for step in STEPS:
        cells = [
            f"{t[step]['p50']:.2f} s / {t[step]['p99']:.2f} s ({t[step]['failed']})" for t in table.values()
        ]
        print(f"| {step} | {' | '.join(cells)} |", flush=True)


if __name__ == "__main__":
    sys.exit(main())
