"""Which numbers a student practises on: a variant of every question whose numbers vary,
fixed by the student's id and their retry counter.

The seed is derived here, keyed by the course's secret (state.SECRET_FILE: no one without it
can compute another student's numbers), and stored with the student's work
(state.STATE_FILE), as WeBWorK learned to: the grader recomputes it from the nbgrader student
id and the retry counter the service signed, so a file copied from another student changes
nothing.
"""

import functools
import zlib
from typing import Any

import numpy as np

from graders.autograde.model import Givens, Item, Part
from graders.autograde.registry import Registry, registry
from graders.practice.state import ASSIGNMENT, keyed

PROBE_SEED = 2026  # as InjectProbes.seed: the probes of a part are drawn per student and part


def parts(questions: Registry | None = None) -> list[Part]:
    """The practice assignment's parts: every part whose numbers vary and that practice asks
    (of the course's questions, or of `questions`)."""
    questions = questions or registry()
    found = [p for p in questions.values() if p.variant is not None and p.practice]
    order = list(questions)
    return sorted(found, key=lambda p: (p.title.split()[0], order.index(p.grade_id)))  # "1a", "1c", "2e"


def seed(student: str, retry: int, secret: bytes, assignment: str = ASSIGNMENT) -> int:
    return int.from_bytes(keyed(secret, "seed", student, retry, assignment)[:8], "big")


def givens(part: Part, variant_seed: int) -> Givens:
    """The numbers of `part`'s question in the variant `variant_seed` (the same for all the
    parts of one question)."""
    assert part.variant is not None
    rng = np.random.default_rng([variant_seed, zlib.crc32(part.question.encode())])
    return part.variant.draw(rng)


def items(part: Part, student: str, retry: int, secret: bytes, assignment: str = ASSIGNMENT) -> list[Item]:
    """The items of `part` on the student's variant, with the student's probes (kept for the
    next request: a check asks for its probes, then for the verdicts on the same ones)."""
    return _items(part, student, retry, secret, assignment)


@functools.lru_cache(maxsize=4096)
def _items(part: Part, student: str, retry: int, secret: bytes, assignment: str) -> list[Item]:
    rng = np.random.default_rng([PROBE_SEED, zlib.crc32(f"{student}/{part.grade_id}".encode())])
    return part.items(rng, givens(part, seed(student, retry, secret, assignment)))


def shown(
    student: str, retry: int, secret: bytes, assignment: str = ASSIGNMENT, questions: Registry | None = None
) -> dict[str, Any]:
    """The student's numbers, by the names the notebook uses, as JSON (arrays as lists)."""
    out: dict[str, Any] = {}
    for part in parts(questions):
        for name, value in givens(part, seed(student, retry, secret, assignment)).items():
            out[name] = value.tolist() if isinstance(value, np.ndarray) else value
    return out
