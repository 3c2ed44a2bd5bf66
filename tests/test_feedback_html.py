"""Feedback HTML: templates compiled once per process, the same page every time."""

import jinja2
from helpers import SOURCE

from graders.autograde.feedback_html import FeedbackHTMLExporter
from graders.instructor.course import read


def test_a_second_exporter_reuses_the_compiled_templates(monkeypatch):
    nb = read(SOURCE / "part1_exam_questions.ipynb")
    first, _ = FeedbackHTMLExporter().from_notebook_node(nb)
    compiled = []
    original = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment, "compile", lambda self, *a, **k: compiled.append(a) or original(self, *a, **k)
    )
    second, _ = FeedbackHTMLExporter().from_notebook_node(nb)
    assert second == first
    assert compiled == []
