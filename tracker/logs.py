"""Logging for the CLI and the daemon: the `tracker` logger hierarchy to stderr, with every
record passed through the secret redactor. The library itself only ever gets loggers."""

from __future__ import annotations

import logging

from tracker.secrets import Redactor


class RedactingFilter(logging.Filter):
    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redactor(record.getMessage())
        record.args = None
        return True


def configure(debug: bool = False, redactor: Redactor | None = None, json_lines: bool = False) -> None:
    """Readable lines by default; one JSON object a line with `json_lines` (for log shippers)."""
    logger = logging.getLogger("tracker")
    if any(getattr(h, "_tracker", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler()
    if json_lines:
        from tracker.observe.jsonlog import JsonFormatter

        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
    handler.addFilter(RedactingFilter(redactor or Redactor()))
    handler._tracker = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    # A round still running at its next tick is skipped on purpose (max_instances=1): not news.
    logging.getLogger("apscheduler").setLevel(logging.DEBUG if debug else logging.ERROR)
