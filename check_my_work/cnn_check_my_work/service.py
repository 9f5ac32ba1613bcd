"""The one HTTP call to the course's grading service: `POST api/check` with a notebook's bytes.

Both the server extension (for JupyterLab's button) and the Python call from a cell go through
`post_check`, so they send the same request and read the same answer.  The service decides who the
student is from the token alone (SERVICE_API.md); nothing here names a student.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cnn_check_my_work.errors import NotConfigured

URL_VARIABLE = "CNN_CHECK_URL"
# A standalone token first; on a JupyterHub the single-user server's (or kernel's) own hub token.
TOKEN_VARIABLES = ("CNN_CHECK_TOKEN", "JUPYTERHUB_API_TOKEN")
# The service answers within its grading timeout or refuses at once (429, 503); this only bounds a
# service that accepted the connection and then hung.
TIMEOUT_SECONDS = 300.0
UNREACHABLE = "The grading service is not reachable ({reason}). Try again later, or tell your instructor."


@dataclass(frozen=True)
class Reply:
    """What the service answered: its HTTP status, its JSON body, and `Retry-After` when it sent one."""

    status: int
    body: dict[str, Any]
    retry_after: str | None = None


def check_url(environ: Mapping[str, str] = os.environ) -> str:
    """The `api/check` endpoint below CNN_CHECK_URL (the service's base URL, prefix included)."""
    base = environ.get(URL_VARIABLE, "").strip()
    if not base:
        raise NotConfigured(f"{URL_VARIABLE} is not set, so there is no grading service to ask: "
                            "your instructor's course environment sets it.")
    return base.rstrip("/") + "/api/check"


def token(environ: Mapping[str, str] = os.environ) -> str | None:
    return next((environ[name] for name in TOKEN_VARIABLES if environ.get(name)), None)


def _json_body(raw: bytes, status: int) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if isinstance(body, dict):
        return body
    return {"error": f"The grading service answered HTTP {status} without a JSON object."}


def post_check(data: bytes, environ: Mapping[str, str] = os.environ) -> Reply:
    """Send a notebook's bytes to the service; a refusal or an unreachable service is a Reply too.

    Raises NotConfigured when CNN_CHECK_URL is unset.
    """
    headers = {"Content-Type": "application/x-ipynb+json"}
    secret = token(environ)
    if secret:
        headers["Authorization"] = f"token {secret}"
    request = urllib.request.Request(check_url(environ), data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return Reply(response.status, _json_body(response.read(), response.status))
    except urllib.error.HTTPError as refusal:
        with refusal:
            return Reply(refusal.code, _json_body(refusal.read(), refusal.code), refusal.headers.get("Retry-After"))
    except (urllib.error.URLError, OSError) as failure:
        reason = getattr(failure, "reason", failure)
        return Reply(502, {"error": UNREACHABLE.format(reason=reason)})
