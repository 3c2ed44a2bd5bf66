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


def write_role_config(folder: Path, role: str) -> Path:
    """Write the Jupyter config of `role` ("instructor" or "student") into `folder`."""
    (folder / "labconfig").mkdir(parents=True, exist_ok=True)
    off = STUDENT_ONLY_OFF if role == "student" else []
    page = {"disabledExtensions": {f"@jupyter/nbgrader:{name}": True for name in off}}
    (folder / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1))
    server_off = STUDENT_SERVER_OFF if role == "student" else []
    extensions = {f"nbgrader.server_extensions.{n}": n not in server_off for n in SERVER_EXTENSIONS}
    server = {"ServerApp": {"jpserver_extensions": extensions}}
    (folder / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
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
