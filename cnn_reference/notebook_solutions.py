# Generated from source/cnn_step_by_step/cnn_step_by_step.ipynb by `make reference`: do not edit.
# These are the exercise cells' solutions, verbatim; the notebook is the one source of truth.
import numpy as np


def zero_pad(X, pad):
    """
    Pad every image of a batch with zeros around its height and width.

    Arguments:
    X -- images, array of shape (m, n_H, n_W, n_C)
    pad -- integer >= 0, number of zero rows/columns added on each side

    Returns:
    X_pad -- padded images, array of shape (m, n_H + 2*pad, n_W + 2*pad, n_C)
    """
    # Pad axis 1 (height) and axis 2 (width) only: the batch and channel axes keep their size.
    # (≈ 1 line)
    ### START CODE HERE ###
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)
    ### END CODE HERE ###

    return X_pad


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


def conv_forward(A_prev, W, b, hparameters):
    """
    Forward pass of a convolution layer (a cross-correlation, as in every deep learning framework).

    Arguments:
    A_prev -- activations of the previous layer, array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    W -- filters, array of shape (f, f, n_C_prev, n_C)
    b -- biases, one per filter, array of shape (1, 1, 1, n_C)
    hparameters -- dict with the integers "stride" and "pad"

    Returns:
    Z -- convolution output, array of shape (m, n_H, n_W, n_C) with
         n_H = (n_H_prev - f + 2*pad) // stride + 1 and n_W = (n_W_prev - f + 2*pad) // stride + 1
    cache -- (A_prev, W, b, hparameters), kept for conv_backward
    """
    # Read the dimensions from the shapes, and stride and pad from hparameters.
    # Output size: n_H = floor((n_H_prev - f + 2 * pad) / stride) + 1, the same for n_W (use //).
    # Z starts as zeros; A_prev_pad is A_prev padded with zero_pad.
    # For each example i, output row h, column w and filter c: find the corners of the slice
    # (they move by `stride`), cut a_slice_prev from a_prev_pad, and set Z[i, h, w, c] with
    # conv_single_step, using filter c and bias c.
    # (≈ 18 lines)
    ### START CODE HERE ###
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]

    n_H = (n_H_prev - f + 2 * pad) // stride + 1
    n_W = (n_W_prev - f + 2 * pad) // stride + 1
    Z = np.zeros((m, n_H, n_W, n_C))
    A_prev_pad = zero_pad(A_prev, pad)

    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])
    ### END CODE HERE ###

    cache = (A_prev, W, b, hparameters)

    return Z, cache


def pool_forward(A_prev, hparameters, mode="max"):
    """
    Forward pass of a pooling layer (no padding, no parameters).

    Arguments:
    A_prev -- input, array of shape (m, n_H_prev, n_W_prev, n_C)
    hparameters -- dict with the integers "f" (window size) and "stride"
    mode -- "max" or "average"

    Returns:
    A -- pooled output, array of shape (m, n_H, n_W, n_C) with
         n_H = (n_H_prev - f) // stride + 1 and n_W = (n_W_prev - f) // stride + 1
    cache -- (A_prev, hparameters), kept for pool_backward
    """
    # Read the dimensions, f and stride; compute n_H and n_W (floor division, no padding);
    # A starts as zeros. For each example, output row h, column w and channel c: cut the
    # f x f window of channel c (corners move by `stride`) and take its max or its mean.
    # (≈ 17 lines)
    ### START CODE HERE ###
    (m, n_H_prev, n_W_prev, n_C) = A_prev.shape
    f = hparameters["f"]
    stride = hparameters["stride"]

    n_H = (n_H_prev - f) // stride + 1
    n_W = (n_W_prev - f) // stride + 1
    A = np.zeros((m, n_H, n_W, n_C))

    for i in range(m):
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]
                    if mode == "max":
                        A[i, h, w, c] = np.max(a_prev_slice)
                    elif mode == "average":
                        A[i, h, w, c] = np.mean(a_prev_slice)
    ### END CODE HERE ###

    cache = (A_prev, hparameters)

    return A, cache


def conv_backward(dZ, cache):
    """
    Backward pass of a convolution layer.

    Arguments:
    dZ -- gradient of the cost with respect to the output Z, array of shape (m, n_H, n_W, n_C)
    cache -- (A_prev, W, b, hparameters) as returned by conv_forward

    Returns:
    dA_prev -- gradient with respect to A_prev, array of shape (m, n_H_prev, n_W_prev, n_C_prev)
    dW -- gradient with respect to W, array of shape (f, f, n_C_prev, n_C)
    db -- gradient with respect to b, array of shape (1, 1, 1, n_C)
    """
    # Unpack the cache and the shapes; the gradients start as zeros of their arrays' shapes.
    # Pad A_prev and dA_prev; for each example, row h, column w and filter c, the window at
    # (h, w) (corners move by `stride`) receives W[..., c] * dZ[i, h, w, c]; dW[..., c] gathers
    # the window of a_prev_pad times dZ[i, h, w, c]; db[..., c] gathers dZ[i, h, w, c].
    # Finally strip the padding: keep pad:pad + n_H_prev rows (pad may be 0).
    # (≈ 24 lines)
    ### START CODE HERE ###
    (A_prev, W, b, hparameters) = cache
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (f, f, n_C_prev, n_C) = W.shape
    stride = hparameters["stride"]
    pad = hparameters["pad"]
    (m, n_H, n_W, n_C) = dZ.shape

    dA_prev = np.zeros(A_prev.shape)
    dW = np.zeros(W.shape)
    db = np.zeros(b.shape)
    A_prev_pad = zero_pad(A_prev, pad)
    dA_prev_pad = zero_pad(dA_prev, pad)

    for i in range(m):
        a_prev_pad = A_prev_pad[i]
        da_prev_pad = dA_prev_pad[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]
                for c in range(n_C):
                    da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]
                    dW[:, :, :, c] += a_slice * dZ[i, h, w, c]
                    db[:, :, :, c] += dZ[i, h, w, c]
        dA_prev[i, :, :, :] = da_prev_pad[pad:pad + n_H_prev, pad:pad + n_W_prev, :]
    ### END CODE HERE ###

    return dA_prev, dW, db


def create_mask_from_window(x):
    """
    Mark where the maximum of a pooling window is.

    Arguments:
    x -- one window, array of shape (f, f)

    Returns:
    mask -- boolean array of shape (f, f), True where x has its maximum (on a tie: at every tied
            maximum, or at exactly one of them; both are accepted)
    """
    # Compare x with its largest entry (that marks every tied maximum).
    # (≈ 1 line)
    ### START CODE HERE ###
    mask = x == np.max(x)
    ### END CODE HERE ###

    return mask


def distribute_value(dz, shape):
    """
    Spread a gradient evenly over an average-pooling window.

    Arguments:
    dz -- the gradient of one output of the pooling layer, a number
    shape -- (f_H, f_W), the height and width of the window ((f, f) in pool_backward)

    Returns:
    a -- array of shape (f_H, f_W) whose entries all equal dz / (f_H * f_W)
    """
    # Read f_H and f_W from shape, compute the share of each entry (true division, not //),
    # and fill an array of that shape with it.
    # (≈ 3 lines)
    ### START CODE HERE ###
    (f_H, f_W) = shape
    average = dz / (f_H * f_W)
    a = np.ones(shape) * average
    ### END CODE HERE ###

    return a


def pool_backward(dA, cache, mode="max"):
    """
    Backward pass of a pooling layer.

    Arguments:
    dA -- gradient of the cost with respect to the pooling output, array of shape (m, n_H, n_W, n_C)
    cache -- (A_prev, hparameters) as returned by pool_forward
    mode -- "max" or "average"

    Returns:
    dA_prev -- gradient with respect to A_prev, array of shape (m, n_H_prev, n_W_prev, n_C)
    """
    # Unpack the cache, f and stride, and the shapes; dA_prev starts as zeros. For each example,
    # row h, column w and channel c, the window at (h, w) (corners move by `stride`) receives:
    # in "max" mode, dA[i, h, w, c] where create_mask_from_window is True; in "average" mode,
    # distribute_value(dA[i, h, w, c], (f, f)). Windows may overlap: add (+=), never assign.
    # (≈ 22 lines)
    ### START CODE HERE ###
    (A_prev, hparameters) = cache
    stride = hparameters["stride"]
    f = hparameters["f"]
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    (m, n_H, n_W, n_C) = dA.shape

    dA_prev = np.zeros(A_prev.shape)

    for i in range(m):
        a_prev = A_prev[i]
        for h in range(n_H):
            vert_start = h * stride
            vert_end = vert_start + f
            for w in range(n_W):
                horiz_start = w * stride
                horiz_end = horiz_start + f
                for c in range(n_C):
                    if mode == "max":
                        a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]
                        mask = create_mask_from_window(a_prev_slice)
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]
                    elif mode == "average":
                        da = dA[i, h, w, c]
                        dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))
    ### END CODE HERE ###

    return dA_prev
