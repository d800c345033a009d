from __future__ import annotations

from tests.clock import clock

__all__ = ["clock"]
