"""The benchmark's inputs: a course folder, a synthetic class, and the conventional twin.

The class is N submissions made from the source notebooks (the reference
solutions), each with, at random, one catalogued mistake or none. The twin is
part 1 as a plain nbgrader course would write it: hidden tests that import torch
and assert inside the student's kernel.
"""

import random
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from graders.instructor.course import read
from graders.instructor.synthetic import notebook_of, part_mistakes, with_mistake_in_part

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "cv_exam"
PART1 = "part1_exam_questions"
HIDDEN = ("### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS")

# Part 1's hidden tests, conventionally: torch in the kernel, asserts in the kernel.
TWIN_TESTS = {
    "test_linear_forward": """import torch
_F, _t = torch.nn.functional, torch.float64
_x, _W, _b = torch.randn(5, 3, dtype=_t), torch.randn(10, 3, dtype=_t), torch.randn(10, dtype=_t)
for _xi in (_x, _x[0]):
    _y = linear_forward(_xi.numpy(), _W.numpy(), _b.numpy())
    np.testing.assert_allclose(_y, _F.linear(_xi, _W, _b).numpy())""",
    "test_layer_shapes": """import torch
_layer = torch.nn.Linear(3, 10)
assert tuple(W_SHAPE) == tuple(_layer.weight.shape) and tuple(B_SHAPE) == tuple(_layer.bias.shape)""",
    "test_activations": """import torch
_x = torch.linspace(-50, 50, 101, dtype=torch.float64)
np.testing.assert_allclose(sigmoid(_x.numpy()), torch.sigmoid(_x).numpy())
np.testing.assert_allclose(relu(_x.numpy()), torch.relu(_x).numpy())""",
    "test_plot_activations": """import torch
_ax = plot_activations()
_ys = [np.asarray(line.get_ydata()) for line in _ax.get_lines()]
_xs = [torch.as_tensor(np.asarray(line.get_xdata(), dtype=float)) for line in _ax.get_lines()]
assert len(_ys) >= 2 and min(x.min() for x in _xs) <= -10 and max(x.max() for x in _xs) >= 10
assert any(np.allclose(y, torch.sigmoid(x).numpy()) for x, y in zip(_xs, _ys))
assert any(np.allclose(y, torch.relu(x).numpy()) for x, y in zip(_xs, _ys))""",
    "test_activation_limits": """import torch
_far = torch.tensor([-1e3, 1e3], dtype=torch.float64)
assert tuple(SIGMOID_LIMITS) == tuple(torch.sigmoid(_far).tolist())
assert RELU_LIMITS[0] == 0 and RELU_LIMITS[1] == float("inf")""",
    "test_avg_pool2d": """import torch
_img = torch.randn(6, 6, dtype=torch.float64)
for _k, _s in ((2, 2), (3, 1)):
    _ref = torch.nn.functional.avg_pool2d(_img[None, None], _k, _s)[0, 0]
    np.testing.assert_allclose(avg_pool2d(_img.numpy(), _k, _s), _ref.numpy())""",
    "test_pooled": """import torch
_ref = torch.nn.functional.avg_pool2d(torch.as_tensor(IMAGE, dtype=torch.float64)[None, None], 2, 2)[0, 0]
np.testing.assert_allclose(POOLED, _ref.numpy())""",
    "test_conv_advantage": """assert CONV_ADVANTAGE == "b\"""",
}


def nbgrader(course: Path, *args: str) -> None:
    bin_dir = Path(sys.executable).parent
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "HOME": str(course), "LANG": "C.UTF-8"}
    command = [sys.executable, "-m", "nbgrader", *args]
    subprocess.run(command, cwd=course, env=env, check=True, capture_output=True)


def course(folder: Path) -> Path:
    """A course with this repo's config and source, its release generated."""
    folder.mkdir(parents=True)
    shutil.copy(REPO / "nbgrader_config.py", folder)
    shutil.copytree(REPO / "source", folder / "source")
    nbgrader(folder, "generate_assignment", ASSIGNMENT)
    return folder


def hand_in(course_root: Path, students: int, seed: int = 0) -> list[str]:
    """`students` synthetic submissions in `submitted/`; about half have one catalogued mistake."""
    rng = random.Random(seed)
    source = course_root / "source" / ASSIGNMENT
    right = {path.stem: read(path) for path in sorted(source.glob("*.ipynb"))}
    mistakes = part_mistakes()
    names = []
    for i in range(students):
        name = f"s{i:04d}"
        notebooks = dict(right)
        if rng.random() < 0.5:
            grade_id, mistake = rng.choice(mistakes)
            stem = notebook_of(source, grade_id).stem
            notebooks[stem] = with_mistake_in_part(right[stem], mistake, grade_id)
        folder = course_root / "submitted" / name / ASSIGNMENT
        folder.mkdir(parents=True)
        for stem, nb in notebooks.items():
            nbformat.write(nb, folder / f"{stem}.ipynb")
        names.append(name)
    return names


def twin_course(folder: Path, copies: int) -> Path:
    """The conventional twin of part 1 under stock nbgrader, with `copies` right submissions."""
    folder.mkdir(parents=True)
    (folder / "nbgrader_config.py").write_text(
        'c = get_config()  # noqa: F821\nc.CourseDirectory.course_id = "twin"\n'
    )
    nb = read(REPO / "source" / ASSIGNMENT / f"{PART1}.ipynb")
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in TWIN_TESTS:
            visible = cell.source.split(HIDDEN[0])[0]
            cell.source = f"{visible}{HIDDEN[0]}\n{TWIN_TESTS[grade_id]}\n{HIDDEN[1]}"
    (folder / "source" / ASSIGNMENT).mkdir(parents=True)
    nbformat.write(nb, folder / "source" / ASSIGNMENT / f"{PART1}.ipynb")
    nbgrader(folder, "generate_assignment", ASSIGNMENT)
    for i in range(copies):
        (folder / "submitted" / f"t{i:04d}" / ASSIGNMENT).mkdir(parents=True)
        nbformat.write(nb, folder / "submitted" / f"t{i:04d}" / ASSIGNMENT / f"{PART1}.ipynb")
    return folder


def students_cells_only(path: Path) -> nbformat.NotebookNode:
    """The notebook without its test cells: what the student's own code costs to run."""
    nb = read(path)
    graded = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    nb.cells = [c for c in nb.cells if c.cell_type == "code" and c not in graded]
    return nb
