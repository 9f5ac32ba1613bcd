"""The environment nbgrader's tools need when they run from this package's venv."""
from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

SCRIPTS = Path(sys.executable).parent


def nbgrader_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """`base` (default: os.environ) with the venv's scripts first on PATH, as in an activated venv.

    nbgrader creates a gradebook by running `alembic` from PATH (generate_assignment, formgrader,
    the Gradebook API), so the venv's copy must be found even when the venv is not activated.
    """
    base = dict(os.environ if base is None else base)
    rest = [p for p in base.get("PATH", "").split(os.pathsep) if p and p != str(SCRIPTS)]
    return {**base, "PATH": os.pathsep.join([str(SCRIPTS), *rest])}
