from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from eldercare.db import utcnow


class Clock:
    """The application's clock (``eldercare.clock``), moved by hand."""

    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    c = Clock()
    monkeypatch.setattr("eldercare.clock.utcnow", c)
    return c
