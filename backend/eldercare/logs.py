"""Structured JSON logs that never carry passwords, tokens or ID numbers."""

from __future__ import annotations

import logging
import re
import sys
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

    def formatException(self, ei: Any) -> str:
        text = super().formatException(ei)
        return redact(text if isinstance(text, str) else "\n".join(text))


_access = logging.getLogger(ACCESS_LOGGER)


def access(method: str, path: str, status: int, duration_ms: float) -> None:
    """Log one request (the path, never the query string: it may hold names or ID numbers)."""
    _access.info(
        "request",
        extra={"method": method, "path": path, "status": status, "duration_ms": duration_ms},
    )


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
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
