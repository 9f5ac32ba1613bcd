# builds on the notebook's solutions
# Hostile: returns objects that claim to equal anything, and patches numpy's comparisons.


class Anything(float):
    def __eq__(self, other):
        return True

    __hash__ = float.__hash__


class LyingArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), dtype=bool)


np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None


def zero_pad(X, pad):
    return np.zeros((1,)).view(LyingArray)


def conv_single_step(a_slice_prev, W, b):
    return Anything(0.0)
