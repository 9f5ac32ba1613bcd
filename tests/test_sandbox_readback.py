"""The host reads only what it can trust: what a submission sends back costs that submission at most.

The class-level tests run the real `cnn-grade` in a subprocess with a time and memory bound, so
that a grader that followed a link into a FIFO or /dev/zero, or decoded one array a hundred
thousand times, fails the test instead of taking the machine down.  Each attacker tries both
ways a grader could have read its answer: files where results used to be written, and forged
frames on whatever socket it holds.
"""
from __future__ import annotations

import json
import math
import resource
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import REPOSITORY, SOLUTIONS, course_of

from autograder.grading.engines import LocalEngine
from autograder.grading.grade_class import grade_class
from autograder.sandbox.guest import wire

SECRET = "TOPSECRET-7663"
FULL = 17.0    # every exercise of the notebook's solutions (they draw no padding figure)


def _grade_bounded(course: Path, out: Path, seconds: float = 240, memory_gb: float = 3) -> dict[str, dict]:
    """`cnn-grade grade course --jobs 1`, killed after `seconds`, with an address-space limit."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (int(memory_gb * 2**30),) * 2)

    command = [sys.executable, "-m", "autograder", "grade", str(course), "--out", str(out), "--jobs", "1",
               "--timeout", "5", "--gradebook", ""]
    try:
        done = subprocess.run(command, cwd=REPOSITORY, capture_output=True, text=True, timeout=seconds,
                              preexec_fn=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the grader did not finish within {seconds} s")
    assert done.returncode == 0, done.stderr[-3000:]
    for name in ("results.json", "grades.csv", "report.html"):
        assert (out / name).exists(), name
    records = {r["student"]: r for r in json.loads((out / "results.json").read_text())["submissions"]}
    for student in records:
        assert (out / "feedback" / f"{student}.html").exists(), student
    return records


def _everything_written(out: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in sorted(out.rglob("*")) if path.is_file())


# Files where a grader once read results from, made links to a host file, to /dev/zero and a FIFO;
# then the runner leaves without an answer.
RESULT_FILES = """import json, os
def put(base, name, target):
    try:
        os.symlink(target, os.path.join(base, name))
    except OSError:
        pass
for base in ("/job/out", os.path.join(os.getcwd(), "out")):
    try:
        os.makedirs(base, exist_ok=True)
        json.dump({{"cells": [], "log": "", "defined": ["zero_pad", "conv_single_step", "pool_forward"],
                   "timings": {{}}, "figures": []}}, open(os.path.join(base, "notebook.json"), "w"))
    except OSError:
        continue
    {attack}
os._exit(0)
"""
ATTACKS = {
    "a_link": 'put(base, "zero_pad.status", {decoy!r})',
    "b_device": 'put(base, "conv_single_step.status", {done!r}); put(base, "conv_single_step.json", "/dev/zero")',
    "c_fifo": 'os.mkfifo(os.path.join(base, "pool_forward.status"))',
}


@pytest.mark.slow
def test_links_fifos_and_devices_are_never_read(tmp_path: Path) -> None:
    decoy, done = tmp_path / "decoy.status", tmp_path / "done.status"
    decoy.write_text(f"crashed: {SECRET}")
    done.write_text("done")
    students = {name: [SOLUTIONS, RESULT_FILES.format(attack=attack.format(decoy=str(decoy), done=str(done)))]
                for name, attack in ATTACKS.items()}
    records = _grade_bounded(course_of(tmp_path / "course", {**students, "d_victim": [SOLUTIONS]}), tmp_path / "out")
    for name in ATTACKS:
        assert records[name]["status"] == "crashed" and "without sending its results" in records[name]["message"]
    assert (records["d_victim"]["status"], records["d_victim"]["score"]) == ("graded", FULL)
    assert SECRET not in _everything_written(tmp_path / "out")


# Forged answers of every kind, as files (for a grader that reads files) and as frames on every
# socket the runner holds (the way back this grader has), then the runner leaves.
FORGED = """import json, os, stat, struct
import numpy as np
def frame(document, *arrays):
    body = json.dumps(document).encode()
    message = struct.pack("<I", len(body)) + body
    for meta, data in arrays:
        meta = json.dumps(meta).encode()
        message += struct.pack("<I", len(meta)) + meta + data
    return struct.pack("<I", len(message)) + message
def notebook(figures):
    return {{"__dict__": {{"kind": "notebook", "cells": [], "log": "", "defined": [], "timings": {{"__dict__": {{}}}},
                         "figures": figures}}}}
os.makedirs("/job/out" if os.path.isdir("/job") else "out", exist_ok=True)
out = "/job/out" if os.path.isdir("/job") else "out"
{attack}
for fd in range(3, 64):
    try:
        if stat.S_ISSOCK(os.fstat(fd).st_mode):
            os.write(fd, payload)
    except OSError:
        pass
os._exit(0)
"""
FORGERIES = {
    # one 8 MB array referenced 100,000 times: terabytes if each reference were decoded
    "e_repeated": """np.save(out + "/big.npy", np.zeros(2**20))
images = [{"__array__": "big.npy"}] * 100000
json.dump({"cells": [], "log": "", "defined": [], "timings": {},
           "figures": [{"axes": [{"title": "x", "images": images}]}]},
          open(out + "/notebook.json", "w"))
axes = {"__dict__": {"title": "x", "images": [{"__array__": 0}] * 100000}}
payload = frame(notebook([{"__dict__": {"axes": [axes]}}]), ({"dtype": "<f8", "shape": [2**20]}, bytes(2**23)))""",
    # an array whose header claims a terabyte
    "f_huge": """header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2**37,), }"
open(out + "/huge.npy", "wb").write(b"\\x93NUMPY\\x01\\x00" + struct.pack("<H", 118)
                                    + header.ljust(117).encode() + b"\\n")
json.dump({"cells": [], "log": "", "defined": [], "timings": {},
           "figures": [{"axes": [{"title": "x", "images": [{"__array__": "huge.npy"}]}]}]},
          open(out + "/notebook.json", "w"))
axes = {"__dict__": {"title": "x", "images": [{"__array__": 0}]}}
payload = frame(notebook([{"__dict__": {"axes": [axes]}}]), ({"dtype": "<f8", "shape": [2**37]}, bytes(8)))""",
    # more than the grader accepts
    "g_flood": """open(out + "/notebook.json", "w").write(" " * 80 * 2**20)
payload = b"\\xff" * (80 * 2**20)""",
}


@pytest.mark.slow
def test_oversized_and_forged_answers_cost_only_their_submission(tmp_path: Path) -> None:
    students = {name: [SOLUTIONS, FORGED.format(attack=attack)] for name, attack in FORGERIES.items()}
    records = _grade_bounded(
        course_of(tmp_path / "course", {**students, "h_victim": [SOLUTIONS]}), tmp_path / "out", memory_gb=2.5
    )
    assert "used twice" in records["e_repeated"]["message"]
    assert "fewer bytes than its shape" in records["f_huge"]["message"]
    assert "more results than the grader accepts" in records["g_flood"]["message"]
    assert {records[name]["status"] for name in FORGERIES} == {"crashed"}
    assert (records["h_victim"]["status"], records["h_victim"]["score"]) == ("graded", FULL)


# A NaN where a number of seconds belongs, a traceback that is no list: both forged, each in the
# way a grader of files (notebook.json) and this one (the runner's own data) would take them.
NAN_TIMING = """import json, os, sys
frame = sys._getframe()
while frame is not None:     # the runner's own timings, up the stack
    if isinstance(frame.f_locals.get("timings"), dict):
        frame.f_locals["timings"]["injected"] = float("nan")
    frame = frame.f_back
out = "/job/out" if os.path.isdir("/job") else "out"
os.makedirs(out, exist_ok=True)
open(out + "/notebook.json", "w").write('{"cells": [], "log": "", "defined": [], "timings": {"x": NaN}, "figures": []}')
"""
TRACEBACK_TEXT = """import json, os, sys
runner = sys.modules.get("cnn_untrusted.runner")
if runner is not None:
    runner.student_traceback = lambda error, limit=8: "not a list"
out = "/job/out" if os.path.isdir("/job") else "out"
os.makedirs(out, exist_ok=True)
json.dump({"cells": [{"cell": 1, "more_errors": 0, "error": {"type": "X", "message": "m", "traceback": 12}}],
           "log": "", "defined": [], "timings": {}, "figures": []}, open(out + "/notebook.json", "w"))
"""
SURROGATE = "raise ValueError('a lone surrogate: \\udc80')"


@pytest.mark.slow
def test_nan_and_invalid_text_cost_only_their_submission_and_honest_text_is_escaped(tmp_path: Path) -> None:
    course = course_of(
        tmp_path / "course",
        {
            "i_nan": [SOLUTIONS, NAN_TIMING],
            "j_traceback": [SOLUTIONS, TRACEBACK_TEXT, "raise KeyError('x')"],
            "k_surrogate": [SOLUTIONS, SURROGATE],
            "l_victim": [SOLUTIONS],
        },
    )
    records = _grade_bounded(course, tmp_path / "out")
    assert records["i_nan"]["status"] == "crashed" and "finite" in records["i_nan"]["message"]
    assert records["j_traceback"]["status"] == "crashed" and "traceback" in records["j_traceback"]["message"]
    honest = records["k_surrogate"]
    assert (honest["status"], honest["score"]) == ("graded", FULL)
    assert honest["details"]["cell_errors"][0]["message"] == "a lone surrogate: \\udc80"
    assert (records["l_victim"]["status"], records["l_victim"]["score"]) == ("graded", FULL)


def _message(document: object, *arrays: tuple[dict, bytes]) -> bytes:
    body = json.dumps(document).encode()
    parts = [struct.pack("<I", len(body)), body]
    for meta, data in arrays:
        encoded = json.dumps(meta).encode()
        parts += [struct.pack("<I", len(encoded)), encoded, data]
    return b"".join(parts)


FLOAT64 = {"dtype": "<f8", "shape": [2]}


@pytest.mark.parametrize(
    "message, why",
    [
        (_message([{"__array__": 0}, {"__array__": 0}], (FLOAT64, bytes(16))), "used twice"),
        (_message([], (FLOAT64, bytes(16))), "never referenced"),
        (_message({"__array__": 0}, ({"dtype": "<f8", "shape": [2**40]}, bytes(16))), "fewer bytes"),
        (_message({"__array__": 0}, ({"dtype": "|O", "shape": [1]}, bytes(8))), "not a number type"),
        (_message({"__array__": 0}, ({"dtype": "<f8,<i4", "shape": [1]}, bytes(12))), "not a number type"),
        (_message({"__array__": 0}, ({"dtype": "<f8", "shape": [2]}, bytes(15))), "fewer bytes"),
        (struct.pack("<I", 5) + b"[NaN]", "non-standard"),
        (struct.pack("<I", 7) + b"[1e999]", "out of range"),
        (struct.pack("<I", 8) + b'"\\udc80"', "not valid text"),
        (_message({"cells": []}), "no marker"),
        (_message({"__float__": "0.1"}), "not nan"),
        (struct.pack("<I", 4000) + b"[" * 2000 + b"]" * 2000, "nested too deep"),
        (struct.pack("<I", 10) + b"[]", "shorter than its JSON"),
    ],
)
def test_wire_refuses_what_the_protocol_does_not_allow(message: bytes, why: str) -> None:
    with pytest.raises(wire.WireError, match=why):
        wire.unpack(message)


def test_wire_round_trip_escapes_invalid_text_and_keeps_non_finite_values() -> None:
    value = {
        "text": "bad \udc80 text",
        "numbers": [math.nan, math.inf, (1, -math.inf)],
        "array": np.arange(6.0),
        "scalar": {"__scalar__": math.nan, "dtype": "<f8"},
    }
    back = wire.unpack(wire.pack(value))
    assert back["text"] == "bad \\udc80 text"
    assert math.isnan(back["numbers"][0]) and back["numbers"][1] == math.inf and back["numbers"][2] == (1, -math.inf)
    assert np.array_equal(back["array"], np.arange(6.0)) and math.isnan(back["scalar"]["__scalar__"])
    assert wire.frames(wire.frame(b"ab") + wire.frame(b"c")) == [b"ab", b"c"]
    with pytest.raises(wire.WireError, match="ends inside"):
        wire.frames(wire.frame(b"abc")[:-1])


class _CorruptingEngine:
    """The local engine, with a grader bug: one student's record gets a NaN timing and invalid text."""

    def grade(self, tasks, options):
        for task, record in LocalEngine(1).grade(tasks, options):
            if record.student == "weird":
                record.details.seconds = math.nan
                record.message += " \udc80"
            yield task, record


@pytest.mark.slow
def test_a_record_that_cannot_be_stored_costs_only_its_student(tmp_path: Path) -> None:
    folder = tmp_path / "class"
    folder.mkdir()
    for student in ("fine", "weird"):
        (folder / f"{student}.py").write_text(SOLUTIONS)
    run = grade_class([folder], tmp_path / "out", timeout=5, engine=_CorruptingEngine())
    records = {r["student"]: r for r in run.results["submissions"]}
    assert records["weird"]["status"] == "crashed" and "could not store" in records["weird"]["message"]
    assert (records["fine"]["status"], records["fine"]["score"]) == ("graded", FULL)
    for name in ("results.json", "grades.csv", "report.html", "feedback/weird.html", "feedback/fine.html"):
        assert (tmp_path / "out" / name).exists(), name
