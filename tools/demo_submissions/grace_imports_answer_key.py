# Hostile: takes the answer key instead of writing the code.
import numpy as np
from cnn_reference.loops import zero_pad, conv_forward, pool_forward
import autograder.check


def conv_single_step(a_slice_prev, W, b):
    """
    Apply one filter to one slice of the previous layer's activations.

    Arguments:
    a_slice_prev -- slice of the input, array of shape (f, f, n_C_prev)
    W -- the filter's weights, array of shape (f, f, n_C_prev)
    b -- the filter's bias, array of shape (1, 1, 1)

    Returns:
    Z -- a NumPy scalar (np.float64): sum(a_slice_prev * W) + b
    """
    # s: element-wise product of the slice and the filter; Z: the sum of all entries of s;
    # then add the bias once. b is a (1, 1, 1) array: b.item() turns it into a number
    # (float(b) raises TypeError on NumPy >= 2.4).
    # (≈ 3 lines)
    ### START CODE HERE ###
    s = a_slice_prev * W
    Z = np.sum(s)
    Z = Z + b.item()
    ### END CODE HERE ###

    return Z
