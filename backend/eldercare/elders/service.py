"""The register's service, as the router and other domains call it: each function lives in
the module of its concern (this module only re-exports them, so callers need not know which).

- ``access``: which elders a caller may see, one elder by its ID, audited reveals, names;
- ``identity_checks``: ID number parsing, minimum age, duplicates, the village;
- ``facts``: derived facts (left-behind status, categories, risk) and ``recompute``;
- ``history``: snapshots, change entries, the history list, an elder as of a date;
- ``lifecycle``: create, update, status changes, moves, risk overrides, households;
- ``guardians``: adding, changing and removing guardians;
- ``queries``: the list statement, scope, filters, search and sort orders;
- ``merges``: possible duplicates, merges and undoing them;
- ``policy``: a county's register policy and recomputing a county;
- ``refresh``: the daily refresh of stale derived facts.
"""

from __future__ import annotations

from eldercare.elders.access import (
    REVEAL_ROLES,
    elder_names,
    elder_scope,
    get_elder,
    merged_into,
    reveal,
    reveal_pair,
    village_names,
)
from eldercare.elders.facts import guardians_of, recompute
from eldercare.elders.guardians import add_guardian, delete_guardian, get_guardian, update_guardian
from eldercare.elders.history import history, transient_as_of
from eldercare.elders.identity_checks import check_identity
from eldercare.elders.lifecycle import (
    change_status,
    create_elder,
    move,
    set_risk_override,
    update_elder,
    verify,
)
from eldercare.elders.merges import list_merges, merge, possible_duplicates, undo_merge
from eldercare.elders.policy import get_policy, put_policy, recompute_county
from eldercare.elders.queries import (
    LIST_COLUMNS,
    SORTS,
    filter_clauses,
    list_elders,
    list_statement,
    scope_clauses,
    shared_page_sql,
)
from eldercare.elders.refresh import bring_current, claim_day, is_current

__all__ = [
    "LIST_COLUMNS",
    "REVEAL_ROLES",
    "SORTS",
    "add_guardian",
    "bring_current",
    "change_status",
    "check_identity",
    "claim_day",
    "create_elder",
    "delete_guardian",
    "elder_names",
    "elder_scope",
    "filter_clauses",
    "get_elder",
    "get_guardian",
    "get_policy",
    "guardians_of",
    "history",
    "is_current",
    "list_elders",
    "list_merges",
    "list_statement",
    "merge",
    "merged_into",
    "move",
    "possible_duplicates",
    "put_policy",
    "recompute",
    "recompute_county",
    "reveal",
    "reveal_pair",
    "scope_clauses",
    "set_risk_override",
    "shared_page_sql",
    "transient_as_of",
    "undo_merge",
    "update_elder",
    "update_guardian",
    "verify",
    "village_names",
]
