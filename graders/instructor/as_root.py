"""Grading as root (the sandbox needs root to drop student code to an unprivileged uid) runs
only what root alone can change, and writes through no link another account planted.

`Course.open` calls `problems` before it loads the course's `nbgrader_config.py` (Python that
nbgrader executes): as root, every folder Python imports from, the `graders` package and the
course's config must belong to root and be writable by no one else (a sticky folder may be,
as it keeps others from renaming root's entries). `python -m graders` puts the current folder
first on `sys.path`, so in a course folder the instructors can write, it must be run isolated
(`python -I -m graders ...`), where the current folder is not on the path. When the course
folder is writable by others, the folders grading reads and writes must hold no symbolic
links (a link from `autograded/` to `/etc` would have root write there).
"""

import grp
import os
import pwd
import stat
import sys
from pathlib import Path

# The course's folders that a grading run reads from or writes into (nbgrader's defaults and
# this project's own state and results).
WRITTEN = ["submitted", "autograded", "feedback", "results", ".grading", "gradebook.db"]


def _name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def _group(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return f"gid {gid}"


def changeable_by_others(path: Path) -> str | None:
    """Why an account other than root could change `path` (it, or a folder on the way to
    it, is theirs or writable by them), or None."""
    for place in [path, *path.parents]:
        info = os.lstat(place)
        if info.st_uid != 0:
            return f"{place} belongs to {_name(info.st_uid)}"
        writable = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
        shields_entries = stat.S_ISDIR(info.st_mode) and info.st_mode & stat.S_ISVTX and place != path
        if writable and not shields_entries:
            who = "everyone" if info.st_mode & stat.S_IWOTH else f"group {_group(info.st_gid)}"
            return f"{place} is writable by {who}"
    return None


def _code_folders() -> list[Path]:
    import graders

    folders = [Path(p).resolve() for p in sys.path if p == "" or os.path.isdir(p)]
    return [*dict.fromkeys([*folders, Path(graders.__file__).resolve().parent])]


def _links(course: Path) -> list[str]:
    found = []
    for name in WRITTEN:
        top = course / name
        if top.is_symlink():
            found.append(f"{top} -> {os.readlink(top)}")
            continue
        for folder, subfolders, files in os.walk(top):
            for entry in subfolders + files:
                path = os.path.join(folder, entry)
                if os.path.islink(path):
                    found.append(f"{path} -> {os.readlink(path)}")
    return found


def problems(course: Path) -> list[str]:
    """What makes grading `course` as root unsafe (nothing when not root)."""
    if os.geteuid() != 0:
        return []
    found = []
    for folder in _code_folders():
        why = changeable_by_others(folder)
        if why:
            found.append(
                f"Python would import from {folder}, and {why}: run `python -I -m graders ...` "
                "(isolated: the current folder is not on the import path) "
                "from an environment only root can change"
            )
    config = course / "nbgrader_config.py"
    why = changeable_by_others(config)
    if why:
        found.append(
            f"{config} is Python that grading runs as root, and {why}: "
            f"make it root's (chown root {config}; chmod go-w {config}) in a folder others cannot "
            "rename it out of (sticky: chmod +t)"
        )
    if changeable_by_others(course):
        found += [f"a symbolic link where grading reads or writes as root: {link}" for link in _links(course)]
    return found
