"""Who is asking: identity comes from authentication, never from the request's body.

Two ways: a token file (standalone: CSV `student,token`, sent as `Authorization: token T`), or
JupyterHub (the service runs as a hub service; the hub resolves a user's API token or OAuth
cookie to the user).  Either way the answer is a `Student` or None (401).
"""
from __future__ import annotations

import csv
import hmac
import io
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from tornado.web import RequestHandler

from ..errors import GraderError
from ..grading.discover import student_id
from ..local_files import UnreadableFile, read_regular

MIN_TOKEN_CHARS = 16
MAX_TOKEN_FILE_BYTES = 16 * 2**20
_HEADER = ("student", "token")


@dataclass(frozen=True)
class Student:
    name: str            # the student id records and hidden cases use (grading.discover.student_id)
    admin: bool = False  # sees everyone's checks


class Identity(Protocol):
    async def identify(self, handler: RequestHandler) -> Student | None:
        """The authenticated caller of `handler`'s request, or None."""


def _bearer(handler: RequestHandler) -> str | None:
    scheme, _, token = handler.request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() or None if scheme.lower() in ("token", "bearer") else None


class TokenFile:
    """Standalone: the students and their tokens from a CSV file with the header `student,token`."""

    def __init__(self, path: Path, admins: Collection[str] = ()) -> None:
        try:
            text = read_regular(path, MAX_TOKEN_FILE_BYTES).decode("utf-8-sig")
        except (UnreadableFile, UnicodeDecodeError) as error:
            raise GraderError(f"cannot read the token file {path}: {error}") from None
        self._students = _parse_tokens(text, path)
        self._admins = frozenset(admins)

    async def identify(self, handler: RequestHandler) -> Student | None:
        given = _bearer(handler)
        if given is None:
            return None
        # Compare with every token, always: the time taken says nothing about which one nearly matched.
        found = None
        for token, name in self._students:
            if hmac.compare_digest(token.encode(), given.encode()):
                found = name
        return Student(found, found in self._admins) if found is not None else None


def _parse_tokens(text: str, path: Path) -> list[tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(cell.strip().lower() for cell in rows[0]) != _HEADER:
        raise GraderError(f"{path}: the first line must be the header `student,token`")
    students: list[tuple[str, str]] = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2:
            raise GraderError(f"{path}, line {number}: expected `student,token`, found {len(row)} fields")
        name, token = (cell.strip() for cell in row)
        if student_id(name) != name:
            raise GraderError(f"{path}, line {number}: {name!r} is not a student id (ASCII letters, digits, `._@+-`)")
        if len(token) < MIN_TOKEN_CHARS or not token.isprintable() or " " in token:
            raise GraderError(f"{path}, line {number}: the token of {name} must be at least {MIN_TOKEN_CHARS} "
                              "printable characters without spaces")
        students.append((token, name))
    tokens = [token for token, _ in students]
    if len(set(tokens)) != len(tokens):
        raise GraderError(f"{path}: two students have the same token")
    if len({name for _, name in students}) != len(students):
        raise GraderError(f"{path}: a student is listed twice")
    return students


class HubIdentity:
    """As a JupyterHub service: the hub says who holds the token (or the OAuth cookie).

    The token must carry the scope to access this service (`access:services!service=NAME`, what
    JupyterHub's HubAuth checks by default); a hub admin, or a user named in `admins`, is an admin.
    """

    def __init__(self, admins: Collection[str] = ()) -> None:
        from jupyterhub.services.auth import HubOAuth

        self.auth = HubOAuth.instance()
        if not self.auth.api_token:
            raise GraderError("not started by JupyterHub (no JUPYTERHUB_API_TOKEN): give --tokens FILE to run "
                              "standalone")
        self._admins = frozenset(admins)

    async def identify(self, handler: RequestHandler) -> Student | None:
        model: dict[str, Any] | None = await self.auth.get_user(handler, sync=False)
        if not model or model.get("kind", "user") != "user":
            return None
        if not self.auth.check_scopes(self.auth.access_scopes, model):
            return None
        name = student_id(str(model["name"]))
        return Student(name, bool(model.get("admin")) or name in self._admins)
