"""The documentation: the Sphinx site builds with warnings as errors, the README stays a front
door, and every command the docs and the README show is one the tools accept: each
`python -m graders ...` and `python -m graders.classroom ...` line parsed by the command's own
argument parser, each `make` target found in the Makefile; and each is run: the quick ones
here, in a course folder of their own, the others by the test `RUN_BY` names."""

import re
import shlex
import subprocess
import sys

import pytest
from helpers import REPO, course_folder, run_graders

from graders import classroom
from graders.hub import cli as hub_cli
from graders.instructor import cli

PAGES = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
# What a synopsis line writes for a value, as a value the parser takes.
PLACEHOLDERS = {"N": "2", "ID": "alice", "NAME": "x"}
# The command each docs command runs (a make target runs a command), by its verb.
MAKE_RUNS = {"demo": "graders demo", "test": "make test", "classroom": "graders.classroom hub"}
# Which test file runs each verb shown: a verb shown in the docs and missing here fails.
RUN_BY = {
    "graders demo": "conftest.py",  # the shared demo run, twice (one worker, then three)
    "graders grade": "test_pipeline.py",
    "graders ci": "test_cli.py",
    "graders feedback": "test_term.py",
    "graders variant-exam": "test_variant_exam.py",
    "graders classroom-template": "test_classroom_repos.py",
    "graders new-question": "test_scaffold.py",
    "graders points": "test_scaffold.py",
    "graders check": "test_question_discovery.py",
    "graders practice-service": "test_practice_browser.py",
    "graders practice-notebook": "test_docs.py",
    "graders --help": "test_docs.py",
    "graders.classroom hub": "test_hub.py",
    "graders.classroom instructor": "test_browser.py",
    "graders.classroom student": "test_browser.py",
    "make test": ".ci/run",  # CI's own command
}


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "-q",
            "-b",
            "html",
            str(REPO / "docs"),
            str(tmp_path / "html"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    api = (tmp_path / "html" / "authoring.html").read_text()
    assert "WrongAnswer" in api and "A wrong answer no catalogued mistake names" in api  # from the docstring


def test_the_readme_is_a_front_door():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) < 150
    assert "make demo" in readme and "make test" in readme
    for link in re.findall(r"\]\((docs/[\w.]+)\)", readme):
        assert (REPO / link).is_file(), link


def test_every_test_the_security_model_names_is_one_and_every_attack_is_named():
    """docs/security.md says which test shows each of its lines: each named test exists, and
    each attack on the hub classroom (tests/test_hub.py, after its attacks' heading) is named."""
    model = (REPO / "docs" / "security.md").read_text()
    named = set(re.findall(r"`(test_\w+)`", model))
    defined = {
        name
        for path in (REPO / "tests").glob("test_*.py")
        for name in re.findall(r"^def (test_\w+)", path.read_text(), re.M)
    }
    assert named and named <= defined, sorted(named - defined)
    hub = (REPO / "tests" / "test_hub.py").read_text()
    attacks = set(re.findall(r"^def (test_\w+)", hub.split("# The attacks on the classroom", 1)[1], re.M))
    assert attacks and attacks <= named, sorted(attacks - named)


SHELL = ("", "bash", "sh", "console")  # the code blocks that hold commands


def _commands() -> list[tuple[str, str]]:
    """(page, command) for every command line in the pages' code blocks and inline code."""
    found = []
    for page in PAGES:
        text = page.read_text()
        blocks = [
            b for lang, b in re.findall(r"^ *```(\w*)\n(.*?)^ *```", text, re.S | re.M) if lang in SHELL
        ]
        lines = [line for block in blocks for line in block.replace("\\\n", " ").splitlines()]
        lines += re.findall(r"`((?:[\w./]*python )[^`]*-m graders[^`]*)`", text)
        for line in lines:
            line = line.split("#", 1)[0].strip()
            line = line.split("&&")[-1].strip()
            if re.search(r"(^|\s)(\S*python\S*( -I)? -m graders(\.classroom)?\b|make \w)", line):
                found.append((page.name, line))
    return found


def _argv(line: str) -> list[str]:
    words = [w for w in shlex.split(line.replace("[", " ").replace("]", " ")) if w not in ("...", "sudo")]
    return [re.sub(r"^<.*>$", "x", PLACEHOLDERS.get(w, w)) for w in words]


@pytest.mark.parametrize("page, line", _commands(), ids=lambda v: v if len(v) < 40 else v[:40])
def test_every_command_shown_is_one_the_tools_accept(page, line):
    argv = _argv(line)
    if argv[0] == "make":
        targets = re.findall(r"^([\w-]+):", (REPO / "Makefile").read_text(), re.M)
        assert argv[1] in targets, f"{page}: make {argv[1]} is not a target"
        return
    module = argv[argv.index("-m") + 1]
    rest = argv[argv.index("-m") + 2 :]
    if module == "graders":
        parser = cli.build_parser()
    elif rest[:1] == ["hub"]:
        parser, rest = hub_cli.build_parser(), rest[1:]
    else:
        parser = classroom.build_parser()
    try:
        parser.parse_args(rest)
    except SystemExit as exit:
        assert exit.code == 0, f"{page}: `{line}` is not accepted by {parser.prog}"  # 0: --help


def _verb(line: str) -> str:
    argv = _argv(line)
    if argv[0] == "make":
        return MAKE_RUNS.get(argv[1], f"make {argv[1]}")
    at = argv.index("-m")
    module, rest = argv[at + 1], [w for w in argv[at + 2 :] if w != "-I"]
    while rest and rest[0].startswith("--") and rest[0] != "--help":  # options before the verb
        rest = rest[2:]
    return f"{module} {rest[0] if rest else ''}".strip()


@pytest.mark.parametrize("page, line", _commands(), ids=lambda v: v if len(v) < 40 else v[:40])
def test_every_command_shown_is_run_by_a_test(page, line):
    verb = _verb(line)
    assert verb in RUN_BY, f"{page}: `{line}` ({verb}) is run by no test: add one and name it in RUN_BY"
    runner = REPO / ("tests" if RUN_BY[verb].endswith(".py") else "") / RUN_BY[verb]
    word = verb.split()[-1]
    assert f'"{word}"' in runner.read_text() or f"make {word}" in runner.read_text(), (verb, runner)


def test_the_quick_commands_run_as_shown(tmp_path):
    """`--help`, `check`, `points` and `practice-notebook`, run in a course folder of their own:
    each succeeds and does what the docs say."""
    course = course_folder(tmp_path / "course")
    helped = run_graders(course, "--help")
    assert helped.returncode == 0 and "new-question" in helped.stdout
    checked = run_graders(course, "check")
    assert checked.returncode == 0 and "every question is well declared" in checked.stdout, checked.stdout
    points = run_graders(course, "points")
    assert points.returncode == 0, points.stdout + points.stderr
    made = run_graders(course, "practice-notebook")
    assert made.returncode == 0, made.stderr
    written = course / "source" / "cv_practice" / "practice.ipynb"
    assert written.read_text() == (REPO / "source" / "cv_practice" / "practice.ipynb").read_text()


def test_the_commands_found_cover_every_kind_of_command():
    lines = [line for _, line in _commands()]
    assert sum("-m graders " in line for line in lines) >= 8
    assert any("graders.classroom hub" in line or "make classroom" in line for line in lines)
    assert any(line.startswith("make ") for line in lines)
