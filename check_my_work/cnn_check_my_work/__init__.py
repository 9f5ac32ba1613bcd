""""Check my work" for the CNN Step by Step assignment, the student's side.

In JupyterLab: the notebook toolbar's "Check my work" button (this package's prebuilt extension and
its server extension).  Anywhere else, from a cell:

    from cnn_check_my_work import check_my_work
    check_my_work("cnn_step_by_step.ipynb")

Both send the saved notebook to the course's grading service named by CNN_CHECK_URL, with the token
CNN_CHECK_TOKEN (or, on a JupyterHub, the server's JUPYTERHUB_API_TOKEN), and show its feedback.
"""
from __future__ import annotations

from typing import Any

from cnn_check_my_work.call import check, check_my_work

__all__ = ["check", "check_my_work"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "cnn-check-my-work"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "cnn_check_my_work"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    from cnn_check_my_work.handler import setup_handlers

    setup_handlers(server_app.web_app)
    server_app.log.info("cnn_check_my_work: POST %scnn-check-my-work/check forwards to the grading service",
                        server_app.web_app.settings["base_url"])
