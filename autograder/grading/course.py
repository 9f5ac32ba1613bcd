"""Which assignment of an nbgrader course root to grade, and its notebook's name in the gradebook.

A course names its assignment as it likes (`hw3`, `week4_cnn`) and its notebook too, so neither is
taken from this package: the instructor's `--assignment` wins, then `CourseDirectory.assignment_id`
in the course's nbgrader_config.py, then the only folder under `source/`, then the only assignment
folder found under `submitted/<student>/` (a course copy holding only the collected submissions).
Several candidates at the first level that has any is an error that lists them.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..assignment.release import release
from ..errors import GraderError

CONFIG_FILE = "nbgrader_config.py"


@dataclass(frozen=True)
class CourseAssignment:
    name: str          # nbgrader's assignment name: the folder under source/, release/ and submitted/<student>/
    notebook: str      # the notebook's name in nbgrader's gradebook (the file stem in source/<name>/)


def _folders(parent: Path) -> set[str]:
    if not parent.is_dir():
        return set()
    return {p.name for p in parent.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))}


def configured_assignment(root: Path) -> str | None:
    """`c.CourseDirectory.assignment_id` of the course's nbgrader_config.py, if it sets one.

    The file is executed, as every nbgrader command executes it."""
    from traitlets.config.loader import ConfigFileNotFound, PyFileConfigLoader

    try:
        config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    except ConfigFileNotFound:
        return None
    except Exception as error:  # noqa: BLE001 - the instructor's file: say which and why
        raise GraderError(f"cannot read {root / CONFIG_FILE}: {type(error).__name__}: {error}") from None
    value = config.CourseDirectory.get("assignment_id")
    return value if isinstance(value, str) and value else None


def assignment_name(root: Path, requested: str | None = None) -> str:
    """The assignment of the course at `root` to grade (see the module's docstring for the order)."""
    if requested:
        return requested
    configured = configured_assignment(root)
    if configured:
        return configured
    submitted = set().union(*(_folders(s) for s in (root / "submitted").iterdir() if s.is_dir())) \
        if (root / "submitted").is_dir() else set()
    for where, names in (("source/", _folders(root / "source")), ("submitted/<student>/", submitted)):
        if len(names) == 1:
            return next(iter(names))
        if names:
            raise GraderError(f"the course {root} has several assignments in {where}: {', '.join(sorted(names))}; "
                              f"choose one with --assignment NAME")
    raise GraderError(f"the course {root} has no assignment (no folder under source/ or submitted/<student>/)")


def course_assignment(root: Path, requested: str | None = None) -> CourseAssignment:
    """The assignment to grade and the name nbgrader gave its notebook (`source/<name>/<notebook>.ipynb`
    when there is exactly one notebook there, else the released notebook's name)."""
    name = assignment_name(root, requested)
    notebooks = sorted((root / "source" / name).glob("*.ipynb"))
    return CourseAssignment(name, notebooks[0].stem if len(notebooks) == 1 else release().notebook)
