"""pytest set-up shared by every test: the checkout's `tools` (demo, reference and expected builders)
and `tests/support.py` are importable; helpers live in support.py."""
from __future__ import annotations

import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
for folder in (REPOSITORY, REPOSITORY / "tests"):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
