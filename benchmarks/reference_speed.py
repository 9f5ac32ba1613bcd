"""How fast is the answer key? Loop vs vectorized vs PyTorch CPU, forward + backward, in one run.

Input: A_prev (32, 28, 28, 16) in float64.
- conv: W (3, 3, 16, 32), pad = 1, stride = 1 -> Z (32, 28, 28, 32), then conv_backward;
- pooling: f = 2, stride = 2 -> A (32, 14, 14, 16), then pool_backward, in "max" and "average" mode.

The loop version takes seconds per call, so it runs on the first few examples of the batch
and its time is scaled linearly to the full batch (every example costs the same).
Targets: vectorized within 5x of PyTorch CPU, and at least 100x faster than the loops.

Run: `make benchmarks` or `.venv/bin/python benchmarks/reference_speed.py [--repeats N]`.
"""
from __future__ import annotations

import argparse
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from cnn_reference import loops, vectorized

M, N_H, N_W, N_C_PREV, N_C, FILTER = 32, 28, 28, 16, 32, 3
CONV_HP = {"pad": 1, "stride": 1}
POOL_HP = {"f": 2, "stride": 2}
VECTORIZED_TARGET = 5.0    # vectorized / PyTorch at most this
LOOP_TARGET = 100.0        # loop / vectorized at least this


@dataclass(frozen=True)
class Inputs:
    A_prev: np.ndarray     # (m, n_H_prev, n_W_prev, n_C_prev)
    W: np.ndarray          # (f, f, n_C_prev, n_C)
    b: np.ndarray          # (1, 1, 1, n_C)
    dZ: np.ndarray         # (m, n_H, n_W, n_C), same size as the conv output (pad 1, stride 1)
    dA: np.ndarray         # (m, n_H_prev // 2, n_W_prev // 2, n_C_prev), the pooling output's gradient

    def batch(self, m: int) -> Inputs:
        return Inputs(self.A_prev[:m], self.W, self.b, self.dZ[:m], self.dA[:m])


def make_inputs() -> Inputs:
    rng = np.random.default_rng(0)
    return Inputs(
        A_prev=rng.standard_normal((M, N_H, N_W, N_C_PREV)),
        W=rng.standard_normal((FILTER, FILTER, N_C_PREV, N_C)),
        b=rng.standard_normal((1, 1, 1, N_C)),
        dZ=rng.standard_normal((M, N_H, N_W, N_C)),
        dA=rng.standard_normal((M, N_H // 2, N_W // 2, N_C_PREV)),
    )


def numpy_steps(impl) -> dict[str, Callable[[Inputs], object]]:
    """One forward + backward pass per workload, for an answer-key module (loops or vectorized)."""
    def conv(x: Inputs) -> object:
        _, cache = impl.conv_forward(x.A_prev, x.W, x.b, CONV_HP)
        return impl.conv_backward(x.dZ, cache)

    def pool(mode: str) -> Callable[[Inputs], object]:
        def step(x: Inputs) -> object:
            _, cache = impl.pool_forward(x.A_prev, POOL_HP, mode=mode)
            return impl.pool_backward(x.dA, cache, mode=mode)
        return step

    return {"conv": conv, "max pool": pool("max"), "average pool": pool("average")}


def torch_steps(x: Inputs) -> dict[str, Callable[[], object]]:
    """The same workloads in PyTorch; NHWC -> NCHW conversion happens once, outside the timing."""
    def nchw(array: np.ndarray, requires_grad: bool = False) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array.transpose(0, 3, 1, 2))).requires_grad_(requires_grad)

    A_prev = nchw(x.A_prev, requires_grad=True)
    W = torch.from_numpy(np.ascontiguousarray(x.W.transpose(3, 2, 0, 1))).requires_grad_(True)
    b = torch.from_numpy(x.b.reshape(-1).copy()).requires_grad_(True)
    dZ, dA = nchw(x.dZ), nchw(x.dA)

    def conv() -> object:
        Z = F.conv2d(A_prev, W, b, stride=CONV_HP["stride"], padding=CONV_HP["pad"])
        return torch.autograd.grad(Z, (A_prev, W, b), dZ)

    def pool(op: Callable[..., torch.Tensor]) -> Callable[[], object]:
        def step() -> object:
            A = op(A_prev, kernel_size=POOL_HP["f"], stride=POOL_HP["stride"])
            return torch.autograd.grad(A, A_prev, dA)
        return step

    return {"conv": conv, "max pool": pool(F.max_pool2d), "average pool": pool(F.avg_pool2d)}


def best_of(steps: list[Callable[[], object]], repeats: int) -> list[float]:
    """The fastest of `repeats` runs of each step, in seconds, after one warm-up run each.

    The steps take turns, so that a machine whose load drifts during the run slows them alike.
    """
    best = [float("inf")] * len(steps)
    for step in steps:
        step()
    for _ in range(repeats):
        for k, step in enumerate(steps):
            start = time.perf_counter()
            step()
            best[k] = min(best[k], time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per measurement, the best is kept")
    parser.add_argument("--loop-batch", type=int, default=2,
                        help="examples the loop version runs on; its time is scaled to the full batch")
    parser.add_argument("--torch-threads", type=int, default=None,
                        help="PyTorch's intra-op threads (default: PyTorch's own choice, usually one per core)")
    args = parser.parse_args(argv)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    x = make_inputs()
    small = x.batch(args.loop_batch)
    scale = M / args.loop_batch
    loop_steps, vectorized_steps, reference_steps = numpy_steps(loops), numpy_steps(vectorized), torch_steps(x)

    threads = torch.get_num_threads()
    print(f"NumPy {np.__version__}, PyTorch {torch.__version__} CPU "
          f"with {threads} thread{'s' * (threads != 1)}, float64")
    print(f"A_prev {x.A_prev.shape}; conv W {x.W.shape}, {CONV_HP}; pooling {POOL_HP}")
    print(
        f"forward + backward, best of {args.repeats}; the loop version runs on m={args.loop_batch} "
        f"and is scaled x{scale:g} to m={M} (loop timings repeat at most 2 times)\n"
    )
    header = f"{'workload':<14}{'loops (scaled)':>16}{'vectorized':>13}{'PyTorch':>11}{'vec/torch':>11}{'loop/vec':>11}"
    print(header)
    print("-" * len(header))
    missed = []
    for name in vectorized_steps:
        (loop_time,) = best_of([functools.partial(loop_steps[name], small)], min(args.repeats, 2))
        loop_time *= scale
        vectorized_time, torch_time = best_of(
            [functools.partial(vectorized_steps[name], x), reference_steps[name]], args.repeats
        )
        vs_torch, vs_loop = vectorized_time / torch_time, loop_time / vectorized_time
        print(
            f"{name:<14}{loop_time * 1e3:>13.0f} ms{vectorized_time * 1e3:>10.1f} ms{torch_time * 1e3:>8.1f} ms"
            f"{vs_torch:>10.1f}x{vs_loop:>10.0f}x"
        )
        if vs_torch > VECTORIZED_TARGET:
            missed.append(f"{name}: vectorized is {vs_torch:.1f}x PyTorch (target <= {VECTORIZED_TARGET:g}x)")
        if vs_loop < LOOP_TARGET:
            missed.append(
                f"{name}: vectorized is only {vs_loop:.0f}x faster than the loops (target >= {LOOP_TARGET:g}x)"
            )
    print()
    print(
        "\n".join(missed)
        if missed
        else f"targets met: vectorized within {VECTORIZED_TARGET:g}x of PyTorch "
        f"and >= {LOOP_TARGET:g}x faster than the loops"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
