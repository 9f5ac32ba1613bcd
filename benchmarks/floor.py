"""The floor any grader must pay: the student's own code, once, on every case the grader uses.

The answer key's loop version (`cnn_reference.loops`, the notebook's solutions: the code students
write) is called once on every case of every function exercise that `cnn-grade` grades a
submission on (its seeded and hidden cases, for that student's seed), in this one warm process:
no sandbox, no copies, no checks.  Grading overhead is measured against this.
"""
from __future__ import annotations

import time

import cnn_reference.loops
from autograder.assignment.cases import cases_for, seed_for
from autograder.assignment.exercises import FUNCTIONS


def floor(students: list[str]) -> tuple[float, dict[str, float]]:
    """(mean seconds per submission, mean seconds per exercise) of the loop answer key on the cases
    of each of `students`; every case is run once to warm up first."""
    cases = {student: {name: cases_for(name, seed_for(student)) for name in FUNCTIONS} for student in students}
    for case in cases[students[0]].values():
        for c in case:
            getattr(cnn_reference.loops, c.exercise)(*c.args, **c.kwargs)
    per_exercise = dict.fromkeys(FUNCTIONS, 0.0)
    for by_exercise in cases.values():
        for name, exercise_cases in by_exercise.items():
            function = getattr(cnn_reference.loops, name)
            start = time.perf_counter()
            for case in exercise_cases:
                function(*case.args, **case.kwargs)
            per_exercise[name] += time.perf_counter() - start
    per_exercise = {name: seconds / len(students) for name, seconds in per_exercise.items()}
    return sum(per_exercise.values()), per_exercise
