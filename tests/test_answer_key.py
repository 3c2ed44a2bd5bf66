"""The questions' torch references reproduce every number of the exam's answer key."""

import numpy as np
import pytest

from graders.questions import (
    activations,
    backprop,
    cnn_arithmetic,
    gradients,
    linear,
    pooling,
    softmax,
    true_false,
)


def test_linear_layer_sizes():
    assert linear.linear_param_shapes(linear.LINEAR_IN, linear.LINEAR_OUT) == ((10, 3), (10,))


def test_activation_asymptotes():
    assert activations.limits(activations.sigmoid) == (0.0, 1.0)
    assert activations.limits(activations.relu) == (0.0, np.inf)


def test_average_pooling_of_the_exam_image():
    pooled = pooling.avg_pool2d(pooling.IMAGE, pooling.POOL_KERNEL, pooling.POOL_STRIDE)
    np.testing.assert_array_equal(pooled, [[5, 2], [1, 4]])


def test_gradients_at_the_kink_follow_the_exams_convention():
    np.testing.assert_array_equal(gradients.relu_grad(np.array([-1.0, 0.0, 2.0])), [0, 0, 1])
    np.testing.assert_allclose(gradients.leaky_relu_grad(np.array([-1.0, 0.0, 2.0]), 0.1), [0.1, 0.1, 1])


def test_tanh_grad_is_one_minus_tanh_squared():
    x = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(gradients.tanh_grad(x), 1 - np.tanh(x) ** 2)


def test_cross_entropy_grad_is_minus_y_over_p():
    y, p = np.array([0.0, 1.0, 0.5]), np.array([0.2, 0.5, 0.3])
    np.testing.assert_allclose(gradients.cross_entropy_grad(y, p), -y / p)


def test_softmax_is_shift_invariant_and_finite():
    x = np.array([1000.0, 1001.0])
    np.testing.assert_allclose(softmax.softmax(x), softmax.softmax(x - 1000))
    assert np.all(np.isfinite(softmax.softmax(x)))


def test_missing_vgg_channels():
    filled = cnn_arithmetic.fill_channels(cnn_arithmetic.VGG_INPUT[0], cnn_arithmetic.VGG_CONVS)
    assert (filled[0][0], filled[0][1], filled[1][1], filled[3][0]) == (3, 64, 128, 256)


def test_vgg_shapes():
    assert cnn_arithmetic.layer_output_shapes(cnn_arithmetic.vgg_layers(), cnn_arithmetic.VGG_INPUT) == [
        (64, 320, 320),
        (64, 320, 320),
        (64, 160, 160),
        (128, 160, 160),
        (128, 160, 160),
        (128, 80, 80),
        (256, 80, 80),
        (256, 80, 80),
        (256, 40, 40),
        (512, 40, 40),
        (512, 40, 40),
        (512, 20, 20),
    ]


@pytest.mark.parametrize(
    "count, expected",
    [
        (lambda: cnn_arithmetic.conv_params(3, 64, 3), 1792),
        (lambda: cnn_arithmetic.conv_params(64, 128, 3), 73856),
        (lambda: cnn_arithmetic.fc_params(*cnn_arithmetic.FC1), 102764544),
    ],
    ids=["conv1", "conv2", "fc1"],
)
def test_parameter_counts(count, expected):
    assert count() == expected


def test_backprop_step():
    before, grad, a_new, after = backprop.backprop_step(
        backprop.A, backprop.X, backprop.T, backprop.LEARNING_RATE
    )
    assert before == 16.5
    np.testing.assert_allclose(grad, [[-2, 4]])
    np.testing.assert_allclose(a_new, [[11 / 3, 2 / 3]])
    assert round(after, 3) == 23.611
    assert after > before  # 2e ii: the loss went up


def test_true_false_key():
    assert true_false.TRUE_FALSE == [True, True, False, True]
