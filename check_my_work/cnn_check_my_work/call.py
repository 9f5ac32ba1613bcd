"""The Python call for notebooks run outside JupyterLab (classic Notebook, VS Code, a script)."""
from __future__ import annotations

from pathlib import Path

from cnn_check_my_work.feedback import Feedback
from cnn_check_my_work.service import post_check


def check(path: str | Path) -> Feedback:
    """Send the notebook file at `path`, as saved on disk, to the grading service; its answer.

    Raises NotConfigured when CNN_CHECK_URL is unset, OSError when the file cannot be read; the
    service's refusals (rate limit, full queue, not logged in, down) are answers, not exceptions.
    """
    file = Path(path)
    return Feedback(str(file), post_check(file.read_bytes()))


def check_my_work(path: str | Path = "cnn_step_by_step.ipynb") -> None:
    """Check the saved notebook at `path` and show the feedback: HTML in Jupyter, text elsewhere.

    Save the notebook first (Ctrl-S): the service grades the file, not what is on screen.
    """
    feedback = check(path)
    try:
        from IPython import get_ipython
        from IPython.display import HTML, display
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython is not None else None
    if shell is not None and getattr(shell, "kernel", None) is not None:
        display(HTML(feedback.html()))
    else:
        print(feedback.text())
