"""How a sandbox is started: the command line, its environment and what it can see.

bubblewrap (default where it works) starts a zygote (guest/zygote.py): no network, its own user,
PID, IPC, UTS and cgroup namespaces, no capability, everything read-only (`/` and `/dev` too;
/proc/sys covered, which bubblewrap itself leaves writable), only the base Python, numpy and
matplotlib, and nothing of the repository, the course, other submissions or the output folder.
Each job then gets a fresh box below the zygote (guest/jobbox.py).  When bubblewrap runs as
root the sandbox's user is 1000, not 0, so that the jobs' nested user namespaces can map it.

Fallback "rlimit": the runner in a fresh process and session with resource limits only; it cannot
hide files or outlive-proof its processes, so the grader warns (and the class report says so).
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

from ..errors import GraderError

GUEST_DIR = Path(__file__).resolve().parent / "guest"
# Inside the sandbox the guest modules are a package with a neutral name, so that
# `import autograder` fails there while the runner's relative imports still work.
PACKAGE = "cnn_untrusted"
SANDBOX_GRADER_DIR = "/opt/grader"
SANDBOX_SITE_DIR = "/opt/site"
SANDBOX_UID = 1000
ZYGOTE_TMP_MB = 64      # the zygote's own /tmp (matplotlib's font cache); every job mounts its own
RLIMIT_WARNING = ("student code ran without bubblewrap, with resource limits only (no file-system or "
                  "network isolation, and a process that leaves its session can outlive grading). "
                  "Install the Debian package 'bubblewrap' and use --sandbox auto or bwrap.")
# What student code may import besides the stdlib (with their dependencies): nothing else of
# the venv (not the grader's editable install, not nbgrader, not torch) is visible in the sandbox.
SANDBOX_DISTRIBUTIONS = ("numpy", "matplotlib", "h5py")  # h5py: old versions import it


@functools.cache
def bwrap_works() -> bool:
    """True when /usr/bin/bwrap can create the namespaces we ask for on this machine."""
    bwrap = shutil.which("bwrap")
    if not bwrap:
        return False
    try:
        done = subprocess.run([*_bwrap_prefix(bwrap), "true"], capture_output=True, timeout=30)
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


def _python_paths() -> list[Path]:
    """The base interpreter's prefix (stdlib and shared libraries); the venv itself is not bound."""
    return sorted({Path(os.path.realpath(p)) for p in (sys.base_prefix, sys.base_exec_prefix)})


@functools.cache
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
    site = Path(sysconfig.get_paths()["purelib"])
    return tuple(sorted(site / top for top in tops if (site / top).exists()))


def _covered_folders() -> list[Path]:
    """Folders inside what the sandbox binds (/usr, the base interpreter) where the grader or the
    answer key may be installed: the base interpreter's site-packages (a conda env, a Docker image's
    /usr/local, a system pip: no venv) and the folders holding this package and cnn_reference.
    Each is covered with an empty read-only tmpfs; numpy and matplotlib are bound at /opt/site."""
    import site
    from importlib.util import find_spec

    found = {Path(p) for p in site.getsitepackages([sys.base_prefix, sys.base_exec_prefix])}
    found.add(Path(__file__).parents[2])
    if (spec := find_spec("cnn_reference")) is not None and spec.origin:
        found.add(Path(spec.origin).parents[1])
    bound = [Path("/usr"), *_python_paths()]
    folders = {Path(os.path.realpath(p)) for p in found if p.is_dir()}
    return sorted(p for p in folders if any(p == b or b in p.parents for b in bound))


def _bwrap_prefix(bwrap: str) -> list[str]:
    command = [bwrap, "--unshare-user", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts",
               "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
    if os.geteuid() == 0:
        command += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    command += ["--ro-bind", "/usr", "/usr"]
    for name in ("lib", "lib64", "lib32", "bin", "sbin"):
        target = Path("/") / name
        if target.is_symlink():
            command += ["--symlink", os.readlink(target), str(target)]
    for path in _python_paths():
        command += ["--ro-bind", str(path), str(path)]
    for path in _covered_folders():
        command += ["--tmpfs", str(path), "--remount-ro", str(path)]
    for path in sandbox_packages():
        command += ["--ro-bind", str(path), f"{SANDBOX_SITE_DIR}/{path.name}"]
    command += ["--ro-bind", str(GUEST_DIR), f"{SANDBOX_GRADER_DIR}/{PACKAGE}"]
    if Path("/etc/fonts").is_dir():  # fontconfig's configuration (matplotlib finds system fonts)
        command += ["--ro-bind", "/etc/fonts", "/etc/fonts"]
    return [*command, "--proc", "/proc", "--ro-bind", "/proc/sys", "/proc/sys", "--dev", "/dev",
            "--size", str(ZYGOTE_TMP_MB * 2**20), "--tmpfs", "/tmp",
            "--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp"]


def _python_command(python: str, site: str, grader_dir: str, entry: str, fd: int) -> list[str]:
    # -I -S: no user site, no PYTHONPATH, no .pth files (the editable install of the grader is
    # one); only `site` (numpy, matplotlib) and the guest package's folder are added to the path.
    bootstrap = (f"import sys; sys.path[:0] = [{site!r}, {grader_dir!r}]; "
                 f"from {PACKAGE}.{entry} import main; sys.exit(main({fd}))")
    return [python, "-I", "-S", "-c", bootstrap]


def zygote_command(control_fd: int) -> list[str]:
    """bubblewrap running guest/zygote.py, its control socket on descriptor `control_fd`."""
    return _bwrap_prefix(shutil.which("bwrap") or "bwrap") + _python_command(
        os.path.realpath(sys.executable), SANDBOX_SITE_DIR, SANDBOX_GRADER_DIR, "zygote", control_fd)


def prepare_rlimit_folder(folder: Path) -> None:
    """For the rlimit sandbox: in `folder`, a site folder of links to numpy/matplotlib only and a
    private copy of the guest modules under the package name the runner uses."""
    site = folder / "site"
    site.mkdir()
    for path in sandbox_packages():
        (site / path.name).symlink_to(path)
    shutil.copytree(GUEST_DIR, folder / "grader" / PACKAGE, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "matplotlib").mkdir()


def runner_command(folder: Path, channel_fd: int) -> list[str]:
    """The rlimit sandbox's runner, with the folder prepare_rlimit_folder filled."""
    return _python_command(sys.executable, str(folder / "site"), str(folder / "grader"), "runner", channel_fd)


def environment(home: str, matplotlib_dir: str) -> dict[str, str]:
    """A minimal environment: one BLAS thread (keeps numpy's address space small), matplotlib Agg."""
    return {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": home, "LANG": "C.UTF-8", "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": matplotlib_dir, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1"}
