"""What relief asks of the domains above it (registered in :func:`eldercare.wiring.install`)."""

from __future__ import annotations

from typing import Any

from eldercare.hooks import Provider

# The elders another office's roster reports deceased while they are active or paid here
# (open discrepancies of the reconciliation): a subquery of their ids, which the payments
# to check list with those the screening finds.
roster_flagged: Provider[[], Any] = Provider("relief.roster_flagged")
