"""`cnn-grade similarity`: the similarity report alone, straight from the submissions, no grading."""
from __future__ import annotations

from pathlib import Path

from ..assignment.release import release
from ..errors import GraderError
from ..results.host_steps import HostFailures
from ..results.reports.write import write_similarity
from ..results.similarity import DEFAULT_THRESHOLD, Similarity, compare
from .discover import discover, is_course_root
from .grade_class import course_of, written_cells


def similarity_report(paths: list[Path], out: Path, threshold: float = DEFAULT_THRESHOLD,
                      assignment: str | None = None) -> Similarity:
    """Compare the submissions under `paths` (folders, zips, files, course roots) and write
    `out`/similarity.html; an unreadable submission is left out, never stops the report."""
    course = course_of([p for p in paths if is_course_root(p)], assignment)
    submissions = discover(paths, course.name)
    # A submission that cannot be read is left out of the comparison (grading it says why).
    cells = written_cells(submissions, release().locked_test_cells, HostFailures())
    similarity = compare(cells, list(release().scaffold), threshold)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise GraderError(f"cannot create the output folder {out}: {error}") from None
    write_similarity(out, course.name, similarity)
    return similarity
