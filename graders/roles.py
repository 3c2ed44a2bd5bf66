"""Each role's Jupyter config, for the one-machine classroom and the hub alike: the
instructor gets all of nbgrader's lab and server extensions; a student only the
Assignment List and Validate (the formgrader, Create Assignment and the course list are
disabled, as nbgrader documents)."""

import json
from pathlib import Path

STUDENT_ONLY_OFF = ["formgrader", "create-assignment", "course-list"]
SERVER_EXTENSIONS = ["formgrader", "validate_assignment", "assignment_list", "course_list"]
STUDENT_SERVER_OFF = ["formgrader", "course_list"]
# Validate's kernel: stderr joins stdout (a warning does not fail a right answer, as in
# autograde), and no command history database (nor its thread).
STDERR_TO_STDOUT = "import sys; sys.stderr = sys.stdout"
QUICK_KERNEL = ["--HistoryManager.enabled=False"]
# Every role's kernels talk over Unix sockets in the user's own runtime folder (0700, in a
# home only its user enters), not over loopback TCP, where any local account can connect to
# another user's IOPub socket and read their code and outputs as they run.
KERNELS_OVER_UNIX_SOCKETS = """\
import os
from jupyter_core.paths import jupyter_runtime_dir

c = get_config()  # noqa: F821
os.makedirs(jupyter_runtime_dir(), mode=0o700, exist_ok=True)
c.KernelManager.transport = "ipc"
c.KernelManager.ip = os.path.join(jupyter_runtime_dir(), "kernel")
"""
# What a student wrote is inert in the formgrader (served on the instructor's own Jupyter
# origin): nbconvert's own sanitizing, of outputs (sanitize_html) and of the markdown that
# nbgrader's formgrade template renders without it (graders/instructor/formgrader_pages.py).
FORMGRADER_SANITIZING = {
    "HTMLExporter": {
        "sanitize_html": True,
        "filters": {
            "strip_files_prefix": "graders.instructor.formgrader_pages.strip_files_prefix_and_sanitize"
        },
    }
}


# Validate's success dialog: nbgrader's labextension writes "Success! Your notebook passes all
# the tests." (its text is not configurable), which a wrong answer reads as "right". JupyterLab's
# own custom CSS (LabApp.custom_css, served from the config folder's custom/) says instead what
# Validate ran and what it did not.
VALIDATED = (
    "Your notebook ran from top to bottom without errors and passed its visible checks: "
    "the shapes, types and a few simple properties of your answers. "
    "Their values are not checked here: the hidden tests grade them after you submit."
)
VALIDATE_CSS = f"""/* Validate's success dialog: what was checked (nbgrader hard-codes its text in JS). */
.validation-success > div > p {{ display: none; }}
.validation-success > div::after {{ content: "{VALIDATED}"; }}
"""


def write_role_config(folder: Path, role: str) -> Path:
    """Write the Jupyter config of `role` ("instructor" or "student") into `folder`."""
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    off = STUDENT_ONLY_OFF if role == "student" else []
    page = {"disabledExtensions": {f"@jupyter/nbgrader:{name}": True for name in off}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1))
    server_off = STUDENT_SERVER_OFF if role == "student" else []
    extensions = {f"nbgrader.server_extensions.{n}": n not in server_off for n in SERVER_EXTENSIONS}
    server = {"ServerApp": {"jpserver_extensions": extensions}, "LabApp": {"custom_css": True}}
    if role == "instructor":
        server.update(FORMGRADER_SANITIZING)
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    (folder / "jupyter_server_config.py").write_text(KERNELS_OVER_UNIX_SOCKETS)
    (folder / "custom").mkdir(exist_ok=True)
    (folder / "custom" / "custom.css").write_text(VALIDATE_CSS)
    news = folder / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True, exist_ok=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    return folder


def validate_config() -> str:
    """nbgrader_config.py lines for a student's Validate: stderr ignored as autograde
    ignores it, and the kernel ended at once (it holds nothing worth a goodbye)."""
    arguments = [f"--IPKernelApp.exec_lines={STDERR_TO_STDOUT}", *QUICK_KERNEL]
    return (
        "# Validate ignores stderr as autograde does: a warning does not fail a right answer.\n"
        f"c.Execute.extra_arguments = {arguments!r}\n"
        'c.Execute.shutdown_kernel = "immediate"\n'
    )
