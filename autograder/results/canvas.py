"""Scores → a file Canvas's gradebook import accepts, built from the instructor's own Canvas export.

Canvas (Grades > Import) reads the identity columns `Student, ID, SIS User ID, SIS Login ID,
Section`, in that order, then one column per assignment whose header is the assignment's existing
column (e.g. "CNN Step by Step (48213)": the number is Canvas's own id, so the header is copied
from the export, never made up), and a "Points Possible" row under the header.  Students are
matched on a roster column the instructor picks (SIS Login ID by default, or an email column)
with nbgrader's student ids.  A roster student without a submission gets an empty cell, which
Canvas leaves alone, not a 0; submissions without a roster row are returned for a warning.

The assignment goes into one column (required + extra: Points Possible is the required part, the
optional part is extra credit above it, as Canvas shows scores above Points Possible) or into
two, the required part and the extra credit, as the instructor chooses.
"""
from __future__ import annotations

import csv
import enum
import io
import re
from dataclasses import dataclass, field

from ..assignment.exercises import EXTRA_POINTS, REQUIRED_POINTS, required_and_extra
from ..errors import GraderError
from .record import SubmissionRecord
from .spreadsheet import csv_text, number

IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
# How Canvas's own export writes the row (the spaces included).
POINTS_POSSIBLE = "    Points Possible"
# Canvas names an assignment's column "<name> (<assignment id>)".
_ASSIGNMENT_COLUMN = re.compile(r"\(\d+\)\s*$")


class Part(enum.StrEnum):
    TOTAL = "total"           # required + extra
    REQUIRED = "required"
    EXTRA = "extra"


POINTS = {Part.TOTAL: REQUIRED_POINTS, Part.REQUIRED: REQUIRED_POINTS, Part.EXTRA: EXTRA_POINTS}


@dataclass(frozen=True)
class CanvasImport:
    text: str                      # the CSV to import into Canvas
    without_submission: list[str]  # roster students (their match value) whose cell is left empty
    not_in_roster: list[str]       # nbgrader student ids with no roster row: not in the file
    points_differ: dict[str, tuple[str, float]]   # column -> (its Points Possible in Canvas, ours) where they differ
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # roster value -> the ids it could mean: left empty


@dataclass(frozen=True)
class Roster:
    header: list[str]
    students: list[dict[str, str]]
    points: dict[str, str]         # the export's Points Possible row, by column


def read_roster(text: str) -> Roster:
    """A Canvas gradebook export: its header, its student rows and its Points Possible row."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise GraderError("the roster is empty: export the gradebook from Canvas (Grades > Export)")
    header = [h.strip() for h in rows[0]]
    missing = [column for column in IDENTITY if column not in header]
    if missing:
        raise GraderError(f"the roster has no column {', '.join(missing)}: use Canvas's gradebook export, "
                          f"whose first columns are {', '.join(IDENTITY)}")
    records = [dict(zip(header, (cell.strip() for cell in row))) for row in rows[1:]]
    points = next((r for r in records if r.get("Student") == POINTS_POSSIBLE.strip()), {})
    # Canvas puts rows that are not students (Points Possible, posting policies) without an ID.
    students = [r for r in records if r.get("ID") and r is not points]
    return Roster(header, students, points)


def assignment_columns(roster: Roster) -> list[str]:
    return [column for column in roster.header if _ASSIGNMENT_COLUMN.search(column)]


def _squeezed(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def default_column(roster: Roster, assignment: str) -> str:
    """The roster's assignment column whose name contains `assignment` (spaces, case and _ aside)."""
    found = [c for c in assignment_columns(roster) if _squeezed(assignment) in _squeezed(_ASSIGNMENT_COLUMN.sub("", c))]
    if len(found) != 1:
        raise GraderError(f"{'several' if found else 'no'} Canvas assignment column(s) match {assignment!r}; name one "
                          f"with --column: {', '.join(assignment_columns(roster)) or '(the roster has none)'}")
    return found[0]


def _student_keys(value: str) -> set[str]:
    """What a roster value matches: itself, and for an email its part before the @, case aside."""
    value = value.strip().casefold()
    return {value, value.split("@", 1)[0]} if "@" in value else {value}


def canvas_import(records: list[SubmissionRecord], roster: Roster, columns: dict[str, Part],
                  match: str = "SIS Login ID") -> CanvasImport:
    """The Canvas import of `records`: `columns` maps each roster column to fill to its part."""
    unknown = [c for c in columns if c not in roster.header]
    if unknown:
        raise GraderError(f"the roster has no column {', '.join(map(repr, unknown))}; its assignment columns are: "
                          f"{', '.join(assignment_columns(roster)) or '(none)'}")
    if match not in roster.header:
        raise GraderError(f"the roster has no column {match!r} to match students on; "
                          f"it has: {', '.join(roster.header)}")
    # Ids that differ only in case ("Alice", "alice") are kept apart: each key lists all it could mean.
    by_id: dict[str, list[SubmissionRecord]] = {}
    for r in records:
        by_id.setdefault(r.student.casefold(), []).append(r)
    rows: list[list[str]] = [[*IDENTITY, *columns],
                             [POINTS_POSSIBLE, *[""] * (len(IDENTITY) - 1),
                              *(number(POINTS[p]) for p in columns.values())]]
    matched: set[str] = set()
    without = []
    ambiguous: dict[str, list[str]] = {}
    for student in roster.students:
        value = student.get(match, "")
        found = {r.student: r for key in _student_keys(value) for r in by_id.get(key, ())}
        if len(found) > 1 or found.keys() & matched:
            # Which of them this row means is for the instructor to say: no one gets another's grade.
            ambiguous[value] = sorted(found)
            record = None
        else:
            record = next(iter(found.values()), None)
            if record is None:
                without.append(value or student.get("Student", ""))
            else:
                matched.add(record.student)
        rows.append([*(student.get(c, "") for c in IDENTITY),
                     *(_score(record, part) if record else "" for part in columns.values())])
    differ = {c: (roster.points[c], POINTS[p]) for c, p in columns.items()
              if roster.points.get(c) and _differs(roster.points[c], POINTS[p])}
    unmatched = {r.student for r in records} - matched - {s for ids in ambiguous.values() for s in ids}
    return CanvasImport(csv_text(rows), without, sorted(unmatched), differ, ambiguous)


def _score(record: SubmissionRecord, part: Part) -> str:
    required, extra = required_and_extra({name: e.score for name, e in record.exercises.items()})
    return number({Part.TOTAL: required + extra, Part.REQUIRED: required, Part.EXTRA: extra}[part])


def _differs(text: str, points: float) -> bool:
    try:
        return float(text) != points
    except ValueError:
        return True
