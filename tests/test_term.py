"""A real term, after the demo: grading without root, a grader that cannot start kernels, hand
marks and a partial rerun, a second LMS download, a damaged notebook, and submissions that try
to forge or break the class's result files. Each works on its own copy of the demo's course."""

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from helpers import ASSIGNMENT, env, run_graders
from nbgrader.api import Gradebook

from graders.autograde.record import METADATA_KEY

pytestmark = pytest.mark.slow  # grading runs on copies of the demo's course

NOBODY = 65534
COMMENT = "Right idea, but say why exp(x + c) = exp(x) exp(c) lets c cancel."


def _copy(demo, folder: Path) -> Path:
    course = folder / "course"
    shutil.copytree(demo[0], course, ignore=lambda folder, _: ["results"] if Path(folder) == demo[0] else [])
    return course


def _results(course: Path) -> dict[str, dict]:
    return {r["student"]: r for r in json.loads((course / "results" / "results.json").read_text())}


def _part(result: dict, grade_id: str) -> dict:
    return next(p for p in result["parts"] if p["grade_id"] == grade_id)


def _csv(course: Path) -> dict[str, dict]:
    with (course / "results" / "grades.csv").open() as f:
        return {row["student_id"]: row for row in csv.DictReader(f) if row["assignment"] == ASSIGNMENT}


@pytest.fixture()
def open_folder():
    """A folder another user can enter (pytest's tmp_path is root's only)."""
    folder = Path(tempfile.mkdtemp(prefix="cvexam-term-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(
    os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to become another user"
)
def test_without_root_grading_is_unsandboxed_and_right(demo, demo_results, open_folder):
    """The documented laptop case: a non-root instructor. The kernels' socket folder of another user
    (made first, by root here) is not in the way: every score is the sandboxed run's."""
    course = _copy(demo, open_folder)
    # The user's own interpreter, with this project's packages: this machine's Python lives in
    # root's home, which no other user can enter.
    venv = open_folder / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(p for p in Path(sys.prefix, "lib").glob("python3*/site-packages"))
    (next(venv.glob("lib/python3*/site-packages")) / "cvexam.pth").write_text(
        f"import site; site.addsitedir({str(site)!r})\n"
    )
    tmp = open_folder / "tmp"
    (tmp / "cvexam-ipc").mkdir(parents=True)  # the shared folder the old code used, someone else's
    home = open_folder / "home"
    home.mkdir()
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(course), str(home)], check=True)
    tmp.chmod(0o1777)
    # With root's group only to read this checkout, which the hub classroom closes to others.
    command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--groups=0"]
    command += [
        str(venv / "bin" / "python"),
        "-m",
        "graders",
        "grade",
        "--student",
        "ada",
        "--student",
        "cai",
    ]
    user = {"HOME": str(home), "TMPDIR": str(tmp), "USER": "nobody"}
    user |= {
        "PATH": f"{venv / 'bin'}{os.pathsep}{env()['PATH']}",
        "JUPYTER_PATH": f"{sys.prefix}/share/jupyter",
    }
    done = subprocess.run(
        command,
        cwd=course,
        env=env() | user,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "sandbox: NONE, student code runs UNSANDBOXED" in done.stderr
    results = _results(course)
    for student in ("ada", "cai"):
        assert results[student]["graded"] and results[student]["problems"] == []
        assert results[student]["score"] == demo_results[student]["score"] > 0


def test_a_grader_that_cannot_start_kernels_says_why_and_exports_no_zero(demo, demo_results, tmp_path):
    course = _copy(demo, tmp_path)
    with (course / "nbgrader_config.py").open("a") as f:
        f.write('\nc.Execute.kernel_name = "no-such-kernel"\n')
    done = run_graders(course, "grade", "--student", "ada")
    assert done.returncode == 1
    assert "ada was not graded" in done.stderr and "NoSuchKernel" in done.stderr, done.stderr[-3000:]
    results = _results(course)
    assert results["ada"]["graded"] is False and results["ada"]["parts"] == []
    assert any("NoSuchKernel" in p for p in results["ada"]["problems"])
    assert not (course / "results" / "gradescope" / "ada" / "results.json").exists()
    assert not (course / "results" / "classroom" / "ada.json").exists()
    rows = _csv(course)
    assert rows["ada"]["score"] == ""  # no 0 it did not earn
    assert float(rows["cai"]["score"]) == demo_results["cai"]["score"]  # the others as they were
    assert results["cai"]["score"] == demo_results["cai"]["score"]
    junit = ET.parse(course / "results" / "junit.xml").getroot()
    (suite,) = [s for s in junit if s.get("name") == "ada"]
    assert suite.find("testcase/error") is not None


def test_a_partial_rerun_rewrites_the_result_files_for_the_whole_class(demo, demo_results, tmp_path):
    course = _copy(demo, tmp_path)
    rerun = run_graders(course, "grade", "--student", "dee")
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    results = _results(course)
    assert sorted(results) == sorted(demo_results)  # the whole class, not the one student rerun
    assert f"{len(demo_results)} submissions" in (course / "results" / "report.html").read_text()
    assert f"{len(demo_results)} submissions" in (course / "results" / "summary.md").read_text()
    junit = ET.parse(course / "results" / "junit.xml").getroot()
    assert sorted(s.get("name") for s in junit) == sorted(demo_results)
    assert sorted(p.name for p in (course / "results" / "gradescope").iterdir()) == sorted(demo_results)
    for student, earlier in demo_results.items():
        assert results[student]["score"] == earlier["score"], student
        assert results[student]["problems"] == earlier["problems"], student  # kept from the demo's run


def test_hand_marks_reach_every_result_file_and_the_feedback(demo, demo_results, tmp_path):
    course = _copy(demo, tmp_path)
    page = course / "feedback" / "ada" / ASSIGNMENT / "part2_extra_exercises.html"
    assert "Awaiting a grader, 2 points" in page.read_text()  # before marking: no "Score: 0.0 / 2.0"
    assert "Score: 0.0 / 2.0" not in page.read_text()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cv-exam") as gb:  # as the formgrader does
        grade = gb.find_grade("softmax_proof", "part2_extra_exercises", ASSIGNMENT, "ada")
        grade.manual_score = 1.5
        gb.find_comment("softmax_proof", "part2_extra_exercises", ASSIGNMENT, "ada").manual_comment = COMMENT
        gb.update_or_create_student("ada", first_name="Ada", last_name="Lovelace", lms_user_id="4021")
        gb.db.commit()

    rerun = run_graders(course, "grade", "--student", "ada")  # grading again keeps the mark
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    results = _results(course)
    proof = _part(results["ada"], "softmax_proof")
    assert (proof["score"], proof["status"], proof["comment"]) == (1.5, "failed", COMMENT)
    assert "No verdict" not in proof["output"] and COMMENT in proof["output"]
    assert results["ada"]["score"] == demo_results["ada"]["score"] + 1.5
    gradescope = json.loads((course / "results" / "gradescope" / "ada" / "results.json").read_text())
    (test,) = [t for t in gradescope["tests"] if t["name"] == proof["title"]]
    assert test["score"] == 1.5 and COMMENT in test["output"]
    junit = ET.parse(course / "results" / "junit.xml").getroot()
    (case,) = [
        c
        for c in junit.iter("testcase")
        if c.get("classname") == "ada.part2_extra_exercises" and c.get("name") == proof["title"]
    ]
    assert "graded by hand: 1.5/2 points" in case.find("failure").get("message")
    assert _part(results["cai"], "softmax_proof")["status"] == "pending"  # not marked yet
    _the_lms_files_carry_the_hand_mark(course, results)

    feedback = run_graders(course, "feedback", "--student", "ada")  # the documented step before release
    assert feedback.returncode == 0, feedback.stderr[-3000:]
    text = page.read_text()
    assert "Score: 1.5 / 2.0" in text and COMMENT.split(",")[0] in text
    assert "awaiting a grader" not in text.lower()
    cai = (course / "feedback" / "cai" / ASSIGNMENT / "part2_extra_exercises.html").read_text()
    assert "Awaiting a grader, 2 points" in cai


def _the_lms_files_carry_the_hand_mark(course, results: dict) -> None:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then the
    assignment; row 2 "Points Possible". Moodle's CSV import: a header, a user column, grades."""
    with (course / "results" / f"canvas_{ASSIGNMENT}.csv").open(newline="") as f:
        canvas = list(csv.reader(f))
    assert canvas[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", ASSIGNMENT]
    assert canvas[1][0] == "Points Possible" and float(canvas[1][5]) == results["ada"]["max_score"]
    rows = {row[2]: row for row in canvas[2:]}
    assert rows["ada"][:2] == ["Lovelace, Ada", "4021"]
    assert float(rows["ada"][5]) == results["ada"]["score"]  # the hand mark included
    assert rows["cai"][5] == ""  # still awaiting a grader: blank, the LMS keeps what it has
    with (course / "results" / f"moodle_{ASSIGNMENT}.csv").open(newline="") as f:
        moodle = {row["Username"]: row for row in csv.DictReader(f)}
    assert float(moodle["ada"][ASSIGNMENT]) == results["ada"]["score"]
    assert "proof" in moodle["ada"][f"{ASSIGNMENT} feedback"] and moodle["cai"][ASSIGNMENT] == ""


def test_a_second_lms_download_keeps_the_first_and_its_late_mark(demo, tmp_path):
    course = _copy(demo, tmp_path)
    ada, cai = course / "submitted" / "ada" / ASSIGNMENT, course / "submitted" / "cai" / ASSIGNMENT
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    with zipfile.ZipFile(first, "w") as z:
        z.write(ada / "part1_exam_questions.ipynb", "zed_1001_5001_part1_exam_questions.ipynb")
        z.write(ada / "part2_extra_exercises.ipynb", "zed_1001_5002_part2_extra_exercises.ipynb")
    with zipfile.ZipFile(second, "w") as z:  # only part 1 again, late, with cai's batch mistake
        z.write(cai / "part1_exam_questions.ipynb", "zed_LATE_1001_6001_part1_exam_questions.ipynb")
    done = run_graders(course, "grade", "--zip", str(first))
    assert done.returncode == 0, done.stderr[-3000:]
    full = _results(course)["zed"]["score"]
    assert full == _results(course)["ada"]["score"]
    done = run_graders(course, "grade", "--zip", str(second))
    assert done.returncode == 0, done.stderr[-3000:]
    assert "1 file(s) of submitted/ replaced" in done.stdout and "marked late by the LMS: zed" in done.stdout
    zed = _results(course)["zed"]
    assert zed["score"] == full - 1  # part 2 is still there; part 1's mistake costs its point
    assert zed["late_by_lms"] == ["zed_LATE_1001_6001_part1_exam_questions.ipynb"]
    downloads = sorted((course / "downloaded" / ASSIGNMENT).iterdir())
    assert [sorted(p.name for p in (d / "archive").iterdir()) for d in downloads] == [
        ["first.zip"],
        ["second.zip"],
    ]
    kept = downloads[1] / "replaced" / "zed" / "part1_exam_questions.ipynb"
    assert kept.read_bytes() == (ada / "part1_exam_questions.ipynb").read_bytes()
    gradescope = json.loads((course / "results" / "gradescope" / "zed" / "results.json").read_text())
    assert "marked late by the LMS" in gradescope["output"]


def test_a_damaged_notebook_gets_a_feedback_page_that_says_so(demo, tmp_path):
    course = _copy(demo, tmp_path)
    folder = course / "feedback" / "lou" / ASSIGNMENT
    for made_by in ("grading", "feedback"):  # the demo's run, then the feedback made again
        if made_by == "feedback":
            done = run_graders(course, "feedback", "--student", "lou")
            assert done.returncode == 0, done.stderr[-3000:]
        page = (folder / "part1_exam_questions.html").read_text()
        assert "not graded" in page and "not valid JSON" in page and 'lang="en"' in page, made_by
        assert '<a href="part2_extra_exercises.html">' in page
        assert (folder / "part2_extra_exercises.html").is_file()


def _forge(notebook: Path, forged: dict[str, dict]) -> None:
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in forged:
            cell["metadata"][METADATA_KEY] = forged[grade_id]
    notebook.write_text(json.dumps(nb))


def _redefine(notebook: Path, cell_id: str, code: str) -> None:
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == cell_id:
            cell["source"] = "".join(cell["source"]) + "\n" + code
    notebook.write_text(json.dumps(nb))


def test_a_submission_cannot_forge_or_break_the_class_result_files(demo, demo_results, tmp_path):
    course = _copy(demo, tmp_path)
    submitted = course / "submitted"
    for student in ("forger", "ctrl"):
        shutil.copytree(submitted / "ada", submitted / student)
    folder = submitted / "forger" / ASSIGNMENT
    forged_title = "2b proof: full marks, checked by the grader"
    _forge(
        folder / "part2_extra_exercises.ipynb",
        {"softmax_proof": {"grade_id": "softmax_proof", "title": forged_title, "points": 2, "earned": 2}},
    )
    _forge(
        folder / "part1_exam_questions.ipynb",
        {
            "test_linear_forward": {"title": "no grade_id", "points": 2, "earned": 2},
            "test_pooled": {"grade_id": "test_pooled", "title": "x", "points": "lots", "earned": "all"},
        },
    )
    _redefine(
        submitted / "ctrl" / ASSIGNMENT / "part1_exam_questions.ipynb",
        "linear_forward",
        'def linear_forward(x, W, b):\n    raise ValueError("bad\\x00\\x1b[31m\\x07 value")\n',
    )
    done = run_graders(course, "grade", "--student", "forger", "--student", "ctrl")
    assert done.returncode == 0, done.stderr[-3000:]
    results = _results(course)
    forger = results["forger"]
    assert forger["score"] == demo_results["ada"]["score"]  # graded on its answers, nothing more
    assert _part(forger, "softmax_proof")["status"] == "pending"
    everything = "".join(p.read_text() for p in (course / "results").rglob("*") if p.is_file())
    assert forged_title not in everything and "no grade_id" not in everything
    linear = _part(results["ctrl"], "test_linear_forward")
    assert linear["score"] == 0 and "ValueError: bad" in linear["output"]
    ET.parse(course / "results" / "junit.xml")  # well-formed, for the whole class
    assert results["ada"]["score"] == demo_results["ada"]["score"]
