"""Warm kernels for a grading run: the kernel factory (factory_process.py) started in
a bubblewrap sandbox of its own, and the launcher's side of asking it for a kernel.

A fresh kernel spends most of its CPU importing ipykernel, IPython, numpy and
matplotlib. The factory imports them once per run; each kernel is a fork of it, in a
sandbox of its own (see factory_process.py), used for one notebook only. Kernels
find the factory through the environment variable FACTORY; without it, or when the
factory cannot make a kernel, the launcher starts one the usual way."""

import ctypes
import json
import os
import selectors
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from graders.sandbox import system as sandbox

FACTORY = sandbox.FACTORY
# What the factory may do before its child becomes the kernel: namespaces and mounts,
# giving the connection file to uid 65534, then dropping to it.
CAPABILITIES = ["CAP_SYS_ADMIN", "CAP_SETUID", "CAP_SETGID", "CAP_CHOWN", "CAP_FOWNER", "CAP_DAC_OVERRIDE"]
# What a kernel imports while it starts and runs a notebook of this course's (found by
# listing sys.modules at the end of one); ipykernel.debugger alone is 0.1 s a kernel.
PRELOAD = [
    *("numpy", "numpy.random", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline"),
    *("ipykernel.debugger", "IPython.core.completerlib", "IPython.core.debugger", "IPython.core.logger"),
    *("PIL.PngImagePlugin", "sqlite3", "tornado.gen"),
]
START_SECONDS = 60
SYS_OPEN_TREE, OPEN_TREE_CLONE, AT_FDCWD, AT_EMPTY_PATH = 428, 1, -100, 0x1000
SYS_MOUNT_SETATTR, MOUNT_ATTR_RDONLY, MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC = 442, 1, 2, 4, 8
_libc = ctypes.CDLL(None, use_errno=True)


def factory_config(address: str) -> dict:
    return {
        "address": address,
        "uid": sandbox.NOBODY,
        "etc_files": sandbox.ETC_FILES,
        "python_dirs": sandbox.python_dirs(),
        "tmp_bytes": sandbox.TMP_BYTES,
        "ipc_dir": str(sandbox.IPC_DIR),
        "mplconfigdir": sandbox.MPLCONFIGDIR,
        "env": sandbox.kernel_env(),
        "preload": PRELOAD,
    }


def factory_command(folder: Path, address: str) -> list[str]:
    binds = ["--bind", str(folder), str(folder), "--perms", "1777", "--dir", sandbox.MPLCONFIGDIR]
    fonts = sandbox.font_list()
    if fonts is not None:
        binds += ["--ro-bind", str(fonts), f"{sandbox.MPLCONFIGDIR}/{fonts.name}"]
    binds += ["--dir", "/newroot", "--chdir", "/"]
    for capability in CAPABILITIES:
        binds += ["--cap-add", capability]
    env = {
        **sandbox.kernel_env(),
        "MPLBACKEND": "module://matplotlib_inline.backend_inline",  # as ipykernel sets it
        "OPENBLAS_NUM_THREADS": "1",  # no thread pool: a process with threads must not fork
        "OMP_NUM_THREADS": "1",
    }
    source = (Path(__file__).with_name("factory_process.py")).read_text()
    config = json.dumps(factory_config(address))
    return sandbox.system_command(binds, env) + ["--", sandbox.PYTHON, "-c", source, config]


@contextmanager
def warm_kernels(enabled: bool = True, meanwhile: Callable[[], None] = lambda: None) -> Iterator[str]:
    """Run the kernel factory while the block runs, its address in the environment that
    kernels inherit; `meanwhile` runs while the factory starts. Yields a line that says
    how kernels are started."""
    reason = "fresh kernels asked for" if not enabled else sandbox.unusable_reason()
    if reason is not None:
        meanwhile()
        yield f"kernels: started fresh ({reason})"
        return
    sandbox.ensure_ipc_dir()
    folder = Path(tempfile.mkdtemp(prefix="factory-", dir=sandbox.IPC_DIR))
    address = str(folder / "socket")
    log = open(folder / "factory.log", "w+b")  # noqa: SIM115 (kept open while the factory runs)
    process = subprocess.Popen(factory_command(folder, address), stdout=subprocess.PIPE, stderr=log)
    try:
        meanwhile()
        problem = _wait_ready(process, log)
        if problem is None:
            os.environ[FACTORY] = address
            yield "kernels: forked from a warm, sandboxed kernel factory"
        else:
            yield f"kernels: started fresh (the kernel factory did not start: {problem})"
    finally:
        os.environ.pop(FACTORY, None)
        process.kill()
        process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(process: subprocess.Popen, log) -> str | None:
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if selector.select(START_SECONDS) and process.stdout.readline().strip() == b"ready":
            return None
    process.kill()
    process.wait()
    log.seek(0)
    lines = log.read().decode(errors="replace").strip().splitlines()
    return lines[-1][:300] if lines else f"no answer in {START_SECONDS} s"


class _MountAttr(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint64) for name in ("attr_set", "attr_clr", "propagation", "userns_fd")]


def _detached_copy(folder: Path, read_only: bool) -> int:
    """A mount of `folder` that belongs to no mount namespace yet (open_tree(2)), as an open
    file: the factory's child attaches it in the kernel's namespace (a plain bind cannot
    reach across namespaces). Never setuid, devices or programs; read-only if asked."""
    fd = _libc.syscall(SYS_OPEN_TREE, AT_FDCWD, str(folder).encode(), OPEN_TREE_CLONE | os.O_CLOEXEC)
    if fd < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"open_tree {folder}: {os.strerror(errno)}")
    attr = _MountAttr(attr_set=MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)
    if read_only:
        attr.attr_set |= MOUNT_ATTR_RDONLY
    if _libc.syscall(SYS_MOUNT_SETATTR, fd, b"", AT_EMPTY_PATH, ctypes.byref(attr), ctypes.sizeof(attr)) != 0:
        errno = ctypes.get_errno()
        os.close(fd)
        raise OSError(errno, f"mount_setattr {folder}: {os.strerror(errno)}")
    return fd


def run_kernel(
    address: str, connection: str, limits: dict[str, int], kernel_args: list[str], workdir: Path, ipc: Path
) -> int | None:
    """Have the factory fork a kernel and wait for it to end: its exit code, or None when the
    factory made none (the caller then starts one the usual way). The kernel's standard
    streams are this process's; closing the connection (this process ending) ends it."""
    request = json.dumps(
        {"connection": connection, "limits": limits, "kernel_args": kernel_args, "workdir": str(workdir)}
    ).encode()
    try:
        folders = [_detached_copy(workdir, read_only=True), _detached_copy(ipc, read_only=False)]
    except OSError as error:
        print(f"[graders.sandbox] cannot hand folders to the kernel factory ({error})", file=sys.stderr)
        return None
    try:
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.connect(address)
        socket.send_fds(conn, [struct.pack("!I", len(request)) + request], [0, 1, 2, *folders])
    except OSError as error:
        print(f"[graders.sandbox] the kernel factory is unreachable ({error})", file=sys.stderr)
        return None
    finally:
        for fd in folders:
            os.close(fd)
    replies = conn.makefile("rb")
    first = replies.readline().decode().strip()
    if first != "ok":
        print(
            f"[graders.sandbox] the kernel factory made no kernel ({first or 'no answer'})", file=sys.stderr
        )
        return None
    last = replies.readline().decode().split()
    return int(last[1]) if len(last) == 2 and last[0] == "exit" else 1
