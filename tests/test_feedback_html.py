"""Feedback HTML: templates compiled once per process, the same page every time."""

import jinja2
from helpers import SOURCE

from graders.autograde.feedback_html import FeedbackHTMLExporter, render_math
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


def test_a_students_tex_cannot_put_markup_into_the_feedback_page():
    """latex2mathml copies \\text{...} into its output unescaped: the MathML is sanitized."""
    tex = "$\\text{&lt;script&gt;alert(1)&lt;/script&gt;}$"
    page = f'<div class="text_cell_render border-box-sizing rendered_html">{tex}</div>'
    shown = render_math(page)
    assert "<math" in shown and "<script>" not in shown and "&lt;script&gt;" in shown
