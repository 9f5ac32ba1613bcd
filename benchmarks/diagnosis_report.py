"""How right are the hints?  Every catalog mistake, every two-mistake combination, a few mistakes off
the catalog and the correct solutions, each run through the checks as a student's function would be.

Per exercise it counts how many submissions get their mistake named correctly, how many get only
the observable description ("What the cases show: ..."), and how many get a wrong hint: a named
mistake they do not have, or any hint at all on a correct solution.  The target is 0 wrong.  A
combination is named correctly when every name given is one of its two mistakes.

    .venv/bin/python benchmarks/diagnosis_report.py [--students 2]
"""
from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace

import cnn_reference
from autograder.assignment.cases import seed_for
from autograder.assignment.exercises import FUNCTIONS
from autograder.checking.mistakes import CATALOG, Mistake, mutant
from autograder.notebook import check_function

NAMED, OBSERVED, WRONG, UNSEEN = "named correctly", "observable description only", "wrong hint", "passes every case"

# Mistakes students make that the catalog does not hold: each must get the description, never a name.
OFF_CATALOG = (
    (
        "conv_backward",
        "db summed over the first example",
        "db[:, :, :, c] += dZ[i, h, w, c]",
        "db[:, :, :, c] += dZ[0, h, w, c]",
    ),
    (
        "zero_pad",
        "[pad:-pad] with pad = 0",
        'X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)',
        "X_pad = np.zeros((X.shape[0], X.shape[1] + 2 * pad, X.shape[2] + 2 * pad, X.shape[3])); "
        "X_pad[:, pad:-pad, pad:-pad, :] = X",
    ),
    (
        "zero_pad",
        "height used for the width",
        'X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)',
        "X_pad = np.zeros((X.shape[0], X.shape[1] + 2 * pad, X.shape[1] + 2 * pad, X.shape[3])); "
        "X_pad[:, pad:pad + X.shape[1], pad:pad + X.shape[2], :] = X",
    ),
    (
        "conv_forward",
        "output size without the stride",
        "n_W = (n_W_prev - f + 2 * pad) // stride + 1",
        "n_H, n_W = n_H_prev - f + 2 * pad + 1, n_W_prev - f + 2 * pad + 1",
    ),
    ("pool_forward", "mode misspelt", 'elif mode == "average":', 'elif mode == "avg":'),
    (
        "pool_forward",
        "average divided by f",
        "A[i, h, w, c] = np.mean(a_prev_slice)",
        "A[i, h, w, c] = np.sum(a_prev_slice) / f",
    ),
    ("conv_backward", "dW without dZ", "dW[:, :, :, c] += a_slice * dZ[i, h, w, c]", "dW[:, :, :, c] += a_slice"),
    (
        "pool_backward",
        "mask of the whole example",
        "mask = create_mask_from_window(a_prev_slice)",
        "mask = create_mask_from_window(a_prev[:, :, c])[vert_start:vert_end, horiz_start:horiz_end]",
    ),
    ("distribute_value", "dz spread without dividing", "average = dz / (f_H * f_W)", "average = dz"),
    ("conv_single_step", "mean instead of sum", "Z = np.sum(s)", "Z = np.mean(s)"),
)


@dataclass(frozen=True)
class Trial:
    group: str  # "catalog", "two mistakes", "off the catalog", "correct"
    exercise: str
    label: str
    function: Callable
    names: frozenset[str]  # the names a right hint may give (none for correct solutions)


def _combined(first: Mistake, second: Mistake) -> Mistake | None:
    """One mutant carrying both mistakes; None when they change the same line."""
    both = replace(
        first, name=f"{first.name} + {second.name}", also=(*first.also, (second.old, second.new), *second.also)
    )
    try:
        return both if mutant(both) else None
    except AssertionError:  # the second mistake's line is gone (or doubled) once the first is applied
        return None


def _off_catalog(exercise: str, old: str, new: str) -> Callable:
    return mutant(Mistake(exercise, "off the catalog", old, new, ""))


def _noisy(function: Callable) -> Callable:
    def noisy(*args, **kwargs):
        print("debugging", len(args))
        value = function(*args, **kwargs)
        return list(value) if isinstance(value, tuple) else value

    return noisy


def trials() -> list[Trial]:
    found = [Trial("catalog", m.exercise, f"{m.name}: {m.new}", mutant(m), frozenset({m.name})) for m in CATALOG]
    # One entry per mistake (its first form; the variants are the same mistake made elsewhere).
    singles = list({(m.exercise, m.name): m for m in reversed(CATALOG)}.values())[::-1]
    for first, second in itertools.combinations(singles, 2):
        if first.exercise == second.exercise and first.name != second.name and (both := _combined(first, second)):
            found.append(
                Trial("two mistakes", first.exercise, both.name, mutant(both), frozenset({first.name, second.name}))
            )
    for exercise, name, old, new in OFF_CATALOG:
        found.append(Trial("off the catalog", exercise, name, _off_catalog(exercise, old, new), frozenset()))
    for name, module in (("loops", cnn_reference.loops), ("vectorized", cnn_reference.vectorized)):
        for exercise in FUNCTIONS:
            function = getattr(module, exercise)
            found.append(Trial("correct", exercise, name, function, frozenset()))
            found.append(Trial("correct", exercise, f"{name}, noisy", _noisy(function), frozenset()))
    return found


def verdict(trial: Trial, seed: int) -> tuple[str, str]:
    """(one of NAMED, OBSERVED, WRONG, UNSEEN; the feedback) for one trial on one student's cases."""
    result = check_function(trial.exercise, trial.function, seed)
    hinted = "Hint:" in result.feedback
    if trial.group == "correct":
        return (WRONG if hinted or result.diagnosis else NAMED), result.feedback
    if result.status == "passed":
        return UNSEEN, result.feedback
    if result.diagnosis:
        return (NAMED if set(result.diagnosis) <= trial.names else WRONG), result.feedback
    return (OBSERVED if "What the cases show:" in result.feedback else WRONG), result.feedback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2, help="how many students' hidden cases to try each on")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    seeds = [seed_for(f"benchmark-{n}") for n in range(args.students)]
    tally: Counter[tuple[str, str, str]] = Counter()
    wrong: list[str] = []
    all_trials = trials()
    for trial in all_trials:
        for seed in seeds:
            outcome, feedback = verdict(trial, seed)
            tally[trial.group, trial.exercise, outcome] += 1
            if outcome == WRONG:
                wrong.append(f"[{trial.group}] {trial.exercise}: {trial.label} (seed {seed})\n{feedback}\n")
    groups = ("catalog", "two mistakes", "off the catalog")
    print(f"{len(all_trials)} submissions x {len(seeds)} students' cases, {time.perf_counter() - start:.0f} s\n")
    print(
        "| exercise | " + " | ".join(f"{g}: named / described / wrong / unseen" for g in groups) + " | correct: wrong |"
    )
    print("|---|" + "---:|" * (len(groups) + 1))
    for exercise in FUNCTIONS:
        cells = [" / ".join(str(tally[g, exercise, o]) for o in (NAMED, OBSERVED, WRONG, UNSEEN)) for g in groups]
        print(f"| {exercise} | " + " | ".join(cells) + f" | {tally['correct', exercise, WRONG]} |")
    totals = Counter()
    for (group, _, outcome), count in tally.items():
        totals[group, outcome] += count
    cells = [" / ".join(str(totals[g, o]) for o in (NAMED, OBSERVED, WRONG, UNSEEN)) for g in groups]
    print("| **all** | " + " | ".join(cells) + f" | {totals['correct', WRONG]} |")
    print(f"\nwrong hints: {len(wrong)} (target 0)")
    for text in wrong:
        print(text)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
