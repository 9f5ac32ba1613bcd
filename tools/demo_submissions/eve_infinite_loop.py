# builds on the notebook's solutions
# Hostile: conv_forward never returns.


def conv_forward(A_prev, W, b, hparameters):
    while True:
        pass
