"""The sandbox boundary, attacked as a hostile student would: one test per class of attack.

Every attack is real code graded through the real pipeline (bubblewrap, cgroups, processes), and
bounded: small memory and disk limits, short time limits, and a victim graded after the attacker
in the same grading slot (`--jobs 1`) to show that nothing crosses.  Nothing here mocks a part of
the sandbox; each test fails when the mechanism it names is taken away.
"""
from __future__ import annotations

import json
import platform
import shutil
import time
from pathlib import Path

import psutil
import pytest
from support import SOLUTIONS, course_of

from autograder.assignment.cases.seeded import seeded_cases
from autograder.grading.batch import grade_all
from autograder.grading.discover import discover
from autograder.grading.engines import LocalEngine
from autograder.grading.grade_class import grade_class
from autograder.grading.options import GradeOptions
from autograder.sandbox.execute import ExerciseJob, execute
from autograder.sandbox.launch import bwrap_works
from autograder.sandbox.limits import Limits

pytestmark = pytest.mark.slow

FULL = 17.0    # every exercise of the notebook's solutions (they draw no padding figure)
# Raw system-call numbers of this machine's architecture (the test cells call them through ctypes).
SYSCALLS = {"x86_64": {"add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272, "mount": 165,
                       "ptrace": 101, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "io_uring_setup": 425,
                       "clone3": 435},
            "aarch64": {"add_key": 217, "request_key": 218, "keyctl": 219, "unshare": 97, "mount": 40,
                        "ptrace": 117, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282, "io_uring_setup": 425,
                        "clone3": 435}}[platform.machine()]
LIBC = f"import ctypes, errno, os\nlibc = ctypes.CDLL(None, use_errno=True)\nNR = {SYSCALLS!r}\n"


@pytest.fixture(scope="module", autouse=True)
def bubblewrap_is_installed() -> None:
    assert bwrap_works(), "bubblewrap (/usr/bin/bwrap) must work here: see `make system-packages`"


def _grade_in_one_slot(tmp_path: Path, students: dict[str, list[str]], **options) -> dict[str, dict]:
    """The students' records, graded in name order through one slot (one zygote), as `--jobs 1` does."""
    course = course_of(tmp_path / "course", students)
    run = grade_class([course], tmp_path / "graded", jobs=1, gradebook="", **options)
    return {record["student"]: record for record in run.results["submissions"]}


def _strays(marker: str) -> list[psutil.Process]:
    return [p for p in psutil.process_iter(["cmdline", "status"])
            if marker in " ".join(p.info["cmdline"] or []) and p.info["status"] != psutil.STATUS_ZOMBIE]


def _printed(record: dict, label: str):
    """The JSON value a cell printed after `label` (the cell's print goes into the record's log)."""
    line = next(line for line in record["details"]["log"].splitlines() if line.startswith(label + " "))
    return json.loads(line[len(label) + 1:])


# Writes a forged answer (both the zygote's old line protocol and the new one's words) into every
# descriptor of another process that it can open: the grader's pipes, if any were visible.
FORGE = """import json, os, stat
forged = [b'{"returncode": 0, "dirty": false}\\n', json.dumps({"id": 2, "status": 0}).encode(), b"ready", b"go"]
opened, pipes = [], []
for pid in [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]:
    try:
        descriptors = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        continue
    for fd in descriptors:
        try:
            handle = os.open(f"/proc/{pid}/fd/{fd}", os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            continue
        opened.append(f"{pid}/{fd}")
        if stat.S_ISFIFO(os.fstat(handle).st_mode):
            pipes.append(f"{pid}/{fd}")
        for message in forged:
            try:
                os.write(handle, message)
            except OSError:
                pass
        os.close(handle)
print("OPENED", json.dumps(opened))
"""


def test_forged_control_messages_reach_nothing_and_cost_no_one_else(tmp_path: Path) -> None:
    records = _grade_in_one_slot(tmp_path, {"a_forger": [SOLUTIONS, FORGE], "b_victim": [SOLUTIONS]}, timeout=5)
    forger, victim = records["a_forger"], records["b_victim"]
    assert _printed(forger, "OPENED") == []          # no descriptor of the zygote or the grader is visible
    assert (forger["status"], forger["score"]) == ("graded", FULL)
    assert (victim["status"], victim["score"]) == ("graded", FULL)
    assert "first_failure" not in victim["details"]  # its slot's zygote answered it, undisturbed


def test_no_process_of_a_submission_outlives_it(tmp_path: Path) -> None:
    marker = "7661"
    leave = (
        f"import os, subprocess\nsubprocess.Popen(['sleep', '{marker}'])\n"
        f"if os.fork() == 0:\n    os.setsid()\n"
        f"    if os.fork() == 0:\n        os.execvp('sleep', ['sleep', '{marker}'])\n"
        f"    os._exit(0)\n"
    )
    in_the_function = (
        "import os\n_zero_pad = zero_pad\ndef zero_pad(X, pad):\n"
        f"    if os.fork() == 0:\n        os.setsid()\n        os.execvp('sleep', ['sleep', '{marker}'])\n"
        "    return _zero_pad(X, pad)\n"
    )
    # Where the forged end of its job reached a grader's pipe, it stays alive past that end.
    stay = "import time\nif pipes:\n    time.sleep(4)"
    course = course_of(
        tmp_path / "course", {"a_leaver": [SOLUTIONS, leave, in_the_function, FORGE, stay], "b_next": [SOLUTIONS]}
    )
    alive_at_record: dict[str, list] = {}

    def look(record) -> None:  # while the batch (and its zygote) still runs
        alive_at_record[record.student] = _strays(marker)

    options = GradeOptions(sandbox="bwrap", limits=Limits(seconds=5))
    grade_all(discover([course]), tmp_path / "graded", options, engine=LocalEngine(1), progress=False, on_record=look)
    assert alive_at_record == {"a_leaver": [], "b_next": []}
    assert _strays(marker) == []


TAMPER = """import json, os, resource
results = {}
def attempt(name, action):
    try:
        action()
        results[name] = "done"
    except Exception as error:
        results[name] = type(error).__name__
others = sorted({os.getppid(), 1} | {int(p) for p in os.listdir("/proc") if p.isdigit()} - {0, os.getpid()})
for pid in others:
    attempt(f"prlimit cpu {pid}", lambda: resource.prlimit(pid, resource.RLIMIT_CPU, (1, 1)))
    attempt(f"prlimit nofile {pid}", lambda: resource.prlimit(pid, resource.RLIMIT_NOFILE, (20, 20)))
    attempt(f"nice {pid}", lambda: os.setpriority(os.PRIO_PROCESS, pid, 19))
    attempt(f"affinity {pid}", lambda: os.sched_setaffinity(pid, {0}))
attempt("nice pgrp", lambda: os.setpriority(os.PRIO_PGRP, 0, 19))
attempt("nice user", lambda: os.setpriority(os.PRIO_USER, 0, 19))
print("TAMPER", json.dumps(results))
"""
STATE = """import json, os, resource
print("STATE", json.dumps({"cpu": resource.getrlimit(resource.RLIMIT_CPU),
                           "nofile": resource.getrlimit(resource.RLIMIT_NOFILE),
                           "nice": os.getpriority(os.PRIO_PROCESS, 0), "cpus": sorted(os.sched_getaffinity(0))}))
"""


def test_the_zygotes_limits_priority_and_cpus_cannot_be_changed_for_the_next_submission(tmp_path: Path) -> None:
    alone = _grade_in_one_slot(tmp_path / "alone", {"b_victim": [SOLUTIONS, STATE]}, timeout=5)["b_victim"]
    records = _grade_in_one_slot(
        tmp_path / "after", {"a_tamperer": [SOLUTIONS, TAMPER], "b_victim": [SOLUTIONS, STATE]}, timeout=5
    )
    victim = records["b_victim"]
    assert (victim["status"], victim["score"]) == ("graded", FULL)
    assert _printed(victim, "STATE") == _printed(alone, "STATE")
    assert "first_failure" not in victim["details"]


LEAVE_IPC = (
    LIBC
    + """import json, platform
mq = libc.mq_open(b"/cnn-leak", os.O_CREAT | os.O_RDWR, 0o600, None)
if mq >= 0:
    libc.mq_send(mq, b"secret", 6, 0)
key = libc.syscall(NR["add_key"], b"user", b"cnn-leak", b"secret", 6, -4)   # the user keyring
print("KEY", json.dumps([key, errno.errorcode.get(ctypes.get_errno())]))
libc.shmget(7662, 4096, 0o1600)
open("/tmp/cnn-leak", "w").write("secret")
open("/dev/shm/cnn-leak", "w").write("secret")
os.environ["CNN_LEAK"] = "secret"
"""
)
LOOK_IPC = (
    LIBC
    + """import json
found = []
if libc.mq_open(b"/cnn-leak", os.O_RDONLY, 0, None) >= 0:
    found.append("mqueue")
if libc.syscall(NR["request_key"], b"user", b"cnn-leak", None, 0) >= 0:
    found.append("keyring")
if libc.shmget(7662, 0, 0) >= 0:
    found.append("sysv shm")
found += [path for path in ("/tmp/cnn-leak", "/dev/shm/cnn-leak") if os.path.exists(path)]
found += ["environment"] if "CNN_LEAK" in os.environ else []
print("FOUND", json.dumps(found))
"""
)


def test_message_queues_keyrings_ipc_and_files_do_not_cross_submissions(tmp_path: Path) -> None:
    records = _grade_in_one_slot(
        tmp_path, {"a_leaver": [SOLUTIONS, LEAVE_IPC], "b_looker": [SOLUTIONS, LOOK_IPC]}, timeout=5
    )
    assert _printed(records["b_looker"], "FOUND") == []
    assert _printed(records["a_leaver"], "KEY") == [-1, "EPERM"]  # keyrings have no namespace: denied
    assert records["b_looker"]["score"] == FULL


def test_proc_sys_is_never_writable_nor_the_root_file_system() -> None:
    probe = (
        "import os\nwritable = []\n"
        "for path in ('/proc/sys/kernel/core_pattern', '/proc/sys/vm/drop_caches', '/proc/sys/kernel/hostname',\n"
        "             '/proc/sysrq-trigger', '/etc/cnn-probe', '/usr/cnn-probe', '/cnn-probe', '/dev/cnn-probe'):\n"
        "    try:\n"
        "        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))\n"
        "        writable.append(path)\n"
        "    except OSError:\n"
        "        pass\n"
        "print('WRITABLE', writable)"
    )
    run = execute([probe], {}, Limits(seconds=5), "bwrap")
    assert run.failure is None and "WRITABLE []" in run.log, (run.failure, run.log)


def test_system_calls_no_namespace_hides_are_denied() -> None:
    probe = (
        LIBC
        + """import socket
def call(name, *args):
    result = libc.syscall(NR[name], *args)
    return errno.errorcode.get(ctypes.get_errno()) if result == -1 else "allowed"
def family(number, kind):
    try:
        socket.socket(number, kind).close()
        return "allowed"
    except OSError as error:
        return errno.errorcode.get(error.errno)
buffer = ctypes.create_string_buffer(256)
print("DENIED", {
    "keyctl": call("keyctl", 0, -4, 0), "add_key": call("add_key", b"user", b"k", b"v", 1, -4),
    "unshare": call("unshare", 0x10000000), "mount": call("mount", b"none", b"/tmp", b"tmpfs", 0, None),
    "ptrace": call("ptrace", 16, 1, 0, 0), "bpf": call("bpf", 0, buffer, 64),
    "perf_event_open": call("perf_event_open", buffer, 0, -1, -1, 0), "userfaultfd": call("userfaultfd", 0),
    "io_uring_setup": call("io_uring_setup", 1, buffer), "clone3": call("clone3", buffer, 88),
    "vsock": family(40, socket.SOCK_STREAM), "packet": family(17, socket.SOCK_RAW)})
"""
    )
    run = execute([probe], {}, Limits(seconds=5), "bwrap")
    assert run.failure is None, run.failure
    denied = eval(run.log.split("DENIED ", 1)[1])
    assert denied == {
        "keyctl": "EPERM",
        "add_key": "EPERM",
        "unshare": "EPERM",
        "mount": "EPERM",
        "ptrace": "EPERM",
        "bpf": "EPERM",
        "perf_event_open": "EPERM",
        "userfaultfd": "EPERM",
        "io_uring_setup": "EPERM",
        "clone3": "ENOSYS",
        "vsock": "EAFNOSUPPORT",
        "packet": "EAFNOSUPPORT",
    }


def test_the_disk_cannot_be_filled() -> None:
    fill = """import os
written = {}
for place in ("/tmp", "/dev/shm", os.getcwd(), os.path.expanduser("~"), "/", "/job", "/var/tmp", "/opt"):
    total = 0
    try:
        for index in range(16):
            with open(os.path.join(place, f"fill{index}"), "wb") as file:
                for _ in range(32):
                    file.write(b"x" * 2**20)
                    total += 2**20
    except OSError:
        pass
    written[place] = total // 2**20
print("WRITTEN", written)
"""
    free = shutil.disk_usage("/").free
    run = execute([fill], {}, Limits(seconds=20, tmp_mb=64), "bwrap")
    assert run.failure is None, run.failure
    written = eval(run.log.split("WRITTEN ", 1)[1])
    assert max(written.values()) <= 64 and written["/tmp"] >= 60, written  # a sized tmpfs, nothing else
    assert free - shutil.disk_usage("/").free < 100 * 2**20


def test_memory_is_limited_for_all_processes_of_a_submission_together() -> None:
    children = """import os, time
import numpy as np
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        try:
            block = np.ones(200 * 2**20 // 8)
            time.sleep(1.5)
            os._exit(0)
        except MemoryError:
            os._exit(3)
    kids.append(pid)
ends = [os.waitpid(pid, 0)[1] for pid in kids]
print("FINISHED", sum(os.WIFEXITED(end) and os.WEXITSTATUS(end) == 0 for end in ends))
"""
    run = execute([children], {}, Limits(seconds=20, memory_mb=512), "bwrap")
    assert run.failure is None, run.failure
    # Each child alone fits in 512 MB; four of them (800 MB) do not: at most two finish.
    assert int(run.log.split("FINISHED ", 1)[1].split()[0]) <= 2, run.log


def test_many_slow_cells_share_one_time_budget() -> None:
    cells = ["import time\ntime.sleep(60)"] * 25 + ["def zero_pad(X, pad):\n    return X"]
    jobs = {"zero_pad": ExerciseJob([(c.args, dict(c.kwargs)) for c in seeded_cases("zero_pad")])}
    start = time.monotonic()
    run = execute(cells, jobs, Limits(seconds=2), "bwrap")
    elapsed = time.monotonic() - start
    assert run.failure is None and run.defined == ["zero_pad"], run.failure
    assert [c["error"]["type"] for c in run.cells[:3]] == ["Timeout"] * 3
    assert elapsed < 20, elapsed  # 3 x 2 s of cells, not 25 x 2 s


# No solution at all: looks for the answer key's helpers everywhere it can (files, the job it was
# sent, the runner's memory) and defines whatever it finds.  pool_backward raises what it finds
# (the helpers are there in the second run only) in its message.
SEEK = """import gc, os, sys
NEEDLES = ("def zero" + "_pad(X, pad)", "def create_mask" + "_from_window(x)")   # not this cell's own text
found, sources = [], []
def look(text, where):
    if isinstance(text, str) and any(needle in text for needle in NEEDLES) and "NEEDLES" not in text:
        found.append(where)
        sources.append(text)
for top in ("/job", "/tmp", os.getcwd(), "/opt/grader", "/proc/self"):
    for root, _, files in os.walk(top):
        for name in files[:200]:
            try:
                look(open(os.path.join(root, name), errors="replace").read(10**6), os.path.join(root, name))
            except OSError:
                pass
for value in gc.get_objects():
    kind = type(value)
    for item in list(value.values() if kind is dict else value if kind in (list, tuple) else ()):
        if type(item) is str and len(item) > 100:
            look(item, "memory")
for text in sources:
    try:
        exec(text, globals())
    except Exception:
        pass
print("FOUND", sorted(set(found)))

def pool_backward(dA, cache, mode="max"):
    seen = [t for v in gc.get_objects() if isinstance(v, dict) for t in list(v.values())
            if isinstance(t, str) and NEEDLES[1] in t and "NEEDLES" not in t]
    if seen:
        raise RuntimeError("LEAKED " + seen[0][:300])
    return None
"""


def test_the_answer_key_is_nowhere_in_a_run_whose_output_counts(tmp_path: Path) -> None:
    record = _grade_in_one_slot(tmp_path, {"mallet": [SEEK]}, timeout=10)["mallet"]
    assert _printed(record, "FOUND") == []
    for helper in ("zero_pad", "conv_single_step", "create_mask_from_window", "distribute_value"):
        assert record["exercises"][helper]["score"] == 0, record["exercises"][helper]
    # pool_backward's second run had the answer key's helpers and raised them: nothing of it is kept.
    assert "LEAKED" not in json.dumps(record) and "np.max" not in json.dumps(record)
    assert record["exercises"]["pool_backward"]["score"] == 0


def test_a_helper_failing_its_own_check_is_substituted_and_only_adds(tmp_path: Path) -> None:
    broken = "def zero_pad(X, pad):\n    return np.pad(X, pad)"  # pads every axis
    record = _grade_in_one_slot(tmp_path, {"walt": [SOLUTIONS, broken]}, timeout=5)["walt"]
    exercises = record["exercises"]
    assert exercises["zero_pad"]["score"] == 0
    assert exercises["conv_forward"]["status"] == "passed" and exercises["conv_backward"]["status"] == "passed"
    assert "graded with the answer key's zero_pad" in exercises["conv_forward"]["feedback"]
    assert record["score"] == FULL - 1
