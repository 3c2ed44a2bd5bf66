"""GitHub Classroom without the key in the students' hands: the students' repository template
holds nothing of the grader, and the grading repository's workflow fetches, grades and
comments back (scripts/classroom.sh run against local repositories through a stand-in for
GitHub's CLI; only GitHub itself is not here)."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ASSIGNMENT, REPO, env, new_course, run_graders

from graders.instructor import demo_class
from graders.instructor.synthetic import part_mistakes

pytestmark = pytest.mark.slow  # grades three repositories

# GitHub's CLI as scripts/classroom.sh calls it, over bare repositories in $GH_STUB_ROOT/<org>/.
GH_STUB = r"""#!/usr/bin/env bash
set -euo pipefail
echo "$*" >>"$GH_STUB_ROOT/calls.log"
case "$1 $2" in
"repo list") for repo in "$GH_STUB_ROOT/$3"/*.git; do basename "$repo" .git; done ;;
"repo clone")
    source=$3 dest=$4
    shift 4
    [ "${1:-}" = "--" ] && shift
    git clone "$@" "file://$GH_STUB_ROOT/$source.git" "$dest"
    ;;
"api --method")
    mkdir -p "$GH_STUB_ROOT/comments"
    cp "${6#body=@}" "$GH_STUB_ROOT/comments/$(echo "$4" | cut -d/ -f3,5 | tr / @)"
    ;;
*) exit 3 ;;
esac
"""
SOLUTION = re.compile(r"### BEGIN (SOLUTION|HIDDEN TESTS)(.*?)### END \1", re.S)


def _key(release_text: str) -> set[str]:
    """What a student must never read, as lines: the solutions and hidden tests of the source,
    the catalogued mistakes' code and hints, less what the release hands out anyway."""
    secrets = set()
    for notebook in (REPO / "source" / ASSIGNMENT).glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            text = "".join(cell["source"])
            if cell["metadata"].get("nbgrader", {}).get("solution") and cell["cell_type"] == "markdown":
                secrets |= set(text.splitlines())
            for _, body in SOLUTION.findall(text):
                secrets |= set(body.splitlines())
    for _, mistake in part_mistakes():
        secrets |= set(mistake.code.splitlines()) | {mistake.hint}
    return {s.strip() for s in secrets if len(s.strip()) >= 15 and s.strip() not in release_text}


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=s", "-c", "user.email=s@example.org", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _student_repo(template: Path, answers: Path | None, remote: Path, links: dict[str, Path]) -> str:
    """A student's repository made from the template, with `answers` committed; return its commit."""
    work = remote.parent / f"work-{remote.name}"
    shutil.copytree(template, work)
    if answers is not None:
        for notebook in answers.glob("*.ipynb"):
            shutil.copy(notebook, work / notebook.name)
    for name, target in links.items():
        (work / name).unlink()
        (work / name).symlink_to(target)
    _git(work, "init", "-q", "-b", "main")
    _git(work, "add", "-A")
    _git(work, "commit", "-qm", "my answers")
    _git(remote.parent, "clone", "-q", "--bare", str(work), str(remote))
    return _git(work, "rev-parse", "HEAD")


def test_the_template_holds_no_key_and_the_grading_repository_comments_each_commit(tmp_path):
    course = new_course(tmp_path / "course")
    template = tmp_path / "template"
    made = run_graders(course, "classroom-template", str(template))
    assert made.returncode == 0, made.stderr[-2000:]
    files = sorted(p.relative_to(template).as_posix() for p in template.rglob("*") if p.is_file())
    release = course / "release" / ASSIGNMENT
    notebooks = sorted(p.name for p in release.glob("*.ipynb"))
    assert files == sorted([".gitignore", "README.md", *notebooks])  # no workflow, no grader
    release_text = "".join(p.read_text() for p in release.glob("*.ipynb"))
    key = _key(release_text)
    assert len(key) > 50  # the check has something to find
    for path in template.rglob("*"):
        if path.is_file():
            text = path.read_text()
            leaked = [line for line in key if line in text]
            assert not leaked, f"{path.name} holds the key: {leaked[:3]}"
            assert "BEGIN HIDDEN TESTS" not in text and "graders" not in text
    again = run_graders(course, "classroom-template", str(template))
    assert again.returncode == 2 and "is not empty" in again.stderr

    # The organisation: three students' repositories and one of another assignment.
    stub_root = tmp_path / "github"
    org = stub_root / "course-org"
    org.mkdir(parents=True)
    demo = tmp_path / "demo"
    demo_class.write(release, course / "source" / ASSIGNMENT, demo, ASSIGNMENT)
    shas = {
        "ada": _student_repo(template, demo / "ada" / ASSIGNMENT, org / "hw1-ada.git", {}),
        "cai": _student_repo(template, demo / "cai" / ASSIGNMENT, org / "hw1-cai.git", {}),
        # eve links part 1 to the grading repository's solutions: never fetched
        "eve": _student_repo(
            template,
            demo / "ada" / ASSIGNMENT,
            org / "hw1-eve.git",
            {"part1_exam_questions.ipynb": course / "source" / ASSIGNMENT / "part1_exam_questions.ipynb"},
        ),
    }
    _student_repo(template, None, org / "lab2-ada.git", {})
    _student_repo(template, None, org / "hw1-..bad.git", {})
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(GH_STUB)
    (bin_dir / "gh").chmod(0o755)
    (course / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "classroom.sh", course / "scripts" / "classroom.sh")
    settings = env() | {
        "PATH": f"{bin_dir}{os.pathsep}{env()['PATH']}",
        "GH_STUB_ROOT": str(stub_root),
        "CLASSROOM_ORG": "course-org",
        "CLASSROOM_PREFIX": "hw1",
    }

    def step(*command: str) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=course, env=settings, capture_output=True, text=True, timeout=1200)

    fetched = step("bash", "scripts/classroom.sh", "fetch")
    assert fetched.returncode == 0, fetched.stderr
    assert "classroom: 3 repositories fetched" in fetched.stdout
    assert "skipped hw1-..bad" in fetched.stderr
    assert sorted(p.name for p in (course / "submitted").iterdir()) == ["ada", "cai", "eve"]
    assert not (course / "submitted" / "eve" / ASSIGNMENT / "part1_exam_questions.ipynb").exists()
    graded = step(sys.executable, "-m", "graders", "ci", "--out", "results")
    assert graded.returncode == 0, graded.stderr[-3000:]
    reported = step("bash", "scripts/classroom.sh", "report")
    assert reported.returncode == 0, reported.stderr
    results = {r["student"]: r for r in json.loads((course / "results" / "results.json").read_text())}
    comments = {p.name: p.read_text() for p in (stub_root / "comments").iterdir()}
    assert sorted(comments) == sorted(f"hw1-{s}@{sha}" for s, sha in shas.items())
    for student, sha in shas.items():
        body = comments[f"hw1-{student}@{sha}"]
        assert f"## {ASSIGNMENT}: {results[student]['score']:g}/" in body
    assert "batch handled as x @ W + b" in comments[f"hw1-cai@{shas['cai']}"]
    eve = results["eve"]
    assert "part1_exam_questions.ipynb is missing" in " ".join(eve["problems"])
    assert eve["score"] < results["ada"]["score"]  # the linked solutions earned nothing


def test_the_classroom_workflow_passes_a_linter_and_gives_no_secret_to_students():
    workflow = REPO / ".github" / "workflows" / "classroom.yml"
    lint = subprocess.run(
        [str(Path(env()["PATH"].split(":")[0]) / "actionlint"), str(workflow)],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    text = workflow.read_text()
    assert "scripts/classroom.sh fetch" in text and "scripts/classroom.sh report" in text
    assert "pull_request" not in text and "repository_dispatch" not in text  # nothing a student starts
