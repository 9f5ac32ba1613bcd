"""The one Jinja2 environment of the reports: templates in autograder/results/templates, autoescaping on."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape


@lru_cache(maxsize=1)
def environment() -> Environment:
    # Student names, feedback and tracebacks are untrusted text: autoescape every .html template.
    return Environment(loader=PackageLoader("autograder.results", "templates"),
                       autoescape=select_autoescape(["html"], default=True), trim_blocks=True, lstrip_blocks=True)


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
