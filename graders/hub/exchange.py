"""nbgrader's collect, for the hub classroom's instructors: a submission belongs to the account
that made it, and only its regular files are copied (`c.ExchangeFactory.collect`).

nbgrader's own collect logs "owned by ...; cheating attempt?" and collects a submission filed
under another student's id anyway, and it copies with `shutil.copytree`, which follows a
student's symbolic links (to the course's solutions, to /dev/zero) with the instructor's
rights. Here a submission whose folder another account owns is refused (and cannot shadow
the student's own), and the copy takes regular files only, opened without following links,
up to nbgrader's own size limits (`CourseDirectory.max_file_size`, `max_dir_size`, in kB),
leaving out what nbgrader's `CourseDirectory.ignore` names.
"""

import fnmatch
import os
import pwd
import stat
from collections import defaultdict
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.exchange.default.collect import ExchangeCollect


def owner(path: str) -> str:
    try:
        return pwd.getpwuid(os.lstat(path).st_uid).pw_name
    except KeyError:
        return "an unknown account"


class VerifiedCollect(ExchangeCollect):
    def init_src(self) -> None:
        super().init_src()  # nbgrader's checks of the course, the inbound folder and the due date
        records = []
        for path in sorted(Path(self.inbound_path).glob(f"*+{self.coursedir.assignment_id}+*")):
            record = self._path_to_record(str(path))
            if self.coursedir.student_id not in ("", "*", record["username"]):
                continue
            made_by = owner(str(path))
            if path.is_symlink() or not path.is_dir() or made_by != record["username"]:
                self.log.error("Refused %s: filed as %s by %s", path.name, record["username"], made_by)
                continue
            records.append(record)
        by_student = defaultdict(list)
        for record in records:
            by_student[record["username"]].append(record)
        self.src_records = [self._choose(found) for found in by_student.values()]

    def _choose(self, records: list[dict]) -> dict:
        """The latest submission, or with --before-duedate the latest before the due date (as
        nbgrader chooses, among the student's own submissions only)."""
        records = self._sort_by_timestamp(records)
        if self.before_duedate and self._duedate() is not None:
            before = [r for r in records if r["timestamp"] <= self._duedate()]
            return before[0] if before else records[0]
        return records[0]

    def _duedate(self):
        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                return gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                return None

    def do_copy(self, src: str, dest: str, log=None) -> None:
        """Regular files only, never through a link, each and all within nbgrader's limits."""
        max_file = self.coursedir.max_file_size * 1000
        budget = self.coursedir.max_dir_size * 1000
        for folder, subfolders, files in os.walk(src, followlinks=False):
            subfolders[:] = [name for name in subfolders if not self._ignored(name)]
            files = [name for name in files if not self._ignored(name)]
            target = Path(dest) / Path(folder).relative_to(src)
            target.mkdir(parents=True, exist_ok=True)
            for name in sorted(subfolders + files):
                path = os.path.join(folder, name)
                mode = os.lstat(path).st_mode
                if stat.S_ISDIR(mode):
                    continue
                if not stat.S_ISREG(mode):
                    self.log.warning("Not collected: %s is not a regular file", path)
                    continue
                budget = self._copy_file(path, target / name, max_file, budget)

    def _ignored(self, name: str) -> bool:
        """nbgrader's own `CourseDirectory.ignore` (checkpoints, caches, feedback)."""
        return any(fnmatch.fnmatch(name, pattern) for pattern in self.coursedir.ignore)

    def _copy_file(self, path: str, target: Path, max_file: int, budget: int) -> int:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as error:
            self.log.warning("Not collected: %s (%s)", path, error.strerror)
            return budget
        with os.fdopen(fd, "rb") as source:
            info = os.fstat(source.fileno())
            if not stat.S_ISREG(info.st_mode):  # replaced since it was looked at
                self.log.warning("Not collected: %s is not a regular file", path)
                return budget
            if info.st_size > min(max_file, budget):
                self.log.warning("Not collected: %s is %d bytes, over the limit", path, info.st_size)
                return budget
            data = source.read(info.st_size + 1)[: info.st_size]
        target.write_bytes(data)
        return budget - len(data)
