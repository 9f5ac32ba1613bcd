"""How the sandbox is started: the command line, its environment and what it can see.

bubblewrap (default where it works): no network, own PID/IPC/UTS/user namespaces, read-only
Python (the base interpreter and numpy/matplotlib only), a private size-bounded /tmp, the job
folder read-write, and nothing of the repository, the course, other submissions or the output
folder.  Fallback "rlimit": the same runner in a new session with resource limits only; it
cannot hide files, so the grader warns (and the class report says so).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from importlib import metadata
from pathlib import Path

from ..errors import GraderError
from .limits import Limits

GUEST_DIR = Path(__file__).resolve().parent / "guest"
# Inside the sandbox the guest modules are a package with a neutral name, so that
# `import autograder` fails there while the runner's relative imports still work.
PACKAGE = "cnn_untrusted"
SANDBOX_GRADER_DIR = "/opt/grader"
SANDBOX_JOB_DIR = "/job"
MPLCONFIG = "mplconfig"   # matplotlib's config and font cache, inside the job folder
RLIMIT_WARNING = ("student code ran without bubblewrap, with resource limits only (no file-system or "
                  "network isolation, and a process that leaves its session can outlive grading). "
                  "Install the Debian package 'bubblewrap' and use --sandbox auto or bwrap.")


@functools.lru_cache(maxsize=None)
def bwrap_works() -> bool:
    """True when /usr/bin/bwrap can create the namespaces we ask for on this machine."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    try:
        done = subprocess.run([*_bwrap_prefix(bwrap, Path(tempfile.gettempdir()), 8), "true"],
                              capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def resolve(kind: str) -> str:
    """'auto' → 'bwrap' when it works, else 'rlimit'; an explicit 'bwrap' that does not work is an error."""
    if kind == "rlimit":
        return "rlimit"
    if bwrap_works():
        return "bwrap"
    if kind == "bwrap":
        raise GraderError("--sandbox bwrap: bubblewrap (/usr/bin/bwrap) is missing or cannot create namespaces here")
    return "rlimit"


SANDBOX_SITE_DIR = "/opt/site"
# What student code may import besides the stdlib (with their dependencies): nothing else of
# the venv (not the grader's editable install, not nbgrader, not torch) is visible in the sandbox.
SANDBOX_DISTRIBUTIONS = ("numpy", "matplotlib", "h5py")  # h5py: old versions import it


def _python_paths() -> list[Path]:
    """The base interpreter's prefix (stdlib and shared libraries); the venv itself is not bound."""
    return sorted({Path(os.path.realpath(p)) for p in (sys.base_prefix, sys.base_exec_prefix)})


def _site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


@functools.lru_cache(maxsize=None)
def sandbox_packages() -> tuple[Path, ...]:
    """Top-level files and folders of site-packages that the sandbox offers need (their requirements' closure)."""
    seen, todo, tops = set(), list(SANDBOX_DISTRIBUTIONS), set()
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen:
            continue
        seen.add(key)
        try:
            distribution = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        todo += [re.split(r"[ ;<>=!~\[(]", r)[0] for r in distribution.requires or [] if "extra ==" not in r]
        for file in distribution.files or []:
            top = file.parts[0]
            if top not in ("..", "__pycache__") and not top.endswith(".dist-info"):
                tops.add(top)
    site = Path(_site_packages())
    return tuple(sorted(site / top for top in tops if (site / top).exists()))


def _bwrap_prefix(bwrap: str, job: Path, tmp_mb: int) -> list[str]:
    command = [bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
               "--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "lib32", "bin", "sbin"):
        target = Path("/") / name
        if target.is_symlink():
            command += ["--symlink", os.readlink(target), str(target)]
    for path in _python_paths():
        command += ["--ro-bind", str(path), str(path)]
    for path in sandbox_packages():
        command += ["--ro-bind", str(path), f"{SANDBOX_SITE_DIR}/{path.name}"]
    if Path("/etc/fonts").is_dir():  # fontconfig's configuration (matplotlib finds system fonts)
        command += ["--ro-bind", "/etc/fonts", "/etc/fonts"]
    command += ["--proc", "/proc", "--dev", "/dev", "--size", str(tmp_mb * 2**20), "--tmpfs", "/tmp",
                "--bind", str(job), SANDBOX_JOB_DIR, "--chdir", SANDBOX_JOB_DIR]
    return command


def _python_command(python: str, site: str, grader_dir: str, job: str, entry: str) -> list[str]:
    # -I -S: no user site, no PYTHONPATH, no .pth files (the editable install of the grader is
    # one); only `site` (numpy, matplotlib) and the runner's own folder are added to the path.
    bootstrap = (f"import sys; sys.path[:0] = [{site!r}, {grader_dir!r}]; "
                 f"from {PACKAGE}.{entry} import main; sys.exit(main({job!r}))")
    return [python, "-I", "-S", "-c", bootstrap]


@functools.lru_cache(maxsize=None)
def _rlimit_dirs() -> tuple[str, str]:
    """For the rlimit sandbox: (site folder of symlinks to numpy/matplotlib only, grader folder
    holding a private copy of the guest modules under the package name the runner uses)."""
    parent = Path(tempfile.mkdtemp(prefix="cnn-grader-"))
    site = parent / "site"
    site.mkdir()
    for path in sandbox_packages():
        (site / path.name).symlink_to(path)
    shutil.copytree(GUEST_DIR, parent / "grader" / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    return str(site), str(parent / "grader")


def runner_command(kind: str, job: Path, limits: Limits, entry: str = "runner") -> list[str]:
    """The command line that runs autograder/sandbox/guest/<entry>.py (runner, or the zygote that forks
    runners) on the job folder `job`."""
    if kind == "bwrap":
        prefix = _bwrap_prefix(shutil.which("bwrap") or "bwrap", job, limits.tmp_mb)
        prefix += ["--ro-bind", str(GUEST_DIR), f"{SANDBOX_GRADER_DIR}/{PACKAGE}"]
        return prefix + _python_command(os.path.realpath(sys.executable), SANDBOX_SITE_DIR,
                                        SANDBOX_GRADER_DIR, SANDBOX_JOB_DIR, entry)
    site, grader = _rlimit_dirs()
    return _python_command(sys.executable, site, grader, str(job), entry)


def environment(kind: str, job: Path) -> dict[str, str]:
    """A minimal environment: one BLAS thread (keeps numpy's address space small), matplotlib Agg."""
    inside = SANDBOX_JOB_DIR if kind == "bwrap" else str(job)
    return {"PATH": "/usr/bin:/bin", "HOME": "/tmp" if kind == "bwrap" else str(job), "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": f"{inside}/{MPLCONFIG}", "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@functools.lru_cache(maxsize=None)
def matplotlib_cache(kind: str) -> Path:
    """A matplotlib config folder with its font list already built, as seen from inside `kind`.

    Without it every submission's fresh /tmp makes matplotlib scan the system fonts again on
    import (seconds each).  Built once per grader process, copied into each job folder.
    """
    folder = Path(tempfile.mkdtemp(prefix="cnn-mplcache-"))
    (folder / MPLCONFIG).mkdir()
    warm_up = ["-I", "-S", "-c", "import sys; sys.path[:0] = [sys.argv[1]]; import matplotlib.pyplot"]
    if kind == "bwrap":
        command = [*_bwrap_prefix(shutil.which("bwrap") or "bwrap", folder, 64), os.path.realpath(sys.executable),
                   *warm_up, SANDBOX_SITE_DIR]
    else:
        command = [sys.executable, *warm_up, _rlimit_dirs()[0]]
    subprocess.run(command, env=environment(kind, folder), cwd=folder, capture_output=True, timeout=300)
    return folder / MPLCONFIG
