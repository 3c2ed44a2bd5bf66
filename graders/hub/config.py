"""What the hub classroom writes: the folders with their owners and modes, the course
folder, each role's Jupyter config and JupyterHub's own config (run as root)."""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from graders.roles import validate_config, write_role_config

PROXY_PID = "proxy.pid"  # in the hub's folder: how `--remove` finds a proxy a dead hub left

# The exchange must be exactly 0777 for nbgrader's release (not group-shared).
EXCHANGE_MODE = 0o777
# The course folder: its instructors, nobody else (setgid: new files keep the group).
COURSE_MODE = 0o2770


@dataclass(frozen=True)
class Layout:
    """Where a classroom lives, all under one prefix (default /srv/cvexam)."""

    prefix: Path
    course_id: str

    @property
    def exchange(self) -> Path:
        return self.prefix / "exchange"

    @property
    def course(self) -> Path:
        return self.prefix / "courses" / self.course_id

    @property
    def homes(self) -> Path:
        return self.prefix / "home"

    @property
    def hub(self) -> Path:
        """The hub's own state and the passwords: root only."""
        return self.prefix / "hub"

    def role_config(self, role: str) -> Path:
        return self.prefix / "jupyter" / role

    def make(self) -> None:
        for folder, mode in [
            (self.prefix, 0o755),
            (self.homes, 0o755),
            (self.prefix / "courses", 0o755),
            (self.prefix / "jupyter", 0o755),
            (self.hub, 0o700),
            (self.exchange, EXCHANGE_MODE),
        ]:
            folder.mkdir(parents=True, exist_ok=True)
            folder.chmod(mode)


def course_folder(layout: Layout, repo: Path, owner: str, group: str) -> Path:
    """The course folder (config and source from this repo), made once, the instructors'."""
    course = layout.course
    if not (course / "nbgrader_config.py").exists():
        course.mkdir(parents=True, exist_ok=True)
        shutil.copytree(repo / "source", course / "source", dirs_exist_ok=True)
        config = (repo / "nbgrader_config.py").read_text()
        config += (
            "\n# The hub classroom (python -m graders.classroom hub): the system exchange and this course.\n"
            f"c.Exchange.root = {str(layout.exchange)!r}\n"
            f"c.CourseDirectory.course_id = {layout.course_id!r}\n"
            "# A submission belongs to the account that made it; collect copies its regular files only.\n"
            'c.ExchangeFactory.collect = "graders.hub.exchange.VerifiedCollect"\n'
        )
        (course / "nbgrader_config.py").write_text(config)
    practice_log(layout).parent.mkdir(exist_ok=True)
    practice_log(layout).touch()
    shutil.chown(course, owner, group)
    for parent, folders, files in os.walk(course):
        for name in folders + files:
            shutil.chown(os.path.join(parent, name), owner, group)
    course.chmod(COURSE_MODE)
    return course


def practice_log(layout: Layout) -> Path:
    """The practice service's log of checks, in the course folder, the instructors' to read."""
    return layout.course / "results" / "practice_log.jsonl"


def student_config(layout: Layout) -> Path:
    """The students' Jupyter config: Assignment List and Validate only, the course's
    exchange, submissions private to their student."""
    folder = write_role_config(layout.role_config("student"), "student")
    (folder / "nbgrader_config.py").write_text(
        "c = get_config()  # noqa: F821\n"
        f"c.CourseDirectory.course_id = {layout.course_id!r}\n"
        f"c.Exchange.root = {str(layout.exchange)!r}\n"
        'c.ExchangeFactory.submit = "cvexam_student.exchange.PrivateSubmit"\n' + validate_config()
    )
    return _readable(folder)


def instructor_config(layout: Layout) -> Path:
    return _readable(write_role_config(layout.role_config("instructor"), "instructor"))


def _readable(folder: Path) -> Path:
    for parent, _, files in os.walk(folder):
        os.chmod(parent, 0o755)
        for name in files:
            os.chmod(os.path.join(parent, name), 0o644)
    return folder


@dataclass(frozen=True)
class HubSettings:
    layout: Layout
    port: int
    students: list[str]
    instructors: list[str]
    student_env: Path
    instructor_env: Path
    proxy: Path


def hub_config(s: HubSettings) -> str:
    """jupyterhub_config.py: PAM logins for the course's accounts, each server run as its
    account from its role's environment, with its role's Jupyter config."""
    layout = s.layout

    def role(env: Path, config: Path, notebook_dir: str | None) -> dict:
        server = [str(env / "bin" / "jupyterhub-singleuser")]
        if notebook_dir:  # nbgrader finds the course's config in the server's working folder
            server = ["/bin/sh", "-c", 'cd "$0" && exec "$@"', notebook_dir, *server]
        return {
            "cmd": server,
            "environment": {
                "PATH": f"{env / 'bin'}:/usr/local/bin:/usr/bin:/bin",
                "JUPYTER_CONFIG_PATH": str(config),
            },
            "notebook_dir": notebook_dir,
        }

    roles = {
        "instructor": role(s.instructor_env, layout.role_config("instructor"), str(layout.course)),
        "student": role(s.student_env, layout.role_config("student"), None),
    }
    practice_url = f"http://127.0.0.1:{s.port + 3}"
    roles["student"]["environment"]["CVEXAM_PRACTICE_URL"] = practice_url
    practice = {
        "name": "cvexam-practice",
        "url": practice_url,
        "command": [
            str(s.instructor_env / "bin" / "python"),
            *("-m", "graders", "--course", str(layout.course), "practice-service", "--hub"),
            *("--port", str(s.port + 3), "--log", str(practice_log(layout))),
        ],
        "cwd": str(layout.course),
        "environment": {"PATH": f"{s.instructor_env / 'bin'}:/usr/bin:/bin"},
    }
    return f'''"""Written by `python -m graders.classroom hub`; rewritten on every start."""

c = get_config()  # noqa: F821

c.JupyterHub.bind_url = "http://127.0.0.1:{s.port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{s.port + 1}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{s.port + 2}"
c.ConfigurableHTTPProxy.command = [{str(s.proxy)!r}]
c.JupyterHub.db_url = "sqlite:///{layout.hub / "jupyterhub.sqlite"}"
c.JupyterHub.cookie_secret_file = {str(layout.hub / "jupyterhub_cookie_secret")!r}
c.ConfigurableHTTPProxy.pid_file = {str(layout.hub / PROXY_PID)!r}

# The system's accounts and passwords (PAM); only the course's people may log in.
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = {set(s.students) | set(s.instructors)!r}
c.Authenticator.admin_users = {set(s.instructors)!r}
c.JupyterHub.load_groups = {{
    {("nbgrader-" + layout.course_id)!r}: {{"users": {sorted(s.students)!r}}},
    {("formgrade-" + layout.course_id)!r}: {{"users": {sorted(s.instructors)!r}}},
}}

# Each server runs as its Linux account (LocalProcessSpawner), from its role's environment:
# students' has no grading code; instructors' starts in the course folder.
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.default_url = "/lab"
# JupyterLab's app object in the page, for scripts that drive it (the browser tests).
c.Spawner.args = ["--LabApp.expose_app_in_browser=True"]
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120
INSTRUCTORS = {set(s.instructors)!r}
ROLES = {roles!r}


def by_role(spawner):
    role = ROLES["instructor" if spawner.user.name in INSTRUCTORS else "student"]
    spawner.cmd = role["cmd"]
    spawner.environment = dict(role["environment"])
    if role["notebook_dir"]:
        spawner.notebook_dir = role["notebook_dir"]


c.Spawner.pre_spawn_hook = by_role

# The practice checks (python -m graders practice-service), run by the hub: the students'
# kernels reach it on loopback and are known by their server's hub token.
c.JupyterHub.services = [{practice!r}]
'''
