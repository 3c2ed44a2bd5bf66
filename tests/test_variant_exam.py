"""A variant exam (`python -m graders variant-exam NAME`): every student's own numbers in the
release (served, never checked), at autograde and in the feedback; answers computed for
another student's numbers lose the points."""

import json
import threading
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import nbformat
import pytest
from helpers import course_folder, nbgrader, run_graders

from graders.instructor import demo_class
from graders.instructor.course import read
from graders.practice import notebook, service, state, variants

pytestmark = pytest.mark.slow

EXAM = "cv_exam_variants"
NOTEBOOK = f"{notebook.EXAM_NOTEBOOK}.ipynb"
STUDENT_ENV = __import__("cvexam_student.practice").practice
CLASS = [s.student for s in demo_class.scenarios()]


def _literal(value) -> str:
    if isinstance(value, tuple | float | list | int):
        return repr(value)
    return f"np.array({value.tolist()!r})"


def _answered(course, student_numbers: str | None = None):
    """The release with every answer from the source; with `student_numbers`, the numeric
    answers written out for that student's exam (a copy, when handed in by someone else)."""
    source = {
        c.metadata.nbgrader["grade_id"]: c.source
        for c in read(course / "source" / EXAM / NOTEBOOK).cells
        if "nbgrader" in c.metadata
    }
    if student_numbers:
        values = {}
        for part in variants.parts():
            for item in variants.items(part, student_numbers, 0, state.course_secret(course), EXAM):
                for probe in item.probes:
                    if probe.args is None:
                        values[probe.name] = _literal(item.reference)
        source["pooled"] = f"POOLED = {values['POOLED']}"
        source["backprop_numbers"] = "\n".join(
            f"{n} = {values[n]}" for n in ("LOSS_BEFORE", "GRAD_A", "A_NEW", "LOSS_AFTER")
        )
    nb = read(course / "release" / EXAM / NOTEBOOK)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            text = source[cell.metadata.nbgrader["grade_id"]]
            cell.source = "\n".join(line for line in text.splitlines() if "SOLUTION" not in line)
    return nb


@pytest.fixture(scope="module")
def exam(tmp_path_factory):
    course = course_folder(tmp_path_factory.mktemp("variant-exam"))
    made = run_graders(course, "variant-exam", EXAM)
    assert made.returncode == 0, made.stderr
    nbgrader(course, "generate_assignment", EXAM)
    # The demo class: each answers on their own numbers, but ray, who hands in nia's written out.
    right = _answered(course)
    for student in CLASS:
        folder = course / "submitted" / student / EXAM
        folder.mkdir(parents=True)
        nbformat.write(
            _answered(course, student_numbers="nia") if student == "ray" else right, folder / NOTEBOOK
        )
    done = run_graders(course, "grade", EXAM)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = {r["student"]: r for r in json.loads((course / "results" / "results.json").read_text())}
    return {"course": course, "made": made.stdout, "results": results}


def _part(result: dict, grade_id: str) -> dict:
    return next(p for p in result["parts"] if p["grade_id"] == grade_id)


def test_the_command_writes_the_exam_and_turns_on_its_grading(exam):
    assert (
        f"c.InjectProbes.variant_assignments = ['{EXAM}']"
        in (exam["course"] / "nbgrader_config.py").read_text()
    )
    release = (exam["course"] / "release" / EXAM / NOTEBOOK).read_text()
    assert "checks=False" in release and "practice.check(" not in release and "new_variant" not in release


def test_each_student_is_graded_on_their_own_numbers(exam):
    assert sorted(exam["results"]) == sorted(CLASS)
    for student in set(CLASS) - {"ray"}:
        result = exam["results"][student]
        assert result["score"] == result["max_score"] > 0, result
    secret = state.course_secret(exam["course"])
    shown = {s: variants.shown(s, 0, secret, EXAM)["LINEAR_IN"] for s in CLASS}
    assert len(set(map(str, [variants.shown(s, 0, secret, EXAM) for s in CLASS]))) == len(CLASS), shown
    assert variants.shown("ada", 0, secret, EXAM) != variants.shown("ada", 0, secret)  # not her practice


def test_numbers_copied_from_another_student_lose_the_points(exam):
    ray = exam["results"]["ray"]
    for grade_id in ("test_pooled", "test_backprop_numbers"):
        assert _part(ray, grade_id)["score"] < _part(ray, grade_id)["max_score"], grade_id
    assert _part(ray, "test_linear_forward")["score"] == _part(ray, "test_linear_forward")["max_score"]


def test_the_feedback_shows_each_students_own_numbers(exam):
    ben = variants.shown("ben", 0, state.course_secret(exam["course"]), EXAM)
    page = (exam["course"] / "feedback" / "ben" / EXAM / f"{notebook.EXAM_NOTEBOOK}.html").read_text()
    assert f"<code>LINEAR_IN</code> = <strong>{ben['LINEAR_IN']}</strong>" in page


def _post(url: str, body: dict) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, json.dumps(body).encode()), timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_service_serves_an_exams_numbers_and_never_checks_it(tmp_path):
    secret = b"a-course-practice-secret-for-the-tests-0123456789"
    run = service.Service(secret, tmp_path / "log.jsonl", exams=frozenset({EXAM}))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), service.handler(run))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        status, reply = _post(f"{url}/variant", {"student": "dan", "assignment": EXAM})
        assert status == 200 and reply["givens"] == variants.shown("dan", 0, secret, EXAM)
        assert _post(f"{url}/check", {"student": "dan", "assignment": EXAM, "answers": {}})[0] == 403
        assert _post(f"{url}/probes", {"student": "dan", "assignment": EXAM})[0] == 403
        assert _post(f"{url}/variant", {"student": "dan", "assignment": "cv_other"})[0] == 404
        assert _post(f"{url}/variant", {"student": "dan", "assignment": EXAM, "retry": 1})[0] == 400
        client = STUDENT_ENV.Practice(url=url, student="dan", folder=tmp_path, assignment=EXAM, checks=False)
        assert client.givens["LINEAR_IN"] == variants.shown("dan", 0, secret, EXAM)["LINEAR_IN"]
        assert not (tmp_path / state.STATE_FILE).exists()  # one variant: nothing to hand in
        with pytest.raises(STUDENT_ENV.PracticeError, match="no checks in an exam"):
            client.check()
    finally:
        httpd.shutdown()
        httpd.server_close()
