"""Measure, in one run on this machine, how fast a class is graded, side by side:

(a)  the project's grading: `python -m graders grade --workers W` (kernels forked from
     the warm kernel factory);
(a1) the same with one worker;
(a2) the same with every kernel started fresh (`--fresh-kernels`);
(b)  plain sequential `nbgrader autograde` of the same course and class;
(c)  the conventional twin of part 1 (hidden tests import torch and assert in the
     kernel) under stock nbgrader;
(d)  the floor: a bare kernel running the student's cells only, W at a time, and (d1) one at a time;
(v)  a student's Validate of part 1 in a student workspace (graders.classroom), against
(v0) plain `nbgrader validate` of the same notebook;
(h)  `python -m graders --help` (best of 5; target under 1 s);
and the grader's peak memory (the grading processes, not the student kernels) at
each size of --memory. Prints a markdown table with the ratios.

    .venv/bin/python bench/run.py [--students 20] [--workers 3] [--memory 50,200]

W defaults to the project's own default, one more than the cores.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import psutil
from nbclient import NotebookClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import synthetic  # noqa: E402
from graders import classroom  # noqa: E402
from graders.sandbox import system as sandbox  # noqa: E402


def is_kernel(process: psutil.Process) -> bool:
    """A student's kernel (uid 65534, fresh or forked from the kernel factory), its launcher
    or its sandbox; the kernel factory itself, shared by the run, is the grader's."""
    if process.uids().real == sandbox.NOBODY:
        return True
    argv = process.cmdline()
    if not argv:
        return False
    launchers = ("ipykernel_launcher", "graders.sandbox")
    return Path(argv[0]).name in ("bwrap", "setpriv") or any(arg in launchers for arg in argv[1:3])


def _env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


class PeakMemory(threading.Thread):
    """Samples the memory (PSS) of a process and its descendants, student kernels left out
    (started fresh, or forked from the kernel factory: those run as uid 65534)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak, self.running = psutil.Process(pid), 0, True

    def _grader_rss(self) -> int:
        total = 0
        for process in [self.root, *self.root.children(recursive=True)]:
            try:
                if not is_kernel(process):
                    # PSS: pages the forked workers share with their parent are counted once
                    total += process.memory_full_info().pss
            except psutil.Error:
                pass
        return total

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self._grader_rss())
            time.sleep(0.1)


def timed(command: list[str], cwd: Path, memory: bool = False) -> tuple[float, int]:
    """Wall seconds of `command`, and its peak grader memory in bytes when asked."""
    started = time.monotonic()
    out, err = subprocess.DEVNULL, subprocess.PIPE
    process = subprocess.Popen(command, cwd=cwd, env=_env(), stdout=out, stderr=err)
    sampler = PeakMemory(process.pid) if memory else None
    if sampler:
        sampler.start()
    _, stderr = process.communicate()
    seconds = time.monotonic() - started
    if sampler:
        sampler.running = False
        sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{stderr.decode()[-3000:]}")
    return seconds, sampler.peak if sampler else 0


def _run_bare(paths: list[Path]) -> None:
    for path in paths:
        NotebookClient(synthetic.students_cells_only(path), kernel_name="python3", timeout=60).execute()


def floor(notebooks: list[Path], workers: int) -> float:
    """Wall seconds for bare kernels to run the student's cells of `notebooks`, `workers` at a time."""
    started = time.monotonic()
    if workers == 1:
        _run_bare(notebooks)
    else:
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(_run_bare, [notebooks[i::workers] for i in range(workers)]))
    return time.monotonic() - started


def validate(root: Path, course: Path, repeats: int = 3) -> tuple[float, float]:
    """Seconds for one `nbgrader validate` of part 1 in a student workspace, and in a plain folder."""
    workspace = classroom.student_workspace(course, "bench-student")
    plain = root / "plain-validate"
    plain.mkdir()
    notebook = next((course / "submitted").rglob(f"{synthetic.PART1}.ipynb"))
    seconds = []
    for folder in (workspace, plain):
        shutil.copy(notebook, folder)
        command = [sys.executable, "-m", "nbgrader", "validate", notebook.name]
        seconds.append(min(timed(command, folder)[0] for _ in range(repeats)))
    return seconds[0], seconds[1]


def grade_run(
    root: Path, name: str, students: int, workers: int, memory: bool = False, options: tuple[str, ...] = ()
) -> tuple[float, int]:
    course = synthetic.course(root / name)
    synthetic.hand_in(course, students)
    command = [sys.executable, "-m", "graders", "grade", synthetic.ASSIGNMENT, "--workers", str(workers)]
    return timed([*command, *options], course, memory)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=20, help="class size for the timings")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument("--memory", default="50,200", help="class sizes for peak memory ('' to skip)")
    args = parser.parse_args(argv)
    n, w = args.students, args.workers
    root = Path(tempfile.mkdtemp(prefix="cvexam-bench-"))
    print(f"bench: {n} students, {w} workers, {os.cpu_count()} cores, in {root}", file=sys.stderr)

    rows: dict[str, float] = {}
    per = 2 * n  # two notebooks a student
    step = "(a) project's grading"
    print(f"bench: {step}", file=sys.stderr)
    rows["a"] = grade_run(root, "a", n, w)[0] / per
    print("bench: (a1) project's grading, 1 worker", file=sys.stderr)
    rows["a1"] = grade_run(root, "a1", n, 1)[0] / per
    print("bench: (a2) project's grading, fresh kernels", file=sys.stderr)
    rows["a2"] = grade_run(root, "a2", n, w, options=("--fresh-kernels",))[0] / per
    print("bench: (b) plain nbgrader autograde", file=sys.stderr)
    course_b = synthetic.course(root / "b")
    synthetic.hand_in(course_b, n)
    autograde = [sys.executable, "-m", "nbgrader", "autograde", synthetic.ASSIGNMENT]
    rows["b"] = timed(autograde, course_b)[0] / per
    print("bench: (c) conventional twin", file=sys.stderr)
    rows["c"] = timed(autograde, synthetic.twin_course(root / "c", n))[0] / n
    print("bench: (d) floor", file=sys.stderr)
    notebooks = sorted((root / "a" / "submitted").rglob("*.ipynb"))
    rows["d"] = floor(notebooks, w) / len(notebooks)
    rows["d1"] = floor(notebooks, 1) / len(notebooks)
    part1 = [p for p in notebooks if p.stem == synthetic.PART1]
    rows["d1_part1"] = floor(part1, 1) / len(part1)

    print("bench: (v) validate", file=sys.stderr)
    rows["v"], rows["v0"] = validate(root, course_b)
    help_command = [sys.executable, "-m", "graders", "--help"]
    rows["h"] = min(timed(help_command, Path(__file__).resolve().parents[1])[0] for _ in range(5))

    memory = {}
    for size in [int(s) for s in args.memory.split(",") if s.strip()]:
        print(f"bench: peak memory, {size} students", file=sys.stderr)
        seconds, peak = grade_run(root, f"m{size}", size, w, memory=True)
        memory[size] = (peak, seconds)

    print(report(rows, memory, n, w))
    return 0


def report(rows: dict[str, float], memory: dict[int, tuple[int, float]], n: int, w: int) -> str:
    lines = [
        f"{n} students x 2 notebooks, {w} workers, {os.cpu_count()} cores; seconds per notebook (wall)",
        "",
        "| run | s / notebook |",
        "|---|---|",
        f"| (a) project's grading, {w} workers (autograde + feedback) | {rows['a']:.2f} |",
        f"| (a1) project's grading, 1 worker | {rows['a1']:.2f} |",
        f"| (a2) project's grading, {w} workers, every kernel started fresh | {rows['a2']:.2f} |",
        f"| (b) plain `nbgrader autograde`, sequential | {rows['b']:.2f} |",
        f"| (c) conventional twin of part 1 (torch in the kernel), stock nbgrader | {rows['c']:.2f} |",
        f"| (d) floor: bare kernel, student's cells only, {w} at a time | {rows['d']:.2f} |",
        f"| (d1) floor, one at a time | {rows['d1']:.2f} |",
        f"| (d1) floor, part 1 only, one at a time | {rows['d1_part1']:.2f} |",
        "",
        "| ratio | measured | target |",
        "|---|---|---|",
        f"| (b) / (a) | {rows['b'] / rows['a']:.2f} | >= 2.5 |",
        f"| (a) / (d), same parallelism | {rows['a'] / rows['d']:.2f} | <= 1.3 |",
        f"| (a1) / (d1), one at a time | {rows['a1'] / rows['d1']:.2f} | |",
        f"| (a) / (c) | {rows['a'] / rows['c']:.2f} | <= 0.5 |",
        f"| (a1) / (c), one at a time | {rows['a1'] / rows['c']:.2f} | |",
        f"| (a2) / (a), fresh kernels over warm | {rows['a2'] / rows['a']:.2f} | |",
        "",
        "| Validate of part 1 (best of 3) | s |",
        "|---|---|",
        f"| (v) in a student workspace (this project's config) | {rows['v']:.2f} |",
        f"| (v0) plain `nbgrader validate` | {rows['v0']:.2f} |",
        f"| (v) / (v0) | {rows['v'] / rows['v0']:.2f} (target <= 1) |",
        "",
        f"`python -m graders --help` (best of 5): {rows['h']:.2f} s (target < 1 s)",
    ]
    if memory:
        lines += ["", "| students | grader peak memory (PSS) | wall |", "|---|---|---|"]
        lines += [f"| {size} | {peak / 2**20:.0f} MiB | {s:.0f} s |" for size, (peak, s) in memory.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
