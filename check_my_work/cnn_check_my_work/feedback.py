"""A check's answer as a student reads it, in text or HTML: the same content as JupyterLab's panel
(src/panel.ts, src/messages.ts): per exercise its status, score when shown, the likely mistakes and
the feedback text with its failing cases; or, for a refusal, what happened and when to retry."""
from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

from cnn_check_my_work.service import Reply

REFUSALS = {
    401: "You are not logged in to the grading service: check CNN_CHECK_TOKEN (or log in to the hub again).",
    403: "You are not logged in to the grading service: check CNN_CHECK_TOKEN (or log in to the hub again).",
    413: "This notebook is too large to check.",
    429: "You have reached your limit of checks for now.",
    502: "The grading service is down or not reachable.",
    503: "The grading service is busy (its queue is full): nothing was checked.",
}


def wait_text(seconds: float) -> str:
    return f"in {math.ceil(seconds)} s" if seconds < 90 else f"in {math.ceil(seconds / 60)} min"


def _score(item: dict[str, Any]) -> str | None:
    score, most = item.get("score"), item.get("max_score")
    return f"{score:g} / {most:g}" if isinstance(score, int | float) and isinstance(most, int | float) else None


@dataclass(frozen=True)
class Feedback:
    """The service's answer to one check of the notebook at `path`."""

    path: str
    reply: Reply

    @property
    def record(self) -> dict[str, Any] | None:
        """The record (results.json's submission schema plus "check"), when the check ran."""
        body = self.reply.body
        return body if self.reply.status == 200 and isinstance(body.get("exercises"), dict) else None

    def refusal(self) -> str:
        """Why there is no record, in a sentence or two."""
        said = str(self.reply.body.get("error", ""))
        opening = REFUSALS.get(self.reply.status, f"The check did not run (HTTP {self.reply.status}).")
        try:
            again = (
                f" You can check again {wait_text(float(self.reply.retry_after))}." if self.reply.retry_after else ""
            )
        except ValueError:
            again = ""
        return " ".join(part for part in (opening, said) if part) + again

    def _summary(self, record: dict[str, Any]) -> str:
        check = record.get("check") or {}
        score = _score(record)
        parts = [
            f"Check #{check.get('id', '?')}",
            f"at {check['created']}" if check.get("created") else "",
            f"score {score}" if score else "",
        ]
        return " · ".join(part for part in parts if part)

    def text(self) -> str:
        record = self.record
        if record is None:
            return self.refusal()
        lines = [f"Feedback on {self.path} ({self._summary(record)})"]
        if record.get("message"):
            lines.append(str(record["message"]))
        for name, item in record["exercises"].items():
            score = _score(item)
            lines += ["", f"{name}: {item.get('status', '?')}" + (f" ({score})" if score else "")]
            lines += [f"  Likely mistake: {mistake}" for mistake in item.get("diagnosis") or []]
            lines += [f"  {line}" for line in str(item.get("feedback", "")).splitlines()]
        return "\n".join(lines)

    def html(self) -> str:
        record = self.record
        if record is None:
            return (
                f'<div class="cnn-check-error" style="color:#b00;font-weight:bold">{html.escape(self.refusal())}</div>'
            )
        parts = [f"<h3>Feedback on {html.escape(self.path)}</h3>", f"<p>{html.escape(self._summary(record))}</p>"]
        if record.get("message"):
            parts.append(f"<p>{html.escape(str(record['message']))}</p>")
        for name, item in record["exercises"].items():
            status = str(item.get("status", "?"))
            score = _score(item)
            colour = "#080" if status == "passed" else "#b00"
            parts.append(
                f'<h4>{html.escape(name)} <span style="color:{colour}">{html.escape(status)}</span>'
                + (f" {html.escape(score)}" if score else "")
                + "</h4>"
            )
            mistakes = "".join(f"<li>Likely mistake: {html.escape(str(m))}</li>" for m in item.get("diagnosis") or [])
            if mistakes:
                parts.append(f"<ul>{mistakes}</ul>")
            lines = "".join(
                f'<div style="color:#b00">{html.escape(line)}</div>'
                if line.lstrip().startswith("FAIL")
                else f"<div>{html.escape(line)}</div>"
                for line in str(item.get("feedback", "")).splitlines()
            )
            parts.append(f'<pre style="white-space:pre-wrap;margin:0">{lines}</pre>')
        return '<div class="cnn-check-feedback">' + "".join(parts) + "</div>"
