"""The hub classroom's pieces that need no root: the roster, the environments' pins, the
generated JupyterHub config and the students' nbgrader config (the whole classroom runs
in test_hub.py)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers import REPO
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from graders.hub import cli, config, disks, environments, ports, roster


def _roster(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(text)
    return path


def test_a_roster_gives_each_student_an_account_and_a_password(tmp_path):
    people = roster.read(
        _roster(tmp_path, "id,first_name,last_name,email,password\nann,Ann,Lee,a@x.org,\nbo,Bo,,,pw123456\n")
    )
    assert [p.id for p in people] == ["ann", "bo"]
    assert people[1].password == "pw123456"
    assert people[0].password == ""  # a new account gets a generated one
    assert len(roster.new_password()) >= 12
    listed = roster.write_for_nbgrader(people, tmp_path / "nb.csv").read_text()
    assert listed.splitlines() == ["id,first_name,last_name,email", "ann,Ann,Lee,a@x.org", "bo,Bo,,"]
    assert "pw123456" not in listed


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("name,email\nann,a@x.org\n", "must name the columns, `id` among them"),
        ("id\nann\nbo\nann\n", "line 4: 'ann' is already on line 2"),
        ("id\nAnn Lee\n", "line 2: 'Ann Lee' cannot be an account name"),
        ("id\n../root\n", "cannot be an account name"),
        ("id\n", "no students"),
    ],
)
def test_a_bad_roster_is_refused_with_where_and_why(tmp_path, text, says):
    with pytest.raises(roster.RosterError, match=re.escape(says)):
        roster.read(_roster(tmp_path, text))


def _pins(pyproject: Path) -> dict[str, str]:
    deps = tomllib.loads(pyproject.read_text())["project"]["dependencies"]
    return dict(d.split("==") for d in deps)


def test_the_students_environment_has_the_courses_pins_and_no_grading_code():
    student, course = _pins(REPO / "student_env" / "pyproject.toml"), _pins(REPO / "pyproject.toml")
    shared = set(student) & set(course)
    assert {"nbgrader", "jupyterlab", "numpy", "matplotlib", "torch"} <= shared
    assert {name: student[name] for name in shared} == {name: course[name] for name in shared}
    assert not (REPO / "student_env" / "graders").exists()
    assert tomllib.loads((REPO / "student_env" / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ] == ["cvexam_student"]


def _settings(tmp_path: Path) -> config.HubSettings:
    layout = config.Layout(tmp_path / "srv", "c101")
    return config.HubSettings(
        layout,
        18000,
        ["ann", "bo"],
        ["prof"],
        Path("/envs/students"),
        Path("/envs/instructors"),
        Path("/p/chp"),
    )


def test_the_hub_config_runs_each_role_from_its_own_environment(tmp_path):
    settings = _settings(tmp_path)
    path = tmp_path / "jupyterhub_config.py"
    path.write_text(config.hub_config(settings))
    loaded = PyFileConfigLoader(path.name, path=str(tmp_path)).load_config()
    assert loaded.JupyterHub.authenticator_class == "pam"
    assert loaded.Authenticator.allowed_users == {"ann", "bo", "prof"}
    assert loaded.Authenticator.admin_users == {"prof"}
    assert loaded.JupyterHub.load_groups == {
        "nbgrader-c101": {"users": ["ann", "bo"]},
        "formgrade-c101": {"users": ["prof"]},
    }
    hook = loaded.Spawner.pre_spawn_hook
    spawned = {}
    for name in ("ann", "prof"):
        spawner = SimpleNamespace(user=SimpleNamespace(name=name), notebook_dir="")
        hook(spawner)
        spawned[name] = spawner
    limits = [f"--{name}={value}" for name, value in config.STUDENT_LIMITS.items()]
    assert spawned["ann"].cmd == [
        "/usr/bin/prlimit",
        *limits,
        "--",
        *config.OWN_PROCESSES,
        "/envs/students/bin/jupyterhub-singleuser",
    ]
    assert spawned["ann"].environment["PATH"].startswith("/envs/students/bin:")
    assert spawned["ann"].environment["JUPYTER_CONFIG_PATH"] == str(settings.layout.role_config("student"))
    assert spawned["ann"].notebook_dir == ""  # the student's home
    assert spawned["prof"].cmd[-1] == "/envs/instructors/bin/jupyterhub-singleuser"
    assert str(settings.layout.course) in spawned["prof"].cmd  # nbgrader reads the course's config
    assert spawned["prof"].notebook_dir == str(settings.layout.course)


def test_students_submit_privately_and_see_only_the_assignment_list(tmp_path):
    layout = config.Layout(tmp_path / "srv", "c101")
    folder = config.student_config(layout)
    loaded: Config = PyFileConfigLoader("nbgrader_config.py", path=str(folder)).load_config()
    assert loaded.ExchangeFactory.submit == "cvexam_student.exchange.PrivateSubmit"
    assert loaded.Exchange.root == str(layout.exchange)
    assert loaded.CourseDirectory.course_id == "c101"
    page = (folder / "labconfig" / "page_config.json").read_text()
    assert '"@jupyter/nbgrader:formgrader": true' in page
    assert (folder / "nbgrader_config.py").stat().st_mode & 0o777 == 0o644


def test_the_hub_runs_the_practice_checks_as_its_service_and_students_are_pointed_at_it(tmp_path):
    settings = _settings(tmp_path)
    path = tmp_path / "jupyterhub_config.py"
    path.write_text(config.hub_config(settings))
    loaded = PyFileConfigLoader(path.name, path=str(tmp_path)).load_config()
    (service,) = loaded.JupyterHub.services
    assert service["command"][0] == "/envs/instructors/bin/python"
    assert "practice-service" in service["command"] and "--hub" in service["command"]
    assert service["user"] == "cvxp-c101"  # not root, the hub's
    socket_path = service["command"][service["command"].index("--socket") + 1]
    assert socket_path == str(settings.layout.practice_socket)  # no loopback port to take first
    spawner = SimpleNamespace(user=SimpleNamespace(name="ann"), notebook_dir="")
    loaded.Spawner.pre_spawn_hook(spawner)
    assert spawner.environment["CVEXAM_PRACTICE_URL"] == f"unix:{socket_path}"


@pytest.mark.skipif(os.geteuid() != 0, reason="the hub command runs as root")
def test_the_hub_refuses_to_take_over_an_existing_account(tmp_path):
    listed = _roster(tmp_path, "id,password\nroot,hijack-123456\n")
    prefix = tmp_path / "srv"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "graders.classroom",
            "hub",
            "--roster",
            str(listed),
            "--prefix",
            str(prefix),
            "--setup-only",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert done.returncode == 2
    assert "root: already an account on this machine, not made by this classroom" in done.stderr
    assert (
        not (prefix / "hub" / "classroom.json").exists()
        or '"users": []' in (prefix / "hub" / "classroom.json").read_text()
    )


def test_removal_stops_a_proxy_a_dead_hub_left_and_nothing_else(tmp_path):
    proxy = subprocess.Popen(["bash", "-c", "exec -a configurable-http-proxy sleep 60"])
    other = subprocess.Popen(["sleep", "60"])
    try:
        time.sleep(0.2)
        for process in (proxy, other):
            (tmp_path / "pid").write_text(str(process.pid))
            cli._stop_orphaned_proxy(tmp_path / "pid")
        assert proxy.wait(timeout=5) == -15  # SIGTERM
        assert other.poll() is None
    finally:
        for process in (proxy, other):
            process.kill()
            process.wait()


def _listener_as_nobody(port: int) -> subprocess.Popen:
    """A squatter: another account's process listening on one of the classroom's ports."""
    code = (
        "import socket, sys, time; s = socket.socket(); s.bind(('127.0.0.1', int(sys.argv[1])));"
        " s.listen(); print('up', flush=True); time.sleep(120)"
    )
    squatter = subprocess.Popen(
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "/usr/bin/python3",
            "-c",
            code,
            str(port),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert squatter.stdout.readline().strip() == "up"
    return squatter


@pytest.mark.skipif(os.geteuid() != 0, reason="the hub command runs as root")
def test_the_classroom_refuses_to_start_when_a_port_is_taken_and_names_the_process(tmp_path):
    port = ports.free_run()
    squatter = _listener_as_nobody(port + 2)  # the proxy's API
    try:
        done = subprocess.run(
            [sys.executable, "-m", "graders.classroom", "hub", "--prefix", str(tmp_path / "srv")]
            # a roster that is not there: were the port not checked first, set-up would stop
            # at it, before making any account
            + ["--port", str(port), "--course-id", "c101", "--roster", str(tmp_path / "none.csv")],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        squatter.kill()
        squatter.wait()
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"port {port + 2} (the proxy's API) is taken by pid {squatter.pid} of nobody" in done.stderr
    assert not (tmp_path / "srv").exists()  # refused before anything was made


@pytest.mark.skipif(os.geteuid() != 0, reason="the hub command runs as root")
def test_removal_stops_a_practice_service_a_dead_hub_left(tmp_path):
    prefix = tmp_path / "srv"
    layout = config.Layout(prefix, "c101")
    layout.make()
    (prefix / "hub" / "classroom.json").write_text(
        '{"students": [], "instructors": [], "made": {"users": [], "groups": []}}'
    )
    service = subprocess.Popen(
        [
            "/usr/bin/python3",
            "-c",
            "import time; time.sleep(120)",
            "--course",
            f"{layout.course}",
            "practice-service",
        ]
    )
    try:
        done = subprocess.run(
            [sys.executable, "-m", "graders.classroom", "hub", "--remove", "--prefix", str(prefix)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        assert "unrecognized option" not in done.stderr
        assert service.wait(timeout=10) == -15
    finally:
        service.kill()


def test_the_environments_kernels_have_the_debugger_off(tmp_path):
    """Turned on, JupyterLab's debugger makes ipykernel run debugpy.listen on a loopback TCP
    port, where any account on the machine could attach and run code as the kernel's user."""
    spec_file = tmp_path / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"
    spec_file.parent.mkdir(parents=True)
    spec_file.write_text('{"argv": ["python"], "metadata": {"debugger": true}}')
    environments._no_debugger(tmp_path)
    assert json.loads(spec_file.read_text())["metadata"]["debugger"] is False


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a disk needs root")
def test_a_students_home_is_a_disk_of_its_own_that_fills_alone():
    """A student who fills her home fills her own disk (ENOSPC), not the machine's; her files
    stay on it across a restart (unmounted, mounted again) and it is let go at removal."""
    fill = (
        "import errno\n"
        "try:\n"
        "    for i in range(100):\n"
        "        with open(f'big{i}', 'wb') as f:\n"
        "            f.write(bytes(16 * 2**20))\n"
        "except OSError as e:\n"
        "    print(errno.errorcode[e.errno], i)\n"
    )
    with tempfile.TemporaryDirectory(prefix="cvexam-test-disk-") as folder:  # one "nobody" can enter
        top = Path(folder)
        top.chmod(0o755)
        home, image = top / "home" / "nobody", top / "disks" / "nobody.img"
        home.mkdir(parents=True)
        (home / ".bashrc").write_text("# the account's first files\n")
        try:
            assert disks.ensure(image, home, disks.parse_size("64M"), "nobody") is True
            assert home in disks.mounted(top)
            assert sorted(p.name for p in home.iterdir()) == [".bashrc"]  # no lost+found
            assert (home.stat().st_uid, home.stat().st_mode & 0o777) == (65534, 0o700)
            done = subprocess.run(
                ["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", fill],
                cwd=home,
                capture_output=True,
                text=True,
            )
            assert done.stdout.split()[:1] == ["ENOSPC"], done.stdout + done.stderr
            assert 2 <= int(done.stdout.split()[1]) <= 4  # 64M less the file system's own
            assert disks.unmount_all(top) == [home]
            assert not (home / "big0").exists()  # her files were on her disk
            # at the next start (a reboot, a roster of late students), every student's again
            assert disks.ensure_homes(top / "disks", top / "home", ["nobody"], 64 * 2**20) == []
            assert (home / "big0").stat().st_size == 16 * 2**20  # and are again
        finally:
            disks.unmount_all(top)
        assert disks.mounted(top) == []


@pytest.mark.parametrize("text", ["2 apples", "10M", "-1G"])
def test_a_disk_size_that_is_not_one_is_refused_with_how_to_write_it(text):
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--student-disk", text])
    assert disks.parse_size("0") == 0 and disks.parse_size("2G") == 2 * 1024**3
