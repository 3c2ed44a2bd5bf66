"""Grading past one machine: a real Dask scheduler and two workers (separate processes, separate
working folders) and a real PostgreSQL gradebook, all started on loopback by these tests and
stopped by them. The demo class graded there matches the local sqlite run; a worker killed
mid-batch, the instructor's process killed mid-batch and the scheduler gone lose nothing and
record nothing twice."""

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import REPO, course_folder, env, nbgrader, run_graders
from nbgrader.api import Gradebook

from bench.dask_cluster import ProcessCluster, free_port

pytestmark = pytest.mark.slow

PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
FAULT_CLASS = ["ada", "ben", "cai", "dee", "eli", "kim", "lou", "max"]


class Postgres:
    """A throwaway PostgreSQL cluster (Debian's binaries), run as the postgres user."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="cvexam-pg-", dir="/tmp"))
        self.port, self.password = free_port(), "graderpw"
        shutil.chown(self.folder, "postgres", "postgres")
        (self.folder / "pw").write_text("adminpw\n")
        shutil.chown(self.folder / "pw", "postgres")
        self._as_postgres(
            "initdb",
            "-D",
            "data",
            "-U",
            "postgres",
            "-A",
            "scram-sha-256",
            "--pwfile=pw",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        self._as_postgres("pg_ctl", "-D", "data", "-l", "server.log", "-w", "-o", options, "start")
        self.sql(f"CREATE ROLE grader LOGIN PASSWORD '{self.password}'")

    def _as_postgres(self, tool: str, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(PG_BIN / tool), *args]
        subprocess.run(command, cwd=self.folder, check=True, capture_output=True, timeout=120)

    def sql(self, statement: str) -> None:
        command = [
            str(PG_BIN / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-c",
            statement,
        ]
        subprocess.run(
            command,
            env={"PGPASSWORD": "adminpw", "PATH": "/usr/bin:/bin"},
            check=True,
            capture_output=True,
            timeout=60,
        )

    def database(self, name: str) -> str:
        self.sql(f"CREATE DATABASE {name} OWNER grader")
        return f"postgresql+psycopg2://grader:{self.password}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._as_postgres("pg_ctl", "-D", "data", "-m", "fast", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def postgres():
    if PG_BIN is None:
        pytest.skip("Debian's postgresql is not installed (scripts/setup.sh --test installs it)")
    server = Postgres()
    yield server
    server.stop()


@pytest.fixture
def cluster(tmp_path):
    running = ProcessCluster(tmp_path / "cluster", 2, env())
    yield running
    running.stop()


def _course(folder: Path, db_url: str, students: list[str] | None = None) -> Path:
    from graders.instructor import demo_class

    course = course_folder(folder)
    with open(course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {db_url!r}\n")
    demo_class.write(REPO / "release" / "cv_exam", course / "source" / "cv_exam", folder / "demo", "cv_exam")
    for student in students or [p.name for p in (folder / "demo").iterdir()]:
        shutil.copytree(folder / "demo" / student, course / "submitted" / student)
    return course


def _outcome(result: dict) -> tuple:
    parts = [(p["title"], p["score"], p["status"], p["output"], p["mistakes"]) for p in result["parts"]]
    return result["score"], parts, result["problems"]


def _results(course: Path) -> dict[str, dict]:
    return {r["student"]: r for r in json.loads((course / "results" / "results.json").read_text())}


def _submissions(db_url: str) -> list[str]:
    with Gradebook(db_url) as gb:
        return sorted(s.student.id for s in gb.find_assignment("cv_exam").submissions)


def test_the_demo_class_on_a_cluster_into_postgresql_matches_the_local_sqlite_run(
    tmp_path, postgres, cluster, demo_results
):
    db_url = postgres.database("demo_on_cluster")
    course = _course(tmp_path / "course", db_url)
    done = run_graders(course, "demo", "--cluster", cluster.address)
    assert done.returncode == 0, done.stderr[-3000:]
    on_cluster = _results(course)
    assert {s: _outcome(r) for s, r in on_cluster.items()} == {
        s: _outcome(r) for s, r in demo_results.items()
    }
    assert set(re.findall(r"graded on (w\d)", done.stderr)) == {"w0", "w1"}  # both workers graded
    assert _submissions(db_url) == sorted(demo_results)
    # nbgrader's own export reads the PostgreSQL gradebook.
    nbgrader(course, "export", "--to", "export.csv")
    rows = (course / "export.csv").read_text().splitlines()
    assert len(rows) == 1 + len(demo_results)
    # A rerun finds everything graded: nothing is graded, or recorded, twice.
    again = run_graders(course, "grade", "--cluster", cluster.address)
    assert f"0 submission(s) ({len(demo_results)} already graded with the same content)" in again.stderr
    assert {s: _outcome(r) for s, r in _results(course).items()} == {
        s: _outcome(r) for s, r in on_cluster.items()
    }


def _grading(course: Path, address: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "graders", "grade", "--cluster", address]
    return subprocess.Popen(
        command,
        cwd=course,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _wait_for_imports(process: subprocess.Popen, count: int) -> list[str]:
    lines = []
    for line in process.stderr:
        lines.append(line)
        if sum("graded on" in x for x in lines) >= count:
            return lines
    raise AssertionError("".join(lines)[-3000:])


def test_a_worker_killed_mid_batch_loses_nothing(tmp_path, postgres, cluster, demo_results):
    db_url = postgres.database("worker_killed")
    course = _course(tmp_path / "course", db_url, FAULT_CLASS)
    grading = _grading(course, cluster.address)
    _wait_for_imports(grading, 1)
    ProcessCluster.kill(cluster.workers[0])  # the machine is gone, nanny and all
    out, err = grading.communicate(timeout=900)
    assert grading.returncode == 0, err[-3000:]
    results = _results(course)
    assert {s: _outcome(results[s]) for s in FAULT_CLASS} == {
        s: _outcome(demo_results[s]) for s in FAULT_CLASS
    }
    assert _submissions(db_url) == sorted(FAULT_CLASS)
    # The lost worker's kernels went with it: none is left waiting for a grader that is gone.
    lost = str(cluster.folder / "w0")
    time.sleep(2)
    assert not [c for c in _commands() if lost in c], "a kernel outlived its worker"


def _commands() -> list[str]:
    """Every process's command line."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            found.append((proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
        except (OSError, ValueError):
            continue
    return found


def test_the_instructors_process_killed_mid_batch_then_a_rerun_finishes_it(
    tmp_path, postgres, cluster, demo_results
):
    db_url = postgres.database("instructor_killed")
    course = _course(tmp_path / "course", db_url, FAULT_CLASS)
    grading = _grading(course, cluster.address)
    _wait_for_imports(grading, 3)
    ProcessCluster.kill(grading)
    rerun = run_graders(course, "grade", "--cluster", cluster.address)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "already graded with the same content" in rerun.stderr
    results = _results(course)
    assert {s: _outcome(results[s]) for s in FAULT_CLASS} == {
        s: _outcome(demo_results[s]) for s in FAULT_CLASS
    }
    assert _submissions(db_url) == sorted(FAULT_CLASS)


def test_the_scheduler_gone_says_so_exits_non_zero_and_a_rerun_grades_the_rest(
    tmp_path, postgres, demo_results
):
    db_url = postgres.database("scheduler_gone")
    course = _course(tmp_path / "course", db_url, FAULT_CLASS)
    first = ProcessCluster(tmp_path / "first", 2, env())
    try:
        grading = _grading(course, first.address)
        _wait_for_imports(grading, 2)
        ProcessCluster.kill(first.scheduler)
        out, err = grading.communicate(timeout=300)
    finally:
        first.stop()
    assert grading.returncode == 2 and "lost the Dask scheduler" in err, err[-3000:]
    assert "run the same command again" in err
    second = ProcessCluster(tmp_path / "second", 2, env())
    try:
        rerun = run_graders(course, "grade", "--cluster", second.address)
    finally:
        second.stop()
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    results = _results(course)
    assert {s: _outcome(results[s]) for s in FAULT_CLASS} == {
        s: _outcome(demo_results[s]) for s in FAULT_CLASS
    }
    # Everything is graded now: a rerun sends nothing, so it needs no scheduler at all.
    assert run_graders(course, "grade", "--cluster", second.address).returncode == 0
