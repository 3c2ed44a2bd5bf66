"""The term's roster: a CSV file of students, read and checked before any account exists.

Columns: `id` (required; it becomes the Linux account, the hub login and the nbgrader
student id), `first_name`, `last_name`, `email` (as `nbgrader db student import` reads
them) and an optional `password` (generated where empty).
"""

import csv
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

ACCOUNT_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
NBGRADER_COLUMNS = ("id", "first_name", "last_name", "email")


class RosterError(ValueError):
    """A roster that cannot be imported as it is; the message says where and why."""


@dataclass(frozen=True)
class Person:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    password: str = ""  # the roster's; a new account without one gets a generated password


def new_password() -> str:
    return secrets.token_urlsafe(12)


def check_name(name: str, where: str) -> str:
    if not ACCOUNT_NAME.match(name):
        raise RosterError(
            f"{where}: {name!r} cannot be an account name (lower-case letters, digits, _ and -, "
            "starting with a letter or _, at most 32 characters)"
        )
    return name


def read(path: Path) -> list[Person]:
    """The students of `path`, with the roster's password where it gives one ("" where not)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as error:
        raise RosterError(f"{path}: cannot read the roster ({error.strerror})") from None
    rows = csv.DictReader(text.splitlines())
    if not rows.fieldnames or "id" not in [f.strip() for f in rows.fieldnames]:
        raise RosterError(f"{path}: the first line must name the columns, `id` among them")
    people: list[Person] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        name = check_name(row.get("id", ""), f"{path}, line {line}")
        if name in seen:
            raise RosterError(f"{path}, line {line}: {name!r} is already on line {seen[name]}")
        seen[name] = line
        password = row.get("password", "")
        fields = {k: row.get(k, "") for k in NBGRADER_COLUMNS[1:]}
        people.append(Person(id=name, password=password, **fields))
    if not people:
        raise RosterError(f"{path}: no students in the roster")
    return people


def write_for_nbgrader(people: list[Person], path: Path) -> Path:
    """The roster as `nbgrader db student import` reads it (no passwords)."""
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(NBGRADER_COLUMNS)
        for p in people:
            writer.writerow([p.id, p.first_name, p.last_name, p.email])
    return path
