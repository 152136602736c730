"""Start-up trims applied once by the `clientnest` entry point (never on import).

Each one skips work a library does on import or first use that ClientNest never
needs; each is measured against `python -c "import typer"` (issue 16, B10/B11).
"""

from __future__ import annotations

import os
import re
import sys
import types
from pathlib import Path
from typing import Any


def _no_httpx_cli() -> None:
    raise SystemExit("the httpx command-line client is not part of ClientNest; run `httpx` itself")


_INT = re.compile(r"-?[0-9]{1,18}")


def _plain(descriptor: Any) -> type | None:
    """The leaf type of a parameter whose common values need no Pydantic, or None."""
    info, annotation = descriptor.parameter_info, descriptor.annotation
    if info.parser is not None or info.clamp or getattr(descriptor, "file_annotation", None):
        return None
    args = getattr(annotation, "__args__", ())
    if getattr(annotation, "__origin__", None) is list and len(args) == 1:
        annotation = args[0]
    if annotation in (str, int, bool) or (
        isinstance(annotation, type) and issubclass(annotation, Path)
    ):
        return annotation  # type: ignore[no-any-return]
    return None


def _quick(kind: type, value: Any, info: Any) -> Any:
    """``value`` as Typer's Pydantic adapter would give it, for the plain cases;
    ``_SLOW`` when the adapter must decide (any doubt, and every error)."""
    if kind is str:
        return value if isinstance(value, str) else _SLOW
    if kind is bool:
        return value if isinstance(value, bool) else _SLOW
    if kind is int:
        if isinstance(value, str) and _INT.fullmatch(value):
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            return _SLOW
        low, high = info.min, info.max
        return (
            _SLOW
            if (low is not None and value < low) or (high is not None and value > high)
            else value
        )
    return _SLOW  # paths: the adapter (rare; only when one is given)


_SLOW = object()


def _light_coercion() -> None:
    """Typer (0.29+) builds a Pydantic TypeAdapter for every parameter of the
    command being run, importing Pydantic (about one `import typer` more) and
    building schemas, even for a plain ``str`` or ``int`` option. Plain values
    are converted here exactly as those adapters convert them; anything else,
    and every error, still goes to Typer's own adapter, so messages do not change."""
    try:
        from typer import _coercion, core
    except ImportError:  # another Typer: nothing to trim
        return
    original = getattr(core, "build_runtime_param", None)
    base = getattr(_coercion, "RuntimeParam", None)
    if original is None or base is None:
        return

    class Light(base):  # type: ignore[misc, valid-type]
        def __init__(self, descriptor: Any, kind: type) -> None:
            super().__init__(descriptor.parameter_info, descriptor.annotation)
            object.__setattr__(self, "_descriptor", descriptor)
            object.__setattr__(self, "_kind", kind)
            object.__setattr__(self, "_full", None)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if getattr(self.annotation, "__origin__", None) is list:
                items = value if isinstance(value, list | tuple) else [value]
                quick = [_quick(self._kind, item, self.parameter_info) for item in items]
                if all(q is not _SLOW for q in quick):
                    return quick
            else:
                quick = _quick(self._kind, value, self.parameter_info)
                if quick is not _SLOW:
                    return quick
            if self._full is None:
                object.__setattr__(self, "_full", original(self._descriptor))
            return self._full._coerce_value(value, param=param, ctx=ctx)

    def build(descriptor: Any) -> Any:
        kind = _plain(descriptor)
        return original(descriptor) if kind is None else Light(descriptor, kind)

    core.build_runtime_param = build


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
    _light_coercion()


def before_exit() -> None:
    """Spare the interpreter's teardown its garbage collections.

    At exit CPython collects garbage over every object still alive, several
    times; after pandas and scikit-learn are loaded that is 120,000 objects and
    about 0.1 s a pass (0.5–0.7 s in all, measured for `analytics predict`).
    Frozen objects are left out of those passes. Nothing else changes: atexit
    handlers, logging's shutdown and the flushing of stdout/stderr run as before,
    and objects without cycles are still freed when their module is cleared."""
    import gc

    gc.freeze()
