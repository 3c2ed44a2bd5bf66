"""The practice state a student's work carries: the retry counter, in a file beside the
notebook (read by the grader, the results and, on the student's side, the client).
Standard library only: result writers read it without loading the questions."""

import json
from pathlib import Path

ASSIGNMENT = "cv_practice"  # the practice assignment (source/cv_practice/, generated)
STATE_FILE = "practice_variant.json"  # {"student", "retry", "seed"}, written by the student's client
MAX_RETRY = 1_000_000
# At autograde the kernel gets the student's numbers here (JSON), instead of from the service.
GIVENS_ENV = "CVEXAM_PRACTICE_GIVENS"


def read_retry(folder: Path) -> tuple[int, str | None]:
    """The retry counter a submission carries, and what was wrong with its file, if anything
    (a missing or damaged file counts as the first variant)."""
    path = folder / STATE_FILE
    if not path.exists():
        return 0, f"no {STATE_FILE}: graded on the first variant"
    try:
        retry = json.loads(path.read_text())["retry"]
    except (ValueError, KeyError, TypeError, OSError):
        return 0, f"{STATE_FILE} could not be read: graded on the first variant"
    if not isinstance(retry, int) or isinstance(retry, bool) or not 0 <= retry <= MAX_RETRY:
        return 0, f"{STATE_FILE} holds no valid retry counter: graded on the first variant"
    return retry, None
