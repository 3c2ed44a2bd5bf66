"""nbgrader configuration of the course: where things live and how grading runs.

Grading happens in the grader's process: InjectProbes turns each hidden test
into a call that only reports the student's answers, and GradeReports compares
them with the torch reference (graders/questions/) and writes the verdict.
"""

import os

from nbconvert.preprocessors import ClearMetadataPreprocessor, CSSHTMLHeaderPreprocessor
from nbgrader.preprocessors import (
    AssignLatePenalties,
    ClearHiddenTests,
    LimitOutput,
    SaveAutoGrades,
)

from graders.autograde.execution import ResilientExecute
from graders.autograde.feedback_html import FeedbackHTMLExporter
from graders.nbgrader_plugins.preprocessors import (
    GetGradesAndPending,
    GradeReports,
    InjectProbes,
    PrepareFeedback,
    WriteFeedbackNotebook,
)
from graders.sandbox import system as sandbox

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = "cv-exam"
# The local exchange for release, fetch, submit, collect and feedback (graders/classroom.py).
c.Exchange.root = os.path.join(c.CourseDirectory.root, "exchange")

c.Autograde.autograde_preprocessors = [
    InjectProbes,
    ResilientExecute,
    GradeReports,
    ClearMetadataPreprocessor,
    LimitOutput,
    SaveAutoGrades,
    AssignLatePenalties,
]  # nbgrader's default ends with CheckCellMetadata, which sanitizing has run already

# A kernel that dies or hangs costs only its cell: ResilientExecute restarts it and goes on.
c.Execute.timeout = 30
# A graded kernel holds nothing worth a graceful goodbye: kill it at once.
c.Execute.shutdown_kernel = "immediate"
c.ResilientExecute.timeout_after_fault = 5
c.ResilientExecute.max_output_bytes = 1_000_000
# Test cells a student deleted come back from the gradebook and are graded.
c.OverwriteCells.add_missing_cells = True

# Student kernels run in a bubblewrap sandbox (graders/sandbox/launcher.py; its kernelspec is
# installed into the venv by scripts/setup.sh), reached over ipc sockets since the
# sandbox has no network. Its limits (graders/sandbox/system.py) are the kernel's arguments.
# Under `python -m graders grade` kernels are forked from a warm kernel factory into the same
# sandbox (graders/sandbox/factory_client.py).
c.Execute.kernel_name = "cvexam-sandbox"
c.KernelManager.transport = "ipc"
c.KernelManager.ip = sandbox.ipc_prefix()
c.Execute.extra_arguments = [
    *sandbox.kernel_arguments(),  # the limits: address space, processes, open files, CPU s, file size
    "--IPKernelApp.log_level=CRITICAL",  # the kernel's start-up chatter is not the student's output
    "--HistoryManager.enabled=False",  # no history database (and its thread) in a graded kernel
]
c.InjectProbes.call_budget = 5.0
# A failed item with neither a catalogued mistake nor a diagnosis says what was checked. Set
# True after the due date (or where the course allows) to show the expected value there too.
c.GradeReports.show_expected = False

# `python -m graders grade --zip FILE` files an LMS download with nbgrader's zip_collect: this
# reads Canvas's names, name[_LATE]_userid_submissionid_file.ipynb (matched on the whole path).
# Moodle's would be r".*/(?P<student_id>[^/_]+)_\d+_assignsubmission_file_(?P<file_id>[^/]+)$".
c.FileNameCollectorPlugin.named_regexp = (
    r".*/(?P<student_id>[A-Za-z0-9]+)(?:_(?i:late))?_\d+_\d+_(?P<file_id>[^/]+)$"
)

# Feedback shows verdicts, never the hidden tests; it reads offline (maths as MathML); a
# notebook is written beside the HTML.
c.GenerateFeedback.exporter_class = FeedbackHTMLExporter  # HTMLExporter, templates compiled once
c.GenerateFeedback.preprocessors = [
    ClearHiddenTests,
    GetGradesAndPending,  # nbgrader's GetGrades, noting the parts still awaiting a grader
    PrepareFeedback,  # each graded cell labelled by its part; no bare score outputs
    CSSHTMLHeaderPreprocessor,
    WriteFeedbackNotebook,
]
