"""The exam's givens: the inputs its questions state, never their answers.

Answers are computed from these by `graders.reference`.
"""

import numpy as np

# 1a: a linear layer from R^3 to R^10.
LINEAR_IN, LINEAR_OUT = 3, 10

# 1c: the 4x4 image, pooled with a 2x2 kernel, stride 2, no padding.
IMAGE = np.array([[1, 4, 3, 2], [7, 8, 1, 2], [1, 0, 7, 3], [2, 1, 5, 1]], dtype=np.float64)
POOL_KERNEL, POOL_STRIDE = 2, 2

# 2c: the VGG-style stack. Each conv is (C_in, C_out); None is one of the exam's "?".
VGG_INPUT = (3, 320, 320)
VGG_CONVS = [(None, None), (64, None), (128, 256), (None, 512)]
VGG_CONV_KERNEL, VGG_CONV_STRIDE, VGG_CONV_PADDING = 3, 1, 1
VGG_POOL_KERNEL, VGG_POOL_STRIDE = 2, 2
FC1 = (25088, 4096)

# 2e: a 1-layer linear network y = A x on a minibatch of 3 points.
A = np.array([[3.0, 2.0]])
X = np.array([[2.0, 1.0, -1.0], [4.0, -2.0, 0.0]])
T = np.array([[15.0, 3.0, 1.0]])
LEARNING_RATE = 1.0
