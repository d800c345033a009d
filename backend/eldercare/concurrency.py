"""Optimistic concurrency: ``version`` columns exposed as ETags, checked with If-Match."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header, Response

from eldercare.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = etag(version)


class Versions(int):
    """What an ``If-Match`` with several tags, or ``*``, accepts. It is an ``int`` (the
    first version listed) so that it travels wherever a version does; only
    :func:`check_version` looks at the rest."""

    accepted: frozenset[int] | None  # None: any current version (``If-Match: *``)

    def __new__(cls, versions: frozenset[int] | None) -> Versions:
        obj = super().__new__(cls, min(versions) if versions else 0)
        obj.accepted = versions
        return obj

    def matches(self, current: int) -> bool:
        return self.accepted is None or current in self.accepted


ANY_VERSION = Versions(None)
_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*|\s*([0-9]+)\s*')


def parse_if_match(value: str | None) -> int | None:
    """The versions an ``If-Match`` header accepts (RFC 9110 §13.1.1).

    ``*`` matches any current representation: the write proceeds whatever the version, so
    it skips the lost-update check (the resource must exist: 404 otherwise). A list of tags
    matches if any of them is the current version. If-Match compares strongly: a weak tag
    (``W/"2"``) never matches, so a header of weak tags only is 412. A bare number is
    taken as its quoted tag (lenient; the ETags sent are quoted).
    """
    if value is None:
        return None
    value = value.strip()
    if value == "*":
        return ANY_VERSION
    strong: set[int] = set()
    for item in value.split(","):
        m = _TAG.fullmatch(item)
        if m is None:
            raise PreconditionFailed()
        weak, quoted, bare = m.groups()
        text = quoted if quoted is not None else bare
        if weak or not text or not text.isdigit() or len(text) > 18:
            continue  # a weak or foreign tag matches no version of ours
        strong.add(int(text))
    if not strong:
        raise PreconditionFailed()
    if len(strong) == 1:
        return next(iter(strong))
    return Versions(frozenset(strong))


def _accepts(expected: int, version: int) -> bool:
    if isinstance(expected, Versions):
        return expected.matches(version)
    return expected == version


def expected_version(if_match: str | None, body_version: int | None) -> int:
    """The version the client last saw: from If-Match, else from the body; one is required.
    Given both, the body's must be one the header accepts."""
    header = parse_if_match(if_match)
    if header is not None and body_version is not None:
        if not _accepts(header, body_version):
            raise PreconditionFailed()
        return body_version
    version = header if header is not None else body_version
    if version is None:
        raise PreconditionRequired()
    return version


def optional_version(if_match: str | None, body_version: int | None) -> int | None:
    """As ``expected_version`` when the client gave a version (header or body), else None:
    for moves that may be made without one (a transition checks its ``from`` state)."""
    if parse_if_match(if_match) is None and body_version is None:
        return None
    return expected_version(if_match, body_version)


def check_version(current: int, expected: int) -> None:
    if not _accepts(expected, current):
        raise PreconditionFailed(extra={"current_version": current})


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag (version) last read; required unless `version` is in the body. "
        "Several tags: any may match; `*`: any current version (skips the lost-update check); "
        'a weak tag (`W/"1"`) never matches',
    ),
]
