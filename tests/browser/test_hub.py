""""Check my work" on a real JupyterHub (`python -m tools.hub`, what `make hub-demo` runs):
DummyAuthenticator, SimpleLocalProcessSpawner, configurable-http-proxy from npm, and `cnn-grade serve`
as the hub-managed service cnn-grade; students drive their JupyterLab in Chromium.

One hub for the module.  Each student has a job of their own, so one test's checks never use up
another's rate limit (3 per hour): alice and bob check in the browser, then forge each other's
identity, then outlive a restart of the service; carol runs into the rate limit; dave checks an
honest notebook while eve, frank and grace check hostile ones.
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from browser_support import save_screenshot
from hub_support import Hub, check_my_work, running_hub, student_page
from playwright.sync_api import Browser, Locator, expect
from support import SOLUTIONS, notebook, solutions, submission, with_bug

from autograder.results.checks import Check, CheckStore
from tools.hub import INSTRUCTOR

pytestmark = pytest.mark.browser

HOSTILE = {
    "eve": "while True:\n    pass",
    "frank": "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass",
    "grace": "hog = [bytearray(2**20) for _ in range(10**5)]",
}
STUDENTS = ("alice", "bob", "carol", "dave", *HOSTILE)
RATE = "3/hour"
# A notebook that grades at once (nothing answered): what carol spends her checks on.
EMPTY = notebook("x = 1")
# Alice solves zero_pad and conv_single_step but ignores the stride in conv_forward; bob solves
# zero_pad but takes the max in pool_forward's average mode.
ANSWERS = {
    "alice": {**{name: solutions()[name] for name in ("zero_pad", "conv_single_step")},
              "conv_forward": with_bug("conv_forward", "vert_start = h * stride", "vert_start = h")["conv_forward"]},
    "bob": {"zero_pad": solutions()["zero_pad"],
            "pool_forward": with_bug("pool_forward", "A[i, h, w, c] = np.mean(a_prev_slice)",
                                     "A[i, h, w, c] = np.max(a_prev_slice)")["pool_forward"]},
}
HINTS = {"alice": ("conv_forward", "Likely mistake: slice corners ignore the stride"),
         "bob": ("pool_forward", "Likely mistake: max in average mode")}
PASSED = {"alice": ("zero_pad", "conv_single_step"), "bob": ("zero_pad",)}


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    with running_hub(tmp_path_factory.mktemp("hub") / "state", STUDENTS, "--rate", RATE) as running:
        yield running


def exercise(panel: Locator, name: str) -> Locator:
    return panel.locator(f'section[data-exercise="{name}"]')


def hit_time_limit(record: dict[str, Any]) -> bool:
    """A cell stopped at the time limit, or an exercise that was."""
    return any(error["type"] == "Timeout" for error in record["details"].get("cell_errors", [])) or \
        any(item["status"] == "timeout" for item in record["exercises"].values())


def stored_checks(hub: Hub) -> list[Check]:
    """Every check in the service's database (tools/hub.py keeps it in the state folder), oldest first."""
    store = CheckStore(f"sqlite:///{hub.state / 'checks.sqlite'}")
    try:
        return store.history(None)[::-1]
    finally:
        store.close()


def test_each_student_sees_their_own_feedback_in_the_panel(hub: Hub, browser: Browser) -> None:
    for student, answers in ANSWERS.items():
        nbformat.write(submission(answers), hub.notebook(student))
    for student in ANSWERS:
        other = next(name for name in ANSWERS if name != student)
        with student_page(browser, hub, student) as page:
            panel = check_my_work(page)
            save_screenshot(page, f"hub-check-my-work-{student}")
            expect(panel).to_have_attribute("data-state", "feedback")
            failing, hint = HINTS[student]
            expect(exercise(panel, failing)).to_have_attribute("data-status", "failed")
            expect(exercise(panel, failing)).to_contain_text(hint)
            for name in PASSED[student]:
                expect(exercise(panel, name)).to_have_attribute("data-status", "passed")
            # Nothing of the other student's notebook: neither their hint nor their passed exercise.
            expect(panel).not_to_contain_text(HINTS[other][1])
            (own,) = hub.api("GET", "checks", hub.token(student))[1]["checks"]
            assert own["student"] == student
            expect(panel.locator(".cnn-CheckMyWork-meta")).to_contain_text(f"Check #{own['id']} ")


def test_a_student_cannot_pass_for_another(hub: Hub) -> None:
    alice, bob = hub.token("alice"), hub.token("bob")
    bob_before = hub.api("GET", "checks", bob)
    (bob_check,) = bob_before[1]["checks"]
    forged = {"X-Student": "bob", "X-Forwarded-User": "bob", "X-Remote-User": "bob", "Cookie": "user=bob"}
    body = json.dumps({**json.loads(EMPTY), "student": "bob", "metadata": {"student": "bob"}}).encode()
    status, answer = hub.api("POST", "check?student=bob&user=bob", alice, body, forged)
    assert status == 200 and answer["student"] == "alice", answer
    assert hub.api("GET", "me?student=bob", alice, headers=forged)[1]["student"] == "alice"
    assert {c["student"] for c in hub.api("GET", "checks?student=bob", alice, headers=forged)[1]["checks"]} \
        == {"alice"}
    assert hub.api("GET", f"checks/{bob_check['id']}", alice, headers=forged)[0] == 404
    # A token of the hub is not a name: bob's name where the token goes is no login.
    assert hub.api("GET", "me", "bob")[0] == 401
    assert hub.api("GET", "checks", bob) == bob_before


@pytest.mark.parametrize(("method", "path"), [("POST", "check"), ("GET", "me"), ("GET", "checks"),
                                              ("GET", "checks/1"), ("GET", "no-such-endpoint")])
def test_every_endpoint_refuses_an_unauthenticated_request(hub: Hub, method: str, path: str) -> None:
    body = EMPTY if method == "POST" else None
    for token in (None, "0" * 32, hub.token("alice")[:-1]):
        status, answer = hub.api(method, path, token, body)
        assert status == 401 and "not logged in" in answer["error"], (token, status, answer)


def test_the_rate_limit_is_said_in_the_panel(hub: Hub, browser: Browser) -> None:
    carol = hub.token("carol")
    for _ in range(3):
        assert hub.api("POST", "check", carol, EMPTY)[0] == 200
    with student_page(browser, hub, "carol") as page:
        panel = check_my_work(page)
        save_screenshot(page, "hub-check-my-work-rate-limit")
        error = panel.locator(".cnn-CheckMyWork-error")
        expect(error).to_have_attribute("data-http-status", "429")
        expect(error).to_contain_text("You have reached your limit of checks for now.")
        expect(error).to_contain_text(f"you have used your {RATE} checks")
        expect(error).to_contain_text("You can check again in ")
    assert len(hub.api("GET", "checks", carol)[1]["checks"]) == 3


def test_hostile_notebooks_do_not_hold_up_an_honest_one(hub: Hub) -> None:
    answers: dict[str, tuple[int, dict[str, Any]]] = {}

    tokens = {student: hub.token(student) for student in ("dave", *HOSTILE)}

    def check(student: str, data: bytes) -> threading.Thread:
        thread = threading.Thread(target=lambda: answers.__setitem__(
            student, hub.api("POST", "check", tokens[student], data)))
        thread.start()
        return thread

    # The honest check first, so that it is graded now rather than queued behind the others; it
    # sleeps a little (well within its limits) so that the hostile ones run while it is graded.
    threads = [check("dave", notebook(SOLUTIONS, "import time\ntime.sleep(3)"))]
    while not any(c.student == "dave" for c in stored_checks(hub)):
        time.sleep(0.05)
    threads += [check(student, notebook(SOLUTIONS, code)) for student, code in HOSTILE.items()]
    for thread in threads:
        thread.join(300)
    checks = {c.student: c for c in stored_checks(hub) if c.student in ("dave", *HOSTILE)}
    honest = checks["dave"]
    assert answers["dave"][0] == 200 and honest.record is not None and honest.finished is not None
    assert {name: e.status for name, e in honest.record.exercises.items()
            if name in ("zero_pad", "conv_single_step", "conv_forward", "pool_forward")} == \
        dict.fromkeys(("zero_pad", "conv_single_step", "conv_forward", "pool_forward"), "passed")
    timed_out = []
    for student in HOSTILE:
        hostile = checks[student]
        assert answers[student][0] == 200, answers[student]
        assert hostile.finished is not None and hostile.record is not None
        # Checked at the same time: each hostile check was accepted before the honest one finished.
        assert hostile.created < honest.finished, student
        if hit_time_limit(hostile.record.to_json()):
            timed_out.append(student)
            assert honest.finished < hostile.finished, student
    assert "eve" in timed_out, {s: checks[s].record for s in HOSTILE}
    assert hub.api("GET", "me", hub.token("dave"))[1]["remaining"] == 2


def test_the_history_outlives_a_restart_of_the_service(hub: Hub, browser: Browser) -> None:
    alice = hub.token("alice")
    before = hub.api("GET", "checks", alice)[1]["checks"]
    assert len(before) == 2
    (pid,) = hub.service_pids()
    os.kill(pid, signal.SIGKILL)
    # The hub notices on its next poll of the service and starts it again.
    deadline = time.monotonic() + 120
    while hub.service_pids() in ([], [pid]) or hub.api("GET", "me", alice)[0] != 200:
        assert time.monotonic() < deadline, "the hub did not restart the service"
        time.sleep(0.5)
    assert hub.api("GET", "checks", alice)[1]["checks"] == before
    assert hub.api("GET", "me", alice)[1]["remaining"] == 1
    with student_page(browser, hub, "alice") as page:
        panel = check_my_work(page)
        # Numbered after the checks before the restart: the same database, not a new one.
        newest = max(c["id"] for c in hub.api("GET", "checks", hub.token(INSTRUCTOR))[1]["checks"])
        expect(panel.locator(".cnn-CheckMyWork-meta")).to_contain_text(f"Check #{newest} ")
    assert [c["id"] for c in hub.api("GET", "checks", alice)[1]["checks"]][1:] == [c["id"] for c in before]
