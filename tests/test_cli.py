"""The command line answers plainly: help at once, unknown assignments named, nothing to grade
said, and a failed autograde reported by its real exception."""

import subprocess
import sys

from helpers import REPO, course_folder, env, run_graders

from graders.instructor.grading import _failure_reason


def test_help_needs_no_course_and_lists_every_command():
    done = subprocess.run(
        [sys.executable, "-m", "graders", "--help"], cwd=REPO, env=env(), capture_output=True, text=True
    )
    assert done.returncode == 0
    for command in ("demo", "grade", "ci", "feedback", "classroom-template", "new-question", "points"):
        assert command in done.stdout


def test_help_imports_neither_torch_nor_nbgrader():
    code = (
        "import sys\nfrom graders.instructor import cli\n"
        "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('torch', 'nbgrader', 'numpy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env(), capture_output=True, text=True)
    assert done.stdout.strip().splitlines()[-1] == "[]"


def test_an_unknown_assignment_is_named_with_the_ones_that_exist(tmp_path):
    course = course_folder(tmp_path / "course")
    for command in ("grade", "ci", "feedback"):
        done = run_graders(course, command, "cv_exma")
        assert done.returncode == 2, (command, done.stderr)
        assert "no assignment 'cv_exma'" in done.stderr and "cv_exam" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr


def test_ci_with_nothing_handed_in_says_so_and_fails(tmp_path):
    course = course_folder(tmp_path / "course")
    done = run_graders(course, "ci")
    assert done.returncode == 2
    assert "nothing to grade" in done.stderr and "submitted" in done.stderr
    assert not (course / "results" / "results.json").exists()  # no empty tables that look like a run


def test_a_failed_autograde_is_reported_by_its_exception_not_nbgraders_generic_line():
    log = (
        "[AutogradeApp | INFO] Autograding cv_exam/ada\n"
        "Traceback (most recent call last):\n"
        '  File "zmq/sugar/socket.py", line 320, in bind\n'
        "zmq.error.ZMQError: Permission denied (addr='ipc:///tmp/cvexam-ipc/kernel7-1')\n"
        "[AutogradeApp | ERROR] There was an error processing assignment: /c/submitted/ada/cv_exam\n"
        "[AutogradeApp | ERROR] Please see the error log (.nbgrader.log) for details on the specific errors\n"
    )
    reason = _failure_reason({"success": False, "log": log, "error": ""})
    assert reason == "zmq.error.ZMQError: Permission denied (addr='ipc:///tmp/cvexam-ipc/kernel7-1')"


def test_a_kinds_option_given_to_another_kind_is_refused_by_name(tmp_path):
    course = course_folder(tmp_path / "course")
    done = run_graders(
        course,
        "new-question",
        "never_written",
        "--notebook",
        "part1_exam_questions",
        "--kind",
        "choice",
        "--integer",
    )
    assert (
        done.returncode == 2
        and "--integer is an option of --kind number, not of --kind choice" in done.stderr
    )
    assert not (REPO / "graders" / "questions" / "never_written.py").exists()  # nothing written
