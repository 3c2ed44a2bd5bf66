"""Question discovery survives a broken question: in a copy of the package, a module with a
typo (`NOTEBOK`) or one that cannot be imported is named with its file and field by
`python -m graders check`, and skipped; `--help` and every other question keep working."""

import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, env

TYPO = '''"""A question with a typo in its declaration."""

from graders.autograde.model import Item, Part, Probe

NOTEBOK = "part2_extra_exercises"


def _items(rng):
    return [Item("ONE", 1, [Probe("one", "ONE")], 1)]


PARTS = [Part("test_typo_question", "9z ONE", _items)]
'''
BROKEN = "from graders.autograde.model import Nothing\nPARTS = []\nNOTEBOOK = 'x'\n"
# A catalogued mistake the probes cannot tell from the right answer: x + x is 2 x.
HIDDEN = '''"""A question whose mistake can never be named."""

import numpy as np

from graders.autograde.model import Item, Mistake, Part, Probe

NOTEBOOK = "part2_extra_exercises"
TWICE = Mistake("added to itself", "hint", "def doubled(x):\\n    return x + x\\n")


def doubled(x):
    return 2 * x


def _items(rng):
    return [Item("doubled", 1, [Probe("given", "doubled", (np.arange(3.0),))], doubled, [TWICE])]


PARTS = [Part("test_doubled", "9y doubled", _items)]
'''


@pytest.fixture(scope="module")
def copy(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("package-copy")
    files = subprocess.run(
        ["git", "ls-files", "graders"], cwd=REPO, capture_output=True, text=True, check=True
    )
    for name in files.stdout.split():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes((REPO / name).read_bytes())
    (folder / "graders" / "questions" / "typo_question.py").write_text(TYPO)
    (folder / "graders" / "questions" / "broken_import.py").write_text(BROKEN)
    (folder / "graders" / "questions" / "hidden_mistake.py").write_text(HIDDEN)
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
    assert "graders/questions/typo_question.py: NOTEBOOK missing" in done.stdout
    assert (
        "graders/questions/typo_question.py: NOTEBOK is not a question field: did you mean NOTEBOOK?"
        in done.stdout
    )
    assert (
        "graders/questions/broken_import.py: cannot be imported: ImportError: cannot import name 'Nothing'"
        in (done.stdout)
    )
    assert "graders/questions/linear.py: ok, 2 part(s)" in done.stdout  # the others stand
    assert (
        "graders/questions/hidden_mistake.py: 9y doubled: mistake 'added to itself' gives the right answers "
        "on every probe of the part, so it can never be named: on doubled, the reference "
        "gives [0, 2, 4] | the mistake gives [0, 2, 4]." in done.stdout
    ), done.stdout
    assert "3 question(s) with problems" in done.stdout


def test_the_other_questions_and_help_keep_working(copy):
    """The broken two are skipped; the others, and the hidden mistake's question, stand."""
    assert _run(copy, "-m", "graders", "--help").returncode == 0
    probe = "from graders.questions import REGISTRY, labels\n"
    probe += "print(len(REGISTRY), 'test_typo_question' in labels())"
    done = _run(copy, "-c", probe)
    assert done.returncode == 0 and done.stdout.split() == [str(len(_installed_registry()) + 1), "False"], (
        done.stderr
    )
    assert "typo_question.py: NOTEBOOK missing" in done.stderr and "question skipped" in done.stderr


def _installed_registry():
    from graders.questions import REGISTRY

    return REGISTRY
