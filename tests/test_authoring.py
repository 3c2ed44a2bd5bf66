"""The course's generated parts, in process (fast): the demo class from its scenarios and
the catalogue, and the test cells' points from the questions."""

import json
import shutil

import pytest
from helpers import ASSIGNMENT, REPO

from graders.instructor import authoring, demo_class, question_kinds
from graders.instructor.course import Course, CourseError, read
from graders.instructor.synthetic import defined_names, part_mistakes

RELEASE, SOURCE = REPO / "release" / ASSIGNMENT, REPO / "source" / ASSIGNMENT


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    students = demo_class.write(RELEASE, SOURCE, folder, ASSIGNMENT)
    return folder, students


def _code(folder, student: str) -> str:
    return "\n".join(
        c.source for p in sorted((folder / student / ASSIGNMENT).glob("*.ipynb")) for c in read(p).cells
    )


def test_every_catalogued_mistakes_code_is_in_some_demo_students_notebook(demo):
    folder, students = demo
    written = {s: _code(folder, s) for s in students if s != "lou"}
    by_name: dict[tuple[str, str], list[str]] = {}
    for grade_id, mistake in part_mistakes():  # a part may have two codes under one name
        by_name.setdefault((grade_id, mistake.name), []).append(mistake.code.strip())
    for key, codes in by_name.items():
        assert any(c in code for c in codes for code in written.values()), key


def test_the_full_marks_student_has_every_solution_and_the_blank_one_the_release(demo):
    folder, _ = demo
    for path in SOURCE.glob("*.ipynb"):
        ada = {
            c.metadata.get("nbgrader", {}).get("grade_id"): c.source
            for c in read(folder / "ada" / ASSIGNMENT / path.name).cells
        }
        for cell in read(path).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                body = [line for line in cell.source.splitlines() if "### " not in line]
                assert "\n".join(body) == ada[meta["grade_id"]]
        ben = read(folder / "ben" / ASSIGNMENT / path.name)
        assert [c.source for c in ben.cells] == [c.source for c in read(RELEASE / path.name).cells]


def test_the_hand_in_scenarios(demo):
    folder, _ = demo
    damaged = folder / "lou" / ASSIGNMENT / "part1_exam_questions.ipynb"
    assert damaged.stat().st_size == demo_class.DAMAGED_BYTES
    with pytest.raises(ValueError):
        json.loads(damaged.read_text())
    late = (folder / "jon" / ASSIGNMENT / "timestamp.txt").read_text()
    assert late == demo_class.LATE > demo_class.DUE
    copied = read(folder / "max" / ASSIGNMENT / "part2_extra_exercises.ipynb").cells
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in copied]
    assert ids.count("test_true_false") == 2 and len({c.id for c in copied}) == len(copied)
    assert "while True" in _code(folder, "kim")


def test_extra_students_hold_at_most_one_mistake_per_part():
    for scenario in demo_class.scenarios():
        if scenario.student in demo_class.EXTRA_NAMES:
            parts = [key.split("/", 1)[0] for key in scenario.mistakes]
            assert parts and len(parts) == len(set(parts))


def test_a_scenario_naming_a_mistake_the_catalogue_lacks_is_refused(monkeypatch):
    bad = [*demo_class.SCENARIOS, demo_class.Scenario("zed", ("test_softmax/no such mistake",))]
    monkeypatch.setattr(demo_class, "SCENARIOS", bad)
    with pytest.raises(ValueError, match="no such mistake"):
        demo_class.scenarios()


@pytest.fixture
def course(tmp_path):
    shutil.copy(REPO / "nbgrader_config.py", tmp_path)
    shutil.copytree(REPO / "source", tmp_path / "source")
    return Course.open(tmp_path)


def _set_points(course: Course, grade_id: str, points: float) -> None:
    path = course.folder("source") / ASSIGNMENT / "part1_exam_questions.ipynb"
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            cell["metadata"]["nbgrader"]["points"] = points
    path.write_text(json.dumps(nb, indent=1))


def test_points_that_disagree_with_the_question_are_found_and_rewritten(course):
    assert authoring.point_mismatches(course, ASSIGNMENT) == []
    _set_points(course, "test_pooled", 5)
    mismatches = authoring.point_mismatches(course, ASSIGNMENT)
    assert mismatches == ["part1_exam_questions.ipynb: test_pooled has 5 points, its question 1"]
    assert authoring.write_points(course, ASSIGNMENT) == ["part1_exam_questions.ipynb: test_pooled 5 -> 1"]
    assert authoring.point_mismatches(course, ASSIGNMENT) == []
    rewritten = json.loads((course.folder("source") / ASSIGNMENT / "part1_exam_questions.ipynb").read_text())
    points = {
        c["metadata"]["nbgrader"]["grade_id"]: c["metadata"]["nbgrader"].get("points")
        for c in rewritten["cells"]
        if "grade_id" in c["metadata"].get("nbgrader", {})
    }
    assert points["test_pooled"] == 1


def test_a_deleted_test_cell_is_named(course):
    path = course.folder("source") / ASSIGNMENT / "part1_exam_questions.ipynb"
    nb = json.loads(path.read_text())
    nb["cells"] = [
        c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") != "test_pooled"
    ]
    path.write_text(json.dumps(nb, indent=1))
    assert any("has no test cell test_pooled" in m for m in authoring.point_mismatches(course, ASSIGNMENT))


def test_the_scaffold_refuses_names_that_are_not_question_ids(course):
    for name in ("2nd", "class", "_private", "has-dash"):
        with pytest.raises(CourseError, match="not a question id"):
            authoring.new_question(course, ASSIGNMENT, name, "part1_exam_questions")


def test_each_kinds_solution_defines_the_students_name():
    for scaffold in (
        question_kinds.function("scaled", "scaled", "scaled", "nb", "x, gamma, beta, eps=1e-5"),
        question_kinds.number("n_params", "N_PARAMS", "N", "nb", integer=True),
        question_kinds.choice("pick", "PICK", "P", "nb", multiple=True),
    ):
        names = {"scaled", "N_PARAMS", "PICK"}
        assert defined_names(scaffold.solution) & names and defined_names(scaffold.solution) <= names


def test_a_signature_python_cannot_read_or_without_an_argument_is_refused(course):
    for signature in ("x,, y", "eps=1e-5"):
        with pytest.raises(CourseError, match="--signature"):
            authoring.new_question(course, ASSIGNMENT, "bad_sig", "part1_exam_questions", signature=signature)
