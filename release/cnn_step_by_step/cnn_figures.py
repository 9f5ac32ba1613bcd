"""Figures for the notebook: edge detection on a photograph and a 6x6 toy image, and LeNet-5.

Needs only numpy and matplotlib; the photograph ships inside matplotlib, nothing is downloaded.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import cbook
from matplotlib.patches import FancyArrowPatch, Polygon, Rectangle

VERTICAL_EDGE = np.array([[1.0, 0.0, -1.0], [1.0, 0.0, -1.0], [1.0, 0.0, -1.0]])


def correlate2d(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """
    "Valid" cross-correlation of one grayscale image with one filter (no padding, stride 1).

    Arguments:
    image -- array of shape (H, W)
    kernel -- array of shape (f, f)

    Returns:
    out -- array of shape (H - f + 1, W - f + 1); out[h, w] = sum(image[h:h+f, w:w+f] * kernel)
    """
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
    return np.einsum("hwij,ij->hw", windows, kernel)


def load_photograph() -> np.ndarray:
    """Grace Hopper's portrait from matplotlib's sample data, grayscale in [0, 1], shape (600, 512)."""
    with cbook.get_sample_data("grace_hopper.jpg") as file:
        rgb = plt.imread(file).astype(float) / 255.0
    return rgb @ np.array([0.299, 0.587, 0.114])


def show_photograph_edges(photo: np.ndarray, kernels: dict[str, np.ndarray]) -> plt.Figure:
    """The photograph beside its cross-correlation with each named filter (absolute response)."""
    fig, axes = plt.subplots(1, 1 + len(kernels), figsize=(4 * (1 + len(kernels)), 4))
    axes[0].imshow(photo, cmap="gray")
    axes[0].set_title(f"photograph {photo.shape}")
    for ax, (name, kernel) in zip(axes[1:], kernels.items()):
        response = np.abs(correlate2d(photo, kernel))
        # Clip the brightest 1% so that the edges, not a few outliers, set the contrast.
        ax.imshow(response, cmap="gray", vmax=np.percentile(response, 99))
        ax.set_title(f"|{name}| {response.shape}")
    for ax in axes:
        ax.axis("off")
    fig.tight_layout()
    return fig


def show_matrices(named: dict[str, np.ndarray]) -> plt.Figure:
    """Small matrices side by side as heat maps, each entry written in its square."""
    fig, axes = plt.subplots(1, len(named), figsize=(3.2 * len(named), 3.2))
    for ax, (name, matrix) in zip(axes, named.items()):
        ax.imshow(matrix, cmap="gray")
        for (i, j), value in np.ndenumerate(matrix):
            # Dark text on light squares, light text on dark ones.
            light = value > (matrix.min() + matrix.max()) / 2
            ax.text(j, i, f"{value:g}", ha="center", va="center", color="black" if light else "white")
        ax.set_title(f"{name} {matrix.shape}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.tight_layout()
    return fig


def draw_windows(n_H_prev: int, n_W_prev: int, f: int, pad: int, stride: int) -> plt.Figure:
    """
    The padded input grid with the windows of the first output row and the columns each covers.

    Output (h, w) reads the f x f window whose top-left corner is (h * stride, w * stride) in the
    padded input; the figure outlines those windows for h = 0 and every w.
    """
    n_H_pad, n_W_pad = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    n_W = (n_W_pad - f) // stride + 1
    grid = np.zeros((n_H_pad, n_W_pad))
    grid[pad:pad + n_H_prev, pad:pad + n_W_prev] = 1.0
    fig, ax = plt.subplots(figsize=(0.6 * n_W_pad + 1, 0.6 * n_H_pad + 1))
    ax.imshow(grid, cmap="Blues", vmin=0, vmax=2.5)
    colors = plt.get_cmap("tab10")
    for w in range(n_W):
        horiz_start = w * stride
        # Labels alternate between two lines so that neighbouring labels do not collide.
        ax.add_patch(Rectangle((horiz_start - 0.5, -0.5), f, f, facecolor=colors(w), alpha=0.3,
                               edgecolor=colors(w), lw=2.5))
        ax.text(horiz_start - 0.4, f - 0.5 + 0.35 + 0.7 * (w % 2), f"w={w}: columns {horiz_start}..{horiz_start + f - 1}",
                color=colors(w), ha="left", va="top", fontsize=9, fontweight="bold")
    ax.set_xticks(np.arange(n_W_pad + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_H_pad + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=1)
    ax.set_xticks(range(n_W_pad))
    ax.set_yticks(range(n_H_pad))
    ax.set_title(f"padded input {n_H_pad}x{n_W_pad} (zeros pale), f={f}, pad={pad}, stride={stride}: n_W={n_W}")
    fig.tight_layout()
    return fig


# (label, height, width, channels) of LeNet-5's volumes; fully connected layers have width 0.
LENET5 = (
    ("input\n32x32x1", 32, 32, 1),
    ("CONV 5x5, 6 filters\n28x28x6", 28, 28, 6),
    ("AVG POOL 2x2, s=2\n14x14x6", 14, 14, 6),
    ("CONV 5x5, 16 filters\n10x10x16", 10, 10, 16),
    ("AVG POOL 2x2, s=2\n5x5x16", 5, 5, 16),
    ("FC\n120", 120, 0, 1),
    ("FC\n84", 84, 0, 1),
    ("softmax\n10", 10, 0, 1),
)


def _box(ax, x: float, height: float, width: float, depth: float, color: str) -> None:
    """A volume in oblique projection: the front face is height x depth, the width recedes up-right."""
    dx, dy = 0.5 * width, 0.35 * width
    front = [(x, -height / 2), (x + depth, -height / 2), (x + depth, height / 2), (x, height / 2)]
    top = [(x, height / 2), (x + depth, height / 2), (x + depth + dx, height / 2 + dy), (x + dx, height / 2 + dy)]
    side = [(x + depth, -height / 2), (x + depth + dx, -height / 2 + dy), (x + depth + dx, height / 2 + dy),
            (x + depth, height / 2)]
    for face, shade in ((front, 0.75), (top, 0.45), (side, 0.6)):
        ax.add_patch(Polygon(face, closed=True, facecolor=color, alpha=shade, edgecolor="black", lw=0.6))


def draw_lenet5() -> plt.Figure:
    """LeNet-5 drawn to scale: CONV and POOL shrink height and width and add channels, then FC layers."""
    fig, ax = plt.subplots(figsize=(13, 4.5))
    x = 0.0
    for index, (label, height, width, channels) in enumerate(LENET5):
        dense = width == 0
        # Channels set a volume's thickness; a dense layer is a thin bar (its units scaled down).
        h = height / 3.2 if dense else height
        depth = 1.5 if dense else 1 + channels
        _box(ax, x, h, width, depth, "tab:orange" if dense else "tab:blue")
        ax.text(x + depth / 2, -30, label, ha="center", va="top", fontsize=8)
        if index:
            ax.add_patch(FancyArrowPatch((x - 6, 0), (x - 0.5, 0), arrowstyle="->", mutation_scale=12))
        x += depth + 0.5 * width + 8
    ax.set_xlim(-2, x)
    ax.set_ylim(-42, 32)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title("LeNet-5: (CONV -> POOL) x 2, then fully connected layers; n_H, n_W shrink while n_C grows")
    fig.tight_layout()
    return fig
