"""The guest side of the sandbox: the only code of the grader that runs beside student code.

Bound read-only into the sandbox as the package ``cnn_untrusted`` (so ``import autograder`` fails
there), it imports nothing from the rest of the grader: only the stdlib, numpy and matplotlib.
The host side (``autograder.sandbox``) may import ``protocol`` and ``wire`` from here.
"""
