"""The server extension's endpoint: `POST <base_url>cnn-check-my-work/check` with `{"path": ...}`.

The browser never talks to the grading service itself: this handler, behind jupyter_server's own
login (token or hub cookie, XSRF), reads the notebook as saved through the contents manager and
forwards its bytes with the server's token, so the token never reaches the page.
"""
from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import tornado.web
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import ensure_async, url_path_join

from cnn_check_my_work.errors import NotConfigured
from cnn_check_my_work.service import Reply, post_check

ROUTE = "cnn-check-my-work/check"


class CheckHandler(APIHandler):
    def _answer(self, reply: Reply) -> None:
        self.set_status(reply.status)
        if reply.retry_after:
            self.set_header("Retry-After", reply.retry_after)
        self.finish(json.dumps(reply.body))

    def _error(self, status: int, message: str) -> None:
        self._answer(Reply(status, {"error": message}))

    async def _saved_bytes(self, path: str) -> bytes:
        """The file's bytes exactly as saved (base64 keeps them byte for byte)."""
        model: dict[str, Any] = await ensure_async(
            self.contents_manager.get(path, content=True, type="file", format="base64"))
        return base64.b64decode(model["content"])

    @tornado.web.authenticated
    async def post(self) -> None:
        body = self.get_json_body()
        path = body.get("path") if isinstance(body, dict) else None
        if not isinstance(path, str) or not path.endswith(".ipynb"):
            return self._error(400, 'The request needs {"path": "<a notebook (.ipynb) below the server root>"}.')
        try:
            data = await self._saved_bytes(path)
        except tornado.web.HTTPError as failure:
            return self._error(failure.status_code, f"Cannot read {path}: {failure.log_message or failure.reason}.")
        try:
            reply = await asyncio.to_thread(post_check, data)
        except NotConfigured as missing:
            return self._error(500, str(missing))
        self._answer(reply)


def setup_handlers(web_app: tornado.web.Application) -> None:
    web_app.add_handlers(".*$", [(url_path_join(web_app.settings["base_url"], ROUTE), CheckHandler)])
