"""The HTML exporter of `nbgrader generate_feedback`: readable offline, labelled, and with its
templates compiled once.

- Maths is rendered to MathML when the page is made (latex2mathml), so the page needs no
  MathJax from the network: every browser shows `<math>` as it is. The MathJax loader
  nbconvert puts in the page is left out. latex2mathml copies `\\text{...}` into the output
  unescaped, so its MathML is sanitized (nbconvert's sanitizer, MathML's presentation
  elements only): TeX is a student's text.
- The contents at the top are the overview (feedback_overview.py): the exam's total across
  its notebooks, each part by its label ("1a linear_forward", not "Test cell") with its
  points and verdict, lost parts marked.
- Every reader can use it: the page's language, a viewport for phones, wide tables and
  code scroll inside the page instead of widening it.
- nbgrader makes a new exporter, so a new Jinja environment, for every student: each one
  compiled the same nine templates again (about 0.09 s a notebook). This exporter keeps
  the compiled templates in memory for the life of the process; a template whose source
  changes is compiled again (Jinja checks the source's checksum).
"""

import functools
import html
import re

import jinja2
from latex2mathml.converter import convert
from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbformat import NotebookNode

from graders.autograde import feedback_overview
from graders.autograde.feedback_overview import EXAM, PARTS

PENDING = "cvexam_pending"  # resources[PENDING]: parts awaiting a grader, with their points
MATHJAX = re.compile(r"\s*<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
RENDERED_MARKDOWN = re.compile(r'(<div class="text_cell_render[^"]*">)(.*?)(</div>)', re.S)
DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<!\\)\$")
CONTENTS = re.compile(r'<div id="toc">\s*<ol>.*?</ol>\s*</div>', re.S)
# nbgrader's feedback page wraps nbconvert's, which has a div of the same id inside.
NBGRADER_WRAPPER = '<div class="border-box-sizing" id="notebook">'
HTML_HEAD = '<html>\n<head>\n<meta charset="utf-8"/>'
PAGE_HEAD = """<html lang="en">\n<head>\n<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>"""
PAGE_STYLE = """<style>
.cvexam-overview table { width: 100%; margin: 0.5em 0; }
.cvexam-overview th, .cvexam-overview td { padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
.cvexam-overview caption { color: #333; }
.cvexam-lost, .cvexam-marked { background: #fbeaea; }
.cvexam-right { background: #eaf6ea; }
.cvexam-pending { background: #fdf6e3; }
.cvexam-overview h2 { font-size: 1.4em; margin-top: 0.2em; }
@media (max-width: 600px) { .container { width: auto; padding: 0 4px; } }
pre, .output_area, .input_area, table { max-width: 100%; overflow-x: auto; }
img { max-width: 100%; height: auto; }
a { color: #1f5a8a; }
.cvexam-math { display: block; max-width: 100%; overflow-x: auto; }
div.nbgrader_cell .panel-heading a { color: inherit; text-decoration: underline; }
.inner_cell, .output_subarea, .output_area { min-width: 0; }
@media (max-width: 600px) { .prompt { display: none; } }
.highlight .c, .highlight .c1, .highlight .cm,
.highlight .ch, .highlight .cs, .highlight .cpf { color: #2f6060; }
.highlight .ow, .highlight .nd { color: #7a1fc2; }
</style>
</head>"""


# A display formula scrolls on its own when wider than the screen (a phone's 375 px).
MATH_BLOCK = '<span class="cvexam-math" tabindex="0">{}</span>'
# MathML's presentation elements and attributes (what latex2mathml writes), and nothing else.
MATHML_TAGS = [
    *("math", "mrow", "mi", "mn", "mo", "mtext", "mspace", "mfrac", "msqrt", "mroot", "mstyle"),
    *("msub", "msup", "msubsup", "munder", "mover", "munderover", "mtable", "mtr", "mtd"),
    *("mpadded", "mphantom", "menclose"),
]
MATHML_ATTRIBUTES = {
    "math": ["display", "xmlns"],
    "*": [
        *("mathvariant", "stretchy", "fence", "separator", "lspace", "rspace", "width", "height"),
        *("depth", "accent", "accentunder", "movablelimits", "linethickness", "form", "minsize"),
        *("maxsize", "symmetric", "largeop", "notation", "displaystyle", "scriptlevel"),
        *("columnalign", "rowspacing", "columnspacing", "columnlines", "rowlines", "frame"),
    ],
}
_MATHML_ONLY = SanitizeHTML(tags=MATHML_TAGS, attributes=MATHML_ATTRIBUTES)


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


@functools.lru_cache(maxsize=4096)  # the exam's own formulas repeat in every student's page
def _mathml(tex: str, display: str) -> str:
    try:
        return _MATHML_ONLY.sanitize_html_tags(convert(html.unescape(tex).strip(), display=display))
    except Exception:  # TeX latex2mathml cannot read stays as it was written
        return f"${tex}$" if display == "inline" else f"$${tex}$$"


def math_to_mathml(fragment: str) -> str:
    """Every $...$ and $$...$$ of a piece of rendered (escaped) markdown as MathML."""
    fragment = DISPLAY_MATH.sub(lambda m: MATH_BLOCK.format(_mathml(m.group(1), "block")), fragment)
    return INLINE_MATH.sub(lambda m: _mathml(m.group(1), "inline"), fragment)


def render_math(page: str) -> str:
    """Every $...$ and $$...$$ of the rendered markdown cells as MathML."""
    return RENDERED_MARKDOWN.sub(lambda m: m.group(1) + math_to_mathml(m.group(2)) + m.group(3), page)


SCORE = r"Score: -?[\d.]+ / [\d.]+"
NOTEBOOK_SCORE = re.compile(r"(<h4>[^<]*\()(" + SCORE + r")(\)</h4>)")


def mark_pending(page: str, pending: dict[str, float]) -> str:
    """Parts awaiting a grader say so, at the part and beside the notebook's score, instead of
    nbgrader's "Score: 0.0 / 2.0"."""
    for grade_id, points in pending.items():
        name = re.escape(html.escape(grade_id))
        waiting = f"awaiting a grader, {points:g} point{'s' if points != 1 else ''}"
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
    """nbconvert's HTMLExporter: maths as MathML, the overview as contents, a page every reader
    can use, templates compiled once."""

    def _create_environment(self) -> jinja2.Environment:
        environment = super()._create_environment()
        environment.bytecode_cache = _COMPILED
        return environment

    def from_notebook_node(self, nb: NotebookNode, resources: dict | None = None, **kw) -> tuple[str, dict]:
        page, resources = super().from_notebook_node(nb, resources, **kw)
        page = (
            MATHJAX.sub("", page, count=1).replace(HTML_HEAD, PAGE_HEAD, 1).replace("</head>", PAGE_STYLE, 1)
        )
        page = page.replace(NBGRADER_WRAPPER, NBGRADER_WRAPPER.replace(' id="notebook"', ""), 1)
        page = mark_pending(page, resources.get(PENDING, {}))
        if PARTS in resources:
            notebook = resources.get("nbgrader", {}).get("notebook", "")
            overview = feedback_overview.render(notebook, resources.get(EXAM), resources[PARTS])
            page = CONTENTS.sub(lambda _: overview, page, count=1)
        return render_math(page), resources
