"""The cv-exam grader.

questions/   one module per exam question: givens, torch reference, probes, mistakes
autograde/   the grading engine: harness (kernel side), wire format, model, verdicts, feedback HTML
nbgrader_plugins/  nbgrader's preprocessors: the engine, the questions and practice put together
practice/    each student's own numbers, instant checks, variant exams
sandbox/     the students' kernels' sandbox: launcher, kernel factory and its client
instructor/  the instructor's run: course, intake, grading, results, exports, report, CLI
classroom.py the one-machine JupyterLab classroom
"""

import sys

# jsonschema (imported by nbformat and nbgrader) imports rfc3987_syntax, which builds a
# Lark parser at import time: 1.3 to 2 s of every start-up, only to check the "iri" string
# format, which no notebook schema uses. jsonschema skips that check when the import fails.
sys.modules.setdefault("rfc3987_syntax", None)
