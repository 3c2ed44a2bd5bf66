"""Each practised question's task text with a student's own numbers (its practice_task after
the heading line, which the notebook shows as written; where
every `NAME` of a number reads `NAME` = its value, and every array or list of statements it
names is shown under it). Sent with the student's variant by the practice service, and set
for the kernel at autograde, so the task and the feedback read the numbers the student has."""

import re
from typing import Any

import numpy as np

from graders.autograde.registry import Registry, registry
from graders.practice import variants
from graders.practice.state import ASSIGNMENT

NAME = re.compile(r"`([A-Z][A-Z0-9_]*)`")


def label(title: str) -> str:
    """A part's question label: "1a" of "1a linear_forward", "2c" of "2c i VGG_SHAPES"."""
    return title.split()[0]


def render(template: str, givens: dict[str, Any]) -> str:
    """`template` with the numbers of `givens` (JSON values, as the service sends them)."""
    below: list[str] = []

    def number(match: re.Match) -> str:
        name = match.group(1)
        value = givens.get(name)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f"`{name}` = **{value:g}**"
        if value is not None and name not in below:
            below.append(name)
        return match.group(0)

    text = NAME.sub(number, template)
    for name in below:
        value = givens[name]
        if isinstance(value, list) and value and isinstance(value[0], str):
            text += f"\n\nYour `{name}`:\n\n" + "\n".join(f"{i}. {s}" for i, s in enumerate(value))
        else:
            shown = np.array2string(np.array(value), separator=", ")
            text += f"\n\nYour `{name}`:\n\n```\n{shown}\n```"
    return text


def texts(
    student: str, retry: int, secret: bytes, assignment: str = ASSIGNMENT, questions: Registry | None = None
) -> dict[str, str]:
    """Each practised question's task with the student's numbers, by its label ("1a")."""
    questions = questions or registry()
    shown = variants.shown(student, retry, secret, assignment, questions)
    out: dict[str, str] = {}
    for part in variants.parts(questions):
        if label(part.title) not in out:
            task = questions.question(part.question).practice_task or ""
            _heading, _, body = task.partition("\n")  # the heading is the notebook's
            out[label(part.title)] = render(body.strip(), shown)
    return out
