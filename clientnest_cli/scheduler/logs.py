"""Structured logs: one JSON object a line, in a rotating file in the log folder."""

from __future__ import annotations

import json
import logging
import logging.handlers
import sys
from datetime import UTC, datetime
from pathlib import Path

from clientnest_cli.domain.text import for_terminal, json_escape_invisible

_STANDARD = set(vars(logging.makeLogRecord({})))


class TerminalLines(logging.Formatter):
    """Log lines for a terminal: platform text in a message cannot drive it."""

    def format(self, record: logging.LogRecord) -> str:
        return for_terminal(super().format(record), 20_000)


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        data.update({k: v for k, v in vars(record).items() if k not in _STANDARD})
        if record.exc_info:
            data["exception"] = self.formatException(record.exc_info)
        return json_escape_invisible(json.dumps(data, default=str, ensure_ascii=False))


def setup_logging(log_dir: Path, level: str) -> Path:
    from clientnest_cli.paths import ensure_private_dir

    ensure_private_dir(log_dir)
    path = log_dir / "daemon.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=5_000_000, backupCount=5)
    handler.setFormatter(JsonLines())
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(TerminalLines("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger("clientnest")
    root.handlers[:] = [handler, console]
    root.setLevel(level)
    root.propagate = False
    return path
