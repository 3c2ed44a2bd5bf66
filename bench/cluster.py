"""The cluster line of the benchmark: the same synthetic class graded on this machine (the
default: forked processes) and on a Dask cluster of 1 and 2 worker processes (separate
processes, separate working folders, each with its own kernel factory), per notebook; and the
overhead of a task (a round trip through the scheduler, and the course kit's set-up).

    .venv/bin/python bench/cluster.py [--students 20]

Prints a markdown table and the inputs of the scaling model in docs/benchmarks.md.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import synthetic  # noqa: E402
from bench.dask_cluster import ProcessCluster  # noqa: E402
from bench.run import _env, grade_run  # noqa: E402


def _noop() -> None:
    return None


def round_trip(address: str, n: int = 200) -> float:
    """Median seconds of one trivial task, submitted and awaited one at a time."""
    from distributed import Client

    with Client(address) as client:
        times = []
        for i in range(n):
            started = time.monotonic()
            client.submit(_noop, key=f"noop-{i}", pure=False).result()
            times.append(time.monotonic() - started)
    return statistics.median(times)


def on_cluster(root: Path, name: str, students: int, workers: int) -> dict[str, float]:
    """Grade the class on a fresh cluster of `workers`: the wall seconds, the workers' set-up
    (course kit, release, kernel factory), the instructor's import time, a task's round trip."""
    course = synthetic.course(root / name)
    synthetic.hand_in(course, students)
    cluster = ProcessCluster(root / f"{name}-cluster", workers, _env())
    try:
        trip = round_trip(cluster.address)
        command = [
            sys.executable,
            "-m",
            "graders",
            "grade",
            synthetic.ASSIGNMENT,
            "--cluster",
            cluster.address,
        ]
        started = time.monotonic()
        done = subprocess.run(command, cwd=course, env=_env(), capture_output=True, text=True, check=True)
        wall = time.monotonic() - started
    finally:
        cluster.stop()
    setup = float(re.search(r"set up in ([0-9.]+) s", done.stderr).group(1))
    imported = float(re.search(r"imported here in ([0-9.]+) s", done.stderr).group(1))
    return {"wall": wall, "setup": setup, "import": imported, "trip": trip}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20)
    n = parser.parse_args(argv).students
    root = Path(tempfile.mkdtemp(prefix="cvexam-bench-cluster-"))
    per = 2 * n
    print(f"bench: {n} students on {os.cpu_count()} cores, in {root}", file=sys.stderr)
    local2 = grade_run(root, "local2", n, 2)[0] / per
    local1 = grade_run(root, "local1", n, 1)[0] / per
    one, two = on_cluster(root, "dask1", n, 1), on_cluster(root, "dask2", n, 2)
    k1, k2 = one["wall"] / per, two["wall"] / per
    steady1 = (one["wall"] - one["setup"]) / per  # per notebook once the workers are set up
    steady2 = (two["wall"] - two["setup"]) / per
    print(f"{n} students x 2 notebooks, {os.cpu_count()} cores; s per notebook (wall, start-up included)\n")
    print("| run | s / notebook |\n|---|---|")
    print(f"| (l1) this machine, 1 worker process | {local1:.2f} |")
    print(f"| (l2) this machine, 2 worker processes | {local2:.2f} |")
    print(f"| (k1) Dask cluster, 1 worker | {k1:.2f} |")
    print(f"| (k2) Dask cluster, 2 workers | {k2:.2f} |")
    print(f"| (k1') Dask, 1 worker, after its set-up | {steady1:.2f} |")
    print(f"| (k2') Dask, 2 workers, after their set-up | {steady2:.2f} |")
    print("\n| ratio or model input | measured |\n|---|---|")
    print(f"| (k1') / (l1), a task's cost over a local process's | {steady1 / local1:.2f} |")
    print(f"| (k2') / (l2) | {steady2 / local2:.2f} |")
    print(f"| per-task overhead, ((k1') - (l1)) x 2 notebooks | {2 * (steady1 - local1):.2f} s |")
    trip = 500 * (one["trip"] + two["trip"])  # ms, the mean of the two runs' medians
    print(f"| a task's round trip through the scheduler (median of 200) | {trip:.1f} ms |")
    print(f"| a worker's set-up (course kit, release, kernel factory), once | {one['setup']:.1f} s |")
    imports = (one["import"] + two["import"]) / (2 * n)
    print(f"| the instructor's import of one result (serial) | {1000 * imports:.0f} ms |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
