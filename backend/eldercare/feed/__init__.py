"""The change feed: every create, update and delete of a watched record, in commit order per
record, read from a cursor by integrations (``GET /changes``). Any domain's models ask to be
watched (:func:`eldercare.feed.changes.watch`); nothing here knows a domain."""
