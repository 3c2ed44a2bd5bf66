"""nbgrader configuration of the course: where things live and how grading runs.

Grading happens in the grader's process: InjectProbes turns each hidden test
into a call that only reports the student's answers, and GradeReports compares
them with the torch reference (graders/reference.py) and writes the verdict.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    CheckCellMetadata,
    ClearHiddenTests,
    Execute,
    GetGrades,
    LimitOutput,
    SaveAutoGrades,
)

from graders.preprocessors import GradeReports, InjectProbes, WriteFeedbackNotebook

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "cv-exam"

c.Autograde.autograde_preprocessors = [
    InjectProbes,
    Execute,
    GradeReports,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
    CheckCellMetadata,
]
c.Execute.timeout = 30
# The kernel's own start-up warnings (TCP without encryption) are not the student's output.
c.Execute.extra_arguments = ["--IPKernelApp.log_level=ERROR"]
c.InjectProbes.call_budget = 5.0

# Feedback shows verdicts, never the hidden tests; a notebook is written beside the HTML.
c.GenerateFeedback.preprocessors = [
    ClearHiddenTests,
    GetGrades,
    CSSHTMLHeaderPreprocessor,
    WriteFeedbackNotebook,
]
