"""Spreadsheet-safe text: a string written to a CSV or XLSX file never acts as a formula.

Excel, WPS and LibreOffice may take a cell that starts with ``= + - @``, a tab or a carriage
return for a formula (OWASP, "CSV injection"), so such a string is written with a leading
apostrophe. Every file the server writes goes through :func:`inert` (or :func:`sql_inert`
where PostgreSQL writes the CSV itself), and every CSV or XLSX file read by an import goes
through :func:`restored`, which takes the apostrophe off again.

The rule is a bijection on strings, so export → import gives back exactly what was
exported: a string gets the apostrophe when, after any apostrophes it already starts with,
its first character is one of the six; ``'=x`` therefore goes out as ``''=x`` and comes
back as ``'=x``. Numbers and dates are not strings and stay as they are.
"""

from __future__ import annotations

from typing import Any

LEADS = ("=", "+", "-", "@", "\t", "\r")
_LEADS = frozenset(LEADS)
_WATCH = frozenset((*LEADS, "'"))


def inert(value: str) -> str:
    """``value`` as it may be written to a cell (see the module's rule)."""
    if value and value[0] in _WATCH and value.lstrip("'")[:1] in _LEADS:
        return "'" + value
    return value


def restored(value: str) -> str:
    """The inverse of :func:`inert`, for a cell read from an uploaded file."""
    if value[:1] == "'" and value.lstrip("'")[:1] in _LEADS:
        return value[1:]
    return value


def cell(value: Any) -> Any:
    """A value for a CSV or XLSX writer: strings made inert, anything else as it is."""
    return inert(value) if isinstance(value, str) else value


def sql_inert(col: Any) -> Any:
    """:func:`inert` as a PostgreSQL expression (for ``COPY ... TO`` exports).

    Nearly every value is settled by the code of its first character alone (one cheap call,
    no string built), so a million rows pay some 0.1 s per column for it.
    """
    from sqlalchemy import case, func

    leads = [ord(c) for c in LEADS]
    return case(
        (func.ascii(col).not_in([*leads, ord("'")]), col),
        (func.ascii(func.ltrim(col, "'")).in_(leads), func.concat("'", col)),
        else_=col,
    )
