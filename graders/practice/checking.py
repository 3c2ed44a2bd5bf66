"""An instant check, on the instructor's side: the probes a student's kernel must answer,
and the verdicts on its answers, by the same verifier as autograde (items against the
torch reference, catalogued mistakes, diagnosis). Nothing that leaves here holds the
reference's code or its answers: probes are inputs, verdicts say right, wrong, and which
mistake, never the expected value."""

from pathlib import Path

from graders.autograde import harness, wire
from graders.autograde.record import VerdictRecord
from graders.autograde.registry import Registry
from graders.practice import variants

CALL_BUDGET = 5.0  # seconds per call of a student's function, as at autograde
HARNESS_SOURCE = Path(harness.__file__).read_text()


def probes(student: str, retry: int, secret: bytes, questions: Registry | None = None) -> dict:
    """What the student's kernel runs: the harness, each part's probe spec, and its title."""
    specs, titles = {}, {}
    for part in variants.parts(questions):
        specs[part.grade_id] = wire.probe_spec(
            part.grade_id, part.probes(variants.items(part, student, retry, secret)), CALL_BUDGET
        )
        titles[part.grade_id] = part.title
    return {"harness": HARNESS_SOURCE, "specs": specs, "titles": titles}


def verdicts(
    student: str,
    retry: int,
    secret: bytes,
    answers: dict,
    only: set[str] | None = None,
    questions: Registry | None = None,
) -> list[VerdictRecord]:
    """Each part's verdict (or the `only` parts') on the answers the kernel reported (untrusted,
    read by the wire)."""
    out = []
    for part in variants.parts(questions):
        if only is not None and part.grade_id not in only:
            continue
        items = variants.items(part, student, retry, secret)
        reported = answers.get(part.grade_id)
        probes = part.probes(items)
        if isinstance(reported, list):
            outcomes = wire.outcomes({"answers": reported}, probes)
        else:
            outcomes = wire.no_outcomes(probes, "no answers were reported for this part")
        out.append(part.grade(items, outcomes).record(part.grade_id))
    return out
