"""The code a student wrote: what is between the release's markers."""
from __future__ import annotations

import textwrap

START, END = "### START CODE HERE", "### END CODE HERE"


def written_code(cells: list[str]) -> str:
    """The code between the markers of `cells` (each region dedented), or all of it without markers."""
    regions: list[str] = []
    current: list[str] | None = None
    for line in "\n".join(cells).splitlines():
        if START in line:
            current = []
        elif END in line and current is not None:
            regions.append(textwrap.dedent("\n".join(current)))
            current = None
        elif current is not None:
            current.append(line)
    return "\n".join(regions) if regions else "\n".join(cells)
