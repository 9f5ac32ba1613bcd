"""Grade on a Dask cluster: one task per submission, graded on a worker, its record sent back.

`cnn-grade grade ... --scheduler tcp://HOST:PORT` connects to a running Dask scheduler;
`--scheduler local[:N]` starts a LocalCluster of N worker processes on this machine.  Dask is an
optional extra (`pip install '.[dask]'`): it is imported here, and only when a scheduler is given.

A task carries the submission's bytes (workers need no shared file system) and calls the same
`grade_submission` as the local pool, so the sandbox, limits and checks are the same.  It returns
the plain record only.  Workers write nothing: the client hands every record to the batch, which
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
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Iterable, Iterator

from .errors import GraderError
from .pipeline import GradeOptions, _check_api, _exercises_all, _record


def crashed_record(student, filename, message, sandbox):  # TEMP until pipeline has it
    return _record(student, filename, "crashed", message,
                   _exercises_all(lambda n: _check_api().error_result(n, message)), {"sandbox": sandbox})

# Workers that may die under one task before it is recorded as crashed (the scheduler's
# `allowed-failures`; a remote scheduler keeps its own setting).
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
def connect(scheduler: Scheduler, connect_seconds: float = CONNECT_SECONDS) -> Iterator[Any]:
    """A `distributed.Client` on the scheduler, closed on exit (with the local cluster it started)."""
    distributed = import_distributed()
    import dask

    settings = {
        "distributed.scheduler.allowed-failures": WORKER_DEATHS_ALLOWED,
        # A grading task takes seconds: give each worker thread one task at a time, so that a
        # worker that dies takes only the submission it was grading with it.
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(settings), contextlib.ExitStack() as stack:
        target: Any = scheduler.address
        if scheduler.local_workers:
            # One thread per worker process: the sandbox child does the work, and a worker that
            # dies (the case Dask retries) takes one submission with it.
            target = stack.enter_context(distributed.LocalCluster(
                n_workers=scheduler.local_workers, threads_per_worker=1, processes=True,
                host="127.0.0.1", dashboard_address=None))
        try:
            client = stack.enter_context(distributed.Client(target, timeout=connect_seconds))
        except OSError as error:
            raise SchedulerError(f"cannot reach {scheduler.describe()}: {error}") from error
        yield client


class ClusterTask:
    """One submission's grading on the cluster, future-like for the batch: `result()` is its record.

    The Dask future exists from `start` (called by `ClusterPool.as_completed`) until the record
    has reached the client.
    """

    def __init__(self, fn: Callable, data: bytes, filename: str, student: str, options: GradeOptions) -> None:
        self.fn, self.args = fn, (data, filename, student, options)
        self.future: Any = None
        self.record: dict[str, Any] | None = None

    def start(self, client: Any) -> Any:
        # pure=False: two identical submissions are still two tasks (their students differ anyway).
        self.future = client.submit(self.fn, *self.args, pure=False, retries=TASK_RETRIES)
        return self.future

    def finish(self, outcome: Any) -> None:
        """Keep the record, or the crashed record of a task the cluster gave up on; free the future."""
        distributed = import_distributed()
        data, filename, student, options = self.args
        if self.future.status == "finished":
            self.record = outcome
        elif isinstance(outcome, BaseException):
            self.record = crashed_record(student, filename, _crash_message(outcome, distributed),
                                         sandbox=options.sandbox)
        else:  # raise_errors=False hands over (type, exception, traceback)
            self.record = crashed_record(student, filename, _crash_message(outcome[1], distributed),
                                         sandbox=options.sandbox)
        self.future.release()
        self.future, self.args = None, ()

    def result(self) -> dict[str, Any]:
        assert self.record is not None, "result() before the task completed"
        return self.record


def _crash_message(error: BaseException, distributed: ModuleType) -> str:
    if isinstance(error, distributed.KilledWorker):
        return (f"the Dask workers grading this submission died {error.allowed_failures + 1} time(s) "
                f"(killed or out of memory; last one: {error.last_worker.address}); re-run to try again")
    return f"grading failed on the Dask worker: {type(error).__name__}: {error}; re-run to try again"


class ClusterPool:
    """The batch's pool on a Dask client (see autograder.grading.batch).

    `submit` only queues; `as_completed` sends the tasks to the cluster a window at a time (twice
    the cluster's worker threads, so that every worker always has its next submission while the
    scheduler never holds the bytes of a whole cohort) and yields each once its record is here.
    """

    def __init__(self, client: Any) -> None:
        self.client = client

    def submit(self, fn: Callable, data: bytes, filename: str, student: str, options: GradeOptions) -> ClusterTask:
        return ClusterTask(fn, data, filename, student, options)

    def window(self) -> int:
        # scheduler_info() is the client's cached view, refreshed in the background: cheap to ask
        # again, and it sees workers that join an adaptive cluster later.
        workers = self.client.scheduler_info(n_workers=-1)["workers"].values()
        return max(2, 2 * sum(w["nthreads"] for w in workers))

    def as_completed(self, tasks: Iterable[ClusterTask]) -> Iterator[ClusterTask]:
        distributed = import_distributed()
        waiting = deque(tasks)
        running: dict[Any, ClusterTask] = {}
        # with_results: a record is fetched as soon as it exists, so a worker dying afterwards
        # cannot take it along; raise_errors=False: a failed task becomes a crashed record.
        completed = distributed.as_completed(loop=self.client.loop, with_results=True, raise_errors=False)

        def feed() -> None:
            limit = self.window()
            while waiting and len(running) < limit:
                task = waiting.popleft()
                running[task.start(self.client)] = task
                completed.add(task.future)

        feed()
        for future, outcome in completed:
            task = running.pop(future)
            task.finish(outcome)
            feed()
            yield task


@contextlib.contextmanager
def cluster_pool(scheduler: str | Scheduler) -> Iterator[ClusterPool]:
    """A ClusterPool on `--scheduler`'s cluster, for grade_class(pool=..., as_completed=pool.as_completed)."""
    if isinstance(scheduler, str):
        scheduler = parse_scheduler(scheduler)
    with connect(scheduler) as client:
        yield ClusterPool(client)
