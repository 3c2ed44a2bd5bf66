"""The adversarial catalogue: one hostile submission per attack, graded in one
sandboxed batch beside good submissions: once by plain `nbgrader autograde` (each
kernel started fresh in bubblewrap) and once by `python -m graders grade` (kernels
forked from the warm kernel factory, two submissions at a time).

Each attack is a cell placed just before the `test_layer_shapes` test cell of an
otherwise right part 1, whose only honest mistake is CONV_ADVANTAGE. An attack
that would succeed in escaping the sandbox sets ESCAPED, which makes B_SHAPE
wrong: a sandbox that leaks shows up as a lost point. Each submission must score
exactly its honest answers, and the good submissions must grade exactly as they
do alone."""

import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest
from helpers import ASSIGNMENT, SOURCE, env, nbgrader, new_course, scores
from nbformat.v4 import new_code_cell

from graders.instructor.course import read
from graders.instructor.synthetic import with_code
from graders.sandbox.system import unusable_reason

PART1 = "part1_exam_questions"
ESCAPE_SUFFIX = '\nif globals().get("ESCAPED"):\n    B_SHAPE = (666,)\n'
WRONG_LETTER = 'CONV_ADVANTAGE = "a"\n'
TRAP = "sandbox-escape.txt"
# Another kernel's trace: one kernel writes it, a later one looks for it.
MARK = """
import os
ESCAPED = any(os.path.exists(f"{folder}/cvexam-mark") for folder in ("/tmp", "/dev/shm"))
for folder in ("/tmp", "/dev/shm"):
    try:
        open(f"{folder}/cvexam-mark", "w").close()
    except OSError:
        pass
"""

ATTACKS = {
    "patches-the-checks": """
import numpy.testing
np.testing.assert_allclose = lambda *a, **k: None
np.allclose = lambda *a, **k: True
""",
    "custom-exc-and-showtraceback": """
ip = get_ipython()
ip.set_custom_exc((BaseException,), lambda *a, **k: None)
ip.showtraceback = lambda *a, **k: None
ip.showsyntaxerror = lambda *a, **k: None
""",
    "stderr-and-trailing-numbers": """
import sys
from IPython.display import display
ip = get_ipython()
ip.events.register("post_run_cell", lambda *a: (display(1.0), sys.stderr.write("stderr!\\n")))
print(1.0)
36.5
""",
    "acts-differently-under-nbgrader": """
import os
ESCAPED = "NBGRADER_EXECUTION" in os.environ
""",
    "reads-source-and-gradebook": """
import glob, os
ESCAPED = False
for pattern in ["../../../source/*/*.ipynb", "../../../gradebook.db", "../../../graders/*.py",
                "/work/*/source/*/*.ipynb", "/root/*", "/home/*"]:
    for path in glob.glob(pattern):
        try:
            open(path, "rb").read(10)
            ESCAPED = True
        except OSError:
            pass
""",
    "writes-outside-its-folder": f"""
ESCAPED = False
for path in ["../../../{TRAP}", "../{TRAP}", "{TRAP}"]:
    try:
        with open(path, "w") as f:
            f.write("escaped")
        ESCAPED = True
    except OSError:
        pass
""",
    "opens-a-socket": """
import socket
ESCAPED = False
for host in ["127.0.0.1", "8.8.8.8"]:
    try:
        socket.create_connection((host, PORT), timeout=2).close()
        ESCAPED = True
    except OSError:
        pass
""",
    "sees-other-processes": """
import os
ESCAPED = bool({int(p) for p in os.listdir("/proc") if p.isdigit()} - {1, os.getpid()})
""",
    "reaches-the-kernel-factory": """
import glob, socket
ESCAPED = False
for path in glob.glob("/tmp/**/*socket*", recursive=True) + glob.glob("/tmp/cvexam-ipc*/factory*/*"):
    try:
        socket.socket(socket.AF_UNIX).connect(path)
        ESCAPED = True
    except OSError:
        pass
""",
    "mark-1-leaves-a-trace": MARK,
    "mark-2-finds-a-trace": MARK,
    "fork-bomb": """
import os, signal
children = []
try:
    for _ in range(5000):
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        children.append(pid)
except OSError:
    pass
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
ESCAPED = len(children) >= 5000
""",
    "memory-bomb": """
ESCAPED = False
try:
    hog = bytearray(3 * 1024**3)  # over the sandbox's 2 GiB, within the machine's
    ESCAPED = True
except MemoryError:
    pass
""",
    "endless-output": """
while True:
    print("spam " * 200)
""",
    "exits-the-kernel": """
import os
os._exit(1)
""",
    "kills-its-parent": """
import os, signal
for target in (os.getppid(), 1):
    try:
        os.kill(target, signal.SIGKILL)
    except OSError:
        pass
os.killpg(0, signal.SIGKILL)
""",
    "ignores-the-interrupt": """
while True:
    try:
        while True:
            pass
    except BaseException:
        pass
""",
}
# What the feedback says about the attack's own cell, where the attack breaks it.
FAULTS = {
    "endless-output": "ran out of time",
    "exits-the-kernel": "the kernel died",
    "kills-its-parent": "the kernel died",
    "ignores-the-interrupt": "stopped answering",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(unusable_reason() is not None, reason=f"no sandbox: {unusable_reason()}"),
]


class Listener:
    """A TCP server on the host's loopback that records any connection."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.server.accept()[0].close()
                self.connections += 1
            except OSError:
                return


def _grade_id(cell) -> str | None:
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _attacked(code: str, port: int) -> nbformat.NotebookNode:
    nb = with_code(read(SOURCE / f"{PART1}.ipynb"), WRONG_LETTER)
    index = next(i for i, c in enumerate(nb.cells) if _grade_id(c) == "test_layer_shapes")
    nb.cells.insert(index, new_code_cell(f"PORT = {port}\n{code.strip()}\n{ESCAPE_SUFFIX}"))
    return nb


def _good() -> dict[str, nbformat.NotebookNode]:
    source = read(SOURCE / f"{PART1}.ipynb")
    return {"good-full": source, "good-one-mistake": with_code(source, WRONG_LETTER)}


def _grade(
    course: Path, notebooks: dict[str, nbformat.NotebookNode], kernels: str = "fresh"
) -> dict[str, dict[str, float]]:
    """Grade `notebooks` (student -> part 1), with fresh kernels (plain nbgrader) or with
    the project's grading and its kernel factory."""
    for student, nb in notebooks.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{PART1}.ipynb")
    with open(course / "nbgrader_config.py", "a") as config:
        config.write("\nc.Execute.timeout = 10\n")  # the first fault's timeout; keeps the suite short
    if kernels == "fresh":
        nbgrader(course, "autograde", ASSIGNMENT)
    else:
        command = [sys.executable, "-m", "graders", "grade", ASSIGNMENT, "--workers", "2"]
        if kernels == "cluster":  # each submission a task on a local Dask cluster's worker processes
            command += ["--cluster", "local"]
        done = subprocess.run(command, cwd=course, env=env(), capture_output=True, text=True, timeout=1800)
        assert done.returncode == 0, done.stderr[-4000:]
        if kernels == "factory":
            assert "kernels: forked from a warm, sandboxed kernel factory" in done.stderr
        assert "[graders.sandbox]" not in done.stderr  # no kernel fell back to a fresh start
    return scores(course)


@pytest.fixture(scope="module")
def listener():
    return Listener()


@pytest.fixture(scope="module", params=["fresh", "factory", "cluster"])
def batch(request, tmp_path_factory, listener):
    course = new_course(tmp_path_factory.mktemp(f"attacked-{request.param}"))
    notebooks = {name: _attacked(code, listener.port) for name, code in ATTACKS.items()} | _good()
    return course, _grade(course, notebooks, request.param)


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    return _grade(new_course(tmp_path_factory.mktemp("alone")), _good())


def _part1(graded: dict[str, float]) -> dict[str, float]:
    cells = {_grade_id(c) for c in read(SOURCE / f"{PART1}.ipynb").cells}
    return {g: s for g, s in graded.items() if g in cells}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_an_attack_scores_exactly_its_honest_answers(batch, alone, attack):
    _, graded = batch
    assert _part1(graded[attack]) == _part1(alone["good-one-mistake"])


@pytest.mark.parametrize("attack", sorted(FAULTS))
def test_a_broken_kernel_is_explained_in_the_attack_cell(batch, attack):
    course, _ = batch
    nb = read(course / "autograded" / attack / ASSIGNMENT / f"{PART1}.ipynb")
    cell = next(c for c in nb.cells if c.cell_type == "code" and ATTACKS[attack].strip()[:20] in c.source)
    messages = " ".join(str(o.get("evalue", "")) for o in cell.outputs)
    assert FAULTS[attack] in messages


def test_good_submissions_grade_exactly_as_they_do_alone(batch, alone):
    _, graded = batch
    for student in alone:
        assert graded[student] == alone[student]


def test_nothing_escaped_to_the_network_or_the_disk(batch, listener):
    course, _ = batch
    assert listener.connections == 0
    assert not list(course.rglob(TRAP))


def test_endless_output_is_truncated(batch):
    course, _ = batch
    path = course / "autograded" / "endless-output" / ASSIGNMENT / f"{PART1}.ipynb"
    assert path.stat().st_size < 5_000_000


ESCAPES = [
    "acts-differently-under-nbgrader",
    "sees-other-processes",
    "mark-1-leaves-a-trace",
    "mark-2-finds-a-trace",
    "reads-source-and-gradebook",
    "writes-outside-its-folder",
    "opens-a-socket",
    "memory-bomb",
]


def test_without_the_sandbox_the_same_attacks_escape(tmp_path):
    """The control: the catalogue does see an escape when there is no sandbox to stop it."""
    course = new_course(tmp_path / "unsandboxed")
    listener = Listener()
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(
            '\nc.Execute.kernel_name = "python3"\nc.KernelManager.transport = "tcp"\n'
            'c.KernelManager.ip = "127.0.0.1"\nc.Execute.extra_arguments = []\n'
        )
    try:
        graded = _grade(course, {name: _attacked(ATTACKS[name], listener.port) for name in ESCAPES})
    finally:
        for folder in ("/tmp", "/dev/shm"):
            Path(f"{folder}/cvexam-mark").unlink(missing_ok=True)
    for name in ESCAPES:
        if name != "mark-1-leaves-a-trace":  # the first leaves the trace the second finds
            assert graded[name]["test_layer_shapes"] < 1, name
    assert listener.connections > 0 and list(course.rglob(TRAP))
