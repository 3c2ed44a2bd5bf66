"""Grading as root runs only what root alone can change (graders/instructor/as_root.py), and
the formgrader renders what a student wrote inert (graders/instructor/formgrader_pages.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import env

from graders.instructor import as_root
from graders.instructor.course import Course, CourseError
from graders.instructor.formgrader_pages import strip_files_prefix_and_sanitize

root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the checks are for runs as root")


def _course(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text("c = get_config()\n")
    return course


@root_only
def test_a_course_only_root_can_change_is_graded_as_root(tmp_path):
    assert as_root.problems(_course(tmp_path)) == []


@root_only
def test_a_config_another_account_owns_or_can_write_is_refused(tmp_path):
    course = _course(tmp_path)
    config = course / "nbgrader_config.py"
    os.chown(config, 65534, 65534)
    with pytest.raises(CourseError, match=r"nbgrader_config.py is Python that grading runs as root.*nobody"):
        Course.open(course)
    os.chown(config, 0, 0)
    config.chmod(0o664)
    assert "writable by group root" in "".join(as_root.problems(course))


@root_only
def test_a_config_in_a_folder_others_can_write_is_safe_only_when_the_folder_is_sticky(tmp_path):
    course = _course(tmp_path)
    course.chmod(0o2770)  # the instructors' group could rename root's config away and put theirs
    assert "is writable by group" in "".join(as_root.problems(course))
    course.chmod(0o3770)  # sticky: they cannot
    assert not [p for p in as_root.problems(course) if "nbgrader_config.py" in p]


@root_only
def test_a_link_where_grading_writes_is_refused_when_others_can_write_the_course(tmp_path):
    course = _course(tmp_path)
    (course / "autograded" / "ann").mkdir(parents=True)
    (course / "autograded" / "ann" / "cv_exam").symlink_to("/etc")
    assert as_root.problems(course) == []  # root's own folder: root's own link
    course.chmod(0o3770)
    assert as_root.problems(course) == [
        f"a symbolic link where grading reads or writes as root: {course}/autograded/ann/cv_exam -> /etc"
    ]


@root_only
def test_graders_run_as_root_from_a_folder_others_can_write_must_run_isolated(tmp_path):
    """`python -m graders` puts the current folder first on the import path: a `graders/`
    planted there would run as root. Without -I the run is refused (or the planted code
    would have run already); with -I the current folder is not on the path."""
    course = _course(tmp_path)
    course.chmod(0o3777)
    planted = course / "graders"
    planted.mkdir()
    (planted / "__init__.py").write_text("")
    (planted / "__main__.py").write_text(f"open({str(tmp_path / 'planted-ran')!r}, 'w')\n")
    os.chown(planted, 65534, 65534)
    isolated = subprocess.run(
        [sys.executable, "-I", "-m", "graders", "--course", str(course), "points"],
        cwd=course,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert not (tmp_path / "planted-ran").exists()
    assert "refused to run as root" not in isolated.stderr, isolated.stderr
    plain = subprocess.run(
        [
            sys.executable,
            "-c",
            "from graders.instructor.course import Course; Course.open(__import__('pathlib').Path('.'))",
        ],
        cwd=course,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert f"Python would import from {course}" in plain.stderr, plain.stderr


def test_the_formgrader_shows_a_students_script_as_text_and_keeps_the_maths():
    rendered = (
        "<p>since $e^{c} &gt; 0$ cancels</p>\n"
        '<script>fetch("/api/contents/x", {method: "PUT"})</script>'
        '<img src="x" onerror="alert(1)"><a href="javascript:alert(2)">link</a>'
        '<iframe src="/lab"></iframe><h2 style="position:fixed">Title</h2>'
    )
    shown = strip_files_prefix_and_sanitize(rendered)
    assert shown.startswith('<p>since <math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">')
    assert "<mo>&#x0003E;</mo><mn>0</mn></mrow></math> cancels</p>" in shown  # no MathJax needed
    assert "<script" not in shown and "&lt;script&gt;" in shown
    assert "onerror" not in shown and "javascript:" not in shown
    assert "<iframe" not in shown and "<h2>Title</h2>" in shown
    assert '<img src="x">' in shown


def test_tex_cannot_smuggle_markup_into_the_formgraders_mathml():
    """latex2mathml copies \\text{...} out unescaped, and writes \\href's target as an attribute."""
    rendered = r"<p>$\text{&lt;img src=x onerror=alert(1)&gt;}$ and $\href{javascript:alert(2)}{x}$</p>"
    shown = strip_files_prefix_and_sanitize(rendered)
    assert "<mtext>&lt;img&#x000A0;src=x" in shown
    assert "<img" not in shown and "javascript:" not in shown and "href" not in shown
