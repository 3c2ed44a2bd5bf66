"""The practice state a student's work carries: the retry counter, in a file beside the
notebook (read by the grader, the results and, on the student's side, the client), signed
by the practice service with the course's secret, which also keys every student's numbers.
Standard library only: result writers read it without loading the questions."""

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

ASSIGNMENT = "cv_practice"  # the practice assignment (source/cv_practice/, generated)
STATE_FILE = "practice_variant.json"  # {"student", "retry", "seed", "signature"}, by the student's client
# In the course folder, never given to students: the key of every student's numbers (no one
# can compute another's variant) and of the service's signature on a retry counter (grading
# uses only a counter the service issued to that student). Made on first use.
SECRET_FILE = "practice_secret"
MAX_RETRY = 1_000_000
# At autograde the kernel gets the student's numbers here (JSON), instead of from the service.
GIVENS_ENV = "CVEXAM_PRACTICE_GIVENS"
TASKS_ENV = "CVEXAM_PRACTICE_TASKS"  # and the task texts with those numbers (JSON), by label


def course_secret(course_root: Path) -> bytes:
    """The course's practice secret (`SECRET_FILE`), made on first use, readable by its owner
    and group only."""
    path = Path(course_root) / SECRET_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o640)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    except FileExistsError:
        pass
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        secret = f.read().strip()
    if len(secret) < 32:
        raise ValueError(f"{path} holds no usable secret: remove it to have a new one made")
    return secret


def keyed(secret: bytes, purpose: str, student: str, retry: int, assignment: str = ASSIGNMENT) -> bytes:
    """HMAC-SHA256 of one student's variant of an assignment, for one purpose ("seed",
    "signature"): a variant exam's numbers are not its students' practice numbers."""
    return hmac.new(secret, f"{purpose}/{assignment}/{student}/{retry}".encode(), hashlib.sha256).digest()


def signature(secret: bytes, student: str, retry: int) -> str:
    """The service's signature on the retry counter it issued to `student`."""
    return keyed(secret, "signature", student, retry).hex()


def read_retry(folder: Path, student: str, secret: bytes) -> tuple[int, str | None]:
    """The retry counter a submission carries, and what was wrong with its file, if anything
    (a missing or damaged file, or a counter the service did not sign for this student,
    counts as the first variant)."""
    path = folder / STATE_FILE
    if not path.exists():
        return 0, f"no {STATE_FILE}: graded on the first variant"
    try:
        data = json.loads(path.read_text())
        retry, signed = data["retry"], data.get("signature", "")
    except (ValueError, KeyError, TypeError, OSError, AttributeError):
        return 0, f"{STATE_FILE} could not be read: graded on the first variant"
    if not isinstance(retry, int) or isinstance(retry, bool) or not 0 <= retry <= MAX_RETRY:
        return 0, f"{STATE_FILE} holds no valid retry counter: graded on the first variant"
    if retry and not (
        isinstance(signed, str) and hmac.compare_digest(signed, signature(secret, student, retry))
    ):
        return 0, (
            f"{STATE_FILE}'s counter ({retry}) was not issued to {student} by the practice service: "
            "graded on the first variant"
        )
    return retry, None
