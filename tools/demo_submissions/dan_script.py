# builds on the notebook's solutions
# Handed in as a script instead of the notebook; conv_single_step calls float(b) on a (1, 1, 1) array.


def conv_single_step(a_slice_prev, W, b):
    s = a_slice_prev * W
    Z = np.sum(s)
    Z = Z + float(b)
    return Z
