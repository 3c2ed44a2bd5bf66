"""The formgrader's pages, rendered in the instructors' Jupyter server: what a student wrote
is inert there (the formgrader is served on the instructor's own origin, where a student's
script could call the instructor's server API and run code as the instructor).

nbconvert sanitizes outputs (`HTMLExporter.sanitize_html`), but nbgrader's formgrade template
renders markdown cells as `markdown2html | strip_files_prefix`, without nbconvert's
sanitizing filter. This filter, set in place of `strip_files_prefix` by the instructor's
Jupyter config (`graders/roles.py`), runs nbconvert's own sanitizer (`SanitizeHTML`'s tags
and attributes, widened to what markdown renders) on the rendered HTML, after the maths
was protected by the markdown renderer, so `$a > 0$` still reads as maths. Anything else
(scripts, event handlers, `javascript:` links, styles, frames, forms) is shown as text.

Then the maths is rendered to MathML, as in the feedback (`render_math`'s sanitized
MathML), so a grader reads a proof's formulas on a machine that cannot reach MathJax's CDN.
"""

from nbconvert.filters.strings import strip_files_prefix
from nbconvert.preprocessors.sanitize import SanitizeHTML

from graders.autograde.feedback_html import math_to_mathml

# What markdown renders to, and nothing that runs.
MARKDOWN_TAGS = [
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code"),
    *("em", "strong", "b", "i", "u", "s", "del", "sub", "sup", "span", "div", "abbr"),
    *("ul", "ol", "li", "dl", "dt", "dd", "a", "img"),
    *("table", "thead", "tbody", "tr", "th", "td", "caption"),
]
MARKDOWN_ATTRIBUTES = {
    "*": ["class", "id", "title"],
    "a": ["href", "title"],
    "img": ["src", "alt", "title", "width", "height"],
    "th": ["align", "colspan", "rowspan"],
    "td": ["align", "colspan", "rowspan"],
}
_SANITIZER = SanitizeHTML(tags=MARKDOWN_TAGS, attributes=MARKDOWN_ATTRIBUTES)


def strip_files_prefix_and_sanitize(html: str) -> str:
    """nbconvert's `strip_files_prefix`, nbconvert's HTML sanitizer, then the maths as MathML."""
    return math_to_mathml(_SANITIZER.sanitize_html_tags(strip_files_prefix(html)))
