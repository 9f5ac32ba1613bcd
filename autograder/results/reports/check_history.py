"""What the class report shows of "Check my work": the checks per student, and how each exercise's
pass rate moved from the students' first check to their later ones.

The rates are taken over the students' n-th checks (n = 1, 2, ...), so a row compares like with
like: "of the students who checked a second time, how many passed zero_pad then".  Checks without
a record (failed: the service stopped, the grader broke) count as checks but have no rates.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ..checks import Check, iso


@dataclass(frozen=True)
class StudentChecks:
    student: str
    count: int
    first: str          # ISO-8601, UTC
    last: str


@dataclass(frozen=True)
class CheckRound:
    """The students' `number`-th checks: how many there are and, per exercise, the share that passed."""

    number: int
    checks: int
    pass_rates: dict[str, float]


@dataclass(frozen=True)
class CheckHistory:
    students: list[StudentChecks]
    rounds: list[CheckRound]
    exercises: list[str]

    @property
    def total(self) -> int:
        return sum(s.count for s in self.students)


def check_history(checks: list[Check], exercises: list[str]) -> CheckHistory:
    """`checks` in any order; `exercises` the columns of the rates (the assignment's exercises)."""
    by_student: dict[str, list[Check]] = defaultdict(list)
    for check in sorted(checks, key=lambda c: (c.created, c.id)):
        by_student[check.student].append(check)
    students = [StudentChecks(name, len(own), iso(own[0].created), iso(own[-1].created))
                for name, own in sorted(by_student.items())]
    rounds = []
    for number in range(1, max((len(own) for own in by_student.values()), default=0) + 1):
        nth = [own[number - 1] for own in by_student.values() if len(own) >= number]
        records = [c.record for c in nth if c.record is not None]
        rates = {name: sum(r.exercises[name].status == "passed" for r in records if name in r.exercises)
                 / len(records) for name in exercises} if records else {}
        rounds.append(CheckRound(number, len(nth), rates))
    return CheckHistory(students, rounds, exercises)
