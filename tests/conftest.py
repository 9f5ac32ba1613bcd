"""pytest set-up shared by every test: the checkout's `tools` (demo, reference and expected builders)
and `tests/support.py` are importable; helpers live in support.py.  One fixture is shared by the
session: the student environment, a fresh virtual environment built once from the release's
requirements.txt (what students install), used by the student-side tests and the browser's
student view."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
for folder in (REPOSITORY, REPOSITORY / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))


@pytest.fixture(scope="session")
def student_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh student environment (tools.student_env: only the release's requirements)."""
    from tools import student_env

    return student_env.create(tmp_path_factory.mktemp("student-env") / "venv")
