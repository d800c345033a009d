"""Optimistic concurrency: ``version`` columns exposed as ETags, checked with If-Match."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header, Response

from eldercare.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    try:
        return int(value)
    except ValueError:
        raise PreconditionFailed() from None


def expected_version(if_match: str | None, body_version: int | None) -> int:
    """The version the client last saw: from If-Match, else from the body; one is required."""
    header = parse_if_match(if_match)
    if header is not None and body_version is not None and header != body_version:
        raise PreconditionFailed()
    version = header if header is not None else body_version
    if version is None:
        raise PreconditionRequired()
    return version


def check_version(current: int, expected: int) -> None:
    if current != expected:
        raise PreconditionFailed(extra={"current_version": current})


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag (version) last read; required unless `version` is in the body",
    ),
]
