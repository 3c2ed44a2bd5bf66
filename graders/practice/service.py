"""The practice check service (instructor side): a small HTTP server on loopback that the
students' kernels ask for their numbers, their probes and verdicts on their answers.

    python -m graders practice-service --port 8790
    python -m graders practice-service --socket /srv/cvexam/run/practice.sock   (the hub's)

POST /variant {student, retry, assignment?}    -> {retry, seed, signature, givens, tasks}
     (a variant exam's `assignment`, one the course config lists: its numbers; /probes, /check: 403)
POST /probes  {student, retry}                 -> {harness, specs, titles}
POST /check   {student, retry, answers, only?} -> {verdicts: [{grade_id, title, earned, points, text,
                                                               mistakes}]}   (only: these grade ids)

Every request is rate-limited per student (checks more tightly) and every check is logged,
one JSON line each (`--log`); a refused request gets a 4xx and a line on stderr. In the
one-machine classroom the student id is the one the request names. Behind JupyterHub
(`--hub`, run by the hub as a service) it is the hub's: the kernel sends its server's API
token, and the hub says whose it is; the request's own claim is ignored. The numbers are
keyed by the course's secret, and the retry counter of a variant comes back signed with it,
so grading uses only a variant the service issued to that student (state.py).
"""

import json
import os
import socketserver
import sys
import threading
import time
from collections import defaultdict, deque
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from graders.autograde.registry import Registry, registry
from graders.practice import checking, tasks, variants
from graders.practice.state import ASSIGNMENT, MAX_RETRY, signature

MAX_BODY = 4_000_000  # a check's answers (a part's report is capped by the harness too)
CHECKS_PER_MINUTE = 30
REQUESTS_PER_MINUTE = 120  # of any kind: a flood of /variant or /probes slows everyone's checks


class RequestError(ValueError):
    """A request the service refuses; the message says why (HTTP 400 or 429)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class HubIdentity:
    """Who is calling, by JupyterHub: the owner of the token in the Authorization header (a
    kernel sends its server's JUPYTERHUB_API_TOKEN). Runs where JupyterHub is installed, as
    a hub service (JUPYTERHUB_API_URL and JUPYTERHUB_API_TOKEN in its environment)."""

    def __init__(self) -> None:
        from jupyterhub.services.auth import HubAuth

        self.auth = HubAuth(cache_max_age=60)

    def __call__(self, authorization: str) -> str:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() not in ("token", "bearer") or not token.strip():
            raise RequestError(
                "send your server's hub token: Authorization: token <JUPYTERHUB_API_TOKEN>", 401
            )
        user = self.auth.user_for_token(token.strip(), sync=True)
        if not user or not user.get("name"):
            raise RequestError("the hub does not know this token", 403)
        return user["name"]


class Service:
    """The service's state: the course's secret, its log, each student's recent checks, and how
    callers are known (`identify`: None where the request's student id is taken as it is)."""

    def __init__(
        self,
        secret: bytes,
        log: Path | None,
        per_minute: int = CHECKS_PER_MINUTE,
        identify=None,
        requests_per_minute: int = REQUESTS_PER_MINUTE,
        exams: frozenset[str] = frozenset(),
        questions: Registry | None = None,
    ) -> None:
        self.secret, self.log, self.identify, self.exams = secret, log, identify, exams
        self.questions = questions or registry()
        self.limits = {"check": per_minute, "request": requests_per_minute}
        self.recent: dict[tuple[str, str], deque] = defaultdict(deque)
        self.lock = threading.Lock()

    def answer(self, path: str, body: dict, authorization: str = "") -> dict:
        if self.identify is not None:
            body = {**body, "student": self.identify(authorization)}
        student, retry = _identity(body)
        self._admit(student, "request")
        assignment = body.get("assignment", ASSIGNMENT)
        if assignment != ASSIGNMENT:
            return self._exam(path, student, retry, assignment)
        if path == "/variant":
            return {
                "student": student,
                "retry": retry,
                "seed": variants.seed(student, retry, self.secret),
                "signature": signature(self.secret, student, retry),
                "givens": variants.shown(student, retry, self.secret, questions=self.questions),
                "tasks": tasks.texts(student, retry, self.secret, questions=self.questions),
            }
        if path == "/probes":
            return checking.probes(student, retry, self.secret, self.questions)
        if path == "/check":
            answers = body.get("answers")
            if not isinstance(answers, dict):
                raise RequestError("answers must be an object: grade_id -> the harness's answers")
            only = body.get("only")
            if only is not None and not (isinstance(only, list) and all(isinstance(p, str) for p in only)):
                raise RequestError("only must be a list of grade ids")
            self._admit(student, "check")
            records = checking.verdicts(
                student, retry, self.secret, answers, None if only is None else set(only), self.questions
            )
            self._write_log(student, retry, records)
            return {"verdicts": [_shown(r) for r in records]}
        raise RequestError(f"no such endpoint: {path}", 404)

    def _exam(self, path: str, student: str, retry: int, assignment: object) -> dict:
        """A variant exam's numbers: one variant per student, keyed by the exam; no checks."""
        if not isinstance(assignment, str) or assignment not in self.exams:
            raise RequestError(f"no variant exam {str(assignment)[:100]!r} is served here", 404)
        if path != "/variant":
            raise RequestError("no checks in an exam: your answers are graded after you hand them in", 403)
        if retry != 0:
            raise RequestError("an exam has one variant per student")
        return {
            "student": student,
            "retry": 0,
            "seed": variants.seed(student, 0, self.secret, assignment),
            "givens": variants.shown(student, 0, self.secret, assignment, self.questions),
            "tasks": tasks.texts(student, 0, self.secret, assignment, self.questions),
        }

    def _admit(self, student: str, kind: str) -> None:
        now, limit = time.monotonic(), self.limits[kind]
        with self.lock:
            recent = self.recent[(student, kind)]
            while recent and now - recent[0] > 60:
                recent.popleft()
            if len(recent) >= limit:
                raise RequestError(f"more than {limit} {kind}s in a minute: wait a little", 429)
            recent.append(now)

    def _write_log(self, student: str, retry: int, records: list) -> None:
        if self.log is None:
            return
        line = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "student": student,
            "retry": retry,
            "parts": {
                r.grade_id: {"earned": r.earned, "mistakes": [m.name for m in r.mistakes]} for r in records
            },
        }
        with self.lock, self.log.open("a") as f:
            f.write(json.dumps(line) + "\n")


def _identity(body: dict) -> tuple[str, int]:
    student, retry = body.get("student"), body.get("retry", 0)
    if not isinstance(student, str) or not 0 < len(student) <= 100:
        raise RequestError("student must be the student's id")
    if not isinstance(retry, int) or not 0 <= retry <= MAX_RETRY:
        raise RequestError(f"retry must be a whole number from 0 to {MAX_RETRY}")
    return student, retry


def _shown(record) -> dict:
    """What the student sees of a verdict: never the expected value (show_expected is off)."""
    data = asdict(record)
    return {
        "grade_id": data["grade_id"],
        "title": data["title"],
        "earned": data["earned"],
        "points": data["points"],
        "mistakes": [m["name"] for m in data["mistakes"]],
        "text": record.text(),
    }


def handler(service: Service) -> type[BaseHTTPRequestHandler]:
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "").rstrip("/")  # when reached through the hub

    class Handler(BaseHTTPRequestHandler):
        def handle(self) -> None:
            """A client that hangs up (a kernel that stopped waiting) costs a log line."""
            try:
                super().handle()
            except ConnectionError as error:
                print(f"practice checks: the client hung up ({type(error).__name__})", file=sys.stderr)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            """Alive (JupyterHub asks before it routes to a service)."""
            self._send(200, {"service": "cvexam practice checks", "post": ["/variant", "/probes", "/check"]})

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            try:
                length = self.headers.get("Content-Length", "0")
                if not length.isdigit() or not 0 < int(length) <= MAX_BODY:
                    raise RequestError(f"a request body of 1 to {MAX_BODY} bytes is expected")
                try:
                    body = json.loads(self.rfile.read(int(length)))
                except RecursionError:
                    raise RequestError("the request body is nested too deeply") from None
                except ValueError:
                    raise RequestError("the request body is not JSON") from None
                if not isinstance(body, dict):
                    raise RequestError("the request body must be a JSON object")
                path = self.path[len(prefix) :] if prefix and self.path.startswith(prefix) else self.path
                self._send(200, service.answer(path, body, self.headers.get("Authorization", "")))
            except RequestError as error:
                self._refuse(error.status, str(error))
            except RecursionError:
                self._refuse(400, "the answers are nested too deeply")
            except ConnectionError:
                raise  # no one to answer (handle)
            except Exception as error:  # noqa: BLE001 (one bad request never takes the service down)
                self._refuse(500, f"the service failed on this request ({type(error).__name__})")

        def _refuse(self, status: int, reason: str) -> None:
            print(f"practice checks: {status} {self.command} {self.path[:200]}: {reason}", file=sys.stderr)
            self._send(status, {"error": reason})

        def _send(self, status: int, payload: dict) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args) -> None:  # noqa: A002 (http.server's name)
            pass  # one JSON line per check goes to the service's own log

    return Handler


class UnixHTTPServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """http.server's threading server, on a Unix socket: its path is in a folder only the
    service's account can write, so no other process can take its place (a loopback port
    can be taken by anyone who binds it first) and receive the students' tokens."""

    daemon_threads = True

    def server_bind(self) -> None:
        path = Path(self.server_address)
        if path.is_socket() and path.lstat().st_uid == os.geteuid():
            path.unlink()  # this account's socket, left by a service that stopped
        super().server_bind()
        path.chmod(0o666)  # every student's kernel may connect (the folder keeps it ours)


def serve(
    host: str,
    port: int,
    secret: bytes,
    log: Path | None,
    hub: bool = False,
    socket_path: Path | None = None,
    exams: frozenset[str] = frozenset(),
    questions: Registry | None = None,
) -> None:
    service = Service(secret, log, identify=HubIdentity() if hub else None, exams=exams, questions=questions)
    if socket_path is not None:
        server: socketserver.BaseServer = UnixHTTPServer(str(socket_path), handler(service))
        where = f"unix:{socket_path}"
    else:
        server = ThreadingHTTPServer((host, port), handler(service))
        where = f"http://{host}:{server.server_address[1]}/"
    who = "students known by their hub token" if hub else "students as the requests name them"
    served = f"; variant exams: {', '.join(sorted(exams))}" if exams else ""
    print(f"practice checks: {where} ({who}; log: {log or 'none'}{served})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
