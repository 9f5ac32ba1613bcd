"""Figures for the notebook: edge detection (a photograph, a 6x6 toy image), where the windows sit,
a convolution over a volume, max and average pooling, and LeNet-5.

Needs only numpy and matplotlib; the photograph ships inside matplotlib, nothing is downloaded.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import cbook
from matplotlib.colors import to_rgb
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


# Colours of windows and filters: none of them grey, so they stand out on the grey grids.
WINDOW_COLORS = ("tab:orange", "tab:green", "tab:purple", "tab:red", "tab:brown", "tab:pink", "tab:olive",
                 "tab:cyan")


def _padded_grid(ax, n_H_prev: int, n_W_prev: int, pad: int) -> None:
    """The padded input as a grey grid: the input's entries mid grey, the padding pale with its zeros written."""
    n_H_pad, n_W_pad = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    grid = np.full((n_H_pad, n_W_pad), 0.12)
    grid[pad:pad + n_H_prev, pad:pad + n_W_prev] = 0.3
    ax.imshow(grid, cmap="Greys", vmin=0, vmax=1)
    for (i, j), value in np.ndenumerate(grid):
        if value < 0.2:
            ax.text(j, i, "0", ha="center", va="center", color="0.6", fontsize=8)
    ax.set_xticks(np.arange(n_W_pad + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(n_H_pad + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=1)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(n_W_pad))
    ax.set_yticks(range(n_H_pad))
    ax.set_xlabel("column of the padded input")
    ax.set_ylabel("row of the padded input")
    ax.spines[:].set_visible(False)


def draw_windows(n_H_prev: int, n_W_prev: int, f: int, pad: int, stride: int, h: int = 1, w: int = 2) -> plt.Figure:
    """
    Where the windows sit in the padded input, in two panels.

    Left: the windows of output row 0, one colour per output column w. Right: the window of output
    (h, w) with its slice bounds, a_prev_pad[vert_start:vert_end, horiz_start:horiz_end]: each bound
    is drawn on the grid line where the slice starts or stops (the end is not included).
    """
    n_H_pad, n_W_pad = n_H_prev + 2 * pad, n_W_prev + 2 * pad
    n_H, n_W = (n_H_pad - f) // stride + 1, (n_W_pad - f) // stride + 1
    fig, (left, right) = plt.subplots(1, 2, figsize=(1.1 * n_W_pad + 3.5, 0.55 * n_H_pad + 2.4))
    for ax in (left, right):
        _padded_grid(ax, n_H_prev, n_W_prev, pad)
    # Room above (and, on the right, beside) the grid for the labels, so that none covers the input.
    left.set_xlim(-0.5, n_W_pad - 0.5)
    left.set_ylim(n_H_pad - 0.5, -3.0)
    right.set_xlim(-0.5, n_W_pad + 2.8)
    right.set_ylim(n_H_pad - 0.5, -1.6)

    for column in range(n_W):
        color, horiz_start = WINDOW_COLORS[column % len(WINDOW_COLORS)], column * stride
        # Overlapping windows share columns: alternate two insets so that both outlines show.
        inset = 0.06 + 0.12 * (column % 2)
        left.add_patch(Rectangle((horiz_start - 0.5 + inset, -0.5 + inset), f - 2 * inset, f - 2 * inset,
                                 facecolor=color, alpha=0.2))
        left.add_patch(Rectangle((horiz_start - 0.5 + inset, -0.5 + inset), f - 2 * inset, f - 2 * inset,
                                 fill=False, edgecolor=color, lw=2.5))
        # Above the grid, a bar over the window's columns and its label, on alternating levels.
        level = -0.9 - 1.1 * (column % 2)
        left.plot([horiz_start - 0.4, horiz_start + f - 0.6], [level, level], color=color, lw=3)
        left.text(horiz_start + (f - 1) / 2, level - 0.12, f"w = {column}: columns {horiz_start}..{horiz_start + f - 1}",
                  color=color, ha="center", va="bottom", fontsize=8.5, fontweight="bold")
    left.set_title(f"the windows of output row h = 0 (n_W = {n_W})")

    vert_start, horiz_start = h * stride, w * stride
    vert_end, horiz_end = vert_start + f, horiz_start + f
    color = WINDOW_COLORS[0]
    right.add_patch(Rectangle((horiz_start - 0.5, vert_start - 0.5), f, f, facecolor=color, alpha=0.45))
    right.add_patch(Rectangle((horiz_start - 0.5, vert_start - 0.5), f, f, fill=False, edgecolor=color, lw=2.5))
    for x, name, value, align in ((horiz_start - 0.5, "horiz_start", horiz_start, "right"),
                                  (horiz_end - 0.5, "horiz_end", horiz_end, "left")):
        right.plot([x, x], [n_H_pad - 0.5, -1.0], color=color, lw=1.5, ls="--")
        right.text(x + (0.1 if align == "left" else -0.1), -1.0, f"{name} = {value}", color=color, ha=align,
                   va="bottom", fontsize=9, fontweight="bold")
    for y, name, value in ((vert_start - 0.5, "vert_start", vert_start), (vert_end - 0.5, "vert_end", vert_end)):
        right.plot([-0.5, n_W_pad + 0.3], [y, y], color=color, lw=1.5, ls="--")
        right.text(n_W_pad + 0.4, y, f"{name} = {value}", color=color, ha="left", va="center", fontsize=9,
                   fontweight="bold")
    right.set_title(f"the window of output (h, w) = ({h}, {w}): a_prev_pad[{vert_start}:{vert_end}, {horiz_start}:{horiz_end}]")
    fig.suptitle(f"padded input {n_H_pad} x {n_W_pad} (zeros pale): f = {f}, pad = {pad}, stride = {stride}",
                 fontsize=11)
    fig.tight_layout()
    return fig


# How far one channel recedes (up and to the right) in the oblique drawings of volumes.
DEPTH_STEP = 0.45


def _cuboid(ax, x: float, y: float, width: float, height: float, depth: float, color: str,
            recede: tuple[float, float] = (DEPTH_STEP, DEPTH_STEP), cells: bool = True) -> None:
    """A volume in oblique projection: the front face is width x height with its lower-left corner at
    (x, y); the depth recedes up-right by `recede` per unit. With `cells`, one line per entry."""
    dx, dy = recede[0] * depth, recede[1] * depth
    rgb = np.array(to_rgb(color))
    # Opaque faces (what lies behind stays hidden): the top lighter, the side darker.
    faces = (
        ([(x, y), (x + width, y), (x + width, y + height), (x, y + height)], rgb),
        ([(x, y + height), (x + width, y + height), (x + width + dx, y + height + dy), (x + dx, y + height + dy)],
         rgb + 0.4 * (1 - rgb)),
        ([(x + width, y), (x + width + dx, y + dy), (x + width + dx, y + height + dy), (x + width, y + height)],
         0.75 * rgb),
    )
    for corners, shade in faces:
        ax.add_patch(Polygon(corners, closed=True, facecolor=shade, edgecolor="black", lw=0.8))
    # Lines as patches, so that a volume drawn later covers them (pyplot lines are drawn above every patch).
    if not cells:
        return
    lines = [[(x + k, y), (x + k, y + height), (x + k + dx, y + height + dy)] for k in range(1, int(width))]
    lines += [[(x, y + k), (x + width, y + k), (x + width + dx, y + k + dy)] for k in range(1, int(height))]
    lines += [[(x + recede[0] * k, y + height + recede[1] * k), (x + width + recede[0] * k, y + height + recede[1] * k),
               (x + width + recede[0] * k, y + recede[1] * k)] for k in range(1, int(depth))]
    for points in lines:
        ax.add_patch(Polygon(points, closed=False, fill=False, edgecolor="black", lw=0.4))


def draw_volume_convolution(n_H_prev: int = 6, n_W_prev: int = 6, n_C_prev: int = 3, f: int = 3,
                            n_C: int = 2) -> plt.Figure:
    """
    A CONV layer on one example (stride 1, no padding): each f x f x n_C_prev filter slides over the
    n_H_prev x n_W_prev x n_C_prev input and gives one n_H x n_W map; the n_C maps stack into Z.
    """
    n_H, n_W = n_H_prev - f + 1, n_W_prev - f + 1
    fig, ax = plt.subplots(figsize=(13, 5.6))
    input_x, input_y = 0.0, -n_H_prev / 2
    _cuboid(ax, input_x, input_y, n_W_prev, n_H_prev, n_C_prev, "0.75")
    # The window of output (0, 0): the top-left f x f entries, through every channel.
    top = input_y + n_H_prev
    dx = DEPTH_STEP * n_C_prev
    # Blue is no filter's colour: the window is read by every filter.
    window = "tab:blue"
    ax.add_patch(Polygon([(0, top - f), (f, top - f), (f, top), (0, top)], facecolor=window, alpha=0.55,
                         edgecolor=window, lw=2.5))
    ax.add_patch(Polygon([(0, top), (f, top), (f + dx, top + dx), (dx, top + dx)], facecolor=window, alpha=0.55,
                         edgecolor=window, lw=2.5))
    ax.text(input_x + n_W_prev / 2, input_y - 0.8,
            f"input: {n_H_prev} x {n_W_prev} x {n_C_prev}\n(n_H_prev x n_W_prev x n_C_prev)\nin blue: the window of output (0, 0)",
            ha="center", va="top", fontsize=9)

    filter_x, map_x, out_x = n_W_prev + 5, n_W_prev + 12, n_W_prev + 21
    rows = np.linspace(2.2, -2.2 - f, n_C) if n_C > 1 else [-f / 2]
    out_y = -n_H / 2
    for c, filter_y in enumerate(rows):
        color = WINDOW_COLORS[c % len(WINDOW_COLORS)]
        middle = filter_y + f / 2
        ax.annotate("", xy=(filter_x - 0.4, middle), xytext=(n_W_prev + dx + 0.3, 0),
                    arrowprops={"arrowstyle": "-", "color": "0.4", "lw": 1})
        ax.text(filter_x - 1.2, middle, "*", fontsize=20, ha="center", va="center")
        _cuboid(ax, filter_x, filter_y, f, f, n_C_prev, color)
        ax.text(filter_x + f / 2, filter_y - 0.4, f"filter c = {c}: W[:, :, :, {c}]\n{f} x {f} x {n_C_prev}",
                ha="center", va="top", fontsize=9)
        ax.text(map_x - 1.6, middle, "=", fontsize=18, ha="center", va="center")
        map_y = middle - n_H / 2
        _cuboid(ax, map_x, map_y, n_W, n_H, 0.5, color)
        # The one number the blue window gives with this filter: the map's top-left entry.
        ax.add_patch(Rectangle((map_x, map_y + n_H - 1), 1, 1, facecolor=0.6 * np.array(to_rgb(color)),
                               edgecolor=window, lw=2.5))
        ax.text(map_x + n_W / 2, map_y - 0.4, f"Z[i, :, :, {c}]: one {n_H} x {n_W} map", ha="center", va="top",
                fontsize=9)
        ax.annotate("", xy=(out_x - 0.4, 0), xytext=(map_x + n_W + 0.6, middle),
                    arrowprops={"arrowstyle": "->", "color": "0.4", "lw": 1})
    # The output volume: channel c is the map of filter c, the first one in front.
    for c in reversed(range(n_C)):
        step = DEPTH_STEP * c
        _cuboid(ax, out_x + step, out_y + step, n_W, n_H, 1, WINDOW_COLORS[c % len(WINDOW_COLORS)])
    ax.text(out_x + n_W / 2, out_y - 0.8, f"Z[i]: {n_H} x {n_W} x {n_C}\n(n_H x n_W x n_C):\nthe {n_C} maps stacked",
            ha="center", va="top", fontsize=9)
    ax.set_xlim(-1, out_x + n_W + DEPTH_STEP * n_C + 1)
    ax.set_ylim(input_y - 3.2, max(top + dx, rows[0] + f + DEPTH_STEP * n_C_prev) + 0.8)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(f"one filter spans all {n_C_prev} input channels and gives one 2-D map; {n_C} filters give {n_C} channels")
    fig.tight_layout()
    return fig


def draw_pooling(x: np.ndarray, f: int, stride: int) -> plt.Figure:
    """
    Max and average pooling of one small grid, every number written: each window of x in its own
    colour, and the output entry it gives in the same colour.
    """
    windows = np.lib.stride_tricks.sliding_window_view(x, (f, f))[::stride, ::stride]
    outputs = {"input x": x, f"max pooling ({windows.shape[0]} x {windows.shape[1]})": windows.max(axis=(2, 3)),
               f"average pooling ({windows.shape[0]} x {windows.shape[1]})": windows.mean(axis=(2, 3))}
    fig, axes = plt.subplots(1, 3, figsize=(11, 4), gridspec_kw={"width_ratios": [x.shape[1], *[windows.shape[1]] * 2]})
    for ax, (name, grid) in zip(axes, outputs.items()):
        ax.imshow(np.zeros(grid.shape), cmap="Greys", vmin=0, vmax=1)
        for h, w in np.ndindex(windows.shape[:2]):
            color = WINDOW_COLORS[(h * windows.shape[1] + w) % len(WINDOW_COLORS)]
            # In the input the window of output (h, w); in an output the entry (h, w) itself.
            corner, size = ((w * stride, h * stride), f) if grid is x else ((w, h), 1)
            ax.add_patch(Rectangle((corner[0] - 0.5, corner[1] - 0.5), size, size, facecolor=color, alpha=0.35,
                                   edgecolor=color, lw=3))
        for (i, j), value in np.ndenumerate(grid):
            ax.text(j, i, f"{value:g}", ha="center", va="center", fontsize=13)
        ax.set_title(name)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"f = {f}, stride = {stride}: one number per window and channel, no parameters")
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


def draw_lenet5() -> plt.Figure:
    """LeNet-5 drawn to scale: CONV and POOL shrink height and width and add channels, then FC layers."""
    fig, ax = plt.subplots(figsize=(13, 4.5))
    x = 0.0
    for index, (label, height, width, channels) in enumerate(LENET5):
        dense = width == 0
        # Channels set a volume's thickness; a dense layer is a thin bar (its units scaled down).
        h = height / 3.2 if dense else height
        depth = 1.5 if dense else 1 + channels
        _cuboid(ax, x, -h / 2, depth, h, width, "tab:orange" if dense else "tab:blue", recede=(0.5, 0.35), cells=False)
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
