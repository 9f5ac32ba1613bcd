"""Loss-free results: one record file per submission, written atomically, and results.json built from them.

DIR/records/<student>.json holds a submission's record and the key of what produced it
(details.key: see grading.options).  An interrupted run leaves only whole
records behind (temp file + os.replace), so a re-run grades exactly the missing or stale ones.
"""
from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from ..assignment.exercises import EXERCISES
from ..errors import GraderError
from .record import SubmissionRecord

RESULTS_VERSION = 2
# JSON escapes C0 controls (ESC among them) but not DEL, the C1 controls (U+009B is an 8-bit CSI, U+009D
# an OSC: escape sequences to a terminal that takes them) or the bidi and line-separator controls:
# written raw, a student's message would act on the terminal of an instructor who cats the file.
_UNSHOWN = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def write_text_atomic(text: str, path: Path) -> None:
    """Write `path` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(data: Any, path: Path) -> None:
    """Strict JSON in UTF-8: a NaN or a string that is not valid text raises instead of being written."""
    text = json.dumps(data, indent=1, allow_nan=False, ensure_ascii=False)
    # Only strings can hold these characters, where \uXXXX is the same character to a JSON reader.
    write_text_atomic(_UNSHOWN.sub(lambda match: f"\\u{ord(match.group()):04x}", text), path)


def records_dir(out: Path) -> Path:
    return out / "records"


def record_path(out: Path, student: str) -> Path:
    return records_dir(out) / f"{student}.json"


def read_record(out: Path, student: str) -> SubmissionRecord | None:
    try:
        return SubmissionRecord.from_json(json.loads(record_path(out, student).read_text(encoding="utf-8")))
    except (OSError, ValueError):
        return None


def is_current(out: Path, student: str, key: str) -> bool:
    """True when the stored record was made from exactly what grading it now would use."""
    record = read_record(out, student)
    return record is not None and record.details.key == key


def write_record(out: Path, record: SubmissionRecord) -> None:
    write_json_atomic(record.to_json(), record_path(out, record.student))


def all_records(out: Path) -> list[SubmissionRecord]:
    """Every whole record in DIR/records, sorted by student (temp files of a killed run are ignored)."""
    records = []
    for path in sorted(records_dir(out).glob("*.json")):
        try:
            records.append(SubmissionRecord.from_json(json.loads(path.read_text(encoding="utf-8"))))
        except ValueError:
            continue
    return sorted(records, key=lambda r: r.student)


def read_results(out: Path) -> tuple[str, list[SubmissionRecord]]:
    """The assignment and the records of DIR/results.json, as `cnn-grade grade --out DIR` wrote it."""
    try:
        document = json.loads((out / "results.json").read_text(encoding="utf-8"))
        return str(document["assignment"]), [SubmissionRecord.from_json(r) for r in document["submissions"]]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise GraderError(f"cannot read {out / 'results.json'} ({error}): "
                          f"run `cnn-grade grade ... --out {out}` first") from None


def results(records: list[SubmissionRecord], assignment: str, fingerprint: str,
            sandbox_warning: str = "", host_failures: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """The results.json document (its schema: results.record); a submission a host-side step failed
    for says which and why in its "host_failures" (step -> reason; results.host_steps)."""
    submissions = []
    for record in records:
        entry = record.to_json()
        if host_failures and host_failures.get(record.student):
            entry["host_failures"] = dict(host_failures[record.student])
        submissions.append(entry)
    return {"version": RESULTS_VERSION, "fingerprint": fingerprint, "assignment": assignment,
            "exercises": {n: {"points": e.points, "optional": e.optional} for n, e in EXERCISES.items()},
            "sandbox_warning": sandbox_warning, "submissions": submissions}
