"""`cnn-grade serve`: "Check my work" over HTTP, graded where the answer key is.

A check is the record `cnn-grade grade` would write for the same bytes and student (the same
Grader, cases, sandbox and limits), kept in the checks database and answered as JSON (answer.py).
Who asks comes from authentication (identity.py), never from the body.  Admission is decided
before the body is read: no identity 401, a declared body over the bound 413, a check of the
student's already running or their rate used up 429, every slot busy and the queue full 503 — each
answered at once, so that nothing waits on a full service.

Endpoints, under the prefix (`/` standalone, JUPYTERHUB_SERVICE_PREFIX on a hub):
  POST api/check (body: the notebook's bytes) · GET api/me · GET api/checks · GET api/checks/<id>
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import math
import os
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tornado.http1connection import HTTP1Connection
from tornado.httpserver import HTTPServer
from tornado.web import Application, RequestHandler, stream_request_body

from ..errors import GraderError
from ..grading.grader import Grader
from ..local_files import MAX_SUBMISSION_BYTES
from ..results.checks import CheckStore, iso
from .answer import Show, answer
from .identity import HubIdentity, Identity, Student, TokenFile
from .rate import Rate

_JSON = "application/json; charset=utf-8"
# A body streamed without a length is read (and dropped) past the bound up to this, so that its
# sender gets a 413 that says why; beyond it the connection is closed.
_READ_AT_MOST = 2 * MAX_SUBMISSION_BYTES


@dataclass(frozen=True)
class ServeOptions:
    notebook: str                  # the file name records carry (the course's notebook)
    database: str                  # SQLAlchemy URL of the checks database
    tokens: Path | None = None     # standalone: the CSV of student,token; None: a JupyterHub service
    host: str = "127.0.0.1"
    port: int = 8765
    slots: int = 1
    queue: int = 16                # checks accepted beyond those being graded
    rate: Rate = Rate(10, "hour")  # noqa: RUF009  Rate is frozen: one shared default is safe
    show: Show = Show.HINTS
    timeout: float = 10.0
    memory_mb: int = 1024
    sandbox: str = "auto"
    admins: tuple[str, ...] = ()


class Refused(Exception):
    """A check not admitted: the status, the sentence for the student, and when to try again."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class Service:
    """The state behind the handlers: the grader, the checks, who is being graded now."""

    def __init__(self, options: ServeOptions, identity: Identity, store: CheckStore, grader: Grader) -> None:
        self.options, self.identity, self.store, self.grader = options, identity, store, grader
        self.running: set[str] = set()     # students with a check admitted and not yet answered

    def remaining(self, student: str) -> int:
        rate = self.options.rate
        return max(0, rate.checks - len(self.store.started_since(student, time.time() - rate.window)))

    def admit(self, student: str) -> None:
        """Reserve `student`'s check, or raise Refused."""
        if student in self.running:
            raise Refused(429, "a check of yours is still running: wait for its answer", 5)
        rate, now = self.options.rate, time.time()
        wait = rate.wait(self.store.started_since(student, now - rate.window), now)
        if wait > 0:
            raise Refused(429, f"you have used your {rate} checks: check again after {iso(now + wait)} "
                               f"(in {math.ceil(wait / 60)} min)", wait)
        if len(self.running) >= self.options.slots + self.options.queue:
            raise Refused(503, "the grading service is busy (its queue is full): check again in a minute", 30)
        self.running.add(student)

    async def check(self, student: str, data: bytes) -> dict[str, Any]:
        """Grade `data` for the admitted `student`; the answer, once the record is kept."""
        try:
            key = self.grader.key(data, student)
            number = self.store.start(student, hashlib.sha256(data).hexdigest(), key)
            future = self.grader.submit(data, student=student, filename=self.options.notebook)
            record = await asyncio.wrap_future(future)
            self.store.finish(number, record)
        finally:
            self.running.discard(student)
        check = self.store.get(number)
        assert check is not None
        return answer(check, record, self.options.show)


class _Api(RequestHandler):
    """Every endpoint: identify first (401 without), answer JSON, errors as {"error": ...}."""

    service: Service
    student: Student

    def initialize(self, service: Service) -> None:
        self.service = service

    async def prepare(self) -> None:
        student = await self.service.identity.identify(self)
        if student is None:
            self.set_header("WWW-Authenticate", 'token realm="cnn-grade"')
            self.fail(401, "not logged in: send `Authorization: token YOUR_TOKEN` (or log in to the hub)")
            return
        self.student = student

    def fail(self, status: int, message: str, retry_after: float | None = None) -> None:
        self.set_status(status)
        if retry_after is not None:
            self.set_header("Retry-After", str(max(1, math.ceil(retry_after))))
        self.reply({"error": message})

    def reply(self, body: dict[str, Any]) -> None:
        self.set_header("Content-Type", _JSON)
        self.set_header("Cache-Control", "no-store")
        self.finish(json.dumps(body, allow_nan=False, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        self.set_header("Content-Type", _JSON)
        self.finish(json.dumps({"error": self._reason}))

    def check_xsrf_cookie(self) -> None:
        """Tokens only in the header: no cookie, nothing for a cross-site form to ride on.  (On a hub,
        a cookie-authenticated POST is checked by HubOAuth itself before it is accepted.)"""


@stream_request_body
class CheckHandler(_Api):
    """POST api/check: the body is read only once the check is admitted, and at most the bound."""

    _body: bytearray
    _too_large: bool = False
    _admitted: bool = False

    async def prepare(self) -> None:
        await super().prepare()
        if self._finished:
            return
        if self.request.method != "POST":
            return
        declared = self.request.headers.get("Content-Length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_SUBMISSION_BYTES):
            self.fail(413, f"the notebook is larger than {MAX_SUBMISSION_BYTES // 2**20} MiB: clear large outputs "
                           "(Edit > Clear Outputs of All Cells), save and check again")
            return
        try:
            self.service.admit(self.student.name)
        except Refused as refusal:
            self.fail(refusal.status, refusal.message, refusal.retry_after)
            return
        self._admitted = True
        self._body = bytearray()
        if isinstance(self.request.connection, HTTP1Connection):
            self.request.connection.set_max_body_size(_READ_AT_MOST)

    def data_received(self, chunk: bytes) -> None:
        if self._admitted and not self._too_large:
            self._too_large = len(self._body) + len(chunk) > MAX_SUBMISSION_BYTES
            if not self._too_large:
                self._body += chunk

    async def post(self) -> None:
        if self._too_large:
            self._release()
            self.fail(413, f"the notebook is larger than {MAX_SUBMISSION_BYTES // 2**20} MiB")
            return
        self._admitted = False      # from here the check owns the reservation
        self.reply(await self.service.check(self.student.name, bytes(self._body)))

    def on_connection_close(self) -> None:
        self._release()

    def _release(self) -> None:
        if self._admitted:
            self._admitted = False
            self.service.running.discard(self.student.name)


class MeHandler(_Api):
    def get(self) -> None:
        options = self.service.options
        self.reply({"student": self.student.name, "admin": self.student.admin, "show": str(options.show),
                    "rate": str(options.rate), "remaining": self.service.remaining(self.student.name)})


class ChecksHandler(_Api):
    def get(self) -> None:
        checks = self.service.store.history(None if self.student.admin else self.student.name)
        shown = self.service.options.show is Show.SCORE
        self.reply({"checks": [check.summary(with_score=shown) for check in checks]})


class OneCheckHandler(_Api):
    def get(self, number: str) -> None:
        check = self.service.store.get(int(number))
        if check is None or not (self.student.admin or check.student == self.student.name):
            self.fail(404, f"no check {number} of yours")
        elif check.record is None:
            self.reply({"check": {"id": check.id, "created": iso(check.created), "sha256": check.sha256},
                        "status": check.status, "error": check.message})
        else:
            self.reply(answer(check, check.record, self.service.options.show))


class NotFoundHandler(_Api):
    def get(self) -> None:
        self.fail(404, "no such endpoint: POST api/check, GET api/me, GET api/checks, GET api/checks/<id>")

    post = get


def application(service: Service, prefix: str, extra: list[Any] | None = None) -> Application:
    api = prefix.rstrip("/") + "/api/"
    routes: list[Any] = [
        (api + "check", CheckHandler, {"service": service}),
        (api + "me", MeHandler, {"service": service}),
        (api + "checks", ChecksHandler, {"service": service}),
        (api + r"checks/(\d{1,18})", OneCheckHandler, {"service": service}),
        *(extra or []),
        (r".*", NotFoundHandler, {"service": service}),
    ]
    return Application(routes, cookie_secret=os.urandom(32))


def _hub_address() -> tuple[str, int, str]:
    """Where JupyterHub told its managed service to listen, and under which prefix."""
    url = urllib.parse.urlsplit(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))
    if not url.hostname or not url.port:
        raise GraderError("JUPYTERHUB_SERVICE_URL is not set: register the service with a url in the hub's config")
    return url.hostname, url.port, os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")


async def _run(options: ServeOptions, ready: Callable[[str, list[str]], None], stopped: Awaitable[object]) -> None:
    if options.tokens is not None:
        identity: Identity = TokenFile(options.tokens, options.admins)
        host, port, prefix, extra = options.host, options.port, "/", []
    else:
        from jupyterhub.services.auth import HubOAuthCallbackHandler

        identity = HubIdentity(options.admins)
        host, port, prefix = _hub_address()
        extra = [(prefix.rstrip("/") + "/oauth_callback", HubOAuthCallbackHandler)]
    store = CheckStore(options.database)
    store.recover()
    try:
        with Grader(slots=options.slots, timeout=options.timeout, memory_mb=options.memory_mb,
                    sandbox=options.sandbox) as grader:
            server = HTTPServer(application(Service(options, identity, store, grader), prefix, extra),
                                max_body_size=_READ_AT_MOST)
            server.listen(port, host)
            ready(f"http://{host}:{port}{prefix}", grader.warnings)
            try:
                await stopped
            finally:
                server.stop()
    finally:
        store.close()


def serve(options: ServeOptions, say: Callable[[str], None]) -> int:
    """Run the service until Ctrl-C or SIGTERM; checks in flight then are failed, and said so on restart."""
    def ready(url: str, warnings: list[str]) -> None:
        for warning in warnings:
            say(f"warning: {warning}")
        say(f"cnn-grade serve: checking {options.notebook} at {url}api/check ({options.slots} slot(s), queue "
            f"{options.queue}, {options.rate} per student, showing {options.show}); checks kept in {options.database}")

    async def main() -> None:
        await _run(options, ready, asyncio.Event().wait())

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        say("cnn-grade serve: stopped")
    return 0
