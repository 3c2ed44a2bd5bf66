"""Linux accounts and groups of the classroom (run as root): one account per person,
home folders closed to everyone else, and a record of what was made so that
`hub --remove` takes away exactly that."""

import grp
import pwd
import subprocess
from pathlib import Path

HOME_MODE = 0o700


def students_group(course_id: str) -> str:
    """nbgrader's name for a course's students on JupyterHub."""
    return f"nbgrader-{course_id}"


def instructors_group(course_id: str) -> str:
    """nbgrader's name for a course's graders on JupyterHub."""
    return f"formgrade-{course_id}"


def run(*command: str, stdin: str | None = None) -> None:
    """Run a system command (as root); its error output, if it fails, as a RuntimeError."""
    done = subprocess.run(command, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr.strip()}")


def exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def practice_service(course_id: str) -> str:
    """The practice service's own account: no login, in the instructors' group (it reads the
    instructors' environment, the course's practice secret and writes the practice log)."""
    return f"cvxp-{course_id}"[:32]


def ensure_group(name: str, made: dict) -> None:
    try:
        grp.getgrnam(name)
    except KeyError:
        run("groupadd", name)
        made["groups"].append(name)


def ensure_user(name: str, home: Path, primary_group: str, made: dict) -> None:
    """An account with a home folder only it can enter, in `primary_group`."""
    if exists(name):
        run("usermod", "-g", primary_group, name)
    else:
        run(
            "useradd",
            "--create-home",
            "--home-dir",
            str(home),
            "--shell",
            "/bin/bash",
            "--gid",
            primary_group,
            name,
        )
        made["users"].append(name)
    home_of = Path(pwd.getpwnam(name).pw_dir)
    home_of.chmod(HOME_MODE)


def set_passwords(passwords: dict[str, str]) -> None:
    run("chpasswd", stdin="".join(f"{name}:{password}\n" for name, password in passwords.items()))


def remove(made: dict) -> list[str]:
    """Delete the accounts (with their homes) and groups this classroom made."""
    gone = []
    for name in made["users"]:
        if exists(name):
            subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
            run("userdel", "--remove", name)
            gone.append(f"user {name}")
    for name in made["groups"]:
        try:
            grp.getgrnam(name)
        except KeyError:
            continue
        run("groupdel", name)
        gone.append(f"group {name}")
    return gone
