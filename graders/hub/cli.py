"""`python -m graders.classroom hub`: set up the classroom on this machine (as root) and
run JupyterHub; `hub --remove` takes it all away again.

Every step is idempotent: run it again with a new roster to add the term's late
students (existing accounts and passwords are kept).
"""

import argparse
import grp
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from graders.hub import accounts, config, disks, environments, ports, roster
from graders.instructor.course import Course

REPO = Path(__file__).resolve().parents[2]
DEFAULT_PREFIX = Path("/srv/cvexam")


def _state_file(layout: config.Layout) -> Path:
    return layout.hub / "classroom.json"


def _load_state(layout: config.Layout) -> dict:
    path = _state_file(layout)
    if path.exists():
        return json.loads(path.read_text())
    return {"students": [], "instructors": [], "made": {"users": [], "groups": []}}


def _save_state(layout: config.Layout, state: dict) -> None:
    path = _state_file(layout)
    path.write_text(json.dumps(state, indent=1))
    path.chmod(0o600)


def _close_to_others(path: Path) -> None:
    """The checkout holds the answer key: no account but its owner's group may enter it."""
    mode = path.stat().st_mode & 0o777
    if mode & 0o007:
        path.chmod(mode & 0o770)
        print(f"classroom: {path} closed to other accounts (mode {mode & 0o770:o}): it holds the answer key")


def _as(user: str, env: Path, *command: str, cwd: Path) -> None:
    done = subprocess.run(
        [shutil.which("runuser") or "runuser", "-u", user, "--", str(env / "bin" / "python"), *command],
        cwd=cwd,
        env={"PATH": f"{env / 'bin'}:/usr/bin:/bin", "HOME": str(cwd)},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} as {user} failed:\n{done.stderr[-3000:]}")


def setup(args: argparse.Namespace) -> tuple[config.HubSettings, dict]:
    course_id = args.course_id or Course.open(REPO).course_id
    layout = config.Layout(args.prefix.resolve(), course_id)
    layout.make()
    state = _load_state(layout)
    made = state["made"]
    students_group, instructors_group = (
        accounts.students_group(course_id),
        accounts.instructors_group(course_id),
    )
    people = roster.read(args.roster) if args.roster else []
    service_account = accounts.practice_service(course_id)  # the practice service runs as it
    instructors = [roster.check_name(n, "--instructor") for n in args.instructor or ["instructor"]]
    clash = {p.id for p in people} & set(instructors)
    if clash:
        raise roster.RosterError(f"{', '.join(sorted(clash))}: on the roster and an instructor")
    foreign = sorted(
        n
        for n in [*instructors, *(p.id for p in people), service_account]
        if accounts.exists(n) and n not in made["users"]
    )
    if foreign:  # never take over root, a service or a colleague's account
        raise roster.RosterError(
            f"{', '.join(foreign)}: already an account on this machine, not made by this classroom; "
            "choose other ids"
        )
    accounts.ensure_group(students_group, made)
    accounts.ensure_group(instructors_group, made)
    new_passwords: dict[str, str] = {}
    for name in instructors:
        fresh = not accounts.exists(name)
        accounts.ensure_user(name, layout.homes / name, instructors_group, made)
        if fresh:
            new_passwords[name] = roster.new_password()
    accounts.ensure_user(service_account, layout.homes / service_account, instructors_group, made)
    for person in people:
        fresh = not accounts.exists(person.id)
        accounts.ensure_user(person.id, layout.homes / person.id, students_group, made)
        if fresh:
            new_passwords[person.id] = person.password or roster.new_password()
        elif person.password and args.reset_passwords:
            new_passwords[person.id] = person.password
    if new_passwords:
        accounts.set_passwords(new_passwords)
    state["students"] = sorted(set(state["students"]) | {p.id for p in people})
    if args.student_disk:  # every student's, the roster's of earlier runs too (after a reboot)
        made_now = disks.ensure_homes(layout.disks, layout.homes, state["students"], args.student_disk)
        size = f"{args.student_disk / 1024**3:g} GiB"
        print(f"classroom: each student's home a disk of its own ({size}; {len(made_now)} made now)")
    state["instructors"] = sorted(set(state["instructors"]) | set(instructors))
    _save_state(layout, state)
    if new_passwords:
        _write_passwords(layout, new_passwords)

    gid = grp.getgrnam(instructors_group).gr_gid
    # each classroom its own environments (another classroom's rebuild or group never reaches it)
    envs = environments.ensure((args.envs or layout.prefix / "envs").resolve(), REPO, gid)
    course = config.course_folder(layout, REPO, state["instructors"][0], instructors_group)
    config.course_exchange(layout, state["instructors"][0])
    config.practice_run_folder(layout, service_account)
    if people:
        listed = roster.write_for_nbgrader(people, course / "roster.csv")
        os.chown(listed, os.stat(course).st_uid, gid)
        _as(
            state["instructors"][0],
            envs.instructors,
            "-m",
            "nbgrader",
            "db",
            "student",
            "import",
            listed.name,
            cwd=course,
        )
        print(f"classroom: {len(people)} students on the roster, in the gradebook and with accounts")
    config.student_config(layout)
    config.instructor_config(layout)
    _close_to_others(REPO)
    settings = config.HubSettings(
        layout,
        args.port,
        state["students"],
        state["instructors"],
        envs.students,
        envs.instructors,
        envs.proxy,
    )
    (layout.hub / "jupyterhub_config.py").write_text(config.hub_config(settings))
    return settings, state


def _write_passwords(layout: config.Layout, passwords: dict[str, str]) -> None:
    path = layout.hub / "passwords.csv"
    known = dict(line.split(",", 1) for line in path.read_text().splitlines()[1:]) if path.exists() else {}
    known.update(passwords)
    path.write_text("id,password\n" + "".join(f"{k},{v}\n" for k, v in sorted(known.items())))
    path.chmod(0o600)
    print(f"classroom: passwords of new accounts in {path} (root only): hand them out")


def _stop_orphaned_proxy(pid_file: Path) -> None:
    """A hub that died (rather than stopped) leaves its proxy running: stop it."""
    try:
        pid = int(pid_file.read_text())
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return
    if b"configurable-http-proxy" in command:
        os.kill(pid, signal.SIGTERM)
        print(f"classroom: stopped the proxy a stopped hub left running (pid {pid})")


def remove(args: argparse.Namespace) -> int:
    prefix = args.prefix.resolve()
    layout = config.Layout(prefix, "")
    if not _state_file(layout).exists():
        print(f"classroom: nothing to remove at {prefix} (no {_state_file(layout)})", file=sys.stderr)
        return 1
    state = _load_state(layout)
    _stop_orphaned_proxy(prefix / "hub" / config.PROXY_PID)
    # and the practice service a dead hub left (it runs with --course <prefix>/courses/...)
    subprocess.run(["pkill", "-TERM", "-f", "--", f"--course {re.escape(str(prefix))}/courses/"], check=False)
    for point in disks.unmount_all(prefix):
        print(f"classroom: unmounted {point}")
    for line in accounts.remove(state["made"]):
        print(f"classroom: removed {line}")
    subprocess.run(["rm", "-rf", str(prefix)], check=True)
    print(f"classroom: removed {prefix}, its environments included")
    return 0


def _size(text: str) -> int:
    try:
        return disks.parse_size(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def build_parser() -> argparse.ArgumentParser:
    """The hub classroom's options."""
    parser = argparse.ArgumentParser(
        prog="python -m graders.classroom hub", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--roster", type=Path, help="CSV of students: id[,first_name,last_name,email,password]"
    )
    parser.add_argument(
        "--instructor", action="append", help="an instructor's account (repeatable; default: instructor)"
    )
    parser.add_argument(
        "--prefix", type=Path, default=DEFAULT_PREFIX, help="where the classroom lives (default: %(default)s)"
    )
    parser.add_argument(
        "--envs", type=Path, help="the classroom's Python environments (default: <prefix>/envs)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=8000,
        help="the hub's port on 127.0.0.1; it takes the next two too (its API, the proxy's)",
    )
    parser.add_argument("--course-id", help="default: the course id of this repo's nbgrader_config.py")
    parser.add_argument(
        "--student-disk",
        type=_size,
        default="2G",
        metavar="SIZE",
        help="each student's home a disk of its own of this size, e.g. 500M, 2G; 0: none "
        "(default: %(default)s)",
    )
    parser.add_argument(
        "--reset-passwords", action="store_true", help="set the roster's passwords on existing accounts too"
    )
    parser.add_argument("--setup-only", action="store_true", help="set up, do not start the hub")
    parser.add_argument(
        "--remove",
        action="store_true",
        help="remove the classroom at --prefix: its accounts, groups and folders",
    )
    return parser


def main(argv: list[str]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print(
            "classroom: the hub classroom makes accounts and runs JupyterHub: run it as root", file=sys.stderr
        )
        return 2
    if args.remove:
        return remove(args)
    taken = [] if args.setup_only else ports.taken(args.port)
    if taken:
        print("classroom: not started: " + "; ".join(taken), file=sys.stderr)
        return 2
    try:
        settings, _ = setup(args)
    except (roster.RosterError, RuntimeError) as error:
        print(f"classroom: {error}", file=sys.stderr)
        return 2
    if args.setup_only:
        return 0
    hub = settings.layout.hub
    print(
        f"classroom: JupyterHub at http://127.0.0.1:{settings.port}/ (log in with a roster account)",
        flush=True,
    )
    os.chdir(hub)
    program = settings.instructor_env / "bin" / "jupyterhub"
    os.execv(program, [str(program), "-f", str(hub / "jupyterhub_config.py")])
    return 0
