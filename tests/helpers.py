"""Shared by the tests: run nbgrader in a course folder, read its gradebook, and
put the grader's probes to code the way the student's kernel does."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from nbgrader.api import Gradebook

from graders.autograde import harness, wire
from graders.autograde.model import Outcome, Part
from graders.autograde.registry import registry
from graders.instructor.course import read
from graders.instructor.synthetic import solution_namespace  # noqa: F401 (the tests' helper)

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"  # Debian's, installed by setup.sh --test
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

ASSIGNMENT = "cv_exam"
SOURCE = REPO / "source" / ASSIGNMENT


def env() -> dict:
    """nbgrader runs alembic as a subprocess: the venv's bin must be on PATH."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def new_course(folder: Path) -> Path:
    """A course folder with this repo's config and source, and its release generated."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", folder)
    shutil.copytree(REPO / "source", folder / "source")
    nbgrader(folder, "generate_assignment", ASSIGNMENT)
    return folder


def course_folder(folder: Path) -> Path:
    """A course folder with this repo's config and source, nothing generated yet."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "nbgrader_config.py", folder)
    shutil.copytree(REPO / "source", folder / "source")
    return folder


def run_graders(course: Path, *args: str) -> subprocess.CompletedProcess:
    """`python -m graders ARGS` in the course folder, as an instructor runs it."""
    command = [sys.executable, "-m", "graders", *args]
    return subprocess.run(command, cwd=course, env=env(), capture_output=True, text=True, timeout=1200)


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env=env(),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        raise AssertionError(f"nbgrader {' '.join(args)} failed:\n{done.stderr[-4000:]}")
    return done


def scores(course: Path) -> dict[str, dict[str, float]]:
    """student -> grade_id -> score, from the gradebook."""
    out: dict[str, dict[str, float]] = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cv-exam") as gb:
        for submission in gb.assignment_submissions(ASSIGNMENT):
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    out.setdefault(submission.student.id, {})[grade.name] = grade.score
    return out


def autograded_points(notebook: str) -> float:
    """A notebook's autograded points, from the questions (the source of truth)."""
    return sum(part.points for part in registry().values() if part.notebook == notebook)


def max_scores() -> dict[str, float]:
    return {
        c.metadata.nbgrader["grade_id"]: float(c.metadata.nbgrader["points"])
        for path in SOURCE.glob("*.ipynb")
        for c in read(path).cells
        if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"
    }


def answers_in_process(part: Part, items: list, ns: dict) -> dict[str, Outcome]:
    """Probe `ns` with the kernel-side harness itself, and read its answers back."""
    probes = part.probes(items)
    spec = json.loads(json.dumps(wire.probe_spec(part.grade_id, probes, 5.0)))
    answers = [harness._run_probe(ns, p, spec["budget"]) for p in spec["probes"]]
    return wire.outcomes(json.loads(json.dumps({"answers": answers})), probes)


def rng() -> np.random.Generator:
    return np.random.default_rng(7)
