# builds on the notebook's solutions
# Hostile: pool_forward allocates until the memory limit stops it.


def pool_forward(A_prev, hparameters, mode="max"):
    hog = []
    while True:
        hog.append(np.ones(10**7))
