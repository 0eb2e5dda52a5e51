"""One JSON object per log line, for log shippers (journald, Loki, Elasticsearch).

The readable format stays the default; `tracker --log-format json` switches to this. Fields
are stable: ts (UTC, ISO 8601), level, logger, message, plus `exc` when an exception is
attached. Secrets are already scrubbed by the redacting filter before a record gets here.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)
