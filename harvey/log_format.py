"""Log formatting for dotted event names: `hrms.sync.page_committed organization=3 run=17 records=500`.

Callers log an event name as the message and put the context in `extra=`; this formatter appends those
extras as key=value pairs so plain-text logs stay greppable without a JSON pipeline.
"""

from __future__ import annotations

import logging

_STANDARD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


class EventFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = {key: value for key, value in record.__dict__.items() if key not in _STANDARD_ATTRIBUTES}
        if not extras:
            return line
        context = " ".join(f"{key}={value}" for key, value in sorted(extras.items()))
        head, newline, rest = line.partition("\n")  # keep tracebacks below the event line
        return f"{head} {context}{newline}{rest}"
