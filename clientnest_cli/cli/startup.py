"""Start-up trims applied once by the `clientnest` entry point (never on import).

Each one skips work a library does on import or first use that ClientNest never
needs; each is measured against `python -c "import typer"` (issue 16, B10/B11).
"""

from __future__ import annotations

import os
import sys
import types


def _no_httpx_cli() -> None:
    raise SystemExit("the httpx command-line client is not part of ClientNest; run `httpx` itself")


def trim() -> None:
    # Pydantic scans every installed package's entry points for plugins the first
    # time a model is built (~50 ms, more than half of `import typer`); ClientNest
    # uses none. Anyone who wants theirs sets this variable themselves.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "1")
    # httpx's __init__ imports its command-line client (rich.console, click,
    # pygments: about one `import typer` more) whenever those are installed, only
    # to offer `httpx.main`; the `httpx` console script is another process.
    if "httpx" not in sys.modules:
        stub = types.ModuleType("httpx._main")
        stub.main = _no_httpx_cli  # type: ignore[attr-defined]
        sys.modules.setdefault("httpx._main", stub)
