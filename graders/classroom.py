"""The whole nbgrader loop on one machine, as one operating-system user: a local
exchange, JupyterLab per role, and student workspaces. A quick look, not a boundary:
every role can read everything. For a real class: `python -m graders.classroom hub`
(graders/hub/).

- The exchange is `exchange/` in the course folder (`c.Exchange.root` in
  nbgrader_config.py), open to every user as nbgrader needs.
- Each role has its own Jupyter config folder (`.jupyter-roles/<role>/`): the
  instructor gets all of nbgrader's lab and server extensions; a student only the
  Assignment List and Validate (the formgrader, Create Assignment and the course
  list are disabled, as nbgrader documents).
- A student works in `students/<id>/`, whose nbgrader_config.py points at the
  same exchange and course. There Validate runs the kernel with stderr sent to
  stdout, so a warning does not fail a right answer (autograde ignores stderr too).
"""

import argparse
import os
import sys
from pathlib import Path

from graders.hub import cli as hub_cli
from graders.instructor.course import Course
from graders.roles import validate_config, write_role_config


def exchange(course_root: Path) -> Path:
    """The exchange folder, created open to all (nbgrader's Assignment List needs that)."""
    folder = course_root / "exchange"
    folder.mkdir(exist_ok=True)
    folder.chmod(0o777)
    return folder


def role_config(course_root: Path, role: str) -> Path:
    """The Jupyter config folder of `role` ("instructor" or "student")."""
    return write_role_config(course_root / ".jupyter-roles" / role, role)


def student_workspace(course_root: Path, student: str) -> Path:
    """`students/<student>/`, with an nbgrader_config.py for the course's exchange."""
    course_id = Course.open(course_root).course_id
    folder = course_root / "students" / student
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        "# Submissions are filed under this id, whatever the operating-system user is.\n"
        f"c.CourseDirectory.student_id = {student!r}\n"
        f"c.Exchange.root = {str(exchange(course_root))!r}\n"
        "# The student's own record of submissions (nbgrader keeps it in the home folder by default).\n"
        f"c.Exchange.cache = {str(folder / '.nbgrader-cache')!r}\n" + validate_config()
    )
    return folder


def lab_command(port: int, token: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        "--LabApp.expose_app_in_browser=True",
    ]


def lab_environment(course_root: Path, role: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_CONFIG_DIR"] = str(role_config(course_root, role))
    env["JUPYTER_RUNTIME_DIR"] = str(workdir / ".runtime")
    return env


def build_parser() -> argparse.ArgumentParser:
    """The one-machine classroom's options (`hub` has its own: graders/hub/cli.py)."""
    parser = argparse.ArgumentParser(prog="python -m graders.classroom", description=__doc__.split("\n\n")[0])
    parser.add_argument("role", choices=["instructor", "student", "setup"], help="or: hub (see hub --help)")
    parser.add_argument("--course", type=Path, default=Path.cwd())
    parser.add_argument("--student", default="student1", help="the student's id (role student)")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--token", default="")
    parser.add_argument(
        "--practice-url",
        default="http://127.0.0.1:8790",
        help="the practice checks (python -m graders practice-service) (default: %(default)s)",
    )
    return parser


def main(argv: list[str]) -> int:
    if argv[:1] == ["hub"]:
        return hub_cli.main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    root = args.course.resolve()
    exchange(root)
    for role in ("instructor", "student"):
        role_config(root, role)
    if args.role == "setup":
        print(f"classroom: exchange {root / 'exchange'}, role configs in {root / '.jupyter-roles'}")
        return 0
    workdir = root if args.role == "instructor" else student_workspace(root, args.student)
    user = "instructor" if args.role == "instructor" else args.student
    env = lab_environment(root, args.role, workdir)
    if args.role == "student":  # the practice client's student id and service (cvexam_student.practice)
        env["CVEXAM_STUDENT"] = args.student
        env["CVEXAM_PRACTICE_URL"] = args.practice_url
    print(f"JupyterLab as {args.role} ({user}) in {workdir}: http://127.0.0.1:{args.port}/lab", flush=True)
    os.chdir(workdir)
    os.execve(sys.executable, lab_command(args.port, args.token), env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
