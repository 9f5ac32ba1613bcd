"""Fair grades, read from the records of real submissions graded in the real sandbox: a helper's
mistake is charged to the helper alone, whatever it does inside the exercise that calls it (exit the
process, be slow at scale, raise), and the note about the helpers says only what is true.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from support import SOLUTIONS, course_of

from autograder.grading.grade_class import grade_class

pytestmark = pytest.mark.slow


def _graded(tmp_path: Path, *cells: str, timeout: float = 5) -> dict:
    """One student's record: the notebook's solutions, then `cells` (later definitions win)."""
    course = course_of(tmp_path / "course", {"sam": [SOLUTIONS, *cells]})
    run = grade_class([course], tmp_path / "graded", jobs=1, gradebook="", timeout=timeout)
    return run.results["submissions"][0]["exercises"]


def test_a_helper_that_exits_the_process_costs_only_its_own_exercise(tmp_path: Path) -> None:
    # Called by pool_backward on every window: the process ends before any outcome is sent.
    exits = "import os\ndef create_mask_from_window(x):\n    os._exit(0)\n"
    exercises = _graded(tmp_path, exits)
    assert exercises["create_mask_from_window"]["score"] == 0
    assert exercises["pool_backward"]["score"] == 3 and exercises["pool_backward"]["status"] == "passed"
    assert "graded with the answer key's create_mask_from_window" in exercises["pool_backward"]["feedback"]


def test_a_helper_slow_only_at_scale_costs_nothing_elsewhere(tmp_path: Path) -> None:
    # Right, and fast on its own cases (at most 3 examples), but slow on conv_forward's seeded batch of 10:
    # conv_forward and conv_backward run out of time with it, and not with the answer key's.
    slow = ("import time\n_zero_pad = zero_pad\ndef zero_pad(X, pad):\n"
            "    if X.shape[0] >= 10:\n        time.sleep(30)\n    return _zero_pad(X, pad)\n")
    exercises = _graded(tmp_path, slow, timeout=3)
    assert exercises["zero_pad"]["status"] == "passed"
    for name in ("conv_forward", "conv_backward"):
        assert exercises[name]["status"] == "passed", exercises[name]["feedback"]
        assert "graded with the answer key's zero_pad" in exercises[name]["feedback"]


def test_the_helper_note_says_only_what_the_second_run_showed(tmp_path: Path) -> None:
    # Two mistakes: float(b) in conv_single_step (it raises on NumPy >= 2.4) and the stride ignored in
    # conv_forward.  With the answer key's conv_single_step, conv_forward is still wrong on every
    # stride >= 2 case: it must not be called right, and the stride must still be pointed at.
    float_b = SOLUTIONS.split("def conv_single_step", 1)[1].split("\ndef ", 1)[0]
    float_b = "def conv_single_step" + float_b.replace("Z = Z + b.item()", "Z = Z + float(b)")
    stride = SOLUTIONS.split("def conv_forward", 1)[1].split("\ndef ", 1)[0]
    stride = "def conv_forward" + stride.replace("vert_start = h * stride", "vert_start = h").replace(
        "horiz_start = w * stride", "horiz_start = w")
    exercises = _graded(tmp_path, "import numpy as np\n" + float_b, "import numpy as np\n" + stride)
    conv = exercises["conv_forward"]
    assert 0 < conv["score"] < 4 and conv["status"] == "failed"
    assert "right with the answer key" not in conv["feedback"]
    assert "graded with the answer key's conv_single_step" in conv["feedback"]
    assert "zero_pad" not in conv["feedback"].split("With your own")[0]       # the helper that fails is named
    assert "Look at how the stride enters your indices." in conv["feedback"]
