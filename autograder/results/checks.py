"""The checks of `cnn-grade serve`, kept in a SQL database: who, when, the bytes' hash, the resume key, the record.

A row is written when a check is accepted (status "running") and completed when its record is ready
("done"); a row still "running" when the service starts again belongs to a check the last service
never finished, and is marked "failed" saying so, so that no check is lost silently.  The database
is any SQLAlchemy URL (default: the course root's checks.sqlite), written only from the service's
event loop thread; `cnn-grade grade` reads it to reuse the record of a check made from the same
bytes, grader and limits (the same resume key).
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..errors import GraderError
from .record import SubmissionRecord

_METADATA = sa.MetaData()
_CHECKS = sa.Table(
    "checks", _METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("student", sa.String(200), nullable=False, index=True),
    sa.Column("created", sa.Float, nullable=False),
    sa.Column("finished", sa.Float),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("key", sa.String(64), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False),     # running | done | failed
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("record", sa.Text),                           # the SubmissionRecord's JSON once done
)
CHECKS_FILE = "checks.sqlite"     # in the course root, unless --db / --checks says otherwise
STOPPED = "the grading service stopped before this check finished: check again"


@dataclass(frozen=True)
class Check:
    id: int
    student: str
    created: float          # seconds since the epoch
    finished: float | None
    sha256: str
    key: str
    status: str
    message: str
    record: SubmissionRecord | None

    def summary(self, *, with_score: bool) -> dict[str, Any]:
        """A line of the history (GET api/checks)."""
        line: dict[str, Any] = {"id": self.id, "student": self.student, "created": iso(self.created),
                                "finished": iso(self.finished) if self.finished else None, "sha256": self.sha256,
                                "status": self.status}
        if with_score and self.record is not None:
            line["score"], line["max_score"] = self.record.score, self.record.max_score
        return line


def iso(seconds: float) -> str:
    """UTC, to the second, as the API shows times."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


class CheckStore:
    """The checks database."""

    def __init__(self, url: str) -> None:
        try:
            self._engine = sa.create_engine(url)
            _METADATA.create_all(self._engine)
        except (sa.exc.SQLAlchemyError, ValueError) as error:
            raise GraderError(f"cannot open the checks database {url}: {error}") from None

    def recover(self) -> int:
        """Mark the checks a previous service left running as failed; returns how many."""
        with self._engine.begin() as db:
            result = db.execute(sa.update(_CHECKS).where(_CHECKS.c.status == "running")
                                .values(status="failed", message=STOPPED, finished=time.time()))
            return int(result.rowcount or 0)

    def start(self, student: str, sha256: str, key: str) -> int:
        with self._engine.begin() as db:
            result = db.execute(sa.insert(_CHECKS).values(student=student, created=time.time(), sha256=sha256,
                                                          key=key, status="running", message=""))
            inserted = result.inserted_primary_key
            assert inserted is not None
            return int(inserted[0])

    def finish(self, check: int, record: SubmissionRecord) -> None:
        text = json.dumps(record.to_json(), allow_nan=False, ensure_ascii=False)
        with self._engine.begin() as db:
            db.execute(sa.update(_CHECKS).where(_CHECKS.c.id == check)
                       .values(status="done", finished=time.time(), record=text, message=record.message))

    def fail(self, check: int, message: str) -> None:
        with self._engine.begin() as db:
            db.execute(sa.update(_CHECKS).where(_CHECKS.c.id == check)
                       .values(status="failed", finished=time.time(), message=message))

    def get(self, check: int) -> Check | None:
        with self._engine.connect() as db:
            row = db.execute(sa.select(_CHECKS).where(_CHECKS.c.id == check)).first()
        return _check(row) if row is not None else None

    def history(self, student: str | None) -> list[Check]:
        """The checks of `student` (None: everyone's), newest first."""
        query = sa.select(_CHECKS).order_by(_CHECKS.c.id.desc())
        if student is not None:
            query = query.where(_CHECKS.c.student == student)
        with self._engine.connect() as db:
            return [_check(row) for row in db.execute(query)]

    def started_since(self, student: str, since: float) -> list[float]:
        """When `student`'s checks since `since` were accepted, oldest first (for the rate limit)."""
        with self._engine.connect() as db:
            rows = db.execute(sa.select(_CHECKS.c.created).where(_CHECKS.c.student == student)
                              .where(_CHECKS.c.created > since).order_by(_CHECKS.c.created))
            return [float(row[0]) for row in rows]

    def record_for(self, key: str) -> SubmissionRecord | None:
        """The newest finished check's record made with resume key `key`: what `cnn-grade grade` reuses."""
        query = sa.select(_CHECKS.c.record).where(_CHECKS.c.key == key).where(_CHECKS.c.status == "done") \
            .order_by(_CHECKS.c.id.desc()).limit(1)
        with self._engine.connect() as db:
            return _record(db.execute(query).scalar())

    def close(self) -> None:
        self._engine.dispose()


def _record(text: str | None) -> SubmissionRecord | None:
    try:
        return SubmissionRecord.from_json(json.loads(text)) if text else None
    except ValueError:
        return None


def _check(row: Any) -> Check:
    return Check(int(row.id), str(row.student), float(row.created), row.finished, str(row.sha256), str(row.key),
                 str(row.status), str(row.message or ""), _record(row.record))
