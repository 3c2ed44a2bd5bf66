"""What the students' kernels' sandbox is made of, for the launcher and the kernel factory
alike: the folders it shows, the environment, the resource limits, bwrap's options,
and whether bubblewrap can run here at all."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

NOBODY = 65534
# The kernels' sockets: one folder per user, since a folder another user made first is not
# writable (every kernel of a non-root run failed on a shared one) nor to be trusted.
IPC_DIR = Path(tempfile.gettempdir()) / f"cvexam-ipc-{os.geteuid()}"
ETC_FILES = ["passwd", "group", "nsswitch.conf", "ld.so.cache", "localtime", "hosts", "fonts"]
MPLCONFIGDIR = "/tmp/.matplotlib"
TMP_BYTES = 256 * 1024**2  # the private /tmp
# A kernel's resource limits: the one definition, read by nbgrader_config.py (the
# kernel's arguments), the launcher's defaults and the kernel factory.
KERNEL_LIMITS = {
    "memory": 2 * 1024**3,  # bytes of address space
    "processes": 256,
    "open_files": 256,
    "cpu_seconds": 600,
    "file_size": 200 * 1024**2,  # bytes per written file
}
PYTHON = os.path.normpath(sys.executable)  # as the sandbox sees it: no "..", which may lead nowhere there
FACTORY = "CVEXAM_KERNEL_FACTORY"  # where a grading run's kernel factory listens (factory_client.py)


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


def ensure_ipc_dir() -> Path:
    """IPC_DIR, made if it is missing; an error that says why when it is not this user's own
    folder (another user's, a link, or writable by others: they could replace its sockets)."""
    try:
        IPC_DIR.mkdir(mode=0o755)
    except FileExistsError:
        pass
    info = os.lstat(IPC_DIR)
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid() or info.st_mode & 0o022:
        raise PermissionError(
            f"{IPC_DIR}, the kernels' socket folder, is not this user's own (owner uid {info.st_uid}, "
            f"mode {stat.filemode(info.st_mode)}): remove it and run again"
        )
    return IPC_DIR


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


def kernel_arguments(limits: dict[str, int] = KERNEL_LIMITS) -> list[str]:
    """The limits as the launcher's arguments (`c.Execute.extra_arguments`)."""
    return [f"--sandbox-{name.replace('_', '-')}={value}" for name, value in limits.items()]
