"""The benchmark-style report on the hints (benchmarks/diagnosis_report.py) holds its target: every
catalog mistake, every two-mistake combination, the mistakes off the catalog and the correct
solutions (plain and noisy) get no wrong hint."""
from __future__ import annotations

import subprocess
import sys

import pytest
from support import REPOSITORY

from autograder.checking.mistakes import CATALOG

pytestmark = pytest.mark.slow


def test_no_submission_of_the_report_gets_a_wrong_hint() -> None:
    done = subprocess.run([sys.executable, str(REPOSITORY / "benchmarks" / "diagnosis_report.py"), "--students", "1"],
                          cwd=REPOSITORY, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0 and "wrong hints: 0 (target 0)" in done.stdout, done.stdout[-5000:] + done.stderr
    assert f"| **all** | {len(CATALOG)} / 0 / 0 / 0 |" in done.stdout       # every catalog mistake named
