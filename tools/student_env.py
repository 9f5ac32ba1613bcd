"""The student's environment: a fresh virtual environment with only the release's requirements.txt.

Students install just what the release folder lists (numpy, matplotlib, JupyterLab, nbgrader for
Validate); the course's package, which holds the answer key and the hidden cases, is installed
only where the instructor grades.  `make lab-student` runs in such an environment (`.venv-student`,
created on first use and again when requirements.txt changes); the tests build theirs the same way.

    python -m tools.student_env [VENV]
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "cnn_step_by_step"
REQUIREMENTS = ROOT / "release" / ASSIGNMENT / "requirements.txt"
DEFAULT_VENV = ROOT / ".venv-student"
# Written last, holding the requirements it was built from: a half-built venv is never reused.
STAMP = ".installed"


def python_of(venv: Path) -> Path:
    return venv / "bin" / "python"


def _stamp_text(requirements: Path, extra: tuple[str, ...]) -> str:
    return requirements.read_text(encoding="utf-8") + "".join(f"{name}\n" for name in extra)


def create(venv: Path, requirements: Path = REQUIREMENTS, extra: tuple[str, ...] = ()) -> Path:
    """A new virtual environment at `venv` (emptied first) with `requirements` (and the `extra`
    requirements, e.g. JupyterHub's single-user server for a hub's students) installed from the
    package index, from the interpreter this one was made from (not from the instructor's venv)."""
    base = Path(sys.base_prefix) / "bin" / "python3"
    subprocess.run([str(base), "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([str(python_of(venv)), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    "-r", str(requirements), *extra], check=True)
    (venv / STAMP).write_text(_stamp_text(requirements, extra), encoding="utf-8")
    return python_of(venv)


def ensure(venv: Path = DEFAULT_VENV, requirements: Path = REQUIREMENTS, extra: tuple[str, ...] = ()) -> Path:
    """The python of the student environment at `venv`, created first if it is missing, half-built
    or built from other requirements."""
    stamp = venv / STAMP
    if stamp.is_file() and stamp.read_text(encoding="utf-8") == _stamp_text(requirements, extra):
        return python_of(venv)
    print(f"creating the student environment {venv} from {requirements} (once)", flush=True)
    return create(venv, requirements, extra)


if __name__ == "__main__":
    print(ensure(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_VENV))
