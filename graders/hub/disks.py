"""Each student's home is a file system of its own (run as root): an ext4 image under
`<prefix>/disks`, sparse, loop-mounted `nodev,nosuid` on the home. A student's files are
limited in total (a full disk is theirs alone, never the machine's or the gradebook's)
without turning on quotas for the machine's own file system, which would remount it.

The images outlive the hub (they are the students' homes): `ensure` mounts a home again at
the next start, and `unmount_all` lets go of them before `hub --remove` deletes them.
"""

import re
import tempfile
from pathlib import Path

from graders.hub.accounts import HOME_MODE, run

SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}
MOUNT_OPTIONS = "loop,nodev,nosuid"


def parse_size(text: str) -> int:
    """'2G', '300M', '0' (no disk of its own) -> bytes."""
    found = re.fullmatch(r"\s*(\d+)\s*([KMG]?)i?B?\s*", text.upper())
    if not found:
        raise ValueError(f"{text!r} is not a size: write it as 2G, 500M or 0")
    size = int(found[1]) * SIZE_UNITS[found[2]]
    if 0 < size < 64 * 1024**2:
        raise ValueError(f"{text!r} is too small for a home (at least 64M, or 0 for none)")
    return size


def mounted(prefix: Path) -> list[Path]:
    """The file systems mounted under `prefix`, deepest first."""
    points = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m[1], 8)), line.split()[1])
        if Path(point).is_relative_to(prefix):
            points.append(Path(point))
    return sorted(points, key=lambda p: len(p.parts), reverse=True)


def ensure(image: Path, home: Path, size: int, owner: str) -> bool:
    """`home` on its own disk `image` of `size` bytes, made (with what `home` holds) the first
    time; mounted if it is not. True if it was made now."""
    made = not image.exists()
    if made:  # made aside and renamed when whole: a failed start leaves no half-made disk
        image.parent.mkdir(mode=0o700, exist_ok=True)
        new = image.with_name(image.name + ".new")
        with new.open("wb") as f:
            f.truncate(size)  # sparse: a disk costs what its student writes
        new.chmod(0o600)
        # no blocks kept for root, a 4 MB journal (mkfs's default for 2G, 64 MB, would be most
        # of what an untouched home costs: 5 MB a student with it)
        run("mkfs.ext4", "-q", "-F", "-m", "0", "-J", "size=4", "-L", owner[:16], str(new))
        with tempfile.TemporaryDirectory(dir=image.parent) as staging:
            run("mount", "-o", MOUNT_OPTIONS, str(new), staging)
            try:
                (Path(staging) / "lost+found").rmdir()
                run("cp", "-a", f"{home}/.", staging)  # the account's first files (/etc/skel)
            finally:
                run("umount", staging)
        new.rename(image)
    if not home.is_mount():
        run("mount", "-o", MOUNT_OPTIONS, str(image), str(home))
    run("chown", f"{owner}:", str(home))
    home.chmod(HOME_MODE)
    return made


def ensure_homes(images: Path, homes: Path, students: list[str], size: int) -> list[str]:
    """Every student's home on its disk (`images/<id>.img` on `homes/<id>`); the students
    whose disk was made now."""
    return [s for s in students if ensure(images / f"{s}.img", homes / s, size, s)]


def unmount_all(prefix: Path) -> list[Path]:
    """Let go of every file system under `prefix` (lazily: one still in use goes when its
    last process ends)."""
    points = mounted(prefix)
    for point in points:
        run("umount", "--lazy", str(point))
    return points
