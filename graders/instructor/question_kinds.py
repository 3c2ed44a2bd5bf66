"""The kinds of question `python -m graders new-question` scaffolds, each a module template
and its three notebook cells (task, solution, visible check), written so that the scaffold
grades as it is: the solution earns every point, its catalogued mistake is named, its wrong
answer is diagnosed.

- function: a function of any signature (`--signature "x, gamma, beta, eps=1e-5"`), probed on
  the question's inputs and random ones, against a torch reference;
- number: a number (`--integer` for an exact whole number; otherwise within a tolerance);
- choice: one letter among options, or several (`--multiple`: a string of letters, "ac");
  the options are written once, in the question, and the task's text is made from them.
"""

import ast
from dataclasses import dataclass

KINDS = ("function", "number", "choice")


@dataclass(frozen=True)
class Scaffold:
    module: str
    task: str
    solution: str
    check: str


def parameters(signature: str) -> tuple[list[str], str]:
    """The positional parameters without a default (each probed with an array), and the
    signature as written; a clear error for one Python cannot read."""
    try:
        tree = ast.parse(f"def f({signature}):\n    pass\n")
    except SyntaxError:
        raise ValueError(f"--signature {signature!r} is not a Python parameter list") from None
    args = tree.body[0].args
    required = [a.arg for a in args.args[: len(args.args) - len(args.defaults)]]
    if not required:
        raise ValueError(
            f"--signature {signature!r}: the function needs at least one argument without a default"
        )
    return required, signature


FUNCTION = '''"""{title}. Written by `python -m graders new-question --kind function`: replace each TODO."""

import numpy as np
import torch

from graders.autograde.model import Item, Mistake, Part, Probe, WrongAnswer
from graders.questions.tensors import array, tensor

NOTEBOOK = "{notebook}"

# Givens: the numbers the question states (TODO: the question's own).
{givens}


def {student}({signature}):
    """Reference, in torch (TODO: the right answer)."""
    return array(torch.mul(tensor({first}), 2))


RETURNS_INPUT = Mistake(
    "returns its input unchanged",
    "TODO: the hint a student reads when their answers match this mistake's code.",
    "def {student}({signature}):\\n    return {first}\\n",
    required=True,
)


def _items(rng: np.random.Generator) -> list[Item]:
    probes = [
        Probe("given", "{student}", ({given_args},), "the question's inputs"),
        Probe("random", "{student}", ({random_args},), "random (3, 4) arrays"),
    ]
    return [Item("{student}", 1, probes, {student}, [RETURNS_INPUT])]


PARTS = [Part("test_{name}", "{title}", _items)]

# Wrong answers no mistake above names, each with what its diagnosis must say (the tests run
# every one; TODO: the ones your students write).
WRONG_ANSWERS = [
    WrongAnswer("test_{name}", "def {student}({signature}):\\n    return -2 * {first}\\n", "opposite sign"),
]
'''

NUMBER = '''"""{title}. Written by `python -m graders new-question --kind number`: replace each TODO."""

import numpy as np

from graders.autograde.model import Item, Mistake, Part, Probe, WrongAnswer

NOTEBOOK = "{notebook}"
ANSWER = {answer}  # TODO: the right number (the reference; students never see it)

ONE_TOO_MANY = Mistake(
    "one too many",
    "TODO: the hint a student reads when they give this wrong number.",
    "{student} = {off_by_one}\\n",
    required=True,
)


def _items(rng: np.random.Generator) -> list[Item]:
    probe = Probe("{student}", "{student}")
    return [Item("{student}", 1, [probe], ANSWER, [ONE_TOO_MANY], {tolerance})]


PARTS = [Part("test_{name}", "{title}", _items)]

WRONG_ANSWERS = [WrongAnswer("test_{name}", "{student} = {doubled}\\n", "2 times")]
'''

CHOICE = '''"""{title}. Written by `python -m graders new-question --kind choice`: replace each TODO."""

import numpy as np

from graders.autograde.model import Item, Mistake, Part, Probe

NOTEBOOK = "{notebook}"

# The options, written once: the task's text is made from them by
# `python -m graders points --write` (TODO: yours).
OPTIONS = {options}
RIGHT = "{right}"  # {right_help}

WRONG_PICK = Mistake(
    "picked (d)",
    "TODO: why (d) is tempting, and why it is wrong.",
    "{student} = \\"d\\"\\n",
    required=True,
)


def _letters(answer):
    """The letters chosen, in order, whichever way they were written ("ca", "a, c")."""
    return "".join(sorted(c for c in str(answer).lower() if c in OPTIONS))


def _items(rng: np.random.Generator) -> list[Item]:
    probe = Probe("{student}", "{student}")
    return [Item("{student}", 1, [probe], _letters(RIGHT), [WRONG_PICK], view=_letters)]


PARTS = [Part("test_{name}", "{title}", _items)]
'''


def function(name: str, student: str, title: str, notebook: str, signature: str) -> Scaffold:
    required, signature = parameters(signature)
    givens = "\n".join(
        f"GIVEN_{p.upper()} = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])" + (f" + {i}" if i else "")
        for i, p in enumerate(required)
    )
    values = {
        "name": name,
        "student": student,
        "title": title,
        "notebook": notebook,
        "signature": signature,
        "first": required[0],
        "givens": givens,
        "given_args": ", ".join(f"GIVEN_{p.upper()}" for p in required),
        "random_args": ", ".join("rng.normal(size=(3, 4))" for _ in required),
    }
    ones = ", ".join("np.ones(3)" for _ in required)
    return Scaffold(
        FUNCTION.format(**values),
        f"### {title}\n\nTODO: the question's text. Write `{student}({signature})`.",
        f"def {student}({signature}):\n"
        f"    ### BEGIN SOLUTION\n    return 2 * {required[0]}\n    ### END SOLUTION",
        f'assert np.shape({student}({ones})) == (3,), "{student} keeps the shape of {required[0]}"\n'
        f'print("{student}: well formed")\n\n'
        "### BEGIN HIDDEN TESTS\n"
        f"# Graded outside your kernel (graders/questions/{name}.py).\n"
        "### END HIDDEN TESTS",
    )


def number(name: str, student: str, title: str, notebook: str, integer: bool) -> Scaffold:
    answer = 42 if integer else 0.75
    values = {
        "name": name,
        "student": student,
        "title": title,
        "notebook": notebook,
        "answer": answer,
        "off_by_one": answer + 1,
        "doubled": answer * 2,
        "tolerance": "atol=0, rtol=0" if integer else "atol=1e-3, rtol=1e-3",
    }
    kind = "a whole number" if integer else "a number"
    test = "(int, np.integer)" if integer else "(int, float, np.integer, np.floating)"
    return Scaffold(
        NUMBER.format(**values),
        f"### {title}\n\nTODO: the question's text. Set `{student}` to {kind}.",
        f"### BEGIN SOLUTION\n{student} = {answer}\n### END SOLUTION",
        f'assert isinstance({student}, {test}), "{student} should be {kind}"\n'
        f'print("{student}: well formed")\n\n'
        "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS",
    )


def options_text(options: dict[str, str]) -> str:
    """The options as the task lists them (made from the question's OPTIONS)."""
    return "\n".join(f"- **({letter})** {text}" for letter, text in options.items())


TODO_OPTIONS = {
    "a": "TODO: the first option.",
    "b": "TODO: the second option.",
    "c": "TODO: the third option.",
    "d": "TODO: the fourth option.",
}


def choice(name: str, student: str, title: str, notebook: str, multiple: bool) -> Scaffold:
    right = "ac" if multiple else "b"
    help_text = "every right letter, in any order" if multiple else "the one right letter"
    values = {
        "name": name,
        "student": student,
        "title": title,
        "notebook": notebook,
        "right": right,
        "right_help": help_text,
        "options": "{\n"
        + "".join(f"    {k!r}: {v!r},\n" for k, v in TODO_OPTIONS.items()).replace("'", '"')
        + "}",
    }
    ask = (
        'the letters of every right option, as one string ("ac")'
        if multiple
        else "the letter of the right option"
    )
    return Scaffold(
        CHOICE.format(**values),
        f"### {title}\n\nTODO: the question. Set `{student}` to {ask}.\n\n{options_text(TODO_OPTIONS)}",
        f'### BEGIN SOLUTION\n{student} = "{right}"\n### END SOLUTION',
        f'assert isinstance({student}, str) and {student}, "{student} is a string of letters"\n'
        f'print("{student}: well formed")\n\n'
        "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS",
    )
