"""Structured JSON logs that never carry passwords, tokens or ID numbers."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# 18-digit resident IDs (last may be X), 15-digit legacy IDs, bearer/JWT-looking tokens,
# and password=... fragments.
_ID_RE = re.compile(r"(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?!\d)|(?<!\d)(\d{6})\d{6}(\d{3})(?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_JWT_RE = re.compile(r"eyJ[\w-]+\.[\w-]+\.[\w-]+")
_BEARER_RE = re.compile(r"(?i)(bearer\s+)\S+")
_SECRET_RE = re.compile(
    r"(?i)((?:password|secret|refresh_token|access_token)[\"']?\s*[:=]\s*[\"']?)[^\s&\"',}]+"
)
# Cheap first look: text none of the patterns above could match is returned as it is.
_SUSPECT_RE = re.compile(r"\d{11}|eyJ|bearer|password|secret|_token", re.IGNORECASE)
# Fields the formatter itself fills, and the request id (generated, or a client's own
# checked against ID-number-looking digit runs): never personal data.
_SAFE_FIELDS = frozenset({"time", "level", "logger", "request_id"})


def redact(text: str) -> str:
    if _SUSPECT_RE.search(text) is None:
        return text
    text = _JWT_RE.sub("[token]", text)
    text = _BEARER_RE.sub(r"\1[token]", text)
    text = _SECRET_RE.sub(r"\1[redacted]", text)
    text = _ID_RE.sub(lambda m: "[id-number]", text)
    return _MOBILE_RE.sub(r"\1****\2", text)


ACCESS_LOGGER = "eldercare.access"
ACCESS_FIELDS = ("method", "path", "status", "duration_ms")


class RedactingJsonFormatter(JsonFormatter):
    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        rid = request_id_var.get()
        if rid and "request_id" not in log_data:
            log_data["request_id"] = rid
        log_data.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate
        return {
            k: redact(v) if isinstance(v, str) and k not in _SAFE_FIELDS else v
            for k, v in log_data.items()
        }

    def format(self, record: logging.LogRecord) -> str:
        # The access log's one line per request has a fixed shape: built directly, it costs
        # a fraction of the general path (the same fields, in the same order).
        if record.name == ACCESS_LOGGER and not record.exc_info:
            return self.access_line(
                self.formatTime(record),
                record.levelname,
                record.name,
                record.getMessage(),
                [getattr(record, key, None) for key in ACCESS_FIELDS],
            )
        return super().format(record)

    @staticmethod
    def access_line(time: str, level: str, logger: str, message: str, values: list[Any]) -> str:
        data: dict[str, Any] = {"time": time, "level": level, "logger": logger, "message": message}
        for key, value in zip(ACCESS_FIELDS, values, strict=True):
            data[key] = redact(value) if isinstance(value, str) else value
        rid = request_id_var.get()
        if rid:
            data["request_id"] = rid
        return json.dumps(data, ensure_ascii=False)

    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei)
        return redact(text if isinstance(text, str) else "\n".join(text))


class _Stamp:
    """What ``Formatter.formatTime`` reads of a record."""

    __slots__ = ("created", "msecs")

    def __init__(self, created: float) -> None:
        self.created = created
        self.msecs = int((created - int(created)) * 1000) + 0.0


_handler: logging.StreamHandler[Any] | None = None
_access = logging.getLogger(ACCESS_LOGGER)


def access(method: str, path: str, status: int, duration_ms: float) -> None:
    """Log one request. While logging is as ``configure`` left it (its one handler, nothing
    else listening), the line goes straight to that handler's stream: the same line the
    logging machinery would write, at a third of its cost per request."""
    handler = _handler
    if (
        handler is not None
        and logging.root.handlers == [handler]
        and not _access.handlers
        and _access.propagate
        and not _access.disabled
        and _access.isEnabledFor(logging.INFO)
    ):
        formatter = handler.formatter
        assert isinstance(formatter, RedactingJsonFormatter)
        line = formatter.access_line(
            formatter.formatTime(_Stamp(time.time())),  # type: ignore[arg-type]
            "INFO",
            ACCESS_LOGGER,
            "request",
            [method, path, status, duration_ms],
        )
        with handler.lock:  # type: ignore[union-attr]
            handler.stream.write(line + handler.terminator)
            handler.flush()
        return
    _access.info(
        "request",
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )


def configure(level: str = "INFO") -> None:
    global _handler
    handler = logging.StreamHandler(sys.stderr)
    _handler = handler
    handler.setFormatter(
        RedactingJsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    logging.getLogger("alembic").setLevel(logging.WARNING)
    # Our own access log replaces uvicorn's (which would print query strings).
    logging.getLogger("uvicorn.access").disabled = True
