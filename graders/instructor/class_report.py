"""How the class did: each student's score (with the points still to be given by hand) and
why any got nothing, per-part success rates, the score histogram and every mistake named,
as a terminal table and as an HTML page (Jinja2, autoescaped: class_report.html.j2) with
plots described in words and links to each student's feedback."""

import base64
import io
import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import jinja2

from graders.autograde.record import points
from graders.instructor import item_analysis
from graders.instructor.results import SubmissionResult


@dataclass
class PartStats:
    grade_id: str
    title: str
    max_score: float
    full: int
    attempts: int
    mean: float

    @property
    def rate(self) -> float:
        return self.full / self.attempts if self.attempts else 0.0


def part_stats(results: list[SubmissionResult]) -> list[PartStats]:
    """Success rate (full points) and mean score of each autograded part."""
    order: dict[str, list] = {}
    for result in results:
        for part in result.parts:
            if not part.graded_by_hand:
                order.setdefault(part.grade_id, []).append(part)
    return [
        PartStats(
            grade_id,
            parts[0].title,
            parts[0].max_score,
            sum(p.score >= p.max_score for p in parts),
            len(parts),
            sum(p.score for p in parts) / len(parts),
        )
        for grade_id, parts in order.items()
    ]


def common_mistakes(results: list[SubmissionResult]) -> list[tuple[str, int]]:
    """Every catalogued mistake named in the class, by how many submissions made it."""
    counts = Counter(
        mistake for result in results for mistake in {m for part in result.parts for m in part.mistakes}
    )
    return counts.most_common()


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in column) for column in zip(header, *rows, strict=True)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    rule = line.format(*("-" * w for w in widths))
    return "\n".join([line.format(*header), rule] + [line.format(*r) for r in rows])


def as_text(results: list[SubmissionResult]) -> str:
    students = [
        [
            r.student,
            r.score_text(),
            f"{r.seconds_late / 3600:.1f} h" if r.seconds_late else "",
            _short(r.why_zero(), 70),
        ]
        for r in results
    ]
    parts = [[s.title[:48], f"{s.rate:.0%}", f"{s.mean:.2f}/{s.max_score:g}"] for s in part_stats(results)]
    mistakes = [[name[:60], str(n)] for name, n in common_mistakes(results)]
    return "\n\n".join(
        [
            _table(students, ["student", "score", "late", "problems or why no points"]),
            _table(parts, ["part", "full marks", "mean"]),
            _table(mistakes or [["(none)", "0"]], ["mistakes named (all)", "submissions"]),
        ]
    )


def mistakes_by_part(results: list[SubmissionResult]) -> list[dict]:
    """Every catalogued mistake named, with its part and the students who made it, most made first."""
    found: dict[tuple[str, str], list[str]] = {}
    for result in results:
        for part in result.parts:
            for name in dict.fromkeys(part.mistakes):
                found.setdefault((name, part.title), []).append(result.student)
    rows = [{"name": name, "part": part, "students": sorted(set(s))} for (name, part), s in found.items()]
    return sorted(rows, key=lambda row: (-len(row["students"]), row["part"], row["name"]))


def _png(fig) -> dict:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return {"png": base64.b64encode(buffer.getvalue()).decode()}


def _plots(results: list[SubmissionResult]) -> tuple[dict, dict]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    top = max((r.max_score for r in results), default=1)
    scores = sorted(r.score for r in results if r.graded)  # one not graded has no score to show
    ax.hist(scores, bins=min(20, max(5, len(scores))), range=(0, top), color="#4c72b0")
    ax.set(xlabel="score", ylabel="submissions", title="Score histogram")
    histogram = _png(fig)
    plt.close(fig)
    histogram["alt"] = f"Score histogram of {len(scores)} graded submissions out of {top:g} points: " + (
        f"lowest {scores[0]:g}, median {scores[len(scores) // 2]:g}, highest {scores[-1]:g}."
        if scores
        else "none."
    )

    stats = part_stats(results)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(stats) + 1))
    ax.barh([s.title for s in stats][::-1], [100 * s.rate for s in stats][::-1], color="#55a868")
    ax.set(xlabel="% of submissions with full marks", xlim=(0, 100), title="Success rate per part")
    rates = _png(fig)
    plt.close(fig)
    hardest = sorted(stats, key=lambda s: s.rate)[:3]
    rates["alt"] = "Success rate per part (full marks), as in the Parts table below; lowest: " + "; ".join(
        f"{s.title} {s.rate:.0%}" for s in hardest
    )
    return histogram, rates


def _feedback_links(result: SubmissionResult, feedback: Path | None, page: Path) -> list[dict]:
    if feedback is None:
        return []
    folder = feedback / result.student / result.assignment
    return [
        {"href": os.path.relpath(html, page.parent), "name": html.stem}
        for html in sorted(folder.glob("*.html"))
    ]


_ENVIRONMENT = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent), autoescape=True, undefined=jinja2.StrictUndefined
)
_ENVIRONMENT.filters["points"] = points


def write_html(
    results: list[SubmissionResult],
    path: Path,
    title: str,
    feedback: Path | None = None,
    copies: dict | None = None,
) -> None:
    """The class report; `feedback` is the course's feedback folder, linked from each student;
    `copies`, copied_work.find's flagged pairs and shared wrong answers."""
    histogram, rates = _plots(results)
    rows = [
        {
            "student": r.student,
            "score": r.score_text(),
            "late": f"{r.seconds_late / 3600:.1f} h" if r.seconds_late else "",
            "why_zero": r.why_zero(),
            "feedback": _feedback_links(r, feedback, path),
        }
        for r in results
    ]
    page = _ENVIRONMENT.get_template("class_report.html.j2").render(
        title=title,
        results=results,
        graded=sum(r.graded for r in results),
        pending=sum(r.pending_points for r in results),
        waiting=sum(bool(r.pending_points) for r in results),
        histogram=histogram,
        rates=rates,
        parts=part_stats(results),
        mistakes=mistakes_by_part(results),
        analysis=item_analysis.analyse(results),
        copies=copies or {"pairs": [], "numbers": []},
        rows=rows,
    )
    path.write_text(page)
