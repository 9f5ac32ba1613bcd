"""Start JupyterLab for an instructor (the course root, with formgrader) or a student (the release).

`make lab` and `make lab-student` call this, and so do the browser tests, so what is tested is what
people run.  Which nbgrader pieces are on is decided here, per run, through a private Jupyter config
directory put first on `JUPYTER_CONFIG_PATH`; nothing is enabled or disabled in a venv by hand.
The instructor's JupyterLab runs from `.venv` (the course's package: grader and answer key); the
student's from the student environment (`tools/student_env.py`: only the release's
requirements.txt), as on a student's machine, so neither the answer key nor the hidden cases can
be imported there.

    python -m tools.lab instructor [--root DIR] [--port N] [--token T] [-- extra jupyter lab args]
    python -m tools.lab student    [--root DIR] [--python PATH] ...
"""
from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from tools import student_env

COURSE_FILES = ("nbgrader_config.py", "source", "release")


def copy_course(destination: Path) -> Path:
    """A private copy of the course root (config, source, release), as an instructor has it."""
    destination.mkdir(parents=True)
    for name in COURSE_FILES:
        source = COURSE_ROOT / name
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, destination / name)
    return destination

COURSE_ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "cnn_step_by_step"

# nbgrader 0.9 ships one Jupyter server extension and one JupyterLab plugin per tool.
SERVER_EXTENSIONS = {
    "formgrader": "nbgrader.server_extensions.formgrader",
    "assignment_list": "nbgrader.server_extensions.assignment_list",
    "course_list": "nbgrader.server_extensions.course_list",
    "validate": "nbgrader.server_extensions.validate_assignment",
}
LAB_PLUGINS = {
    "formgrader": "@jupyter/nbgrader:formgrader",
    "assignment_list": "@jupyter/nbgrader:assignment-list",
    "course_list": "@jupyter/nbgrader:course-list",
    "create_assignment": "@jupyter/nbgrader:create-assignment",
    "validate": "@jupyter/nbgrader:validate-assignment",
}
# What each view may use: nbgrader's documented split, where students get the assignment list
# and the Validate button but neither formgrader nor the "create assignment" cell toolbar.
VIEWS = {
    "instructor": frozenset(LAB_PLUGINS),
    "student": frozenset({"assignment_list", "validate"}),
}


def write_config_dir(view: str, config_dir: Path) -> None:
    """Write the server and page config that turns nbgrader's tools on or off for `view`.

    Both are explicit in each direction (true and false), so a setting left in the venv or in
    ~/.jupyter by an earlier `jupyter ... enable/disable` cannot change what this view shows.
    """
    tools = VIEWS[view]
    server = {"ServerApp": {"jpserver_extensions": {
        module: name in tools for name, module in SERVER_EXTENSIONS.items()
    }}}
    page = {"disabledExtensions": {plugin: name not in tools for name, plugin in LAB_PLUGINS.items()}}
    (config_dir / "labconfig").mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_server_config.json").write_text(json.dumps(server, indent=1))
    (config_dir / "labconfig" / "page_config.json").write_text(json.dumps(page, indent=1))


def default_root(view: str) -> Path:
    """The instructor works in the course root; a student in the released assignment's folder."""
    return COURSE_ROOT if view == "instructor" else COURSE_ROOT / "release" / ASSIGNMENT


def lab_command(python: Path, root: Path, port: int, token: str, extra: list[str]) -> list[str]:
    """The `jupyter lab` command line of `python`'s environment, bound to localhost with a fixed token."""
    return [
        str(python), "-m", "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={root}",
        f"--IdentityProvider.token={token}",
        # Containers and CI run as root, where Jupyter refuses to start without this.
        *(["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []),
        *extra,
    ]


def lab_env(python: Path) -> dict[str, str]:
    """This process's environment with `python`'s scripts first on PATH, as in its activated venv
    (nbgrader runs `alembic` from PATH), and no PYTHONPATH that could add other packages."""
    env = {name: value for name, value in os.environ.items() if name not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join([str(python.parent), env.get("PATH", "")])
    return env


def run(view: str, root: Path, port: int, token: str, extra: list[str], python: Path) -> int:
    """Run JupyterLab from `python`'s environment until it exits.

    SIGTERM is passed on so the server can shut its kernels down; SIGINT (Ctrl-C) already reaches
    the server from the terminal, which then asks for confirmation as usual.
    """
    if not root.is_dir():
        print(f"error: {root} is not a folder (for the student view, run `make release` first)",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix=f"cnn-lab-{view}-") as config_dir:
        write_config_dir(view, Path(config_dir))
        env = lab_env(python)
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
            filter(None, [config_dir, os.environ.get("JUPYTER_CONFIG_PATH")]))
        print(f"{view} view of {root}\n"
              f"open http://127.0.0.1:{port}/lab?token={token}  (Ctrl-C to stop)", flush=True)
        # cwd = root: nbgrader's server extensions read nbgrader_config.py from the working folder.
        child = subprocess.Popen(lab_command(python, root, port, token, extra), cwd=root, env=env)
        signal.signal(signal.SIGTERM, lambda signum, _frame: child.send_signal(signum))
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return child.wait()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.lab", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("view", choices=sorted(VIEWS))
    parser.add_argument("--root", type=Path, help="folder to serve (default: course root / release)")
    parser.add_argument("--port", type=int, default=8888)
    parser.add_argument("--token", default=None, help="default: a fresh random token")
    parser.add_argument("--python", type=Path, default=None,
                        help="the Python of the environment to run JupyterLab and its kernels from (default: "
                             "this one for the instructor; .venv-student, created on first use, for the student)")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # Everything after `--` goes to `jupyter lab` unchanged.
    ours, extra = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv else (argv, [])
    args = build_parser().parse_args(ours)
    root = (args.root or default_root(args.view)).resolve()
    python = args.python or (Path(sys.executable) if args.view == "instructor" else student_env.ensure())
    return run(args.view, root, args.port, args.token or secrets.token_hex(24), extra, python)


if __name__ == "__main__":
    sys.exit(main())
