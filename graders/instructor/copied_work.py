"""Copied work: pairs of submissions whose answer code is unusually alike, and identical
uncommon wrong answers.

Code: copydetect's winnowing fingerprints (Schleimer et al.; names, strings and layout
normalised by its tokenizer, so renamed variables and reformatting do not hide a copy) of
each student's own code (answer cells and cells they added), each cell on its own, with every
cell of the release and the instructor's own solution as boilerplate: what everyone was
given, and the canonical answer many reach on their own, are no evidence. A pair is flagged
when at least `THRESHOLD` of each side's fingerprints are found in the other's (and at least
`MIN_SHARED` of them); the report shows the matching cells side by side.

Numbers: the same wrong answer to a one-value item that no catalogued mistake explains,
given by a few students only (a wrong number everyone who makes a known mistake reaches
is no sign of copying); code similarity misses these.
"""

import io
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

import nbformat
import numpy as np
from copydetect import CodeFingerprint, compare_files
from copydetect.utils import filter_code, hashed_kgrams

from graders.instructor.course import Course
from graders.instructor.results import SubmissionResult

NOISE, GUARANTEE = 25, 30  # copydetect's defaults: k-gram length, and the match always found
THRESHOLD = 0.5  # of each side's fingerprinted answer code found in the other's
MIN_SHARED = 8  # fingerprints in common, at least
RARE = 0.1  # a wrong answer "uncommon" if at most this share of the class gives it (and 2 at least)
logging.getLogger("copydetect").setLevel(logging.ERROR)


@dataclass
class Cell:
    key: str  # the answer cell's grade id, or "added" for a cell the student added
    pieces: list[tuple[str, bool]]  # its code in pieces: (text, matched in the other's)


@dataclass
class Pair:
    students: tuple[str, str]
    similarity: float  # the smaller of the two sides' shares
    shared: int  # fingerprints in common
    cells: tuple[list[Cell], list[Cell]] = ([], [])  # each side's cells with a match


def answer_code(path: Path, given: bool = False) -> list[tuple[str, str]]:
    """A notebook's code written by the student, in order: its answer cells (nbgrader solution
    cells, by grade id) and the code cells they added ("added"); [] if it cannot be read.
    With `given`, every code cell (what a release or a source hands out)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return []
    cells = []
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not isinstance(cell.source, str):
            continue
        if given or meta.get("solution") or not meta:
            cells.append((str(meta.get("grade_id", "added")), cell.source))
    return cells


def _fingerprint(code: str, boilerplate: np.ndarray | None = None) -> CodeFingerprint:
    return CodeFingerprint(
        "answer.py", NOISE, GUARANTEE - NOISE + 1, boilerplate, fp=io.StringIO(code), language="python"
    )


def _plain(code: str) -> str:
    """A cell's code without nbgrader's solution markers, blank lines and indentation at ends."""
    return "\n".join(
        line.rstrip()
        for line in code.strip().splitlines()
        if line.strip() and "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line
    )


def _pieces(code: str, ranges: list[tuple[int, int]]) -> list[tuple[str, bool]]:
    """`code` in pieces, those within `ranges` (merged) marked as matched."""
    pieces, at = [], 0
    for lo, hi in sorted(ranges):
        lo, hi = max(lo, at), min(hi, len(code))
        if hi <= lo:
            continue
        if lo > at:
            pieces.append((code[at:lo], False))
        pieces.append((code[lo:hi], True))
        at = hi
    if at < len(code):
        pieces.append((code[at:], False))
    return pieces


def similar_pairs(answers: dict[str, list[tuple[str, str]]], given: list[str]) -> list[Pair]:
    """Flagged pairs among `answers` (student -> their code cells), `given` being the code
    everyone had (the release's cells, the solution). Each cell is fingerprinted on its own
    (no k-gram spans two cells); a side's share is the part of its fingerprints the other has."""
    # every k-gram of what was given (a winnowed sample of it would miss most of a student's),
    # unique, as copydetect's intersection assumes
    grams = [hashed_kgrams(filter_code(code, "given.py", "python")[0], NOISE) for code in given]
    boilerplate = np.unique(np.concatenate(grams)) if grams else np.array([], dtype=np.int64)
    handed_out = {_plain(code) for code in given}  # a cell left as given is all boilerplate: skipped
    prints: dict[str, list[tuple[str, CodeFingerprint]]] = {}
    for student, cells in answers.items():
        found = [
            (key, fp)
            for key, code in cells
            if _plain(code) not in handed_out and (fp := _fingerprint(code, boilerplate)).hashes
        ]
        if found:
            prints[student] = found
    hashes = {student: set().union(*(fp.hashes for _, fp in cells)) for student, cells in prints.items()}
    holders: dict[int, set[str]] = {}
    for student, held in hashes.items():
        for h in held:
            holders.setdefault(h, set()).add(student)
    candidates = {pair for group in holders.values() for pair in itertools.combinations(sorted(group), 2)}
    flagged = []
    for a, b in sorted(candidates):
        common = hashes[a] & hashes[b]
        shares = len(common) / len(hashes[a]), len(common) / len(hashes[b])
        if min(shares) >= THRESHOLD and len(common) >= MIN_SHARED:
            flagged.append(
                Pair((a, b), round(min(shares), 3), len(common), _matching_cells(prints[a], prints[b]))
            )
    return sorted(flagged, key=lambda p: (-p.similarity, p.students))


def _matching_cells(left: list, right: list) -> tuple[list[Cell], list[Cell]]:
    """Each side's cells that share fingerprints with the other's, the shared code marked."""
    ranges: tuple[dict[int, list], dict[int, list]] = ({}, {})
    for i, (_, fa) in enumerate(left):
        for j, (_, fb) in enumerate(right):
            if fa.hashes & fb.hashes:
                _, _, (sa, sb) = compare_files(fa, fb)
                ranges[0].setdefault(i, []).extend(zip(sa[0].tolist(), sa[1].tolist(), strict=True))
                ranges[1].setdefault(j, []).extend(zip(sb[0].tolist(), sb[1].tolist(), strict=True))
    return tuple(
        [Cell(side[i][0], _pieces(side[i][1].raw_code, found[i])) for i in sorted(found)]
        for side, found in zip((left, right), ranges, strict=True)
    )


def shared_wrong_answers(results: list[SubmissionResult]) -> list[dict]:
    """The same uncatalogued wrong answer to a one-value item, given by a few students only."""
    graded = [r for r in results if r.graded]
    most = max(2, int(RARE * len(graded)))
    groups: dict[tuple[str, str, str], list[str]] = {}
    for r in graded:
        for p in r.parts:
            for item in p.verdict.items if p.verdict else []:
                if item.answer is not None and not item.passed and item.mistake is None:
                    groups.setdefault((p.title, item.label, item.answer), []).append(r.student)
    return [
        {"part": part, "item": label, "answer": answer, "students": sorted(students)}
        for (part, label, answer), students in sorted(groups.items())
        if 2 <= len(students) <= most
    ]


def find(course: Course, assignment: str, results: list[SubmissionResult]) -> dict:
    """Both checks for one assignment: `pairs` (code) and `numbers` (shared wrong answers)."""
    submitted = course.folder("submitted")
    answers = {}
    for r in results:
        if r.graded:
            answers[r.student] = [
                cell
                for path in sorted((submitted / r.student / assignment).glob("*.ipynb"))
                for cell in answer_code(path)
            ]
    given = [
        code
        for folder in ("release", "source")
        for path in sorted((course.folder(folder) / assignment).glob("*.ipynb"))
        for _, code in answer_code(path, given=True)
    ]
    return {"pairs": similar_pairs(answers, given), "numbers": shared_wrong_answers(results)}
