"""The cluster worker's own rules, in process (fast): a worker without the sandbox refuses to
grade unless told to, and a result file cannot be written outside its folder."""

from types import SimpleNamespace

import pytest

from graders.instructor import cluster, cluster_worker


def test_a_worker_without_the_sandbox_refuses_unless_allowed(tmp_path, monkeypatch):
    monkeypatch.setattr(cluster_worker, "unusable_reason", lambda: "bubblewrap (bwrap) is not installed")
    worker = SimpleNamespace(name="w9", local_directory=str(tmp_path))
    refusing = cluster_worker.GradingWorker({"nbgrader_config.py": b"c = get_config()\n"}, "cv_exam")
    refusing.setup(worker)
    assert refusing.refusal == "worker w9 refuses to grade unsandboxed (bubblewrap (bwrap) is not installed)"
    assert (tmp_path / "cvexam-course" / "nbgrader_config.py").is_file()


def test_a_result_file_cannot_escape_its_folder(tmp_path):
    with pytest.raises(ValueError, match="escapes its folder"):
        cluster._write(tmp_path / "feedback", {"../../outside.html": b"x"})
    assert not (tmp_path.parent / "outside.html").exists()
    cluster._write(tmp_path / "feedback", {"part1.html": b"ok"})
    assert (tmp_path / "feedback" / "part1.html").read_bytes() == b"ok"


def test_a_tasks_key_changes_with_the_submission_and_the_course_kit():
    base = cluster._key({"part1.ipynb": b"a", "(course kit)": b"k1"})
    assert base == cluster._key({"(course kit)": b"k1", "part1.ipynb": b"a"})
    assert base != cluster._key({"part1.ipynb": b"b", "(course kit)": b"k1"})
    assert base != cluster._key({"part1.ipynb": b"a", "(course kit)": b"k2"})
