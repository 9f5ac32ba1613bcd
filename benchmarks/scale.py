"""Similarity at cohort scale: synthetic classes of independently written submissions
(tools/solution_variants.py) with copy rings planted (one submission copied to three others, renamed,
independent lines reordered), at 1,000 / 5,000 / 10,000.  Each size runs in its own process (peak RSS);
prints time, peak memory, the fitted exponent, the background's flagged share and the rings found."""
from __future__ import annotations

import json
import math
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 5_000, 10_000)


def one(students: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from autograder.assignment.release import release
    from autograder.results.similarity import compare
    from tools.solution_variants import synthetic_class

    cells, rings = synthetic_class(students, rings=10)
    start = time.perf_counter()
    similarity = compare(cells, list(release().scaffold))
    seconds = time.perf_counter() - start
    ringed = set().union(*rings)
    background = [p for p in similarity.pairs if not (p.first in ringed and p.second in ringed)]
    groups = [set(g.students) for g in similarity.groups]
    return {"seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "flagged_share": len(background) / (students * (students - 1) / 2),
            "rings_exact": sum(r in groups for r in rings),
            "rings_touched": sum(any(r & g for g in groups) for r in rings),
            "rings": len(rings)}


def fingerprinting(students: int = 300) -> None:
    """Per submission, side by side: copydetect's tokenizer and fingerprints against ours."""
    sys.path.insert(0, str(ROOT))
    from copydetect.utils import filter_code, get_document_fingerprints

    from autograder.results.similarity import written_code
    from autograder.results.similarity.fingerprints import WINDOW, K, fingerprints, normal_text
    from tools.solution_variants import synthetic_class

    codes = [written_code(c) for c in synthetic_class(students, rings=0)[0].values()]
    start = time.perf_counter()
    for code in codes:
        get_document_fingerprints(filter_code(code, "x.py", "python")[0], K, WINDOW)
    theirs = (time.perf_counter() - start) / len(codes)
    start = time.perf_counter()
    for code in codes:
        fingerprints(normal_text(code))
    ours = (time.perf_counter() - start) / len(codes)
    print(f"fingerprinting one submission: copydetect {1000 * theirs:.1f} ms, ours {1000 * ours:.1f} ms "
          f"({theirs / ours:.0f}x)")


def main() -> None:
    fingerprinting()
    rows = {}
    for students in SIZES:
        out = subprocess.run([sys.executable, __file__, str(students)], capture_output=True, text=True, check=True)
        rows[students] = json.loads(out.stdout)
        r = rows[students]
        print(f"{students:>6} submissions: {r['seconds']:6.1f} s, peak {r['peak_mb']:6.0f} MB, background flagged "
              f"{100 * r['flagged_share']:.4f}% of pairs, rings found whole {r['rings_exact']}/{r['rings']} "
              f"(a member flagged: {r['rings_touched']}/{r['rings']})")
    first, last = SIZES[0], SIZES[-1]
    exponent = math.log(rows[last]["seconds"] / rows[first]["seconds"]) / math.log(last / first)
    print(f"fitted exponent {first}..{last}: {exponent:.2f}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        print(json.dumps(one(int(sys.argv[1]))))
    else:
        main()
