"""The kernel factory (graders/sandbox/): a forked kernel is sandboxed as a fresh one
is, dies with its launcher, and a launcher that cannot reach the factory starts a
kernel the usual way."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook

from graders.sandbox import system as sandbox
from graders.sandbox.factory_client import FACTORY, warm_kernels

pytestmark = pytest.mark.skipif(
    sandbox.unusable_reason() is not None, reason=f"no sandbox: {sandbox.unusable_reason()}"
)

INSPECT = (
    f"IPC = {str(sandbox.IPC_DIR)!r}\n"
    + """
import json, os, socket
try:
    open("written.txt", "w").close()
    writable = True
except OSError:
    writable = False
print(json.dumps({
    "uid": os.getuid(), "pid": os.getpid(), "hostname": socket.gethostname(), "cwd": os.getcwd(),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "tmp": sorted(os.listdir("/tmp")), "folder_writable": writable, "env": sorted(os.environ),
    "root": sorted(os.listdir("/")), "ipc": sorted(os.listdir(IPC)),
}))
"""
)


def _kernel() -> KernelManager:
    return KernelManager(kernel_name="cvexam-sandbox", transport="ipc", ip=sandbox.ipc_prefix())


def _run(folder: Path, code: str) -> str:
    nb = new_notebook(cells=[new_code_cell(code)])
    km = _kernel()
    client = NotebookClient(nb, km=km, timeout=60, resources={"metadata": {"path": str(folder)}})
    try:
        client.execute()
    finally:
        km.shutdown_kernel(now=True)
    return "".join(o.get("text", "") for o in nb.cells[0].outputs)


def _inspect(folder: Path) -> dict:
    return json.loads(_run(folder, INSPECT))


def _factory_processes() -> list[psutil.Process]:
    me = psutil.Process()
    return [p for p in me.children(recursive=True) if "kernel factory" in " ".join(p.cmdline())]


def test_a_forked_kernel_is_sandboxed_like_a_fresh_one(tmp_path, capfd):
    fresh = _inspect(tmp_path)
    with warm_kernels() as line:
        assert line == "kernels: forked from a warm, sandboxed kernel factory"
        assert FACTORY in os.environ
        warm = [_inspect(tmp_path), _inspect(tmp_path)]
    assert FACTORY not in os.environ
    assert "[graders.sandbox]" not in capfd.readouterr().err  # no fallback to a fresh start
    for seen in [fresh, *warm]:
        assert seen["uid"] == sandbox.NOBODY and seen["hostname"] == "sandbox"
        assert seen["cwd"] == str(tmp_path) and not seen["folder_writable"]
        assert seen["processes"] == [1, seen["pid"]]  # its own PID namespace: no other process
        assert not [name for name in seen["env"] if name.startswith("CVEXAM")]
        assert all(name.startswith("kernel") for name in seen["ipc"])  # its own sockets only
    for seen in warm:
        assert seen["root"] == fresh["root"]  # the same file system, nothing of the factory's
        assert seen["tmp"] == fresh["tmp"]
    assert not (tmp_path / "written.txt").exists()


def test_each_kernel_has_a_tmp_of_its_own(tmp_path):
    with warm_kernels():
        _run(tmp_path, "open('/tmp/left-by-the-first', 'w').write('x')")
        assert _run(tmp_path, "import os; print(os.path.exists('/tmp/left-by-the-first'))").strip() == "False"


def test_a_kernel_ends_with_its_launcher(tmp_path):
    with warm_kernels():
        (factory,) = [p for p in _factory_processes() if p.uids().real == 0 and p.name().startswith("python")]
        km = _kernel()
        km.start_kernel(cwd=str(tmp_path))
        km.client().wait_for_ready(timeout=60)
        assert any(p.uids().real == sandbox.NOBODY for p in factory.children(recursive=True))
        km.shutdown_kernel(now=True)  # kills the launcher
        deadline = time.monotonic() + 10
        while factory.children(recursive=True) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert factory.children(recursive=True) == []
    deadline = time.monotonic() + 10  # the factory goes with its sandbox, which goes with the grader's run
    while factory.is_running() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not factory.is_running()


def test_without_the_factory_a_kernel_starts_the_usual_way(tmp_path, capfd, monkeypatch):
    monkeypatch.setenv(FACTORY, str(tmp_path / "no-such-socket"))
    assert _run(tmp_path, "print(6 * 7)").strip() == "42"
    assert "the kernel factory is unreachable" in capfd.readouterr().err


ACCOUNTS_CHANGE = """
import os, sys
from pathlib import Path
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_notebook
from graders.sandbox import system as sandbox
from graders.sandbox.factory_client import warm_kernels

def run(folder):
    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")])
    km = KernelManager(kernel_name="cvexam-sandbox", transport="ipc", ip=sandbox.ipc_prefix())
    try:
        NotebookClient(nb, km=km, timeout=60, resources={"metadata": {"path": folder}}).execute()
    finally:
        km.shutdown_kernel(now=True)
    return "".join(o.get("text", "") for o in nb.cells[0].outputs).strip()

with warm_kernels():
    print("RESULT", run(sys.argv[1]), flush=True)
    new = Path("/etc/passwd.new")  # as useradd does: a new file renamed into place
    new.write_text(Path("/etc/passwd").read_text() + "cvexamtest:x:4242:4242::/nonexistent:/bin/false\\n")
    os.rename(new, "/etc/passwd")
    print("RESULT", run(sys.argv[1]), flush=True)
"""


@pytest.mark.skipif(shutil.which("unshare") is None, reason="needs util-linux's unshare")
def test_kernels_still_fork_after_the_account_files_change(tmp_path):
    """Accounts added while a run grades (the hub classroom's useradd) replace /etc/passwd; the
    factory's kernels must not depend on the file it saw at start. Played in a mount namespace
    of the test's own, over a copy of /etc: the machine's /etc is not touched."""
    etc = tmp_path / "etc"
    subprocess.run(["cp", "-a", "/etc", str(etc)], check=True)
    script = tmp_path / "accounts_change.py"
    script.write_text(ACCOUNTS_CHANGE)
    work = tmp_path / "work"
    work.mkdir()
    command = f"mount --bind {etc} /etc && exec {sys.executable} {script} {work}"
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c", command],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert [line for line in done.stdout.splitlines() if line.startswith("RESULT")] == ["RESULT 42"] * 2
    assert "[graders.sandbox]" not in done.stderr, done.stderr[-3000:]  # no fallback to a fresh start
