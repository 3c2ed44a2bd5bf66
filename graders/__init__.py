"""The cv-exam grader.

questions/   one module per exam question: givens, torch reference, probes, mistakes
autograde/   the autograde path: harness (kernel side), wire format, model, preprocessors
sandbox/     the students' kernels' sandbox: launcher, kernel factory and its client
instructor/  the instructor's run: course, intake, grading, results, exports, report, CLI
classroom.py the one-machine JupyterLab classroom
"""

import sys

# jsonschema (imported by nbformat and nbgrader) imports rfc3987_syntax, which builds a
# Lark parser at import time: 1.3 to 2 s of every start-up, only to check the "iri" string
# format, which no notebook schema uses. jsonschema skips that check when the import fails.
sys.modules.setdefault("rfc3987_syntax", None)
