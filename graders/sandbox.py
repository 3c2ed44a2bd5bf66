"""Start a student's kernel inside a bubblewrap sandbox (the `cvexam-sandbox` kernelspec).

Run by jupyter_client as `python -m graders.sandbox -f CONNECTION_FILE [options]
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
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from graders.kernel_factory import set_limits

NOBODY = 65534
IPC_DIR = Path(tempfile.gettempdir()) / "cvexam-ipc"
PRIVATE_PREFIX = "cvexam-sandbox-"
ETC_FILES = ["passwd", "group", "nsswitch.conf", "ld.so.cache", "localtime", "hosts", "fonts"]
MPLCONFIGDIR = "/tmp/.matplotlib"
TMP_BYTES = 256 * 1024**2  # the private /tmp
PYTHON = os.path.normpath(sys.executable)  # as the sandbox sees it: no "..", which may lead nowhere there
FACTORY = "CVEXAM_KERNEL_FACTORY"  # where a grading run's kernel factory listens (graders/factory.py)
PORTS = ["shell_port", "iopub_port", "stdin_port", "control_port", "hb_port"]


def _options(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(prog="graders.sandbox")
    parser.add_argument("-f", dest="connection_file", required=True)
    parser.add_argument("--sandbox-memory", type=int, default=2 * 1024**3, help="bytes of address space")
    parser.add_argument("--sandbox-processes", type=int, default=256)
    parser.add_argument("--sandbox-open-files", type=int, default=256)
    parser.add_argument("--sandbox-cpu-seconds", type=int, default=600)
    parser.add_argument("--sandbox-file-size", type=int, default=200 * 1024**2, help="bytes per written file")
    return parser.parse_known_args(argv)


def unusable_reason() -> str | None:
    """Why bubblewrap cannot sandbox a kernel here, or None when it can."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    if os.geteuid() != 0:
        return "the grader does not run as root, which this sandbox needs to drop to a non-root uid"
    probe = subprocess.run(
        ["bwrap", "--unshare-net", "--unshare-pid", "--ro-bind", "/", "/", "--", "/bin/true"],
        capture_output=True,
        text=True,
    )
    if probe.returncode != 0:
        return f"bwrap cannot create namespaces here: {probe.stderr.strip()[:200]}"
    return None


def status() -> str:
    reason = unusable_reason()
    if reason is None:
        return "sandbox: bubblewrap (no network, read-only system, non-root uid, resource limits)"
    return f"sandbox: NONE, student code runs UNSANDBOXED with the grader's rights ({reason})"


def ipc_prefix() -> str:
    """Where this process's kernels put their sockets (`KernelManager.ip`). jupyter_client
    numbers socket files by looking for free names, which races between processes: each
    grading process gets names of its own."""
    return str(IPC_DIR / f"kernel{os.getpid()}")


def font_list() -> Path | None:
    """matplotlib's font list, built once per machine. Without it every kernel would build
    its own on its first plot (running fc-list: about 0.15 s a notebook)."""
    cache = IPC_DIR / "mplconfig"
    if not list(cache.glob("fontlist-*.json")):
        staging = Path(tempfile.mkdtemp(prefix="mplconfig-", dir=IPC_DIR))
        env = {**os.environ, "MPLCONFIGDIR": str(staging)}
        command = [sys.executable, "-c", "import matplotlib.font_manager"]
        subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)
        try:
            staging.rename(cache)  # atomic: another launcher may have been first
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
    found = sorted(cache.glob("fontlist-*.json"))
    return found[-1] if found else None


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
    IPC_DIR.mkdir(mode=0o755, exist_ok=True)
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


def python_dirs() -> list[str]:
    return sorted({sys.prefix, sys.base_prefix})


def kernel_env() -> dict[str, str]:
    """The student's kernel's whole environment."""
    return {
        "PATH": f"{Path(PYTHON).parent}:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "MALLOC_ARENA_MAX": "2",
        "MPLCONFIGDIR": MPLCONFIGDIR,
        "IPYTHONDIR": "/tmp/.ipython",
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def system_command(binds: list[str], env: dict[str, str]) -> list[str]:
    """bwrap's options for a sandbox with no network, its own PID, IPC and UTS namespaces, a
    read-only /usr, a few /etc files and the Python environment, a private /tmp, and `binds`
    (more bwrap options) after those; then --clearenv and `env`."""
    command = ["bwrap", "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts"]
    command += ["--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    command += ["--ro-bind", "/usr", "/usr", "--proc", "/proc", "--dev", "/dev"]
    for name in ("lib", "lib64", "bin", "sbin"):
        if Path(f"/{name}").is_symlink():
            command += ["--symlink", os.readlink(f"/{name}"), f"/{name}"]
        elif Path(f"/{name}").is_dir():
            command += ["--ro-bind", f"/{name}", f"/{name}"]
    for name in ETC_FILES:
        command += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    # The private /tmp first: the Python environment or the notebook may live under /tmp.
    command += ["--size", str(TMP_BYTES), "--perms", "1777", "--tmpfs", "/tmp"]
    for folder in python_dirs():
        command += ["--ro-bind", folder, folder]
    command += binds
    return command + ["--clearenv"] + [x for key, value in env.items() for x in ("--setenv", key, value)]


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
    return {
        "memory": options.sandbox_memory,
        "processes": options.sandbox_processes,
        "open_files": options.sandbox_open_files,
        "cpu_seconds": options.sandbox_cpu_seconds,
        "file_size": options.sandbox_file_size,
    }


def _limit(options: argparse.Namespace) -> None:
    """Set the limits now: the sandbox and the kernel inherit them."""
    set_limits(_limits(options))


def _from_factory(
    address: str, options: argparse.Namespace, kernel_args: list[str], private: Path
) -> int | None:
    from graders.factory import run_kernel

    connection = (private / "connection.json").read_text()
    return run_kernel(address, connection, _limits(options), kernel_args, Path.cwd(), private / "ipc")


def _from_bwrap(options: argparse.Namespace, kernel_args: list[str], private: Path) -> int:
    _limit(options)
    command = bwrap_command(
        private / "connection.json", private / "ipc", Path.cwd(), kernel_args, font_list()
    )
    process = subprocess.Popen(command)
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda s, f: process.send_signal(s))
    return process.wait()


def main(argv: list[str]) -> int:
    options, kernel_args = _options(argv)
    factory = os.environ.get(FACTORY)
    reason = None if factory else unusable_reason()  # a factory runs only where bubblewrap does
    if reason is not None:
        print(f"[graders.sandbox] WARNING: this kernel is UNSANDBOXED: {reason}", file=sys.stderr)
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
