"""The answer key on every seeded case, printed beside the published numbers."""
from __future__ import annotations

import numpy as np

import cnn_reference
from .cases.seeded import all_seeded_cases


def seeded_table() -> list[tuple[str, str, str, str, str, bool]]:
    """Rows (exercise, case, what, published, ours, match) for both implementations at once."""
    rows = []
    for case in all_seeded_cases():
        outputs = [getattr(impl, case.exercise)(*case.args, **case.kwargs)
                   for impl in (cnn_reference.loops, cnn_reference.vectorized)]
        for published in case.published:
            ours = np.round(np.ravel(np.asarray(published.select(outputs[0]), dtype=float)), 12)
            ok = all(published.matches(out) for out in outputs)
            rows.append((case.exercise, case.label, published.what, published.printed,
                         np.array2string(ours, precision=11, separator=", "), ok))
    return rows


def print_seeded_table() -> bool:
    rows = seeded_table()
    for exercise, label, what, printed, ours, ok in rows:
        print(f"{'ok  ' if ok else 'FAIL'} {exercise}  [{label}]  {what}\n"
              f"     published: {printed}\n     answer key: {ours}")
    print(f"{sum(r[-1] for r in rows)}/{len(rows)} published outputs reproduced (loop and vectorized versions)")
    return all(r[-1] for r in rows)
