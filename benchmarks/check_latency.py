""""Check my work" latency over the real HTTP path: `cnn-grade serve --tokens` in its own process,
clients posting the solved notebook as students would.

Three loads, in one run: one warm check alone (target <= 0.5 s from request to answer), N students
each checking once at random moments within a window (default 200 in 60 s: target p95 <= 3 s,
nothing lost), and a burst beyond capacity (every request answered; those beyond slots + queue
with 503 at once).  Side by side, the same bytes graded by an in-process warm `Grader`: the ratio
is what the HTTP path, the checks database and the queue add.

    .venv/bin/python benchmarks/check_latency.py [--students 200] [--window 60] [--slots CORES]
"""
from __future__ import annotations

import argparse
import functools
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPOSITORY))
sys.path.insert(0, str(REPOSITORY / "tests"))

from support import FIGURE_CELL, SOLUTIONS, notebook  # noqa: E402 - after the path is set

from autograder.grading.grader import Grader  # noqa: E402

SOLVED = notebook(SOLUTIONS, FIGURE_CELL)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Service:
    """A `cnn-grade serve` process for `students` students (tokens s0000.., one each)."""

    def __init__(self, root: Path, students: int, *options: str) -> None:
        self.port = _free_port()
        self.tokens = {f"s{i:04d}": f"token-of-student-{i:08d}" for i in range(students)}
        root.mkdir(parents=True)
        (root / "tokens.csv").write_text("student,token\n" + "".join(f"{s},{t}\n" for s, t in self.tokens.items()))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "autograder", "serve", "--root", str(root), "--tokens", str(root / "tokens.csv"),
             "--port", str(self.port), "--rate", "1000/hour", *options],
            cwd=REPOSITORY, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise SystemExit("the service did not start") from None
                time.sleep(0.2)

    def check(self, student: str) -> tuple[int, float]:
        """(status, seconds from request to whole answer)."""
        start = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        connection.request("POST", "/api/check", body=SOLVED,
                           headers={"Authorization": f"token {self.tokens[student]}"})
        response = connection.getresponse()
        body = json.loads(response.read())
        connection.close()
        if response.status == 200:
            assert body["status"] == "graded", body
        return response.status, time.perf_counter() - start

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(60)


def _spread(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"p50 {statistics.median(ordered):.3f} s, p95 {p95:.3f} s, max {ordered[-1]:.3f} s"


def _in_threads(calls: list[tuple[float, str]], service: Service) -> list[tuple[int, float]]:
    """Each (delay, student) checked from its own thread, `delay` seconds after the start."""
    answers: list[tuple[int, float]] = []
    lock = threading.Lock()
    start = time.monotonic()

    def one(delay: float, student: str) -> None:
        time.sleep(max(0.0, start + delay - time.monotonic()))
        answer = service.check(student)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=one, args=call) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--queue", type=int, default=256)
    args = parser.parse_args()
    print(f"load average before: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}; {args.slots} slot(s)")
    with tempfile.TemporaryDirectory() as tmp:
        with Grader(slots=1) as grader:
            grader.grade(SOLVED, student="warm-up")
            direct = [_timed(functools.partial(grader.grade, SOLVED, student=f"d{i}")) for i in range(10)]
        service = Service(Path(tmp) / "course", max(args.students, 1), "--slots", str(args.slots),
                          "--queue", str(args.queue))
        try:
            service.check("s0000")     # warm
            alone = [service.check(f"s{i:04d}")[1] for i in range(1, 11)]
            print(f"one warm check alone (10 checks): {_spread(alone)}; in-process Grader: {_spread(direct)}; "
                  f"HTTP path / in-process: {statistics.median(alone) / statistics.median(direct):.2f}x "
                  f"(target: <= 0.5 s)")
            rng = random.Random(7)
            calls = [(rng.uniform(0, args.window), s) for s in list(service.tokens)[: args.students]]
            start = time.monotonic()
            answers = _in_threads(calls, service)
            took = time.monotonic() - start
            ok = [seconds for status, seconds in answers if status == 200]
            print(f"{args.students} students once each within {args.window:g} s: {len(ok)}/{len(answers)} answered "
                  f"200, {_spread(ok)}; {len(ok) / took:.1f} checks/s over {took:.1f} s (target: p95 <= 3 s)")
        finally:
            service.stop()
        burst = Service(Path(tmp) / "burst", 60, "--slots", str(args.slots), "--queue", "4")
        try:
            burst.check("s0000")
            answers = _in_threads([(0.0, s) for s in burst.tokens], burst)
            refused = [seconds for status, seconds in answers if status == 503]
            ok = [seconds for status, seconds in answers if status == 200]
            print(
                f"burst of {len(answers)} at once (slots {args.slots}, queue 4): {len(ok)} answered 200 "
                f"({_spread(ok)}), "
                f"{len(refused)} answered 503 ({_spread(refused) if refused else '-'}), "
                f"{len(answers) - len(ok) - len(refused)} other"
            )
        finally:
            burst.stop()
    print(f"load average after: {'/'.join(f'{x:.1f}' for x in os.getloadavg())}")


def _timed(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
