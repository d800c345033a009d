"""Relief as other packages call it: the coverage counts (statistics) and rescreening elders
after a change made elsewhere (a guardian, the nightly batch, the demo seed). The modules
behind it, and the order in which they import each other, are mapped in docs/relief.md."""

from __future__ import annotations

from eldercare.relief.lists import coverage
from eldercare.relief.screening import refresh_counties, refresh_elders, refresh_region

__all__ = ["coverage", "refresh_counties", "refresh_elders", "refresh_region"]
