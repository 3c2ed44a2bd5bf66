"""The kernel factory's own process: warm imports, then one forked, sandboxed kernel per request.

Started by `graders.sandbox.factory_client` inside a bubblewrap sandbox of its own, as
`python -c <this file's text> CONFIG`: it reads nothing of the course or the project,
and it imports only the libraries a kernel needs (ipykernel, IPython, numpy,
matplotlib), never a student's code or data. For each request (a connection made by
the kernel's launcher, `graders.sandbox.launcher`) it forks a child that:

1. takes new mount, PID, IPC, network and UTS namespaces, so no two kernels see or
   reach each other;
2. builds a new root of its own: read-only binds of /usr, a few /etc files and the
   Python environment, a few device files, a private /tmp and /dev/shm, the
   notebook's folder read-only and the folder of the kernel's sockets (both received
   as open folders from the launcher), then pivots into it;
3. forks the namespace's init, which mounts its /proc and forks the kernel: resource
   limits, uid 65534 with no groups, no new privileges, the kernel's environment,
   fresh random seeds; then ipykernel runs in the already-warm interpreter.

The child answers "ok" once the kernel is on its way, "exit N" when it ends, and
kills the whole namespace when the launcher's connection closes.

Standard library only (this file runs without the project on its path).
"""

import ctypes
import json
import os
import random
import resource
import select
import signal
import socket
import struct
import sys
from pathlib import Path

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
MNT_DETACH = 2
SYS_MOVE_MOUNT, MOVE_MOUNT_F_EMPTY_PATH, AT_FDCWD = 429, 0x4, -100
PR_SET_PDEATHSIG, PR_SET_NO_NEW_PRIVS = 1, 38
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}
NEWROOT = Path("/newroot")
# The /etc files kernels see, as they were when the factory started. Bound from this copy, not
# from /etc: a file the host replaced since (useradd renames a new /etc/passwd into place) is
# an unlinked one in the factory's view, and Linux refuses to bind an unlinked file.
ETC_SNAPSHOT = Path("/tmp/.cvexam-etc")
DEVICES = ["null", "zero", "full", "random", "urandom", "tty"]
LIMITS = {
    "memory": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
    "cpu_seconds": resource.RLIMIT_CPU,
    "file_size": resource.RLIMIT_FSIZE,
}

_libc = ctypes.CDLL(None, use_errno=True)


def _call(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str | None, target: Path | str, fstype: str | None, flags: int, data: str = "") -> None:
    args = [None if x is None else str(x).encode() for x in (source, target, fstype, data or None)]
    _call(_libc.mount(args[0], args[1], args[2], ctypes.c_ulong(flags), args[3]), f"mount {target}")


def _inside(path: str) -> Path:
    return NEWROOT / path.lstrip("/")


def _bind(source: str, target: str, read_only: bool = True, extra: int = MS_NOSUID | MS_NODEV) -> None:
    """Bind `source` (a path of this process's view) at `target` of the new root."""
    dest = _inside(target)
    if os.path.isdir(source):
        dest.mkdir(parents=True, exist_ok=True)
    else:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.touch()
    _mount(source, dest, None, MS_BIND | MS_REC)
    _mount(None, dest, None, MS_REMOUNT | MS_BIND | extra | (MS_RDONLY if read_only else 0))


def _attach(mount_fd: int, target: str) -> None:
    """Attach a detached mount (made and restricted by the launcher, see factory_client.py) at
    `target` of the new root."""
    dest = _inside(target)
    dest.mkdir(parents=True, exist_ok=True)
    _call(
        _libc.syscall(SYS_MOVE_MOUNT, mount_fd, b"", AT_FDCWD, str(dest).encode(), MOVE_MOUNT_F_EMPTY_PATH),
        f"move_mount {target}",
    )


def _tmpfs(target: str, mode: str, size: int) -> None:
    dest = _inside(target) if target != "/" else NEWROOT
    dest.mkdir(parents=True, exist_ok=True)
    _mount("tmpfs", dest, "tmpfs", MS_NOSUID | MS_NODEV, f"mode={mode},size={size}")


def set_limits(limits: dict[str, int]) -> None:
    """Set the kernel's resource limits (named as in LIMITS) on this process, and no core files."""
    for which, value in limits.items():
        resource.setrlimit(LIMITS[which], (value, value))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _build_root(config: dict, request: dict, workdir_fd: int, ipc_fd: int) -> None:
    """The kernel's file system, in the new mount namespace; then pivot into it."""
    os.umask(0o022)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _tmpfs("/", "0755", 16 * 1024**2)
    _bind("/usr", "/usr")
    for name in ("lib", "lib64", "bin", "sbin"):
        if os.path.islink(f"/{name}"):
            os.symlink(os.readlink(f"/{name}"), _inside(name))
        elif os.path.isdir(f"/{name}"):
            _bind(f"/{name}", f"/{name}")
    for name in config["etc_files"]:
        if os.path.exists(ETC_SNAPSHOT / name):
            _bind(str(ETC_SNAPSHOT / name), f"/etc/{name}")
    # The private /tmp first: the Python environment or the notebook may live under /tmp.
    _tmpfs("/tmp", "1777", config["tmp_bytes"])
    for folder in config["python_dirs"]:
        _bind(folder, folder)
    _inside("/dev").mkdir()
    for name in DEVICES:
        _bind(f"/dev/{name}", f"/dev/{name}", read_only=False, extra=MS_NOSUID)
    for name, target in [("fd", ""), ("stdin", "/0"), ("stdout", "/1"), ("stderr", "/2")]:
        os.symlink(f"/proc/self/fd{target}", _inside(f"/dev/{name}"))
    _tmpfs("/dev/shm", "1777", 64 * 1024**2)
    _attach(ipc_fd, config["ipc_dir"])
    _attach(workdir_fd, request["workdir"])
    connection = _inside("/tmp/.connection.json")
    connection.write_text(request["connection"])
    os.chown(connection, config["uid"], config["uid"])
    connection.chmod(0o600)
    _inside(config["mplconfigdir"]).mkdir(mode=0o777)
    _inside(config["mplconfigdir"]).chmod(0o1777)
    _inside("/proc").mkdir()
    os.chdir(NEWROOT)
    _call(_libc.syscall(SYS_PIVOT_ROOT[os.uname().machine], b".", b"."), "pivot_root")
    _call(_libc.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _kernel(config: dict, request: dict) -> None:
    """Become the student's kernel (limits, uid 65534, its environment) and run it until it ends."""
    os.setsid()
    os.chdir(request["workdir"])  # as root, as bubblewrap does: the folder may be root's only
    set_limits(request["limits"])
    uid = config["uid"]
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _call(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    os.environ.clear()
    os.environ.update(config["env"])
    random.seed()
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed()
    if sys.path and sys.path[0] == "":
        del sys.path[0]  # as ipykernel_launcher does; the kernel puts the notebook's folder back
    sys.argv = ["ipykernel_launcher", "-f", "/tmp/.connection.json", *request["kernel_args"]]
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


def _init(config: dict, request: dict) -> None:
    """PID 1 of the kernel's namespace: its /proc, then the kernel, reaping until it ends."""
    _libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    kernel = os.fork()
    if kernel == 0:
        code = 1
        try:
            _kernel(config, request)
            code = 0
        except SystemExit as end:
            code = end.code if isinstance(end.code, int) else 1
        finally:
            os._exit(code)
    while True:
        pid, status = os.waitpid(-1, 0)
        if pid == kernel:
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _receive(conn: socket.socket) -> tuple[dict, list[int]]:
    data, fds, _, _ = socket.recv_fds(conn, 65536, 8)
    while len(data) < 4 or len(data) < 4 + struct.unpack("!I", data[:4])[0]:
        more = conn.recv(65536)
        if not more:
            raise ConnectionError("the launcher hung up")
        data += more
    return json.loads(data[4:]), fds


def _serve_one(config: dict, conn: socket.socket) -> None:
    """One kernel, in a child of the factory."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    request, fds = _receive(conn)
    if len(fds) != 5:
        raise ValueError(f"expected 5 open files, got {len(fds)}")
    stdio, workdir_fd, ipc_fd = fds[:3], fds[3], fds[4]
    _call(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUTS), "unshare")
    _build_root(config, request, workdir_fd, ipc_fd)
    init = os.fork()
    if init == 0:
        try:
            for target, fd in enumerate(stdio):
                os.dup2(fd, target)
            conn.close()
            os.closerange(3, 1 << 16)
            _init(config, request)
        finally:
            os._exit(1)
    for fd in fds:
        os.close(fd)
    conn.sendall(b"ok\n")
    pidfd = os.pidfd_open(init)
    while True:
        ready, _, _ = select.select([conn, pidfd], [], [])
        if pidfd in ready:
            code = os.waitstatus_to_exitcode(os.waitpid(init, 0)[1])
            conn.sendall(f"exit {code}\n".encode())
            return
        if not conn.recv(64):  # the launcher is gone: so is the kernel
            os.kill(init, signal.SIGKILL)
            os.waitpid(init, 0)
            return


def _snapshot_etc(names: list[str]) -> None:
    """Copy the /etc files kernels see into ETC_SNAPSHOT (in the factory's private /tmp)."""
    import shutil

    ETC_SNAPSHOT.mkdir(mode=0o755)
    for name in names:
        source = Path("/etc") / name
        if source.is_dir():
            shutil.copytree(source, ETC_SNAPSHOT / name, symlinks=True)
        elif source.is_file():
            shutil.copy2(source, ETC_SNAPSHOT / name)


def serve(config: dict) -> None:
    """Import what kernels need, then fork a kernel per connection, forever."""
    import ipykernel.ipkernel  # noqa: F401
    import ipykernel.kernelapp  # noqa: F401

    for name in config["preload"]:
        __import__(name)
    _snapshot_etc(config["etc_files"])
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:  # forking a process with threads could leave a kernel holding a dead lock
        raise SystemExit(f"the kernel factory has {threads} threads after its imports; refusing to fork")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(config["address"])
    listener.listen(64)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the system
    print("ready", flush=True)
    while True:
        conn, _ = listener.accept()
        if os.fork() == 0:
            listener.close()
            try:
                _serve_one(config, conn)
                code = 0
            except BaseException as error:  # noqa: BLE001 (reported to the launcher, which falls back)
                try:
                    conn.sendall(f"error {type(error).__name__}: {error}\n".encode())
                except OSError:
                    pass
                code = 1
            os._exit(code)
        conn.close()


if __name__ == "__main__":
    serve(json.loads(sys.argv[1]))
