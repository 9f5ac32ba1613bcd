"""A local JupyterHub with "Check my work": two demo students, an instructor, and the grading service.

`make hub-demo` runs this; so do the hub tests, so what is tested is what an instructor tries.  It
lays out a state folder (a fresh temporary one unless --state names one to reuse):

    course/            a copy of the course root (config, source, release): the service's --root
    home/<student>/    each student's home, holding a copy of the release folder
    hub/               JupyterHub's database, cookie secret and proxy pid
    jupyter-config/    the student view's Jupyter config (tools/lab.py)
    checks.sqlite      the service's database of checks

then runs `jupyterhub -f tools/hub_config.py` on 127.0.0.1, waits until the hub and the service
answer, and prints the URL and the logins.  Ctrl-C (or SIGTERM) stops the hub, its proxy, the
students' servers and the service.

    python -m tools.hub [--port 8000] [--state DIR] [--rate 10/hour] [--show hints|score] [--students a,b]
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools import lab, student_env

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "cnn_step_by_step"
STUDENTS = ("alice", "bob")
INSTRUCTOR = "instructor"
PASSWORD = "check-my-work"
# The students' environment: the release's requirements plus the hub's single-user server, of the
# hub's own version (created once, like .venv-student).
HUB_STUDENT_VENV = ROOT / ".venv-hub-student"
STARTUP_SECONDS = 180


def singleuser_requirement() -> str:
    from importlib.metadata import version

    return f"jupyterhub=={version('jupyterhub')}"


def lab_settings() -> dict[str, object]:
    return {"@jupyterlab/apputils-extension/notification.jupyterlab-settings":
            {"fetchNews": "false", "checkForUpdates": False}}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def lay_out(state: Path, students: tuple[str, ...]) -> None:
    """The course copy and the students' homes, each made once: a restart keeps their work."""
    course = state / "course"
    if not course.exists():
        lab.copy_course(course)
    for student in (*students, INSTRUCTOR):
        home = state / "home" / student
        if not home.exists():
            shutil.copytree(ROOT / "release" / ASSIGNMENT, home / ASSIGNMENT,
                            ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        # No news or update toasts over the notebook's toolbar (the students' lab settings).
        for name, value in lab_settings().items():
            file = home / ".jupyter" / "lab" / "user-settings" / name
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(json.dumps(value), encoding="utf-8")
    (state / "hub").mkdir(exist_ok=True)
    lab.write_config_dir("student", state / "jupyter-config")


def settings(state: Path, port: int, python: Path, service_args: list[str],
             students: tuple[str, ...] = STUDENTS) -> dict[str, object]:
    """What tools/hub_config.py reads; the service command is SERVICE_API.md's."""
    venv_bin = Path(sys.executable).parent
    return {
        "state": str(state), "port": port, "hub_api_port": free_port(), "proxy_api_port": free_port(),
        "service_port": free_port(), "password": PASSWORD, "students": list(students), "instructor": INSTRUCTOR,
        "proxy": str(venv_bin / "configurable-http-proxy"),
        "singleuser": str(python.parent / "jupyterhub-singleuser"),
        "jupyter_config": str(state / "jupyter-config"),
        "course": str(state / "course"),
        "service_command": [str(venv_bin / "cnn-grade"), "serve", "--root", str(state / "course"),
                            "--db", f"sqlite:///{state / 'checks.sqlite'}", *service_args],
    }


def status_of(url: str) -> int | None:
    """The HTTP status `url` answers with, or None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except (urllib.error.URLError, OSError):
        return None


def wait_until_up(hub: subprocess.Popen[bytes], expected: dict[str, int]) -> None:
    """Until each URL answers with its status (the proxy's own 404 before a route is added is not enough)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    for url, status in expected.items():
        while status_of(url) != status:
            if hub.poll() is not None:
                raise SystemExit(f"JupyterHub exited with {hub.returncode} before {url} answered")
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer {status} within {STARTUP_SECONDS} s")
            time.sleep(0.5)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.hub", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="the hub's public port on 127.0.0.1")
    parser.add_argument("--state", type=Path, help="state folder to create or reuse (default: a new temporary one)")
    parser.add_argument("--python", type=Path,
                        help="the students' Python (default: .venv-hub-student, created on first use)")
    parser.add_argument("--rate", default="10/hour", help="the service's per-student rate limit")
    parser.add_argument("--show", choices=("hints", "score"), default="hints", help="what a check shows")
    parser.add_argument("--timeout", default="10", help="the service's grading timeout per submission, seconds")
    parser.add_argument("--students", default=",".join(STUDENTS),
                        help="comma-separated student logins (the tests need more than the demo's two)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    state = (args.state or Path(tempfile.mkdtemp(prefix="cnn-hub-"))).resolve()
    python = args.python or student_env.ensure(HUB_STUDENT_VENV, extra=(singleuser_requirement(),))
    students = tuple(name for name in args.students.split(",") if name)
    lay_out(state, students)
    config = settings(state, args.port, python,
                      ["--rate", args.rate, "--show", args.show, "--timeout", args.timeout], students)
    settings_file = state / "hub" / "settings.json"
    settings_file.write_text(json.dumps(config, indent=1), encoding="utf-8")
    env = dict(os.environ, CNN_HUB_SETTINGS=str(settings_file), CONFIGPROXY_AUTH_TOKEN=secrets.token_hex(32))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    command = [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(ROOT / "tools" / "hub_config.py")]
    hub = subprocess.Popen(command, cwd=state / "hub", env=env)
    signal.signal(signal.SIGTERM, lambda signum, _frame: hub.send_signal(signum))
    signal.signal(signal.SIGINT, lambda signum, _frame: hub.send_signal(signal.SIGTERM))
    url = f"http://127.0.0.1:{args.port}"
    # Through the proxy: the hub's API answers 200, the service refuses a request without a login.
    wait_until_up(hub, {f"{url}/hub/api/": 200, f"{url}/services/cnn-grade/api/me": 401})
    logins = "\n".join(f"  {name:<10} password {PASSWORD}" for name in (*students, INSTRUCTOR))
    print(f"\nJupyterHub with 'Check my work' is up: open {url}/\n{logins}\n"
          f"  ({INSTRUCTOR} is a hub admin and sees every check at {url}/services/cnn-grade/api/checks)\n"
          f"state: {state}   (Ctrl-C to stop)", flush=True)
    return hub.wait()


if __name__ == "__main__":
    sys.exit(main())
