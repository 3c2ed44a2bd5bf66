"""How the class did: each student's score (with the points still to be given by hand) and
why any got nothing, per-part success rates, the score histogram and every mistake named,
as a terminal table and as an HTML page with plots and links to each student's feedback."""

import base64
import io
import os
from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path

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


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _plots(results: list[SubmissionResult]) -> tuple[str, str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3.2))
    top = max((r.max_score for r in results), default=1)
    scores = [r.score for r in results if r.graded]  # one not graded has no score to show
    ax.hist(scores, bins=min(20, max(5, len(scores))), range=(0, top), color="#4c72b0")
    ax.set(xlabel="score", ylabel="submissions", title="Score histogram")
    histogram = _png(fig)
    plt.close(fig)

    stats = part_stats(results)
    fig, ax = plt.subplots(figsize=(7, 0.3 * len(stats) + 1))
    ax.barh([s.title for s in stats][::-1], [100 * s.rate for s in stats][::-1], color="#55a868")
    ax.set(xlabel="% of submissions with full marks", xlim=(0, 100), title="Success rate per part")
    rates = _png(fig)
    plt.close(fig)
    return histogram, rates


def _feedback_links(result: SubmissionResult, feedback: Path | None, page: Path) -> str:
    if feedback is None:
        return ""
    folder = feedback / result.student / result.assignment
    links = [
        f'<a href="{escape(os.path.relpath(html, page.parent))}">{escape(html.stem)}</a>'
        for html in sorted(folder.glob("*.html"))
    ]
    return " ".join(links)


def write_html(results: list[SubmissionResult], path: Path, title: str, feedback: Path | None = None) -> None:
    """The class report; `feedback` is the course's feedback folder, linked from each student."""
    histogram, rates = _plots(results)
    rows = "".join(
        f"<tr><td>{escape(r.student)}</td><td>{escape(r.score_text())}</td>"
        f"<td>{f'{r.seconds_late / 3600:.1f} h' if r.seconds_late else ''}</td>"
        f"<td>{escape(r.why_zero())}</td><td>{_feedback_links(r, feedback, path)}</td></tr>"
        for r in results
    )
    pending = sum(r.pending_points for r in results)
    waiting = sum(bool(r.pending_points) for r in results)
    pending_note = (
        f"<p>Graded by hand and not yet graded: {pending:g} points over {waiting} submissions.</p>"
        if pending
        else ""
    )
    mistakes = "".join(
        f"<tr><td>{escape(name)}</td><td>{n}</td></tr>" for name, n in common_mistakes(results)
    )
    parts = "".join(
        f"<tr><td>{escape(s.title)}</td><td>{s.rate:.0%}</td><td>{s.mean:.2f} / {s.max_score:g}</td></tr>"
        for s in part_stats(results)
    )
    path.write_text(
        f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left}}
td:nth-child(2),td:nth-child(3){{white-space:nowrap}}</style>
</head><body><h1>{escape(title)}</h1>
<p>{len(results)} submissions.</p>
{pending_note}
<img alt="Score histogram" src="data:image/png;base64,{histogram}">
<img alt="Success rate per part" src="data:image/png;base64,{rates}">
<h2>Parts</h2><table><tr><th>part</th><th>full marks</th><th>mean</th></tr>{parts}</table>
<h2>Mistakes named ({len(common_mistakes(results))}, all of them)</h2>
<table><tr><th>mistake</th><th>submissions</th></tr>{mistakes}</table>
<h2>Submissions</h2><table><tr><th>student</th><th>score</th><th>late</th><th>problems or why no points</th>
<th>feedback</th></tr>{rows}</table>
</body></html>
"""
    )
