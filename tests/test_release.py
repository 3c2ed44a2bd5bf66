"""The student's release holds no solution, hidden test or reference answer, and
the committed release/ is what generate_assignment makes of source/ today."""

import json
import re

import pytest
from helpers import ASSIGNMENT, REPO, SOURCE, new_course

from graders.instructor.course import read

RELEASE = REPO / "release" / ASSIGNMENT


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    return new_course(tmp_path_factory.mktemp("release")) / "release" / ASSIGNMENT


def _solution_lines() -> set[str]:
    lines = set()
    for path in SOURCE.glob("*.ipynb"):
        for cell in read(path).cells:
            nbg = cell.metadata.get("nbgrader", {})
            if not nbg.get("solution"):
                continue
            body = cell.source
            if cell.cell_type == "code":
                body = "\n".join(re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", body, re.S))
            lines |= {line.strip() for line in body.splitlines() if len(line.strip()) > 12}
    return lines


def test_the_committed_release_is_up_to_date(fresh_release):
    committed = sorted(p.name for p in RELEASE.glob("*.ipynb"))
    assert committed == sorted(p.name for p in fresh_release.glob("*.ipynb"))
    for name in committed:
        assert json.loads((RELEASE / name).read_text()) == json.loads((fresh_release / name).read_text()), (
            f"release/{ASSIGNMENT}/{name} is stale: run `nbgrader generate_assignment {ASSIGNMENT} --force`"
        )


def test_the_release_holds_no_solution_hidden_test_or_reference():
    text = "\n".join(p.read_text() for p in RELEASE.glob("*.ipynb"))
    leaked = [line for line in _solution_lines() if line in text]
    assert not leaked
    for secret in ("BEGIN SOLUTION", "HIDDEN TESTS", "Graded outside your kernel", "graders", "import torch"):
        assert secret not in text, secret


def test_the_release_asks_for_every_answer():
    text = "\n".join(p.read_text() for p in RELEASE.glob("*.ipynb"))
    regions = sum(
        c.source.count("### BEGIN SOLUTION")
        for path in SOURCE.glob("*.ipynb")
        for c in read(path).cells
        if c.cell_type == "code"
    )
    stubs = sum(
        c.source.count("raise NotImplementedError()")
        for path in RELEASE.glob("*.ipynb")
        for c in read(path).cells
        if c.cell_type == "code"
    )
    assert stubs == regions
    assert "YOUR ANSWER HERE" in text
