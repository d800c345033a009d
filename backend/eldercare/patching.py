"""Applying a JSON merge patch to a row: absent fields stay, ``null`` clears what may be empty."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def apply_patch(
    obj: Any, changes: Mapping[str, Any], *, required: Iterable[str] = (), blank: Iterable[str] = ()
) -> list[str]:
    """Set each given field; return the names that really changed.

    ``null`` for a ``required`` field is ignored (it cannot be emptied); for a ``blank`` field
    it means the empty string; for any other field it clears the value.
    """
    required, blank = set(required), set(blank)
    changed = []
    for field, value in changes.items():
        if value is None:
            if field in required:
                continue
            if field in blank:
                value = ""
        if getattr(obj, field) != value:
            setattr(obj, field, value)
            changed.append(field)
    return changed
