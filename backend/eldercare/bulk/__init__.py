"""Bulk data: imports (as persisted jobs), streaming exports, templates and the change feed."""
