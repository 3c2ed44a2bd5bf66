"""Every part passes the source solution, and catches and names each catalogued
mistake, with the kernel-side harness run in process (fast; the real nbgrader
runs are in test_course.py)."""

import pytest
from helpers import SOURCE, answers_in_process, rng, solution_namespace

from graders.autograde.registry import registry
from graders.instructor.synthetic import notebook_of, part_mistakes

REGISTRY = registry()  # the course's questions

PAIRS = part_mistakes()


@pytest.mark.parametrize("grade_id", sorted(REGISTRY))
def test_source_solution_earns_every_point(grade_id):
    part = REGISTRY[grade_id]
    items = part.items(rng())
    ns = solution_namespace(notebook_of(SOURCE, grade_id))
    verdict = part.grade(items, answers_in_process(part, items, ns))
    assert verdict.earned == verdict.points, [r.problem for r in verdict.results if r.problem]
    assert not verdict.mistakes


@pytest.mark.parametrize("grade_id, mistake", PAIRS, ids=[f"{g}:{m.name}" for g, m in PAIRS])
def test_each_mistake_loses_points_and_is_named(grade_id, mistake):
    part = REGISTRY[grade_id]
    items = part.items(rng())
    ns = solution_namespace(notebook_of(SOURCE, grade_id), mistake.code)
    verdict = part.grade(items, answers_in_process(part, items, ns))
    assert verdict.earned < verdict.points
    assert mistake.name in [m.name for m in verdict.mistakes]


# The mistakes that QUESTIONS.md says need their own hint, part by part: the exam's key.
# Questions mark them `required=True`; questions added later are held to their own flags.
EXAM_KEY = {
    "test_linear_forward": {"batch handled as x @ W + b", "bias dropped"},
    "test_layer_shapes": {"W_SHAPE is W transposed"},
    "test_activations": {"np.exp(-x) overflows for very negative x"},
    "test_plot_activations": {"range not [-10, 10]", "only one curve"},
    "test_activation_limits": {"ReLU's upper limit given as a finite number"},
    "test_avg_pool2d": {"max instead of mean", "stride ignored"},
    "test_pooled": {"POOLED is the max-pooling answer"},
    "test_activation_grads": {
        "relu_grad(0) == 1",
        "leaky_relu_grad returning c * x",
        "tanh_grad as 1 - tanh(x)",
    },
    "test_cross_entropy_grad": {"sign flipped"},
    "test_softmax": {"no max-shift, so overflow to nan"},
    "test_output_shapes": {"padding left out", "ceil instead of floor"},
    "test_vgg_shapes": {"ReLU rows left out", "(H, W, C) order"},
    "test_param_counts": {"bias forgotten"},
    "test_vgg_params": {"bias forgotten"},
    "test_backprop_functions": {"summed gradient without / batch size", "update sign flipped"},
    "test_backprop_numbers": {"A_NEW = [[5, -2]] and loss 120.5 (summed gradient)"},
}


def _required(grade_id: str) -> set[str]:
    return {m.name for g, m in PAIRS if g == grade_id and m.required}


@pytest.mark.parametrize("grade_id", sorted(EXAM_KEY))
def test_the_exams_parts_mark_as_required_the_mistakes_its_key_names(grade_id):
    assert _required(grade_id) == EXAM_KEY[grade_id]


@pytest.mark.parametrize("grade_id", sorted(REGISTRY))
def test_an_unanswered_part_scores_zero_and_blames_no_mistake(grade_id):
    part = REGISTRY[grade_id]
    items = part.items(rng())
    ns = {"__builtins__": __builtins__}
    exec("def _stub(*a, **k):\n    raise NotImplementedError()\n", ns)
    for probe in part.probes(items):
        if probe.args is not None:
            ns[probe.name] = ns["_stub"]
    verdict = part.grade(items, answers_in_process(part, items, ns))
    assert verdict.earned == 0
    assert not verdict.mistakes
