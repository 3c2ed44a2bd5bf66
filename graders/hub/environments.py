"""The classroom's two Python environments and the hub's proxy (built as root, once).

- students: `student_env/` of this repo (nbgrader, JupyterLab, JupyterHub's single-user
  server, numpy, matplotlib, torch, and nbgrader's submit with private submissions), and
  no grading code. Every account can run it.
- instructors: this repo's package with its own pins, plus JupyterHub; the hub runs from
  it and so do the instructors' servers (the formgrader loads the course's config, which
  imports `graders`). Readable by root and the instructors' group only.

Both are venvs of the system's Python (`/usr/bin/python3`): other accounts cannot run a
Python installed under root's home. A stamp of what went in skips a rebuild when nothing
changed.

Their kernels have JupyterLab's debugger off (the kernelspec's `metadata.debugger`): started,
it makes ipykernel run `debugpy.listen` on a loopback TCP port, where any account on the
machine could connect and run code as the kernel's user.
"""

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
JUPYTERHUB = "jupyterhub==6.1.1"
PROXY = "configurable-http-proxy@5.3.0"


@dataclass(frozen=True)
class Environments:
    students: Path
    instructors: Path
    proxy: Path  # the configurable-http-proxy program


def _digest(paths: list[Path], extra: str) -> str:
    """What goes into an environment: its pins and its Python source (not build output)."""
    h = hashlib.sha256(extra.encode())
    for path in paths:
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            h.update(str(file.relative_to(path.parent)).encode() + file.read_bytes())
    return h.hexdigest()


def _log(message: str) -> None:
    print(f"classroom: {message}", flush=True)


def _venv(folder: Path, stamp: str, packages: list[str], what: str) -> None:
    stamp_file = folder / ".cvexam-stamp"
    if stamp_file.exists() and stamp_file.read_text() == stamp:
        return
    if not Path(SYSTEM_PYTHON).exists():
        raise RuntimeError(
            f"{SYSTEM_PYTHON} is missing: the classroom's environments need the system's Python"
        )
    _log(f"building the {what} environment in {folder} (a few minutes the first time)")
    if not (folder / "bin" / "python").exists():
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(folder)], check=True)
    pip = [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    done = subprocess.run([*pip, *packages], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"pip install into {folder} failed:\n{done.stderr[-3000:]}")
    stamp_file.write_text(stamp)


def _no_debugger(env: Path) -> None:
    """The environment's python3 kernelspec (ipykernel's own), with the debugger off."""
    folder = env / "share" / "jupyter" / "kernels" / "python3"
    spec_file = folder / "kernel.json"
    spec = json.loads(spec_file.read_text())
    spec.setdefault("metadata", {})["debugger"] = False
    spec_file.write_text(json.dumps(spec, indent=1) + "\n")


def _proxy(folder: Path) -> Path:
    program = folder / "bin" / "configurable-http-proxy"
    if program.exists():
        return program
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: JupyterHub's proxy comes from the npm registry")
    _log(f"installing {PROXY} (npm) into {folder}")
    done = subprocess.run(
        [npm, "install", "--global", "--prefix", str(folder), "--no-fund", "--no-audit", PROXY],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0 or not program.exists():
        raise RuntimeError(f"npm install {PROXY} failed:\n{done.stderr[-3000:]}")
    return program


def ensure(root: Path, repo: Path, instructors_gid: int) -> Environments:
    """The environments under `root`, built or brought up to date."""
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    students, instructors = root / "students", root / "instructors"
    student_source = repo / "student_env"
    student_stamp = _digest([student_source / "pyproject.toml", student_source / "cvexam_student"], "")
    _venv(students, student_stamp, [str(student_source)], "students'")
    # The course's own pins (pyproject.toml), its package copied in (not linked to this checkout).
    instructor_stamp = _digest([repo / "pyproject.toml", repo / "graders"], JUPYTERHUB)
    _venv(instructors, instructor_stamp, [f"{repo}", JUPYTERHUB], "instructors'")
    for env in (students, instructors):
        _no_debugger(env)
    os.chown(instructors, 0, instructors_gid)
    instructors.chmod(0o750)
    return Environments(students, instructors, _proxy(root / "proxy"))
