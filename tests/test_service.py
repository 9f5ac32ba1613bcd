"""`cnn-grade serve --tokens`: the standalone "Check my work" API, over real HTTP, from a real
service process (warm sandboxes, a SQLite checks database)."""
from __future__ import annotations

import http.client
import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from support import FIGURE_CELL, REPOSITORY, SOLUTIONS, course_of, notebook

from autograder.local_files import MAX_SUBMISSION_BYTES
from autograder.results.checks import CheckStore

pytestmark = pytest.mark.slow

TOKENS = {"alice": "alice-secret-token-0001", "bob": "bob-secret-token-000002", "ta": "ta-secret-token-00000003"}
SOLVED = notebook(SOLUTIONS, FIGURE_CELL)
BUGGY = notebook(SOLUTIONS.replace("vert_start = h * stride", "vert_start = h"))
SLOW = notebook(SOLUTIONS, "import time\ntime.sleep(8)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def serving(root: Path, *options: str) -> Iterator[int]:
    """A `cnn-grade serve` process answering on a free port; stopped with SIGTERM afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "autograder", "serve", "--root", str(root), "--tokens", str(root / "tokens.csv"),
               "--port", str(port), "--admins", "ta", *options]
    process = subprocess.Popen(command, cwd=REPOSITORY, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, process.communicate()[0]
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()


def call(port: int, method: str, path: str, body: bytes | None = None, *, student: str | None = None,
         token: str | None = None, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    sent = dict(headers or {})
    if student is not None or token is not None:
        sent["Authorization"] = f"token {token or TOKENS[student or '']}"
    connection.request(method, path, body=body, headers=sent)
    response = connection.getresponse()
    answer = json.loads(response.read() or b"{}")
    connection.close()
    return response.status, answer, dict(response.getheaders())


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    lines = ["student,token", *(f"{name},{token}" for name, token in TOKENS.items())]
    (tmp_path / "tokens.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def test_every_endpoint_refuses_a_request_without_a_valid_token(root: Path) -> None:
    with serving(root) as port:
        for method, path, body in (("POST", "/api/check", SOLVED), ("GET", "/api/me", None),
                                   ("GET", "/api/checks", None), ("GET", "/api/checks/1", None),
                                   ("GET", "/anything/else", None)):
            for token in (None, "not-a-token-of-anyone", TOKENS["alice"][:-1]):
                status, answer, _headers = call(port, method, path, body, token=token)
                assert status == 401 and "not logged in" in answer["error"], (method, path, token)
        assert call(port, "GET", "/api/checks", student="ta")[1] == {"checks": []}


def test_a_check_grades_as_the_batch_does_for_the_token_s_student_only(root: Path) -> None:
    with serving(root) as port:
        # What the body or the query says about who is asking is ignored.
        status, solved, _ = call(port, "POST", "/api/check?student=bob", SOLVED, student="alice",
                                 headers={"X-Student": "bob"})
        assert status == 200, solved
        assert solved["student"] == "alice" and solved["status"] == "graded"
        assert {e["status"] for e in solved["exercises"].values()} == {"passed"}
        # Shown: hints, not scores (the default); nor the grader's own details.
        assert "score" not in solved and all("score" not in e for e in solved["exercises"].values())
        assert "details" not in solved and solved["check"]["show"] == "hints"

        status, buggy, _ = call(port, "POST", "/api/check", BUGGY, student="bob")
        assert status == 200 and buggy["student"] == "bob"
        assert buggy["exercises"]["conv_forward"]["status"] == "failed"
        assert "stride" in buggy["exercises"]["conv_forward"]["feedback"].lower()
        assert buggy["exercises"]["zero_pad"]["status"] == "passed"

        # Each sees only their own history; the admin everyone's.
        assert [c["student"] for c in call(port, "GET", "/api/checks", student="bob")[1]["checks"]] == ["bob"]
        assert [c["student"] for c in call(port, "GET", "/api/checks", student="ta")[1]["checks"]] == ["bob", "alice"]
        assert call(port, "GET", f"/api/checks/{solved['check']['id']}", student="bob")[0] == 404
        status, again, _ = call(port, "GET", f"/api/checks/{solved['check']['id']}", student="alice")
        assert status == 200 and again == solved
        me = call(port, "GET", "/api/me", student="alice")[1]
        assert me == {"student": "alice", "admin": False, "show": "hints", "rate": "10/hour", "remaining": 9}


def test_scores_are_shown_when_the_instructor_says_so(root: Path) -> None:
    with serving(root, "--show", "score") as port:
        status, buggy, _ = call(port, "POST", "/api/check", BUGGY, student="bob")
        assert status == 200 and buggy["max_score"] > buggy["score"] > 0
        assert buggy["exercises"]["conv_forward"]["score"] < buggy["exercises"]["conv_forward"]["max_score"]
        assert call(port, "GET", "/api/checks", student="bob")[1]["checks"][0]["score"] == buggy["score"]


def test_a_body_over_the_bound_is_refused_before_it_is_read(root: Path) -> None:
    with serving(root) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.putrequest("POST", "/api/check")
        connection.putheader("Authorization", f"token {TOKENS['alice']}")
        connection.putheader("Content-Length", str(MAX_SUBMISSION_BYTES + 1))
        connection.endheaders()         # and no body: the answer must not wait for it
        response = connection.getresponse()
        assert response.status == 413 and "larger than" in json.loads(response.read())["error"]
        connection.close()
        # Streamed without a length, cut at the bound.
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        chunk = b" " * 2**20
        connection.request("POST", "/api/check", body=iter([chunk] * (MAX_SUBMISSION_BYTES // len(chunk) + 2)),
                           headers={"Authorization": f"token {TOKENS['alice']}"}, encode_chunked=True)
        response = connection.getresponse()
        assert response.status == 413
        connection.close()
        # Nothing was kept, and the student may check at once.
        assert call(port, "GET", "/api/checks", student="alice")[1] == {"checks": []}
        assert call(port, "POST", "/api/check", SOLVED, student="alice")[0] == 200


def test_rate_limit_one_check_in_flight_and_a_full_queue_answer_at_once(root: Path) -> None:
    with serving(root, "--rate", "2/minute", "--slots", "1", "--queue", "0") as port:
        answers: dict[str, tuple[int, dict[str, Any], dict[str, str]]] = {}
        slow = threading.Thread(target=lambda: answers.setdefault("slow", call(port, "POST", "/api/check", SLOW,
                                                                                student="alice")))
        slow.start()
        _wait_for_a_check(port, "alice")
        status, busy, headers = call(port, "POST", "/api/check", SOLVED, student="alice")
        assert status == 429 and "still running" in busy["error"] and int(headers["Retry-After"]) > 0
        status, full, headers = call(port, "POST", "/api/check", SOLVED, student="bob")
        assert status == 503 and "busy" in full["error"] and int(headers["Retry-After"]) > 0
        slow.join(120)
        assert answers["slow"][0] == 200
        assert call(port, "POST", "/api/check", SOLVED, student="alice")[0] == 200
        status, limited, headers = call(port, "POST", "/api/check", SOLVED, student="alice")
        assert status == 429 and "2/minute" in limited["error"] and 0 < int(headers["Retry-After"]) <= 60
        assert call(port, "GET", "/api/me", student="alice")[1]["remaining"] == 0
        assert call(port, "POST", "/api/check", SOLVED, student="bob")[0] == 200


def test_the_history_survives_a_restart_and_a_check_cut_by_it_is_said_failed(root: Path) -> None:
    with serving(root) as port:
        assert call(port, "POST", "/api/check", BUGGY, student="bob")[0] == 200
        cut = threading.Thread(target=lambda: _ignore_errors(lambda: call(port, "POST", "/api/check", SLOW,
                                                                         student="alice")))
        cut.start()
        _wait_for_a_check(port, "alice")
    cut.join(60)
    with serving(root) as port:
        history = call(port, "GET", "/api/checks", student="ta")[1]["checks"]
        assert [(c["student"], c["status"]) for c in history] == [("alice", "failed"), ("bob", "done")]
        status, failed, _ = call(port, "GET", f"/api/checks/{history[0]['id']}", student="alice")
        assert status == 200 and failed["status"] == "failed" and "stopped" in failed["error"]


def _wait_for_a_check(port: int, student: str) -> None:
    """Until `student`'s check is in the history (accepted, now grading)."""
    deadline = time.monotonic() + 60
    while not call(port, "GET", "/api/checks", student=student)[1]["checks"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)


def _ignore_errors(run: Any) -> None:
    with suppress(OSError, http.client.HTTPException, ValueError):
        run()


def test_grade_reuses_the_record_of_a_check_of_the_same_bytes(root: Path) -> None:
    course = course_of(root / "course", {"bob": [SOLUTIONS.replace("vert_start = h * stride", "vert_start = h")],
                                         "alice": [SOLUTIONS]})
    (course / "tokens.csv").write_bytes((root / "tokens.csv").read_bytes())
    bob_bytes = (course / "submitted" / "bob" / "cnn_step_by_step" / "cnn_step_by_step.ipynb").read_bytes()
    with serving(course) as port:
        status, checked, _ = call(port, "POST", "/api/check", bob_bytes, student="bob")
        assert status == 200
    out = root / "graded"
    subprocess.run([sys.executable, "-m", "autograder", "grade", str(course), "--out", str(out), "--gradebook", ""],
                   cwd=REPOSITORY, check=True, capture_output=True)
    records = {r["student"]: r for r in json.loads((out / "results.json").read_text())["submissions"]}
    store = CheckStore(f"sqlite:///{course / 'checks.sqlite'}")
    (stored,) = list(store.history("bob"))
    store.close()
    assert stored.record is not None
    # The check's record itself (its timings too: nothing was graded again), from the submission's path.
    assert records["bob"]["details"] == stored.record.to_json()["details"]
    assert records["bob"]["path"].endswith("submitted/bob/cnn_step_by_step/cnn_step_by_step.ipynb")
    assert {n: e["feedback"] for n, e in records["bob"]["exercises"].items()} == \
        {n: e["feedback"] for n, e in checked["exercises"].items()}
    assert records["alice"]["details"]["timings"] != stored.record.details.timings
