"""Start a student's kernel inside a bubblewrap sandbox (the `cvexam-sandbox` kernelspec).

Run by jupyter_client as `python -m graders.sandbox.launcher -f CONNECTION_FILE [options]
[kernel args]`, with the notebook's folder as the working directory. The kernel gets:

- no network (its own network namespace), its own PID, IPC and UTS namespaces;
- a read-only view of /usr, a few files of /etc, the Python environment and the
  notebook's own folder; nothing else of the machine: not the course's
  `source/`, `graders/` or gradebook, not other students' folders, not the home
  directory; a private, size-limited, writable /tmp;
- a real non-root uid (65534), so its limits bite: address space, processes,
  open files, CPU seconds, file size;
- the kernel's sockets over jupyter_client's ipc transport, in a folder of its
  own that the grader reaches through links.

Where bubblewrap cannot run, the kernel starts unsandboxed (limits still set)
and says so on stderr; `status()` tells the grader beforehand.
"""

import argparse
import ctypes
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from graders.sandbox import factory_client
from graders.sandbox.factory_process import set_limits
from graders.sandbox.system import (
    FACTORY,
    IPC_DIR,
    KERNEL_LIMITS,
    MPLCONFIGDIR,
    NOBODY,
    PYTHON,
    ensure_ipc_dir,
    font_list,
    kernel_env,
    python_dirs,
    system_command,
    unusable_reason,
)

PRIVATE_PREFIX = "cvexam-sandbox-"
PR_SET_PDEATHSIG = 1
PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]


def _options(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="graders.sandbox.launcher")
    parser.add_argument("-f", dest="connection_file", required=True)
    for name, value in KERNEL_LIMITS.items():
        parser.add_argument(f"--sandbox-{name.replace('_', '-')}", type=int, default=value)
    return parser.parse_known_args(argv)


def _sweep_stale() -> None:
    """Remove private folders and links left by kernels whose launcher is gone."""
    for folder in Path(tempfile.gettempdir()).glob(f"{PRIVATE_PREFIX}*"):
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(folder, ignore_errors=True)
    for link in IPC_DIR.glob("kernel*-*"):
        # A link whose socket is not there yet may belong to a kernel starting now: only a
        # link whose private folder is gone is stale.
        if link.is_symlink() and not Path(os.readlink(link)).parent.exists():
            link.unlink(missing_ok=True)


def _prepare(connection_file: str) -> tuple[Path, Path, list[Path]]:
    """A private folder for the kernel: its connection file, and the folder of its sockets."""
    ensure_ipc_dir()
    _sweep_stale()
    private = Path(tempfile.mkdtemp(prefix=PRIVATE_PREFIX, suffix=f"-{os.getpid()}"))
    ipc = private / "ipc"
    ipc.mkdir()
    connection = private / "connection.json"
    shutil.copy(connection_file, connection)
    info = json.loads(connection.read_text())
    links = []
    for port in PORTS:
        link = Path(f"{info['ip']}-{info[port]}")
        if link.parent == IPC_DIR:
            link.unlink(missing_ok=True)
            link.symlink_to(ipc / link.name)
            links.append(link)
    for path in (private, ipc, connection):
        os.chown(path, NOBODY, NOBODY)
    connection.chmod(0o600)
    return private, connection, links


def _parents_to_open(paths: list[str]) -> list[str]:
    """bwrap makes the mount points it creates root-only: the folders above `paths` that the
    kernel must be let through."""
    parents = {str(parent) for path in paths for parent in Path(path).parents}
    return sorted(parents - {"/", "/tmp", *paths})


def bwrap_command(
    connection: Path, ipc: Path, workdir: Path, kernel_args: list[str], fonts: Path | None = None
) -> list[str]:
    binds = ["--bind", str(ipc), str(IPC_DIR), "--ro-bind", str(connection), "/tmp/.connection.json"]
    binds += ["--perms", "1777", "--dir", MPLCONFIGDIR]
    if fonts is not None:
        binds += ["--ro-bind", str(fonts), f"{MPLCONFIGDIR}/{fonts.name}"]
    binds += ["--ro-bind", str(workdir), str(workdir), "--chdir", str(workdir)]
    for parent in _parents_to_open([*python_dirs(), str(workdir)]):
        binds += ["--chmod", "0755", parent]
    command = system_command(binds, kernel_env())
    command += ["--", "/usr/bin/setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"]
    command += ["--no-new-privs", PYTHON, "-m", "ipykernel_launcher", "-f", "/tmp/.connection.json"]
    return command + kernel_args


def _limits(options: argparse.Namespace) -> dict[str, int]:
    return {name: getattr(options, f"sandbox_{name}") for name in KERNEL_LIMITS}


def _limit(options: argparse.Namespace) -> None:
    """Set the limits now: the sandbox and the kernel inherit them."""
    set_limits(_limits(options))


def _from_factory(
    address: str, options: argparse.Namespace, kernel_args: list[str], private: Path
) -> int | None:
    connection = (private / "connection.json").read_text()
    return factory_client.run_kernel(
        address, connection, _limits(options), kernel_args, Path.cwd(), private / "ipc"
    )


def _from_bwrap(options: argparse.Namespace, kernel_args: list[str], private: Path) -> int:
    _limit(options)
    command = bwrap_command(
        private / "connection.json", private / "ipc", Path.cwd(), kernel_args, font_list()
    )
    process = subprocess.Popen(command, preexec_fn=_dies_with(os.getpid()))
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda s, f: process.send_signal(s))
    return process.wait()


def _dies_with(parent: int):
    """For the sandbox's process, before it runs bwrap: die with this launcher. bwrap's own
    --die-with-parent is set only once bwrap runs; a launcher killed before then would leave
    the sandbox behind."""

    def setup() -> None:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if os.getppid() != parent:  # the launcher died before prctl took effect
            os._exit(1)

    return setup


def _die_with_grader() -> None:
    """The grading process that started this kernel may die (killed, its Dask worker lost):
    then this launcher dies too, and bubblewrap (--die-with-parent) takes the sandbox with it.
    Without this, a kernel whose grader is gone would wait for messages forever."""
    grader = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != grader:  # the grader died before prctl took effect
        os._exit(1)


def main(argv: list[str]) -> int:
    _die_with_grader()
    options, kernel_args = _options(argv)
    factory = os.environ.get(FACTORY)
    reason = None if factory else unusable_reason()  # a factory runs only where bubblewrap does
    if reason is not None:
        print(f"[graders.sandbox] WARNING: this kernel is UNSANDBOXED: {reason}", file=sys.stderr)
        ensure_ipc_dir()
        _limit(options)
        kernel = [sys.executable, "-m", "ipykernel_launcher", "-f", options.connection_file, *kernel_args]
        os.execv(sys.executable, kernel)
    private, _, links = _prepare(options.connection_file)
    try:
        code = _from_factory(factory, options, kernel_args, private) if factory else None
        return _from_bwrap(options, kernel_args, private) if code is None else code
    finally:
        for link in links:
            link.unlink(missing_ok=True)
        shutil.rmtree(private, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
