"""Grade on a Dask cluster: one task per submission, graded on a worker, its record sent back.

`cnn-grade grade ... --scheduler tcp://HOST:PORT` connects to a running Dask scheduler;
`--scheduler local[:N]` starts a LocalCluster of N worker processes on this machine.  Dask is an
optional extra (`pip install '.[dask]'`): it is imported here, and only when a scheduler is given.

A task carries the submission's bytes (workers need no shared file system) and calls the same
`grade_submission` as the local engine, so the sandbox, limits and checks are the same.  It returns
the record only.  Workers write nothing: the client hands every record to the batch, which
writes it atomically, so a re-run after an interruption grades only what is missing.

A worker that dies mid-task (killed, out of memory) is Dask's business: the scheduler re-runs the
task elsewhere until `allowed-failures` workers have died on it, then the task fails with
`KilledWorker` and the submission is recorded as crashed.  One future per submission and one
write per future: a retried task can neither lose nor duplicate a result.
"""
from __future__ import annotations

import contextlib
import os
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..errors import GraderError
from ..results.record import Details, SubmissionRecord, crashed_record
from .engines import Task
from .fingerprint import grader_fingerprint
from .options import GradeOptions
from .pipeline import grade_submission

# Worker deaths a task survives, re-run elsewhere each time; at the next one the submission is
# recorded as crashed (the scheduler's `allowed-failures`; a remote scheduler keeps its own).
WORKER_DEATHS_ALLOWED = 2
# Re-runs of a task that raised on the worker (grade_submission never raises, so this covers a
# broken worker: a missing package, a full disk).
TASK_RETRIES = 1
CONNECT_SECONDS = 30.0
_LOCAL = re.compile(r"local(?::(\d+))?")
_ADDRESS = re.compile(r"(tcp|tls|ucx|inproc)://\S+")


class SchedulerError(GraderError):
    """A --scheduler value that names no cluster, or a cluster that cannot be reached."""


@dataclass(frozen=True)
class Scheduler:
    """Where to grade: a running scheduler's address, or the size of a cluster on this machine.

    Exactly one of `address` ("tcp://host:8786") and `local_workers` (worker processes) is set.
    """

    address: str | None = None
    local_workers: int | None = None

    def describe(self) -> str:
        if self.address:
            return f"the Dask scheduler at {self.address}"
        return f"a local Dask cluster of {self.local_workers} worker processes"


def parse_scheduler(text: str) -> Scheduler:
    """'tcp://HOST:PORT' → a remote scheduler; 'local' / 'local:N' → N local workers (default: CPUs)."""
    text = text.strip()
    local = _LOCAL.fullmatch(text)
    if local:
        workers = int(local.group(1)) if local.group(1) else (os.cpu_count() or 1)
        if workers < 1:
            raise SchedulerError(f"--scheduler {text}: a local cluster needs at least 1 worker")
        return Scheduler(local_workers=workers)
    if _ADDRESS.fullmatch(text):
        return Scheduler(address=text)
    raise SchedulerError(f"--scheduler {text!r}: expected tcp://HOST:PORT (a running `dask scheduler`), "
                         "local (one worker per CPU) or local:N")


def import_distributed() -> ModuleType:
    """The `distributed` package, or a clear error naming the extra to install."""
    try:
        import distributed
    except ImportError as error:
        raise SchedulerError("--scheduler needs Dask, an optional extra: pip install 'cnn-step-by-step[dask]' "
                             f"(or pip install 'dask[distributed]'); import failed: {error}") from error
    return distributed


@contextlib.contextmanager
def connect(scheduler: Scheduler, *, connect_seconds: float = CONNECT_SECONDS) -> Iterator[Any]:
    """A `distributed.Client` on the scheduler, closed on exit (with the local cluster it started).

    A local cluster's scheduler gives up on a task after WORKER_DEATHS_ALLOWED deaths; a remote
    one has its own `allowed-failures` (DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES where it starts).
    """
    distributed = import_distributed()
    import dask

    settings = {"distributed.scheduler.allowed-failures": WORKER_DEATHS_ALLOWED}
    with dask.config.set(settings), contextlib.ExitStack() as stack:
        target: Any = scheduler.address
        if scheduler.local_workers:
            # One thread per worker process: the sandbox child does the work, and a worker that
            # dies takes one submission with it.
            target = stack.enter_context(distributed.LocalCluster(
                n_workers=scheduler.local_workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None,
                # No dashboard, and the scheduler's small HTTP server on a free port rather than
                # 8787, which another cluster on this machine may hold.
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}))
        try:
            client = stack.enter_context(distributed.Client(target, timeout=connect_seconds))
        except OSError as error:
            raise SchedulerError(f"cannot reach {scheduler.describe()}: {error}") from error
        _check_workers(client)
        yield client


def _check_workers(client: Any) -> None:
    """Fail before grading, not submission by submission, when workers run another grader (or none)."""
    try:
        found = client.run(grader_fingerprint)
    except Exception as error:  # a worker without the package fails to unpickle the call
        raise SchedulerError(f"the Dask workers cannot run the grader ({type(error).__name__}: {error}); "
                             "install the same cnn-step-by-step version on every worker") from error
    mine = grader_fingerprint()
    odd = {worker: theirs[:12] for worker, theirs in found.items() if theirs != mine}
    if odd:
        raise SchedulerError(f"these Dask workers run another grader (fingerprints) than this client "
                             f"({mine[:12]}): {odd}")


def _crash_message(error: BaseException) -> str:
    if isinstance(error, import_distributed().KilledWorker):
        return (f"the Dask workers grading this submission died {error.allowed_failures + 1} time(s) "
                f"(killed or out of memory; last one: {error.last_worker.address}); re-run to try again")
    return f"grading failed on the Dask worker: {type(error).__name__}: {error}; re-run to try again"


class DaskEngine:
    """The batch's engine on a Dask client: one task per submission, graded on a worker
    (in a fresh sandbox each), its record sent back.

    It keeps one task per worker thread on the cluster and yields each once its record is here:
    one per thread, because a worker that dies counts against every task it holds (Dask cannot
    tell which one was running), and so that the scheduler never holds the bytes of a whole
    cohort; the cost is one round trip between two submissions on a worker, against seconds of
    grading.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    def window(self) -> int:
        # Asked again after every record (one small round trip per submission), so that workers
        # joining an adaptive cluster later get work too.
        threads: int = sum(self.client.nthreads().values())
        return max(1, threads)

    def grade(self, tasks: list[Task], options: GradeOptions) -> Iterator[tuple[Task, SubmissionRecord]]:
        distributed = import_distributed()
        waiting = deque(tasks)
        running: dict[Any, Task] = {}
        # with_results: a record is fetched as soon as it exists, so a worker dying afterwards
        # cannot take it along; raise_errors=False: a failed task becomes a crashed record.
        completed = distributed.as_completed(loop=self.client.loop, with_results=True, raise_errors=False)

        def feed() -> None:
            limit = self.window()
            while waiting and len(running) < limit:
                task = waiting.popleft()
                # pure=False: two identical submissions are still two tasks (their students differ anyway).
                future = self.client.submit(grade_submission, task.submission, task.data, options,
                                            pure=False, retries=TASK_RETRIES)
                running[future] = task
                completed.add(future)

        feed()
        for future, outcome in completed:
            task = running.pop(future)
            record = self._record(future, task, outcome, options)
            future.release()
            feed()
            yield task, record

    @staticmethod
    def _record(future: Any, task: Task, outcome: Any, options: GradeOptions) -> SubmissionRecord:
        """The task's record, or the crashed record of a task the cluster gave up on."""
        if future.status == "cancelled":
            # The client lost the scheduler: the grader, not this submission, failed.
            raise SchedulerError(f"lost the Dask cluster ({outcome}); finished submissions are saved, "
                                 "re-run to grade the rest")
        if future.status == "finished":
            record: SubmissionRecord = outcome
            return record
        # raise_errors=False hands over (type, exception, traceback); no key: graded again next run.
        return crashed_record(task.submission.student, task.submission.path, _crash_message(outcome[1]),
                              Details(sandbox=options.sandbox))


@contextlib.contextmanager
def dask_engine(scheduler: str | Scheduler) -> Iterator[DaskEngine]:
    """A DaskEngine on `--scheduler`'s cluster, for grade_class(engine=...)."""
    if isinstance(scheduler, str):
        scheduler = parse_scheduler(scheduler)
    with connect(scheduler) as client:
        yield DaskEngine(client)
