"""Item analysis of one assignment, as Moodle's quiz statistics and Gradescope's question
statistics give it, from the graded submissions (numpy for the numbers):

- per part and per item: facility (mean score / max), standard deviation, discrimination as
  the correlation of the part with the rest of the test (corrected item-total), and Kelley's
  upper-lower index on the top and bottom 27% by total score, with a flag where a part
  discriminates negatively or where everyone (or no one) gets it;
- per test: Cronbach's alpha and the standard error of measurement;
- for each one-value choice item (a letter, true or false): how often each answer was given,
  in the whole class and in the upper and the lower group (distractor analysis).

Parts still awaiting a grader are left out (their score is not decided yet)."""

import re
from dataclasses import asdict, dataclass, field

import numpy as np

from graders.instructor.results import SubmissionResult

GROUP = 0.27  # Kelley's upper and lower groups
CHOICE = re.compile(r"^(?:'[a-z]'|True|False)$")  # an answer that is one option of a few


@dataclass
class Stat:
    key: str
    title: str
    max_score: float
    n: int
    facility: float
    sd: float
    rest_correlation: float | None  # None where the part or the rest does not vary
    upper_lower: float
    flags: list[str] = field(default_factory=list)
    items: list["Stat"] = field(default_factory=list)


@dataclass
class Distractor:
    key: str
    title: str
    right: str | None
    answers: list[dict]  # {"answer", "all", "upper", "lower"}


@dataclass
class Analysis:
    n: int
    k: int
    mean: float
    sd: float
    alpha: float | None
    sem: float | None
    parts: list[Stat]
    distractors: list[Distractor]

    def as_dict(self) -> dict:
        return asdict(self)


def cronbach_alpha_of(cov: np.ndarray) -> float | None:
    """Cronbach's alpha from the items' covariance matrix: k/(k-1) (1 - sum of the item
    variances / variance of the total)."""
    k = cov.shape[0]
    total = float(cov.sum())
    if k < 2 or total <= 0:
        return None
    return k / (k - 1) * (1 - float(np.trace(cov)) / total)


def cronbach_alpha(scores: np.ndarray) -> float | None:
    """Cronbach's alpha of a students x items score matrix (sample covariances)."""
    if scores.shape[0] < 2:
        return None
    return cronbach_alpha_of(np.atleast_2d(np.cov(scores, rowvar=False)))


def rest_correlation(item: np.ndarray, total: np.ndarray) -> float | None:
    """Pearson's r of an item with the rest of the test (the total without the item)."""
    rest = total - item
    if len(item) < 3 or np.std(item) == 0 or np.std(rest) == 0:
        return None
    return float(np.corrcoef(item, rest)[0, 1])


def groups(total: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indexes of the upper and lower 27% by total score (at least one each; ties by order)."""
    size = max(1, int(round(GROUP * len(total))))
    order = np.argsort(-total, kind="stable")
    return order[:size], order[::-1][:size]


def upper_lower(item: np.ndarray, max_score: float, upper: np.ndarray, lower: np.ndarray) -> float:
    """Kelley's discrimination index: (mean of the upper group - mean of the lower) / max."""
    if max_score <= 0:
        return 0.0
    return float((item[upper].mean() - item[lower].mean()) / max_score)


def _stat(key: str, title: str, max_score: float, column: np.ndarray, total: np.ndarray, up, low) -> Stat:
    facility = float(column.mean() / max_score) if max_score else 0.0
    stat = Stat(
        key,
        title,
        max_score,
        len(column),
        facility,
        float(column.std(ddof=1)) if len(column) > 1 else 0.0,
        rest_correlation(column, total),
        upper_lower(column, max_score, up, low),
    )
    if (stat.rest_correlation is not None and stat.rest_correlation < 0) or stat.upper_lower < 0:
        stat.flags.append("discriminates negatively")
    if facility >= 1:
        stat.flags.append("everyone full marks")
    elif facility <= 0:
        stat.flags.append("no one scored")
    return stat


def analyse(results: list[SubmissionResult]) -> Analysis:
    graded = [r for r in results if r.graded and r.parts]
    pending = {p.grade_id for r in graded for p in r.parts if p.pending}
    columns: dict[str, tuple[str, float]] = {}
    for r in graded:
        for p in r.parts:
            if p.grade_id not in pending:
                columns.setdefault(p.grade_id, (p.title, p.max_score))
    keys = list(columns)
    scores = np.array([[next(p.score for p in r.parts if p.grade_id == k) for k in keys] for r in graded])
    scores = scores.reshape(len(graded), len(keys))
    total = scores.sum(axis=1)
    up, low = groups(total) if len(graded) else (np.array([], int), np.array([], int))
    parts, distractors = [], []
    for j, key in enumerate(keys):
        title, top = columns[key]
        if not len(graded):
            break
        stat = _stat(key, title, top, scores[:, j], total, up, low)
        stat.items, found = _items(graded, key, total, up, low)
        parts.append(stat)
        distractors += found
    sd = float(total.std(ddof=1)) if len(graded) > 1 else 0.0
    alpha = cronbach_alpha(scores) if len(keys) > 1 else None
    return Analysis(
        n=len(graded),
        k=len(keys),
        mean=float(total.mean()) if len(graded) else 0.0,
        sd=sd,
        alpha=alpha,
        sem=sd * float(np.sqrt(1 - alpha)) if alpha is not None and alpha <= 1 else None,
        parts=parts,
        distractors=distractors,
    )


def _items(graded: list[SubmissionResult], key: str, total: np.ndarray, up, low) -> tuple[list[Stat], list]:
    """Each item of a part, by position (every verdict of a part lists the same items); a
    submission with no verdict for the part (its notebook could not be read) has 0 on each."""
    records = [next((p.verdict for p in r.parts if p.grade_id == key), None) for r in graded]
    found = [v for v in records if v is not None]
    if not found or len({len(v.items) for v in found}) != 1:
        return [], []
    stats, distractors = [], []
    for i, first in enumerate(found[0].items):
        column = np.array([v.items[i].earned if v else 0.0 for v in records])
        label = f"{found[0].title}: {first.label}"
        stats.append(_stat(f"{key}/{i}", label, first.points, column, total, up, low))
        answers = [v.items[i].answer if v else None for v in records]
        given = [a for a in answers if a is not None]
        if given and all(CHOICE.match(a) for a in given):
            right = next((v.items[i].answer for v in found if v.items[i].passed), None)
            table = []
            for answer in [*sorted(set(given)), None]:
                chosen = np.array([a == answer for a in answers])
                if answer is None and not chosen.any():
                    continue
                table.append(
                    {
                        "answer": "(no answer)" if answer is None else answer,
                        "all": int(chosen.sum()),
                        "upper": int(chosen[up].sum()),
                        "lower": int(chosen[low].sum()),
                    }
                )
            distractors.append(Distractor(f"{key}/{i}", label, right, table))
    return stats, distractors


def csv_rows(analysis: Analysis) -> list[dict]:
    """A row per part and per item, for a spreadsheet."""
    rows = []
    for part in analysis.parts:
        for stat, level in [(part, "part"), *[(item, "item") for item in part.items]]:
            rows.append(
                {
                    "level": level,
                    "key": stat.key,
                    "title": stat.title,
                    "max": f"{stat.max_score:g}",
                    "n": stat.n,
                    "facility": f"{stat.facility:.3f}",
                    "sd": f"{stat.sd:.3f}",
                    "rest_correlation": ""
                    if stat.rest_correlation is None
                    else f"{stat.rest_correlation:.3f}",
                    "upper_lower": f"{stat.upper_lower:.3f}",
                    "flags": "; ".join(stat.flags),
                }
            )
    return rows
