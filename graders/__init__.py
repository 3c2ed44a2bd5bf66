"""The cv-exam grader: the torch reference, the exam's parts, nbgrader preprocessors,
the sandbox, and the instructor's commands (`python -m graders`)."""

import sys

# jsonschema (imported by nbformat and nbgrader) imports rfc3987_syntax, which builds a
# Lark parser at import time: 1.3 to 2 s of every start-up, only to check the "iri" string
# format, which no notebook schema uses. jsonschema skips that check when the import fails.
sys.modules.setdefault("rfc3987_syntax", None)
