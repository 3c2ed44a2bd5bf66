"""A Dask cluster of separate processes on this machine, as on many: `dask scheduler` and N
`dask worker`s, each in a session and a working folder of its own (no shared folder with
the instructor's course). Used by the cluster benchmark and the cluster tests."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ProcessCluster:
    """Started on loopback at construction; `stop()` ends every process it started."""

    def __init__(self, folder: Path, workers: int = 2, env: dict[str, str] | None = None) -> None:
        self.folder, self.port, self.env = folder, free_port(), env or dict(os.environ)
        self.address = f"tcp://127.0.0.1:{self.port}"
        folder.mkdir(parents=True, exist_ok=True)
        scheduler = ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"]
        self.scheduler = self._start("scheduler", scheduler)
        self.workers = [self._start(f"w{i}", self._worker(f"w{i}")) for i in range(workers)]
        self._wait(workers)

    def _worker(self, name: str) -> list[str]:
        return ["worker", self.address, "--host", "127.0.0.1", "--name", name, "--nworkers", "1"] + [
            "--nthreads",
            "1",
            "--memory-limit",
            "4GiB",
            "--local-directory",
            str(self.folder / name),
        ]

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        (self.folder / name).mkdir(exist_ok=True)
        log = open(self.folder / f"{name}.log", "w")  # noqa: SIM115 (the process's own log)
        dask = Path(sys.executable).parent / "dask"
        return subprocess.Popen(
            [str(dask), *args],
            cwd=self.folder / name,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=self.env,
            start_new_session=True,
        )

    def _wait(self, workers: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with Client(self.address, timeout="5s") as client:
                    client.wait_for_workers(workers, timeout=60)
                    return
            except (OSError, TimeoutError):
                time.sleep(0.5)
        log = (self.folder / "scheduler.log").read_text()[-2000:]
        self.stop()
        raise RuntimeError(f"the Dask cluster did not start: {log}")

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """The process and everything it started, at once: a machine lost."""
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait()

    def stop(self) -> None:
        for process in [*self.workers, self.scheduler]:
            self.kill(process)
