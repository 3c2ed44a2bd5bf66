"""nbgrader preprocessors that grade in the grader's process, not the student's kernel.

Set in `nbgrader_config.py`: `InjectProbes` before `Execute` and `GradeReports` after it in
`Autograde.autograde_preprocessors`; `GetGradesAndPending` in place of nbgrader's `GetGrades`,
`PrepareFeedback` after it and `WriteFeedbackNotebook` last in `GenerateFeedback.preprocessors`.
They grade the questions of the package `c.CourseQuestions.questions` names.
"""

import json
import secrets
import zlib
from pathlib import Path

import nbformat
import numpy as np
from nbformat import NotebookNode
from nbformat.v4 import new_code_cell
from nbgrader import utils
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import GetGrades, NbGraderPreprocessor
from traitlets import Bool, Float, Integer, List, Unicode

from graders.autograde import harness, verdicts, wire
from graders.autograde.feedback_html import PENDING
from graders.autograde.feedback_overview import EXAM, PARTS, exam_totals, part_rows
from graders.autograde.record import METADATA_KEY
from graders.autograde.registry import QUESTIONS, Registry, registry
from graders.practice import tasks, variants
from graders.practice.state import ASSIGNMENT as PRACTICE
from graders.practice.state import GIVENS_ENV, TASKS_ENV, course_secret, read_retry

STATE = "cvexam"
HARNESS_MARK = "cvexam-harness"
_HARNESS_SOURCE = Path(harness.__file__).read_text()


class CourseQuestions(NbGraderPreprocessor):
    """The preprocessors that need the course's questions: set `c.CourseQuestions.questions`
    once for all of them."""

    questions = Unicode(
        QUESTIONS,
        help="The package of the course's questions: each of its modules that declares "
        "`QUESTION = Question(...)` is one question (graders/autograde/registry.py).",
    ).tag(config=True)

    @property
    def registry(self) -> Registry:
        return registry(self.questions)

    def graded_part_id(self, cell: NotebookNode) -> str | None:
        """The grade_id of an autograded test cell of one of the questions, else None."""
        if cell.cell_type != "code" or not utils.is_grade(cell) or utils.is_solution(cell):
            return None
        grade_id = cell.metadata["nbgrader"].get("grade_id")
        return grade_id if grade_id in self.registry else None


def _harness_cell(nonce: str) -> NotebookNode:
    source = (
        "def __cvexam_boot(source, nonce):\n"
        "    import builtins\n"
        "    ns = {'__builtins__': dict(vars(builtins)), '__name__': 'cvexam_harness'}\n"
        "    exec(compile(source, '<cvexam harness>', 'exec'), ns)\n"
        "    ns['install'](nonce)\n"
        f"__cvexam_boot({_HARNESS_SOURCE!r}, {nonce!r})\n"
        "del __cvexam_boot\n"
    )
    cell = new_code_cell(source)
    cell.metadata[STATE] = HARNESS_MARK
    return cell


def _givens_cell(
    student: str, retry: int, secret: bytes, assignment: str, questions: Registry
) -> NotebookNode:
    """Practice, or a variant exam: the student's numbers, regenerated from their id (and retry
    counter), for the notebook's own code (its Practice() reads them here: the kernel has no
    service to ask)."""
    givens = json.dumps(variants.shown(student, retry, secret, assignment, questions))
    texts = json.dumps(tasks.texts(student, retry, secret, assignment, questions))
    source = (
        "import json as _json, os as _os, numpy as _np\n"
        f"_os.environ[{GIVENS_ENV!r}] = {givens!r}\n"
        f"_os.environ[{TASKS_ENV!r}] = {texts!r}\n"
        "globals().update({k: _np.array(v) if isinstance(v, list) and not isinstance(v[0], str) else v "
        f"for k, v in _json.loads(_os.environ[{GIVENS_ENV!r}]).items()}})\n"
        "del _json, _os, _np\n"
    )
    cell = new_code_cell(source)
    cell.metadata[STATE] = HARNESS_MARK
    return cell


class InjectProbes(CourseQuestions):
    """Before Execute: put the reporting harness first, and turn test cells into probe calls."""

    seed = Integer(
        2026, help="Mixed with the student id and the grade_id to draw each part's random probes."
    ).tag(config=True)
    call_budget = Float(
        5.0,
        help="Seconds of CPU time one call of a student's function may take (and three times that of wall "
        "time) before it counts as timed out; a call that ran out is tried once more first.",
    ).tag(config=True)

    practice_assignments = List(
        Unicode(),
        [PRACTICE],
        help="Assignments graded on each student's own variant: the one their nbgrader student id "
        "and their retry counter (practice_variant.json) fix, never the file's student or seed.",
    ).tag(config=True)
    variant_assignments = List(
        Unicode(),
        [],
        help="Exams graded on each student's own numbers (`python -m graders variant-exam NAME`): one "
        "variant per student, fixed by their nbgrader student id and the assignment, with no instant checks.",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        student = str(resources.get("nbgrader", {}).get("student", ""))
        state = {"nonce": secrets.token_hex(16), "parts": {}, "sources": {}}
        retry, keyed_as = None, PRACTICE
        for cell in nb.cells:  # verdicts come from this run's grader only, never from the submission
            cell.metadata.pop(METADATA_KEY, None)
        assignment = resources.get("nbgrader", {}).get("assignment")
        if assignment in self.practice_assignments:
            secret = course_secret(Path(self.config.CourseDirectory.root or "."))
            retry, _ = read_retry(Path(resources.get("metadata", {}).get("path") or "."), student, secret)
        elif assignment in self.variant_assignments:  # one variant, keyed by the exam's name
            secret = course_secret(Path(self.config.CourseDirectory.root or "."))
            retry, keyed_as = 0, assignment
        for cell in nb.cells:
            part_id = self.graded_part_id(cell)
            if part_id is None:
                continue
            part = self.registry[part_id]
            if retry is not None and part.variant is not None:
                items = variants.items(part, student, retry, secret, keyed_as)
            else:
                rng = np.random.default_rng([self.seed, zlib.crc32(f"{student}/{part_id}".encode())])
                items = part.items(rng)
            probes = part.probes(items)
            state["parts"][part_id] = (items, probes)
            state["sources"][part_id] = cell.source
            cell.source = wire.probe_call(part_id, probes, self.call_budget)
        nb.cells.insert(0, _harness_cell(state["nonce"]))
        if retry is not None:
            nb.cells.insert(1, _givens_cell(student, retry, secret, keyed_as, self.registry))
        resources[STATE] = state
        return nb, resources


class GradeReports(CourseQuestions):
    """After Execute: read each part's report, grade it against the reference, write the verdict."""

    max_report_bytes = Integer(
        2_000_000, help="A part's report larger than this is not read, and the part scores 0."
    ).tag(config=True)
    show_expected = Bool(
        False,
        help="Where a failed item has neither a catalogued mistake nor a diagnosis, show the expected "
        "value on the first probe it got wrong (for after the due date, or where the instructor allows).",
    ).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        state = resources.get(STATE)
        if state is None:
            raise RuntimeError("GradeReports needs InjectProbes before Execute in the same pipeline")
        nb.cells = [c for c in nb.cells if c.metadata.get(STATE) != HARNESS_MARK]
        for cell in nb.cells:
            part_id = self.graded_part_id(cell)
            if part_id not in state["parts"]:
                continue
            items, probes = state["parts"][part_id]
            payload, reason = wire.find_report(cell.outputs, state["nonce"], part_id, self.max_report_bytes)
            answers = wire.outcomes(payload, probes) if payload else wire.no_outcomes(probes, reason)
            verdict = self.registry[part_id].grade(items, answers, self.show_expected)
            verdict.note = None if payload else reason
            cell.source = state["sources"][part_id]
            record = verdict.record(part_id, sum(a.seconds for a in answers.values()))
            plots = [
                a.value["lines"]
                for a in answers.values()
                if isinstance(a.value, dict) and a.value.get("lines")
            ]
            cell.outputs = verdicts.cell_outputs(record, cell.get("execution_count"), plots)
            cell.metadata[METADATA_KEY] = record.to_dict()
        return nb, resources


class GetGradesAndPending(GetGrades):
    """nbgrader's GetGrades, also noting (in resources[PENDING]) each part graded by hand that no
    person has marked yet, with its points: the feedback says "awaiting a grader" there; and
    (in resources[EXAM]) the exam's total and each of its notebooks', for the page's overview."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        resources[PENDING], resources[EXAM] = {}, None
        return super().preprocess(nb, resources)

    def _get_score(self, cell: NotebookNode, resources: dict) -> None:
        # nbgrader's own two lines, and the pending check on the same grade (one query, not two)
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"], self.notebook_id, self.assignment_id, self.student_id
        )
        cell.metadata.nbgrader["score"] = grade.score
        cell.metadata.nbgrader["points"] = grade.max_score
        if grade.auto_score is None and grade.manual_score is None:
            resources[PENDING][grade.name] = float(grade.max_score)
        if resources[EXAM] is None:  # once a notebook, while nbgrader holds the gradebook open
            resources[EXAM] = self._exam_totals()

    def _exam_totals(self) -> dict:
        """The exam's totals, read once for all of a student's notebooks in this run (one
        generate_feedback call: the gradebook does not change under it)."""
        cache = self.__dict__.setdefault("_totals", {})
        key = (self.db_url, self.assignment_id, self.student_id)
        if key not in cache:
            cache[key] = exam_totals(self.gradebook.find_submission(self.assignment_id, self.student_id))
        return cache[key]


class PrepareFeedback(CourseQuestions):
    """In generate_feedback, after GetGrades: each graded cell's row of the page's overview (its
    part's label, points and verdict), and drop the bare score output of each graded test cell
    (its verdict already says the points; nbgrader read the score at autograde)."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        resources[PARTS] = part_rows(nb, self.registry.labels(), resources.get(PENDING, {}))
        for cell in nb.cells:
            if METADATA_KEY in cell.metadata and cell.cell_type == "code":
                cell.outputs = [o for o in cell.outputs if o.get("output_type") != "execute_result"]
        return nb, resources


class WriteFeedbackNotebook(NbGraderPreprocessor):
    """In generate_feedback: also write the feedback as a notebook beside the HTML."""

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        info = resources["nbgrader"]
        coursedir = CourseDirectory(config=self.config)
        folder = Path(
            coursedir.format_path(coursedir.feedback_directory, info["student"], info["assignment"])
        )
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, folder / f"{info['notebook']}.ipynb")
        return nb, resources
