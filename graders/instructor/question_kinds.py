"""The kinds of question `python -m graders new-question` scaffolds, each a module template
and its notebook cells (a task, then a solution and a visible check, or an answer cell a
person grades), written so that the scaffold grades as it is: the solution earns every point,
its catalogued mistake is named, its wrong answer (where the answer is a value) is diagnosed.

- function: a function of any signature (`--signature "x, gamma, beta, eps=1e-5"`), probed on
  the question's inputs and random ones, against a torch reference;
- number: a number (`--integer` for an exact whole number; otherwise within a tolerance);
- choice: one letter among options, or several (`--multiple`: a string of letters, "ac");
- truefalse: a list of booleans, one per statement;
- plot: a function that draws on a matplotlib Axes and returns it, judged by its lines;
- text: a written answer (a proof, an explanation), graded by a person in the formgrader.

A choice's options and a true/false question's statements are written once, in the question:
the task's list is made from them (`python -m graders points --write`).
"""

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Scaffold:
    module: str
    task: str
    solution: str
    check: str | None  # None: the solution is a markdown answer a person grades


# Each kind's own option of `new-question`, by the kind.
KIND_OPTIONS = {"function": "signature", "number": "integer", "choice": "multiple"}


def student_name(kind: str, name: str) -> str:
    """The name a student defines, unless given: a function's is the id, a value's in capitals."""
    return name if kind in ("function", "plot") else name.upper()


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
from graders.autograde.question import Question
from graders.questions.tensors import array, tensor

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
        Probe("random", "{student}", {random_args}, "random (3, 4) arrays"),
    ]
    return [Item("{student}", 1, probes, {student}, [RETURNS_INPUT])]


QUESTION = Question(
    notebook="{notebook}",
    parts=[Part("test_{name}", "{title}", _items)],
    # Wrong answers no mistake above names, each with what its diagnosis must say (the tests run
    # every one; TODO: the ones your students write).
    wrong_answers=[
        WrongAnswer(
            "test_{name}",
            "def {student}({signature}):\\n    return -2 * {first}\\n",
            "opposite sign",
        ),
    ],
)
'''

NUMBER = '''"""{title}. Written by `python -m graders new-question --kind number`: replace each TODO."""

import numpy as np

from graders.autograde.model import Item, Mistake, Part, Probe, WrongAnswer
from graders.autograde.question import Question

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


QUESTION = Question(
    notebook="{notebook}",
    parts=[Part("test_{name}", "{title}", _items)],
    wrong_answers=[WrongAnswer("test_{name}", "{student} = {doubled}\\n", "2 times")],
)
'''

CHOICE = '''"""{title}. Written by `python -m graders new-question --kind choice`: replace each TODO."""

import numpy as np

from graders.autograde.model import Item, Mistake, Part, Probe
from graders.autograde.question import Question

# The options, written once: the task's list is made from them by
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


QUESTION = Question(
    notebook="{notebook}",
    parts=[Part("test_{name}", "{title}", _items)],
    options=OPTIONS,
)
'''


def function(name: str, student: str, title: str, notebook: str, signature: str = "x") -> Scaffold:
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
        "random_args": f"tuple(rng.normal(size=({len(required)}, 3, 4)))",
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


def number(name: str, student: str, title: str, notebook: str, integer: bool = False) -> Scaffold:
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


def choice(name: str, student: str, title: str, notebook: str, multiple: bool = False) -> Scaffold:
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


OPTION_LINES = re.compile(r"(?:^- \*\*\([a-z]\)\*\* .*(?:\n|$))+", re.M)
STATEMENT_LINES = re.compile(r"(?:^- \*\*\[\d+\]\*\* .*(?:\n|$))+", re.M)


def statements_text(statements: list[str]) -> str:
    """The statements as the task lists them, each with its index in the student's list."""
    return "\n".join(f"- **[{i}]** {text}" for i, text in enumerate(statements))


TRUE_FALSE = '''"""{title}. Written by `python -m graders new-question --kind truefalse`: replace each
TODO."""

import numpy as np

from graders.autograde.model import Item, Mistake, Part, Probe
from graders.autograde.question import Question

# The statements asked, each with its truth, in the order asked (TODO: yours). The task's
# list is made from them by `python -m graders points --write`; students never see the truth.
# (To practise on statements drawn from a larger bank, see graders/questions/true_false.py.)
BANK = {bank}
STATEMENTS = list(BANK)
KEY = list(BANK.values())

ALL_TRUE = Mistake(
    "every statement marked true",
    "TODO: the hint a student reads when they mark every statement true.",
    "{student} = [True] * {count}\\n",
    required=True,
)


def _entry(i: int):
    """The student's answer to statement i (None unless they gave one boolean per statement)."""

    def view(value):
        return bool(value[i]) if np.ndim(value) == 1 and len(value) == len(STATEMENTS) else None

    return view


def _items(rng: np.random.Generator) -> list[Item]:
    probe = [Probe("{student}", "{student}")]
    return [
        Item(f"{student}[{{i}}]: {{text[:50]}}", 0.5, probe, KEY, [ALL_TRUE], view=_entry(i))
        for i, text in enumerate(STATEMENTS)
    ]


QUESTION = Question(
    notebook="{notebook}",
    parts=[Part("test_{name}", "{title}", _items)],
    statements=STATEMENTS,
)
'''

PLOT = '''"""{title}. Written by `python -m graders new-question --kind plot`: replace each TODO."""

import numpy as np
import torch

from graders.autograde import plots
from graders.autograde.model import Item, Mistake, Part, Probe
from graders.autograde.question import Question
from graders.questions.tensors import array, tensor

X_RANGE = (-3.0, 3.0)  # TODO: the range of x the question asks for


def curve(x: np.ndarray) -> np.ndarray:
    """Reference: the function the plot must show, in torch (TODO: yours)."""
    return array(torch.tanh(tensor(x)))


WRONG_RANGE = Mistake(
    "range not [-3, 3]",
    "TODO: the hint a student reads when their line does not span the range asked.",
    "def {student}():\\n"
    "    import matplotlib.pyplot as plt\\n"
    "    fig, ax = plt.subplots()\\n"
    "    x = np.linspace(-1, 1, 51)\\n"
    "    ax.plot(x, np.tanh(x), label='tanh')\\n"
    "    ax.legend()\\n"
    "    return ax\\n",
    detect=lambda answers: any(not plots.covers(line, *X_RANGE) for line in plots.lines(answers)),
    required=True,
)


def _items(rng: np.random.Generator) -> list[Item]:
    plot = [Probe("plot", "{student}", (), "no arguments")]
    return [
        Item("the curve drawn", 1, plot, judge=plots.curves_judge("{student}", {{"tanh": curve}})),
        Item("over [-3, 3]", 0.5, plot, mistakes=[WRONG_RANGE], judge=plots.range_judge(*X_RANGE)),
        Item("the line labelled", 0.5, plot, judge=plots.labels_judge(1, "tanh")),
    ]


QUESTION = Question(
    notebook="{notebook}",
    parts=[Part("test_{name}", "{title}", _items)],
)
'''

TEXT = '''"""{title}. Written by `python -m graders new-question --kind text`: a written answer (a proof,
an explanation) that a person grades in the formgrader; its model answer is the answer cell
of the source notebook (students get the cell empty)."""

from graders.autograde.question import HandGraded, Question

QUESTION = Question(
    notebook="{notebook}",
    # TODO: its points (`python -m graders points --write` copies them into the notebook)
    hand_graded={{"{name}": HandGraded("{title}", 2)}},
)
'''

TODO_STATEMENTS = {
    "TODO: a true statement.": True,
    "TODO: a false statement.": False,
    "TODO: another true statement.": True,
    "TODO: another false statement.": False,
}


def true_false(name: str, student: str, title: str, notebook: str) -> Scaffold:
    bank = "{\n" + "".join(f'    "{k}": {v},\n' for k, v in TODO_STATEMENTS.items()) + "}"
    values = {"name": name, "student": student, "title": title, "notebook": notebook}
    module = TRUE_FALSE.format(**values, bank=bank, count=len(TODO_STATEMENTS))
    return Scaffold(
        module,
        f"### {title}\n\nTODO: the question. Set `{student}` to a list of booleans, one per statement, "
        f"in the order listed.\n\n{statements_text(list(TODO_STATEMENTS))}",
        f"### BEGIN SOLUTION\n{student} = {list(TODO_STATEMENTS.values())}\n### END SOLUTION",
        f"assert len({student}) == {len(TODO_STATEMENTS)} and all(isinstance(v, bool) for v in {student}), "
        f'"{student} is a list of {len(TODO_STATEMENTS)} booleans"\n'
        f'print("{student}: well formed")\n\n'
        "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS",
    )


def plot(name: str, student: str, title: str, notebook: str) -> Scaffold:
    values = {"name": name, "student": student, "title": title, "notebook": notebook}
    return Scaffold(
        PLOT.format(**values),
        f"### {title}\n\nTODO: the question. Write `{student}()`: draw the curve over [-3, 3] on a "
        "matplotlib Axes, label it, and return the Axes.",
        "import matplotlib.pyplot as plt\n\n\n"
        f"def {student}():\n"
        "    ### BEGIN SOLUTION\n"
        "    fig, ax = plt.subplots()\n"
        "    x = np.linspace(-3, 3, 201)\n"
        '    ax.plot(x, np.tanh(x), label="tanh")\n'
        "    ax.legend()\n"
        "    return ax\n"
        "    ### END SOLUTION",
        f'assert hasattr({student}(), "get_lines"), "{student}() returns the Axes it drew on"\n'
        f'print("{student}: well formed")\n\n'
        "### BEGIN HIDDEN TESTS\n"
        f"# Graded outside your kernel (graders/questions/{name}.py).\n"
        "### END HIDDEN TESTS",
    )


def text(name: str, student: str, title: str, notebook: str) -> Scaffold:
    values = {"name": name, "title": title, "notebook": notebook}
    return Scaffold(
        TEXT.format(**values),
        f"### {title}\n\nTODO: the question. Write your answer in the cell below.",
        "TODO: the model answer, for the graders (students get this cell empty).",
        None,
    )


KINDS: dict[str, Callable[..., Scaffold]] = {
    "function": function,
    "number": number,
    "choice": choice,
    "truefalse": true_false,
    "plot": plot,
    "text": text,
}
