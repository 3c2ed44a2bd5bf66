"""Practice: each student's own numbers, and instant checks on the instructor's side that
say right, wrong, or the mistake's name, without the key reaching the student."""

import json
import socket
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import nbformat
import numpy as np
import pytest
from helpers import REPO, SOURCE, solution_namespace

from graders.autograde import harness
from graders.practice import checking, notebook, service, state, variants

STUDENT_ENV = __import__("cvexam_student.practice").practice
SECRET = b"a-course-practice-secret-for-the-tests-0123456789"


@pytest.fixture(scope="module")
def solutions() -> dict:
    ns: dict = {}
    for path in sorted(SOURCE.glob("*.ipynb")):
        ns.update(solution_namespace(path))
    return ns


def right_answers(solutions: dict, student: str, retry: int) -> dict:
    """The solution's functions, and the constants of the student's variant (the reference's)."""
    ns = dict(solutions)
    for part in variants.parts():
        for item in variants.items(part, student, retry, SECRET):
            for probe in item.probes:
                if probe.args is None:
                    ns[probe.name] = item.reference
    return ns


def check(ns: dict, student: str, retry: int, only: set[str] | None = None):
    """What a check does, minus HTTP: probes from the service side, answers by the harness."""
    asked = checking.probes(student, retry, SECRET)
    answers = {g: harness.answer_all(ns, spec, []) for g, spec in asked["specs"].items()}
    return checking.verdicts(student, retry, SECRET, answers, only)


def test_two_students_get_different_numbers_and_a_retry_gives_new_ones():
    alice, bob = variants.shown("alice", 0, SECRET), variants.shown("bob", 0, SECRET)
    assert (
        alice.keys()
        == bob.keys()
        >= {"LINEAR_IN", "LINEAR_OUT", "IMAGE", "A", "X", "T", "LEARNING_RATE", "STATEMENTS"}
    )
    assert alice != bob
    assert variants.shown("alice", 1, SECRET) != alice
    assert variants.shown("alice", 0, SECRET) == alice  # fixed by the id and the counter
    # ... and the course's secret: without it, no one can compute another student's numbers
    assert variants.shown("alice", 0, SECRET[::-1]) != alice


def test_grading_honours_only_a_retry_counter_the_service_signed_for_that_student(tmp_path):
    def saved(retry: int, signature: str) -> tuple[int, str | None]:
        text = json.dumps({"student": "alice", "retry": retry, "signature": signature})
        (tmp_path / state.STATE_FILE).write_text(text)
        return state.read_retry(tmp_path, "alice", SECRET)

    assert saved(3, state.signature(SECRET, "alice", 3)) == (3, None)
    for forged in ["", state.signature(SECRET, "bob", 3), state.signature(SECRET, "alice", 2), "00" * 32]:
        retry, problem = saved(3, forged)
        assert retry == 0 and "was not issued to alice by the practice service" in problem
    assert saved(0, "") == (0, None)  # the first variant needs no signature


def test_the_course_secret_is_made_once_and_kept_from_others(tmp_path):
    first = state.course_secret(tmp_path)
    assert len(first) >= 32 and state.course_secret(tmp_path) == first
    assert (tmp_path / state.SECRET_FILE).stat().st_mode & 0o077 == 0o040  # owner and group only


def test_practice_asks_every_part_whose_numbers_vary():
    ids = {p.grade_id for p in variants.parts()}
    assert ids == {
        "test_linear_forward",
        "test_layer_shapes",
        "test_avg_pool2d",
        "test_pooled",
        "test_output_shapes",
        "test_vgg_channels",
        "test_vgg_shapes",
        "test_param_counts",
        "test_vgg_params",
        "test_true_false",
        "test_backprop_functions",
        "test_backprop_numbers",
    }


def test_the_state_file_has_one_name_on_both_sides():
    assert STUDENT_ENV.STATE_FILE == state.STATE_FILE


def test_a_right_answer_passes_and_a_mistake_is_named(solutions):
    ns = right_answers(solutions, "alice", 0)
    assert all(r.earned == r.points for r in check(ns, "alice", 0))
    ns["linear_forward"] = lambda x, W, b: x @ W.T
    linear = check(ns, "alice", 0, {"test_linear_forward"})[0]
    assert linear.earned == 0 and [m.name for m in linear.mistakes] == ["bias dropped"]


def test_answers_for_one_variant_fail_on_another(solutions):
    alice = right_answers(solutions, "alice", 0)
    verdicts = {r.grade_id: r for r in check(alice, "bob", 0)}
    for constant_part in ("test_layer_shapes", "test_pooled", "test_backprop_numbers"):
        assert verdicts[constant_part].earned < verdicts[constant_part].points, constant_part


def _catalogue(student: str, retry: int) -> list[tuple[str, object]]:
    """(grade_id, mistake) for every catalogued mistake of the variant's items."""
    found = {}
    for part in variants.parts():
        for item in variants.items(part, student, retry, SECRET):
            for mistake in item.mistakes:
                found.setdefault((part.grade_id, mistake.code), mistake)
    return [(grade_id, mistake) for (grade_id, _), mistake in found.items()]


@pytest.mark.slow
def test_on_1000_variants_the_reference_passes_and_every_catalogued_mistake_is_named(solutions):
    unnamed: list[str] = []
    for n in range(1000):
        student = f"student{n}"
        ns = right_answers(solutions, student, 0)
        specs = checking.probes(student, 0, SECRET)["specs"]
        answers = {g: harness.answer_all(ns, spec, []) for g, spec in specs.items()}
        failed = [r.grade_id for r in checking.verdicts(student, 0, SECRET, answers) if r.earned != r.points]
        assert not failed, (student, variants.shown(student, 0, SECRET), failed)
        for grade_id, mistake in _catalogue(student, 0):
            wrong = {**ns, **{k: v for k, v in mistake.namespace().items() if k != "np"}}
            reported = {grade_id: harness.answer_all(wrong, specs[grade_id], [])}
            record = checking.verdicts(student, 0, SECRET, reported, {grade_id})[0]
            if mistake.name not in [m.name for m in record.mistakes]:
                unnamed.append(f"{student} {grade_id}: {mistake.name} -> {record.text()}")
    assert not unnamed, unnamed[:5]


@pytest.fixture
def server(tmp_path):
    log = tmp_path / "practice_log.jsonl"
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), service.handler(service.Service(SECRET, log, per_minute=3)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    httpd.shutdown()
    httpd.server_close()


def _post(url: str, body) -> tuple[int, dict]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data), timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_student_client_checks_through_the_service_and_logs(server, solutions, tmp_path, monkeypatch):
    url, log = server
    client = STUDENT_ENV.Practice(url=url, student="carol", folder=tmp_path)
    assert json.loads((tmp_path / "practice_variant.json").read_text())["retry"] == 0
    first = dict(client.givens)
    np.testing.assert_array_equal(first["IMAGE"], np.array(variants.shown("carol", 0, SECRET)["IMAGE"]))
    ns = right_answers(solutions, "carol", 0)
    ns["sgd_step"] = lambda A, grad, lr, batch_size: A - lr * grad  # the summed gradient
    monkeypatch.setattr(client, "_namespace", lambda: ns)
    client.check()
    verdicts = {v["grade_id"]: v for v in client.verdicts}
    assert verdicts["test_backprop_functions"]["mistakes"] == ["summed gradient without / batch size"]
    assert verdicts["test_linear_forward"]["earned"] == verdicts["test_linear_forward"]["points"]
    logged = json.loads(log.read_text().splitlines()[-1])
    assert logged["student"] == "carol"
    assert logged["parts"]["test_backprop_functions"]["mistakes"] == ["summed gradient without / batch size"]
    client.new_variant()
    saved = json.loads((tmp_path / "practice_variant.json").read_text())
    assert saved["retry"] == 1 and saved["signature"] == state.signature(SECRET, "carol", 1)
    assert state.read_retry(tmp_path, "carol", SECRET) == (1, None)
    assert client.givens["LINEAR_IN"] != first["LINEAR_IN"] or not np.array_equal(
        client.givens["X"], first["X"]
    )


def test_a_check_of_one_part_answers_it_first_and_the_overview_has_a_line_a_part(
    server, solutions, tmp_path, monkeypatch, capsys
):
    url, log = server
    client = STUDENT_ENV.Practice(url=url, student="erin", folder=tmp_path)
    right = right_answers(solutions, "erin", 0)
    ns = {"linear_forward": lambda x, W, b: x @ W.T, "W_SHAPE": right["W_SHAPE"], "B_SHAPE": right["B_SHAPE"]}

    def stub(image, kernel_size, stride):
        raise NotImplementedError()

    ns["avg_pool2d"] = stub  # as nbgrader's release leaves it
    monkeypatch.setattr(client, "_namespace", lambda: ns)
    capsys.readouterr()

    client.check("1a linear_forward")
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].startswith("1a linear_forward: WRONG, bias dropped ("), shown
    assert any("add the bias vector b" in line for line in shown)  # the hint, under the verdict
    assert [v["grade_id"] for v in client.verdicts] == ["test_linear_forward"]
    assert list(json.loads(log.read_text().splitlines()[-1])["parts"]) == ["test_linear_forward"]

    client.check("1a")  # a question's label: its parts
    shown = capsys.readouterr().out
    assert "1a W_SHAPE and B_SHAPE: RIGHT" in shown and "1c" not in shown

    client.check()
    shown = capsys.readouterr().out.splitlines()
    parts = variants.parts()
    assert shown[0] == f"1 of {len(parts)} parts right, 1 wrong, {len(parts) - 2} not answered yet.", shown
    assert len(shown) == 1 + len(parts) + 1  # a line a part, and how to see a part's hints
    assert "  1c avg_pool2d: not answered yet (still raises NotImplementedError" in "\n".join(shown)
    assert (
        "  2e forward, loss, grad_A, sgd_step: not answered yet (forward, grad_A, loss, sgd_step not defined"
        in ("\n".join(shown))
    )
    assert not any("did the cell" in line for line in shown)  # no wall of errors for the rest
    with pytest.raises(ValueError, match="the parts are 1a, 1c, 2c, 2d, 2e"):
        client.check("9z")


def test_the_task_text_carries_the_students_own_numbers(server, tmp_path):
    url, _ = server
    client = STUDENT_ENV.Practice(url=url, student="fay", folder=tmp_path)
    numbers = variants.shown("fay", 0, SECRET)
    assert f"`LINEAR_IN` = **{numbers['LINEAR_IN']}**" in client.tasks["1a"]
    assert f"`LEARNING_RATE` = **{numbers['LEARNING_RATE']:g}**" in client.tasks["2e"]
    assert numbers["STATEMENTS"][3] in client.tasks["2d"]
    assert (
        "Your `IMAGE`:" in client.tasks["1c"] and "## 1c" not in client.tasks["1c"]
    )  # heading: the notebook's
    for cell in nbformat.read(notebook.path(REPO), 4).cells:
        assert "LINEAR_IN`" not in cell.source or cell.cell_type == "code"  # no task left unfilled


def test_the_service_refuses_bad_requests_and_too_many_checks(server):
    url, _ = server
    assert _post(f"{url}/variant", b"not json")[0] == 400
    assert _post(f"{url}/variant", {"student": ""})[0] == 400
    assert _post(f"{url}/variant", {"student": "dan", "retry": -1})[0] == 400
    assert _post(f"{url}/nothing", {"student": "dan"})[0] == 404
    assert _post(f"{url}/check", {"student": "dan", "answers": []})[0] == 400
    statuses = [_post(f"{url}/check", {"student": "dan", "answers": {}})[0] for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    status, reply = _post(f"{url}/check", {"student": "erin", "answers": {"test_pooled": "garbage"}})
    assert status == 200 and all(v["earned"] == 0 for v in reply["verdicts"])


def test_what_the_service_sends_holds_no_answer_of_the_variant(solutions):
    """Probes and verdicts of a wrong answer carry neither the reference's code nor its numbers."""
    ns = right_answers(solutions, "fay", 0)
    expected = [ns[name] for name in ("W_SHAPE", "POOLED", "A_NEW", "LOSS_AFTER", "GRAD_A")]
    wrong = {
        **ns,
        "W_SHAPE": (1, 1),
        "POOLED": np.zeros((1, 1)),
        "A_NEW": np.zeros((1, 2)),
        "LOSS_AFTER": 0.0,
    }
    sent = json.dumps(checking.probes("fay", 0, SECRET)) + json.dumps(
        [service._shown(r) for r in check(wrong, "fay", 0)]
    )
    assert "F.linear" not in sent and "avg_pool2d(tensor" not in sent
    for value in expected:
        for text in _spellings(value):
            assert text not in sent, text


def _spellings(value) -> list[str]:
    """How an answer could be written out: as Python or JSON, whole or entry by entry (a
    number only where it is specific enough to mean something: not a small whole number, and
    to 6 digits: a probe's random input shares 4 with an answer now and then)."""
    if isinstance(value, tuple | list):
        return [repr(value), json.dumps(value), repr([tuple(v) if isinstance(v, list) else v for v in value])]
    array = np.asarray(value, dtype=float)
    specific = [
        f"{v:.6g}" for v in array.ravel() if (abs(v) >= 1000 or v != round(v)) and len(f"{v:.6g}") >= 4
    ]
    if array.ndim == 0:
        return specific
    return [json.dumps(array.tolist()), ", ".join(f"{v:g}" for v in array.ravel()), *specific]


def test_no_practice_file_holds_an_answer_or_the_reference(server, tmp_path):
    """The release and a student's workspace after loading their numbers: none of the
    variant's answers (computed here) nor the reference's code is in any file."""
    url, _ = server
    workspace = tmp_path / "cv_practice"
    workspace.mkdir()
    release = REPO / "release" / state.ASSIGNMENT
    for path in release.iterdir():
        (workspace / path.name).write_bytes(path.read_bytes())
    STUDENT_ENV.Practice(url=url, student="gus", folder=workspace)
    answers = []
    for part in variants.parts():
        for item in variants.items(part, "gus", 0, SECRET):
            answers += [item.reference for p in item.probes if p.args is None]
    assert len(answers) >= 7  # W_SHAPE, B_SHAPE, POOLED and the four numbers of 2e i
    texts = {p: p.read_text() for folder in (release, workspace) for p in folder.rglob("*") if p.is_file()}
    assert any(p.name == state.STATE_FILE for p in texts)
    for path, text in texts.items():
        for marker in ("import torch", "F.linear", "F.avg_pool2d", "requires_grad_", "BEGIN SOLUTION"):
            assert marker not in text, (path, marker)
        for value in answers:
            for spelling in _spellings(value):
                assert spelling not in text, (path, spelling)


def test_the_committed_practice_notebook_is_what_the_generator_makes():
    committed = nbformat.read(notebook.path(REPO), as_version=4)
    assert committed == notebook.build(REPO), "run `python -m graders practice-notebook`"
    points = {
        c.metadata.nbgrader["grade_id"]: c.metadata.nbgrader["points"]
        for c in committed.cells
        if c.metadata.get("nbgrader", {}).get("grade")
    }
    assert points == {p.grade_id: p.points for p in variants.parts()}


def _raw(url: str, head: bytes, body: bytes = b"") -> bytes:
    """One raw HTTP request, for what urllib will not send (a malformed Content-Length)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(head + body)
        conn.shutdown(socket.SHUT_WR)
        return b"".join(iter(lambda: conn.recv(65536), b""))


def test_malformed_requests_get_a_400_not_a_dropped_connection(server, capfd):
    url, _ = server
    for length in (b"abc", b"-5", b"99999999999"):
        reply = _raw(
            url, b"POST /variant HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n", b"{}"
        )
        assert reply.startswith(b"HTTP/1.0 400"), reply[:200]
    nested = b"[" * 100_000 + b"]" * 100_000
    head = f"POST /variant HTTP/1.1\r\nHost: x\r\nContent-Length: {len(nested)}\r\n\r\n".encode()
    assert _raw(url, head, nested).startswith(b"HTTP/1.0 400")
    deep = b'{"student": "dan", "answers": {"test_pooled": ' + b"[" * 900 + b"]" * 900 + b"}}"
    assert _post(f"{url}/check", deep)[0] in (200, 400)  # read as garbage, or refused: never a crash
    assert "practice checks: 400 POST /variant" in capfd.readouterr().err  # a log line for each


def test_a_client_that_hangs_up_costs_a_log_line_not_a_traceback(capfd):
    """A kernel that stopped waiting (a busy exam day): the service answers into a closed
    connection; it says so in one line and answers nothing more."""
    handler = service.handler(service.Service(SECRET, None))
    body = json.dumps({"student": "hal"}).encode()
    ours, theirs = socket.socketpair()
    theirs.sendall(b"POST /probes HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    theirs.close()  # hung up: the request is there to read, the answer goes nowhere
    with ours:
        handler(ours, ("kernel", 0), None)
    err = capfd.readouterr().err
    assert err.strip() == "practice checks: the client hung up (BrokenPipeError)", err


def test_every_endpoint_is_rate_limited_per_student():
    limited = service.Service(SECRET, None, requests_per_minute=5)
    for _ in range(5):
        limited.answer("/variant", {"student": "mallory"})
    with pytest.raises(service.RequestError) as refused:
        limited.answer("/probes", {"student": "mallory"})
    assert refused.value.status == 429
    assert limited.answer("/variant", {"student": "dan"})["student"] == "dan"  # others are not slowed


def test_the_client_reaches_the_service_on_a_unix_socket(tmp_path):
    """The hub classroom's service listens on a Unix socket (its folder is the service
    account's alone), not on a loopback port anyone could take first."""
    path = tmp_path / "run" / "practice.sock"
    path.parent.mkdir()
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(path))  # the socket a stopped service left behind
    stale.close()
    httpd = service.UnixHTTPServer(str(path), service.handler(service.Service(SECRET, None)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        assert path.stat().st_mode & 0o777 == 0o666  # every kernel may connect
        client = STUDENT_ENV.Practice(url=f"unix:{path}", student="hal", folder=tmp_path)
        assert client.givens["LINEAR_IN"] == variants.shown("hal", 0, SECRET)["LINEAR_IN"]
        client.retry = -1
        with pytest.raises(STUDENT_ENV.PracticeError, match="retry must be a whole number"):
            client.load()  # the service's refusal reaches the student as its message
    finally:
        httpd.shutdown()
        httpd.server_close()
