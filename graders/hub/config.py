"""What the hub classroom writes: the folders with their owners and modes, the course
folder, each role's Jupyter config and JupyterHub's own config (run as root)."""

import grp
import os
import pwd
import shutil
from dataclasses import dataclass
from pathlib import Path

from graders.hub.accounts import practice_service
from graders.practice.state import SECRET_FILE, course_secret
from graders.roles import validate_config, write_role_config

PROXY_PID = "proxy.pid"  # in the hub's folder: how `--remove` finds a proxy a dead hub left

# The exchange: 0777 for nbgrader's release (which compares the permission bits only), and
# sticky, so that no student can rename or replace what another account made there (the
# course's folder, another's submission).
EXCHANGE_MODE = 0o1777
# The course's folders in the exchange, made by the classroom (before any student could) and
# owned by its first instructor, with nbgrader's modes; inbound is sticky as well.
COURSE_EXCHANGE = {"": 0o755, "outbound": 0o755, "inbound": 0o3733, "feedback": 0o711}
# The course folder: root's, its instructors' to work in, nobody else's (setgid: new files
# keep the group; sticky: the instructors cannot rename root's nbgrader_config.py, which
# grading as root runs, graders/instructor/as_root.py).
COURSE_MODE = 0o3770
CONFIG_MODE = 0o640
# Each student's server and everything it starts (graders/hub/config.py's pre-spawn hook, with
# util-linux's prlimit): processes of the account, address space per process (a kernel with
# torch needs about 1.5 GiB), bytes per written file, open files per process.
STUDENT_LIMITS = {"nproc": 256, "as": 4 * 1024**3, "fsize": 512 * 1024**2, "nofile": 1024}
# Each student's server sees its own processes only: bubblewrap (unprivileged, in a user
# namespace) gives it a PID namespace and a /proc of its own, the file system otherwise as it
# is. Other users' command lines and environments are out of sight without remounting the
# machine's /proc `hidepid`, and what the server started (a process detached with setsid
# included) ends with it.
OWN_PROCESSES = [
    *("/usr/bin/bwrap", "--dev-bind", "/", "/", "--unshare-pid", "--proc", "/proc"),
    *("--die-with-parent", "--"),
]


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
    def disks(self) -> Path:
        """The students' homes as disk images (graders/hub/disks.py): root only."""
        return self.prefix / "disks"

    @property
    def hub(self) -> Path:
        """The hub's own state and the passwords: root only."""
        return self.prefix / "hub"

    @property
    def practice_socket(self) -> Path:
        """The practice service's Unix socket, in a folder only the service's account writes."""
        return self.prefix / "run" / "practice.sock"

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
    """The course folder (config and source from this repo), made once: root's, with the
    config root's and read-only, everything else its first instructor's and the group's."""
    course = layout.course
    config = course / "nbgrader_config.py"
    if not config.exists():
        course.mkdir(parents=True, exist_ok=True)
        shutil.copytree(repo / "source", course / "source", dirs_exist_ok=True)
        text = (repo / "nbgrader_config.py").read_text()
        text += (
            "\n# The hub classroom (python -m graders.classroom hub): the system exchange and this course.\n"
            f"c.Exchange.root = {str(layout.exchange)!r}\n"
            f"c.CourseDirectory.course_id = {layout.course_id!r}\n"
            "# A submission belongs to the account that made it; collect copies its regular files only.\n"
            'c.ExchangeFactory.collect = "graders.hub.exchange.VerifiedCollect"\n'
        )
        config.write_text(text)
    practice_log(layout).parent.mkdir(exist_ok=True)
    practice_log(layout).touch()
    practice_log(layout).chmod(0o660)  # the practice service's account writes it (in the group)
    course_secret(course)  # made now, by root, for the grading and the practice service
    for parent, folders, files in os.walk(course):
        for name in folders + files:
            shutil.chown(os.path.join(parent, name), owner, group)
    shutil.chown(course, "root", group)
    course.chmod(COURSE_MODE)
    for root_only in (config, course / SECRET_FILE):
        shutil.chown(root_only, "root", group)
        root_only.chmod(CONFIG_MODE)
    return course


def practice_run_folder(layout: Layout, service_account: str) -> Path:
    """The folder of the practice service's socket: its account's alone to write."""
    folder = layout.practice_socket.parent
    folder.mkdir(exist_ok=True)
    shutil.chown(folder, service_account, "root")
    folder.chmod(0o755)
    return folder


def course_exchange(layout: Layout, owner: str) -> Path:
    """The course's folders in the exchange, made before any student could make them."""
    account = pwd.getpwnam(owner)
    top = layout.exchange / layout.course_id
    for name, mode in COURSE_EXCHANGE.items():
        folder = top / name if name else top
        if folder.is_symlink() or (folder.exists() and folder.lstat().st_uid != account.pw_uid):
            raise RuntimeError(
                f"{folder} exists and is not {owner}'s (made by uid {folder.lstat().st_uid}): "
                "remove it before starting the classroom"
            )
        folder.mkdir(exist_ok=True)
        os.chown(folder, account.pw_uid, grp.getgrgid(account.pw_gid).gr_gid)
        folder.chmod(mode)
    return top


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
            "confined": [],
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
    roles["student"]["environment"]["CVEXAM_PRACTICE_URL"] = f"unix:{layout.practice_socket}"
    limits = [f"--{name}={value}" for name, value in STUDENT_LIMITS.items()]
    roles["student"]["confined"] = ["/usr/bin/prlimit", *limits, "--", *OWN_PROCESSES]
    practice = {
        "name": "cvexam-practice",
        "user": practice_service(layout.course_id),  # its own account, not root's (the hub's)
        "command": [
            str(s.instructor_env / "bin" / "python"),
            *("-I", "-m", "graders", "--course", str(layout.course), "practice-service", "--hub"),
            *("--socket", str(layout.practice_socket), "--log", str(practice_log(layout))),
        ],
        "cwd": str(layout.course),
        "environment": {"PATH": f"{s.instructor_env / 'bin'}:/usr/bin:/bin"},
    }
    return f'''"""Written by `python -m graders.classroom hub`; rewritten on every start."""

import sys

c = get_config()  # noqa: F821

c.JupyterHub.bind_url = "http://127.0.0.1:{s.port}"
c.JupyterHub.hub_bind_url = "https://127.0.0.1:{s.port + 1}"
c.ConfigurableHTTPProxy.api_url = "https://127.0.0.1:{s.port + 2}"

# Internal traffic (hub, proxy, single-user servers, the practice service's calls to the hub)
# is mutual TLS with certificates JupyterHub makes: a process that takes a port the classroom
# freed can neither pass for a server nor read what is sent to it.
c.JupyterHub.internal_ssl = True
c.JupyterHub.internal_certs_location = {str(layout.hub / "internal-ssl")!r}


def _hand_over_service_certificates():
    """JupyterHub makes a managed service's certificates in its root-only folder and, unlike a
    user server's, does not hand them to the account the service runs as: hand them over the way
    it does for a user's server (LocalProcessSpawner.move_certs: into its home, its own)."""
    from jupyterhub.services.service import _ServiceSpawner
    from jupyterhub.spawner import LocalProcessSpawner

    async def create_certs(self):
        paths = await LocalProcessSpawner.create_certs(self)
        if not self.user.name:  # a service run as the hub's own account: they are its already
            return paths
        return await LocalProcessSpawner.move_certs(self, paths)

    _ServiceSpawner.create_certs = create_certs


if "jupyterhub.app" in sys.modules:  # read by the hub (a test may read this file without it)
    _hand_over_service_certificates()

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
# students' has no grading code and runs under limits (prlimit), seeing its own processes only
# (bwrap); instructors' starts in the course folder.
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
    spawner.cmd = role["confined"] + role["cmd"]
    spawner.environment = dict(role["environment"])
    if role["notebook_dir"]:
        spawner.notebook_dir = role["notebook_dir"]


c.Spawner.pre_spawn_hook = by_role

# The practice checks (python -m graders practice-service), run by the hub: the students'
# kernels reach it on its Unix socket and are known by their server's hub token.
c.JupyterHub.services = [{practice!r}]
'''
