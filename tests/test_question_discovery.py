"""Question discovery survives a broken question: in a copy of the package, a declaration with a
typo (`notebok=`), one with a field of the wrong kind, a module that cannot be imported and a
mistake the probes cannot tell from the right answer are each named with the file and the field
by `python -m graders check`, and skipped; `--help` and every other question keep working."""

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, course_folder, env

from graders.autograde.registry import registry

TYPO = '''"""A question with a typo in its declaration."""

from graders.autograde.model import Item, Part, Probe
from graders.autograde.question import Question


def _items(rng):
    return [Item("ONE", 1, [Probe("one", "ONE")], 1)]


QUESTION = Question(notebok="part2_extra_exercises", parts=[Part("test_typo_question", "9z ONE", _items)])
'''
MISSING = '''"""A question without its notebook."""

from graders.autograde.model import Item, Part, Probe
from graders.autograde.question import Question

QUESTION = Question(parts=[Part("test_no_notebook", "9x ONE", lambda rng: [Item("ONE", 1, [], 1)])])
'''
WRONG_KIND = '''"""A question whose parts are not Parts."""

from graders.autograde.question import Question

QUESTION = Question(notebook="part2_extra_exercises", parts=["test_wrong_kind"])
'''
MISNAMED = '''"""A question declared under another name."""

from graders.autograde.model import Item, Part, Probe
from graders.autograde.question import Question

QUESTOIN = Question(notebook="part2_extra_exercises", parts=[Part("test_misnamed", "9w", lambda rng: [])])
'''
BROKEN = "from graders.autograde.model import Nothing\n"
# A catalogued mistake the probes cannot tell from the right answer: x + x is 2 x.
HIDDEN = '''"""A question whose mistake can never be named."""

import numpy as np

from graders.autograde.model import Item, Mistake, Part, Probe
from graders.autograde.question import Question

TWICE = Mistake("added to itself", "hint", "def doubled(x):\\n    return x + x\\n")


def doubled(x):
    return 2 * x


def _items(rng):
    return [Item("doubled", 1, [Probe("given", "doubled", (np.arange(3.0),))], doubled, [TWICE])]


QUESTION = Question(notebook="part2_extra_exercises", parts=[Part("test_doubled", "9y doubled", _items)])
'''


QUESTIONS = {
    "typo_question": TYPO,
    "no_notebook": MISSING,
    "wrong_kind": WRONG_KIND,
    "misnamed": MISNAMED,
    "broken_import": BROKEN,
    "hidden_mistake": HIDDEN,
}


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("package-copy")
    files = subprocess.run(
        ["git", "ls-files", "graders"], cwd=REPO, capture_output=True, text=True, check=True
    )
    for name in files.stdout.split():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes((REPO / name).read_bytes())
    for name, text in QUESTIONS.items():
        (folder / "graders" / "questions" / f"{name}.py").write_text(text)
    return folder


def _run(copy: Path, *args: str) -> subprocess.CompletedProcess:
    # The copy's own package first, not the one installed in the venv.
    return subprocess.run(
        [sys.executable, *args],
        cwd=copy,
        env=env() | {"PYTHONPATH": str(copy)},
        capture_output=True,
        text=True,
    )


def test_check_names_the_file_and_the_field_and_fails(copy):
    done = _run(copy, "-m", "graders", "check")
    assert done.returncode == 1, done.stdout + done.stderr
    where = "graders/questions/"
    for line in (
        "typo_question.py: notebok is not a question field: did you mean notebook?",
        "no_notebook.py: notebook missing (the name of the notebook (without .ipynb) its cells live in)",
        "wrong_kind.py: parts must hold Part(grade_id, title, build) only, not 'test_wrong_kind'",
        "misnamed.py: QUESTOIN is not a question field: did you mean QUESTION?",
        "broken_import.py: cannot be imported: ImportError: cannot import name 'Nothing'",
        "hidden_mistake.py: 9y doubled: mistake 'added to itself' gives the right answers on every probe "
        "of the part, so it can never be named: on doubled, the reference gives [0, 2, 4] | the mistake "
        "gives [0, 2, 4].",
        "linear.py: ok, 2 part(s)",  # the others stand
        "softmax.py: ok, 1 part(s), 1 graded by hand",
    ):
        assert where + line in done.stdout, (line, done.stdout)
    assert f"{len(QUESTIONS)} question(s) with problems" in done.stdout


def test_the_other_questions_and_help_keep_working(copy):
    """The broken ones are skipped (the hidden mistake's question too: refused at discovery);
    every other question stands."""
    assert _run(copy, "-m", "graders", "--help").returncode == 0
    probe = "from graders.autograde.registry import registry\n"
    probe += "print(len(registry()), 'test_typo_question' in registry().labels())"
    done = _run(copy, "-c", probe)
    assert done.returncode == 0 and done.stdout.split() == [str(len(registry())), "False"], done.stderr
    assert "typo_question.py: notebok is not a question field" in done.stderr
    assert "question skipped" in done.stderr


ONE = '''"""A course's own question, in a package of its own."""

from graders.autograde.model import Item, Part, Probe
from graders.autograde.question import Question

def _items(rng):
    return [Item("ANSWER", 1, [Probe("a", "ANSWER")], 42)]


QUESTION = Question(notebook="week1", parts=[Part("test_answer", "1 ANSWER", _items)])
'''


def test_the_questions_package_is_a_setting_the_engine_and_the_commands_follow(tmp_path):
    """`c.CourseQuestions.questions` names another package: `check` lists its questions only, and
    the grading preprocessors grade its parts (not the course's default ones)."""
    from traitlets.config import Config

    from graders.nbgrader_plugins.preprocessors import GradeReports, InjectProbes

    course = course_folder(tmp_path / "course")
    (course / "week_questions").mkdir()
    (course / "week_questions" / "__init__.py").write_text("")
    (course / "week_questions" / "answer.py").write_text(ONE)
    with (course / "nbgrader_config.py").open("a") as config:
        config.write('\nc.CourseQuestions.questions = "week_questions"\n')
    done = subprocess.run(
        [sys.executable, "-m", "graders", "check"],
        cwd=course,
        env=env() | {"PYTHONPATH": str(course)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[0] == "week_questions/answer.py: ok, 1 part(s): 1 ANSWER", done.stdout
    assert "linear.py" not in done.stdout

    sys.path.insert(0, str(course))
    try:
        config = Config()
        config.CourseQuestions.questions = "week_questions"
        for preprocessor in (InjectProbes(config=config), GradeReports(config=config)):
            assert list(preprocessor.registry) == ["test_answer"]
        assert list(InjectProbes().registry) == list(registry())  # the default: the course's package
    finally:
        sys.path.remove(str(course))
