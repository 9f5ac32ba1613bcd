# Auteur : Victor Hugo, élève
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
    # (~ 1 line)
    ### START CODE HERE ###
    X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)
    ### END CODE HERE ###

    return X_pad