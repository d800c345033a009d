"""What volunteers ask of the domains built on them (see :mod:`eldercare.hooks`), registered
by :func:`eldercare.wiring.install`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from eldercare.hooks import Hook

# After a pairing was made (the elder's id): visits stops flagging an elder who moved and
# lost their helper as needing one.
paired: Hook[[Session, str]] = Hook("volunteers.hooks.paired")
