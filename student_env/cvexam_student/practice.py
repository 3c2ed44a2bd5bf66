"""Practice in the student's kernel: your own numbers, instant checks, a new variant.

    from cvexam_student.practice import Practice
    practice = Practice()        # loads your numbers into the notebook and shows them
    practice.task("1a")          # question 1a's task, with your numbers
    practice.check("1a")         # 1a only: right, wrong, or the mistake's name and a hint
    practice.check()             # one line a part: right, wrong, not answered yet
    practice.new_variant()       # new numbers (run the notebook again, then check)

    exam = Practice(assignment="cv_exam_variants", checks=False)   # a variant exam: numbers only

The checks run on the instructor's side (the practice service): this module sends your
functions' answers on the service's probe inputs and prints the verdicts. It holds no
reference and no answer. Your variant's counter is kept in `practice_variant.json` beside
the notebook and is handed in with it.

The service is at CVEXAM_PRACTICE_URL: `http://host:port`, or `unix:/path/to/socket` (the
hub classroom's: a socket in a folder only the service's account can write, so no other
process can stand in for it and receive your token).
"""

import builtins
import getpass
import http.client
import json
import os
import socket
import urllib.parse
from pathlib import Path

import numpy as np

STATE_FILE = "practice_variant.json"
GIVENS_ENV = "CVEXAM_PRACTICE_GIVENS"  # set at autograde: the numbers, with no service to ask
TASKS_ENV = "CVEXAM_PRACTICE_TASKS"  # and the task texts with them
NOT_ANSWERED = "not answered yet"
DEFAULT_URL = "http://127.0.0.1:8790"


def _value(given):
    """A given as the notebook uses it: numbers as numpy arrays, a list of texts as it is."""
    if isinstance(given, list) and not (given and isinstance(given[0], str)):
        return np.array(given)
    return given


class PracticeError(RuntimeError):
    """The practice service could not answer; the message says what to do."""


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket (the standard library speaks it to no path on its own)."""

    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_path)


def _connection(url: str, timeout: float = 30) -> tuple[http.client.HTTPConnection, str]:
    """A connection to the service at `url`, and the path prefix of its endpoints."""
    if url.startswith("unix:"):
        return _UnixConnection(url[len("unix:") :], timeout), ""
    parts = urllib.parse.urlsplit(url)
    return http.client.HTTPConnection(
        parts.hostname or "127.0.0.1", parts.port or 80, timeout=timeout
    ), parts.path


def _unanswered(spec: dict, answers: list[dict]) -> str | None:
    """Why a part has no answer yet (none of its names defined, or each still nbgrader's
    `raise NotImplementedError()`), or None when it has one to check."""
    names = {probe["id"]: probe["name"] for probe in spec["probes"]}
    missing = sorted({names[a["id"]] for a in answers if a.get("missing")})
    stub = [a for a in answers if str(a.get("error", "")).startswith("NotImplementedError")]
    if not answers or not all(a.get("missing") or a in stub for a in answers):
        return None
    if missing:
        them = "it" if len(missing) == 1 else "them"
        return f"{', '.join(missing)} not defined: run the cell that defines {them}"
    return "still raises NotImplementedError: replace it with your answer"


def _verdict_line(title: str, verdict: dict | None, why: str | None) -> str:
    if verdict is None:
        return f"{title}: {NOT_ANSWERED}" + (f" ({why})" if why else "")
    if verdict["earned"] == verdict["points"]:
        return f"{title}: RIGHT ({verdict['earned']:g}/{verdict['points']:g})"
    named = f", {', '.join(verdict['mistakes'])}" if verdict["mistakes"] else ""
    return f"{title}: WRONG{named} ({verdict['earned']:g}/{verdict['points']:g})"


def _student() -> str:
    return os.environ.get("CVEXAM_STUDENT") or os.environ.get("JUPYTERHUB_USER") or getpass.getuser()


class Practice:
    def __init__(
        self,
        url: str | None = None,
        student: str | None = None,
        folder: Path | None = None,
        assignment: str | None = None,
        checks: bool = True,
    ) -> None:
        self.assignment, self.checks = assignment, checks  # a variant exam: its name, no checks
        self.url = (url or os.environ.get("CVEXAM_PRACTICE_URL") or DEFAULT_URL).rstrip("/")
        self.student = student or _student()
        self.state_path = (folder or Path.cwd()) / STATE_FILE
        self.retry = self._read_retry()
        self.givens: dict = {}
        self.verdicts: list[dict] = []  # the last check's
        self.load()

    def _read_retry(self) -> int:
        try:
            retry = json.loads(self.state_path.read_text())["retry"]
            return retry if isinstance(retry, int) and retry >= 0 else 0
        except (OSError, ValueError, KeyError, TypeError):
            return 0

    def _post(self, path: str, body: dict) -> dict:
        body = {"student": self.student, "retry": self.retry, **body}
        if self.assignment is not None:
            body["assignment"] = self.assignment
        headers = {"Content-Type": "application/json"}
        if os.environ.get("JUPYTERHUB_API_TOKEN"):  # on JupyterHub the service knows you by it
            headers["Authorization"] = f"token {os.environ['JUPYTERHUB_API_TOKEN']}"
        connection, prefix = _connection(self.url)
        try:
            connection.request("POST", prefix + path, json.dumps(body).encode(), headers)
            response = connection.getresponse()
            status, data = response.status, response.read()
        except OSError as error:
            raise PracticeError(
                f"the practice service at {self.url} cannot be reached ({error}); ask your instructor"
            ) from None
        finally:
            connection.close()
        if status >= 400:
            try:
                message = json.loads(data or b"{}").get("error", response.reason)
            except ValueError:
                message = response.reason
            raise PracticeError(f"the practice service says: {message}")
        return json.loads(data)

    def _namespace(self) -> dict:
        from IPython import get_ipython

        shell = get_ipython()
        return shell.user_ns if shell is not None else {}

    @property
    def grading(self) -> bool:
        return GIVENS_ENV in os.environ

    def load(self) -> None:
        """Fetch your numbers, put them into the notebook's namespace and show them."""
        if self.grading:
            reply = {
                "givens": json.loads(os.environ[GIVENS_ENV]),
                "tasks": json.loads(os.environ.get(TASKS_ENV, "{}")),
            }
        else:
            reply = self._post("/variant", {})
            self.student = reply.get("student", self.student)
        if not self.grading and self.checks:
            state = {
                "student": self.student,
                "retry": self.retry,
                "seed": reply["seed"],
                "signature": reply.get("signature", ""),  # the service's: grading honours no other counter
            }
            self.state_path.write_text(json.dumps(state) + "\n")
        self.givens = {k: _value(v) for k, v in reply["givens"].items()}
        self.tasks: dict[str, str] = reply.get("tasks", {})
        self._namespace().update(self.givens)
        print(f"Your numbers ({self.student}" + (f", variant {self.retry + 1}):" if self.checks else "):"))
        for name, value in self.givens.items():
            if isinstance(value, list):  # statements: one a line
                print(f"  {name}:" + "".join(f"\n    {i}. {text}" for i, text in enumerate(value)))
                continue
            shown = np.array2string(value, separator=", ") if isinstance(value, np.ndarray) else repr(value)
            print(f"  {name} = {shown}".replace("\n", "\n" + " " * (len(name) + 5)))

    def new_variant(self) -> None:
        """New numbers: run the notebook again from the top, then check."""
        if not self.checks:
            raise PracticeError("an exam has one set of numbers per student")
        self.retry += 1
        self.load()

    def task(self, label: str) -> None:
        """Question `label`'s task ("1a"), with your numbers in it."""
        from IPython.display import Markdown, display

        if label not in self.tasks:
            raise ValueError(f"no task {label!r}: the tasks are {', '.join(self.tasks)}")
        display(Markdown(self.tasks[label]))

    def check(self, part: str | None = None) -> None:
        """Check one part ("1a", or a part's whole title as its cell names it): its verdict first,
        then what is wrong and a hint. With no part: one line a part, right, wrong or not
        answered yet."""
        if self.grading:
            print("(no checks while grading: the grader checks every part itself)")
            return
        if not self.checks:
            raise PracticeError("no checks in an exam: your answers are graded after you hand them in")
        asked = self._post("/probes", {})
        titles: dict[str, str] = asked["titles"]
        chosen = [g for g, t in titles.items() if part is None or part in (g, t) or t.startswith(f"{part} ")]
        if not chosen:
            labels = sorted({t.split()[0] for t in titles.values()})
            raise ValueError(f"no part {part!r}: the parts are {', '.join(labels)}")
        harness: dict = {"__builtins__": dict(vars(builtins)), "__name__": "cvexam_harness"}
        exec(compile(asked["harness"], "<cvexam harness>", "exec"), harness)
        user_ns = self._namespace()
        answers, unanswered = {}, {}
        for grade_id in chosen:
            spec = asked["specs"][grade_id]
            answered = harness["answer_all"](user_ns, spec, [])
            why = _unanswered(spec, answered)
            if why is None:
                answers[grade_id] = answered
            else:
                unanswered[grade_id] = why
        self.verdicts = (
            self._post("/check", {"answers": answers, "only": list(answers)})["verdicts"] if answers else []
        )
        by_part = {v["grade_id"]: v for v in self.verdicts}
        lines = [_verdict_line(titles[g], by_part.get(g), unanswered.get(g)) for g in chosen]
        if part is None:
            right = sum(v["earned"] == v["points"] for v in self.verdicts)
            print(
                f"{right} of {len(chosen)} parts right, {len(self.verdicts) - right} wrong, "
                f"{len(unanswered)} {NOT_ANSWERED}."
            )
            print("\n".join("  " + line for line in lines))
            print('A part\'s hints: practice.check("1a") (its label), or run the check cell under it.')
            return
        for grade_id, line in zip(chosen, lines, strict=True):
            print(line)
            verdict = by_part.get(grade_id)
            if verdict is not None and verdict["earned"] != verdict["points"]:
                print("\n".join("    " + text for text in verdict["text"].splitlines()[1:]))
