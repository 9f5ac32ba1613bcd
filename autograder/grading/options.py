"""What decides a submission's result besides its bytes, and the resume key derived from all of it."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field

from ..sandbox.limits import Limits


@dataclass(frozen=True)
class GradeOptions:
    """Everything besides the submission's bytes that its record depends on."""

    sandbox: str = "bwrap"                       # already resolved: "bwrap" | "rlimit"
    cgroups: bool = True                         # memory and processes limited per submission (sandbox.cgroups)
    limits: Limits = field(default_factory=Limits)
    drop_cells: frozenset[str] = frozenset()     # the release's locked test cells
    fingerprint: str = ""                        # grading.fingerprint.grader_fingerprint(): code and data
    cases: str = ""                              # assignment.cases.generator_digest(): the cases' generator

    def key(self, data: bytes, student: str) -> str:
        """Hash of the submission and of everything else its result depends on: the grader's code
        and data (checks, catalog, answer key, expected outputs), the cases' generator (and so, with
        the student id, this student's cases), the dropped cells, the limits and the sandbox kind.
        A stored record with another key is regraded."""
        digest = hashlib.sha256(data)
        digest.update(json.dumps([self.fingerprint, self.sandbox, self.cgroups, asdict(self.limits),
                                  sorted(self.drop_cells), self.cases, student]).encode())
        return digest.hexdigest()
