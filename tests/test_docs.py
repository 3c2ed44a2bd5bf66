"""The documentation: the Sphinx site builds with warnings as errors, the README stays a front
door, and every command the docs and the README show is one the tools accept: each
`python -m graders ...` and `python -m graders.classroom ...` line parsed by the command's own
argument parser, each `make` target found in the Makefile."""

import re
import shlex
import subprocess
import sys

import pytest
from helpers import REPO

from graders import classroom
from graders.hub import cli as hub_cli
from graders.instructor import cli

PAGES = sorted((REPO / "docs").glob("*.md")) + [REPO / "README.md"]
# What a synopsis line writes for a value, as a value the parser takes.
PLACEHOLDERS = {"N": "2", "ID": "alice", "NAME": "x"}


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


def test_the_commands_found_cover_every_kind_of_command():
    lines = [line for _, line in _commands()]
    assert sum("-m graders " in line for line in lines) >= 8
    assert any("graders.classroom hub" in line or "make classroom" in line for line in lines)
    assert any(line.startswith("make ") for line in lines)
