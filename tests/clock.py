"""The application's clock (``eldercare.clock``), set and moved by a test instead of waiting.

Code that reads the time through ``eldercare.clock.now()`` (or ``today()``) sees the test's
time; ``clock`` is the fixture (a conftest or test module imports it)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from eldercare.db import utcnow


class Clock:
    def __init__(self) -> None:
        self.now = utcnow().replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr("eldercare.clock.utcnow", c)
    return c
