"""Copied work: a renamed or reformatted copy is flagged, independent right answers and the
code everyone was given are not; the same uncommon wrong number is flagged too."""

from graders.autograde.record import ItemRecord, VerdictRecord
from graders.instructor.copied_work import shared_wrong_answers, similar_pairs
from graders.instructor.results import PartResult, SubmissionResult
from graders.instructor.synthetic import disguised

GIVEN = [
    "import numpy as np\n",
    "def linear_forward(x, W, b):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n",
    "def linear_forward(x, W, b):\n    ### BEGIN SOLUTION\n    return x @ W.T + b\n    ### END SOLUTION\n",
]
SOLUTION = [("linear_forward", "def linear_forward(x, W, b):\n    return x @ W.T + b\n")]
# One student's own work: loops where the solution has none, helpers of their own.
ORIGINAL = [
    *SOLUTION,
    (
        "avg_pool2d",
        "def avg_pool2d(image, kernel_size, stride):\n"
        "    rows = (image.shape[0] - kernel_size) // stride + 1\n"
        "    cols = (image.shape[1] - kernel_size) // stride + 1\n"
        "    pooled = np.empty((rows, cols))\n"
        "    for r in range(rows):\n"
        "        for c in range(cols):\n"
        "            top, left = r * stride, c * stride\n"
        "            window = image[top:top + kernel_size, left:left + kernel_size]\n"
        "            pooled[r, c] = window.sum() / window.size\n"
        "    return pooled\n",
    ),
    (
        "softmax",
        "def softmax(z):\n"
        "    shifted = z - np.max(z, axis=-1, keepdims=True)\n"
        "    exps = np.exp(shifted)\n"
        "    total = np.sum(exps, axis=-1, keepdims=True)\n"
        "    return exps / total\n",
    ),
]
# Someone else's right answers, written their own way.
INDEPENDENT = [
    *SOLUTION,
    (
        "avg_pool2d",
        "def avg_pool2d(img, k, s):\n"
        "    out = [[img[i:i + k, j:j + k].mean() for j in range(0, img.shape[1] - k + 1, s)]\n"
        "           for i in range(0, img.shape[0] - k + 1, s)]\n"
        "    return np.array(out)\n",
    ),
    (
        "softmax",
        "def softmax(x):\n    e = np.exp(x - x.max(-1, keepdims=True))\n"
        "    return e / e.sum(-1, keepdims=True)\n",
    ),
]


def _flagged(answers: dict) -> set[tuple[str, str]]:
    return {pair.students for pair in similar_pairs(answers, GIVEN)}


def test_a_copy_with_renamed_variables_is_flagged():
    renamed = [(key, disguised(code)) for key, code in ORIGINAL]
    assert "my_pooled" in renamed[1][1] and "pooled" not in renamed[1][1].replace("my_pooled", "")
    assert _flagged({"ana": ORIGINAL, "bo": renamed, "cy": INDEPENDENT}) == {("ana", "bo")}


def test_a_reformatted_copy_is_flagged_and_shows_the_matching_cells():
    reformatted = [
        (key, "# my own work\n" + code.replace("    ", "  ").replace(", ", ",").replace(" = ", "=") + "\n\n")
        for key, code in ORIGINAL
    ]
    (pair,) = similar_pairs({"ana": ORIGINAL, "dee": reformatted}, GIVEN)
    assert pair.students == ("ana", "dee") and pair.similarity >= 0.9
    left, right = pair.cells
    assert [c.key for c in left] == [c.key for c in right] == ["avg_pool2d", "softmax"]
    assert any(matched and "window.sum()" in text for text, matched in left[0].pieces)


def test_independent_right_answers_and_the_given_code_are_not_flagged():
    assert _flagged({"ana": ORIGINAL, "cy": INDEPENDENT}) == set()
    assert _flagged({"ed": SOLUTION, "flo": SOLUTION}) == set()  # the solution itself is no evidence


def _with_answer(student: str, answer: str, mistake: str | None = None) -> SubmissionResult:
    item = ItemRecord("PARAMS_FC1", 0.5, 0.0, "wrong values", mistake=mistake, answer=answer)
    verdict = VerdictRecord("test_vgg_params", "2c ii PARAMS", 0.5, 0.0, [item])
    return SubmissionResult(
        student, "exam", [PartResult("test_vgg_params", "nb", "2c ii PARAMS", 0, 0.5, verdict=verdict)]
    )


def test_the_same_uncommon_wrong_number_is_flagged_but_not_a_catalogued_mistake():
    class_ = [_with_answer("gil", "1.23457e+06"), _with_answer("hu", "1.23457e+06")]
    class_ += [_with_answer(f"s{i}", "1.02764e+08", mistake="bias forgotten") for i in range(2)]
    class_ += [_with_answer(f"r{i}", "42") for i in range(18)]  # 18 of 22: common, not a sign
    (shared,) = shared_wrong_answers(class_)
    assert shared == {
        "part": "2c ii PARAMS",
        "item": "PARAMS_FC1",
        "answer": "1.23457e+06",
        "students": ["gil", "hu"],
    }
