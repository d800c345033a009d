"""Every table, imported once so Alembic and the tests see the whole metadata."""

from eldercare.audit.models import AuditEvent
from eldercare.auth.models import IntegrationClient, LoginThrottle, RefreshToken, RevokedToken, User
from eldercare.bulk.models import ImportChunk, ImportJob, ImportRowError
from eldercare.db import Base
from eldercare.elders.models import (
    Elder,
    ElderChange,
    ElderMerge,
    Guardian,
    Household,
    RegisterPolicy,
    RegisterRefresh,
)
from eldercare.feed.models import Change
from eldercare.followups.models import FollowUp, FollowUpPolicyVersion, FollowUpTransition
from eldercare.incidents.models import Incident, IncidentPolicyVersion, IncidentTransition
from eldercare.regions.models import Region
from eldercare.relief.models import Benefit, ReliefFacts, ReliefPolicyVersion, ReliefScreening
from eldercare.rosters.models import Roster, RosterDiscrepancy, RosterMatch
from eldercare.stats.models import StatsRefresh, StatsRollup
from eldercare.sweeps.models import Sweep, SweepConfirmation
from eldercare.visits.models import Visit
from eldercare.volunteers.models import Pairing, Volunteer

__all__ = [
    "AuditEvent",
    "Base",
    "Benefit",
    "Change",
    "Elder",
    "ElderChange",
    "ElderMerge",
    "FollowUp",
    "FollowUpPolicyVersion",
    "FollowUpTransition",
    "Guardian",
    "Household",
    "ImportChunk",
    "ImportJob",
    "ImportRowError",
    "Incident",
    "IncidentPolicyVersion",
    "IncidentTransition",
    "IntegrationClient",
    "LoginThrottle",
    "Pairing",
    "RefreshToken",
    "Region",
    "RegisterPolicy",
    "RegisterRefresh",
    "ReliefFacts",
    "ReliefPolicyVersion",
    "ReliefScreening",
    "RevokedToken",
    "Roster",
    "RosterDiscrepancy",
    "RosterMatch",
    "StatsRefresh",
    "StatsRollup",
    "Sweep",
    "SweepConfirmation",
    "User",
    "Visit",
    "Volunteer",
]
