"""Fixtures shared by test modules: the demo run, made once per session."""

import json

import pytest
from helpers import course_folder, run_graders


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo run twice, as an instructor runs it: one worker with fresh kernels, then three
    workers (more than the cores) with kernels from the warm factory."""
    course = course_folder(tmp_path_factory.mktemp("demo"))
    first = run_graders(course, "demo", "--workers", "1", "--fresh-kernels")
    assert first.returncode == 0, first.stderr[-3000:]
    first_results = json.loads((course / "results" / "results.json").read_text())
    second = run_graders(course, "demo", "--workers", "3")
    assert second.returncode == 0, second.stderr[-3000:]
    assert "kernels: started fresh" in first.stderr
    assert "kernels: forked from a warm, sandboxed kernel factory" in second.stderr
    assert "[graders.sandbox]" not in first.stderr + second.stderr  # sandboxed, no fallback
    return course, first, first_results, second


@pytest.fixture(scope="session")
def demo_results(demo) -> dict[str, dict]:
    """The demo class's results.json, by student."""
    return {r["student"]: r for r in json.loads((demo[0] / "results" / "results.json").read_text())}
