"""The HTML exporter of `nbgrader generate_feedback`: readable offline, labelled, and with its
templates compiled once.

- Maths is rendered to MathML when the page is made (latex2mathml), so the page needs no
  MathJax from the network: every browser shows `<math>` as it is. The MathJax loader
  nbconvert puts in the page is left out.
- The table of contents names each graded cell by its part's label ("1a linear_forward"),
  not "Test cell".
- nbgrader makes a new exporter, so a new Jinja environment, for every student: each one
  compiled the same nine templates again (about 0.09 s a notebook). This exporter keeps
  the compiled templates in memory for the life of the process; a template whose source
  changes is compiled again (Jinja checks the source's checksum).
"""

import html
import re

import jinja2
from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbformat import NotebookNode

LABELS = "cvexam_labels"  # resources[LABELS]: each graded cell's label, set by PrepareFeedback
PENDING = "cvexam_pending"  # resources[PENDING]: parts awaiting a grader, with their points
MATHJAX = re.compile(r"\s*<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
RENDERED_MARKDOWN = re.compile(r'(<div class="text_cell_render[^"]*">)(.*?)(</div>)', re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$")
TOC_ENTRY = re.compile(r'<a href="#([^"]+)">(?:Test cell|Written response|Coding free-response|Task)</a>')


class _MemoryBytecodeCache(jinja2.BytecodeCache):
    def __init__(self) -> None:
        self._store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._store[bucket.key] = bucket.bytecode_to_string()


_COMPILED = _MemoryBytecodeCache()


def _mathml(tex: str, display: str) -> str:
    try:
        return convert(html.unescape(tex).strip(), display=display)
    except Exception:  # TeX latex2mathml cannot read stays as it was written
        return f"${tex}$" if display == "inline" else f"$${tex}$$"


def render_math(page: str) -> str:
    """Every $...$ and $$...$$ of the rendered markdown cells as MathML."""

    def cell(match: re.Match) -> str:
        body = DISPLAY_MATH.sub(lambda m: _mathml(m.group(1), "block"), match.group(2))
        body = INLINE_MATH.sub(lambda m: _mathml(m.group(1), "inline"), body)
        return match.group(1) + body + match.group(3)

    return RENDERED_MARKDOWN.sub(cell, page)


def label_contents(page: str, labels: dict[str, str]) -> str:
    """The table of contents' entries named by each graded cell's label."""

    def entry(match: re.Match) -> str:
        label = labels.get(html.unescape(match.group(1)))
        return f'<a href="#{match.group(1)}">{html.escape(label)}</a>' if label else match.group(0)

    return TOC_ENTRY.sub(entry, page)


SCORE = r"Score: -?[\d.]+ / [\d.]+"
NOTEBOOK_SCORE = re.compile(r"(<h4>[^<]*\()(" + SCORE + r")(\)</h4>)")


def mark_pending(page: str, pending: dict[str, float]) -> str:
    """Parts awaiting a grader say so, in the contents, at the part and beside the notebook's
    score, instead of nbgrader's "Score: 0.0 / 2.0"."""
    for grade_id, points in pending.items():
        name = re.escape(html.escape(grade_id))
        waiting = f"awaiting a grader, {points:g} point{'s' if points != 1 else ''}"
        page = re.sub(rf'(<a href="#{name}">[^<]*</a> \()' + SCORE + r"\)", rf"\1{waiting})", page)
        page = re.sub(
            rf'(<a name="{name}"></a>\s*<div class="panel-heading">.*?)' + SCORE,
            lambda m, w=waiting: m.group(1) + w[0].upper() + w[1:],
            page,
            count=1,
            flags=re.S,
        )
    if pending:
        total = sum(pending.values())
        page = NOTEBOOK_SCORE.sub(rf"\1\2; {total:g} points awaiting a grader\3", page, count=1)
    return page


class FeedbackHTMLExporter(HTMLExporter):
    """nbconvert's HTMLExporter: maths as MathML, labelled contents, templates compiled once."""

    def _create_environment(self) -> jinja2.Environment:
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED
        return environment

    def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None, **kw) -> tuple[str, dict]:
        page, resources = super().from_notebook_node(nb, resources, **kw)
        page = MATHJAX.sub("", page, count=1)
        page = mark_pending(page, resources.get(PENDING, {}))
        return label_contents(render_math(page), resources.get(LABELS, {})), resources
