"""The read side of the audit log: filtered, newest first, and grouped by action for people."""
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from incubator.core.audit import AuditAction, AuditEntry, shown_label
from incubator.core.db import contains_pattern
from incubator.core.pagination import paginate
from incubator.core.time import from_local
from incubator.extensions import db


def audit_entries(object_type=None, object_id=None, actor=None, action=None, date_from=None, date_to=None):
    """The entries matching every filter given, as a select; dates are whole days in the site's timezone."""
    query = sa.select(AuditEntry).order_by(AuditEntry.occurred_at.desc(), AuditEntry.id.desc())
    if object_type:
        query = query.where(AuditEntry.object_type == object_type)
    if object_id:
        query = query.where(AuditEntry.object_id == object_id)
    if actor:
        query = query.where(AuditEntry.actor_label.ilike(contains_pattern(actor), escape='\\'))
    if action:
        query = query.where(AuditEntry.action == AuditAction(action))
    if date_from:
        query = query.where(AuditEntry.occurred_at >= from_local(datetime.combine(date_from, time.min)))
    if date_to:
        next_day = datetime.combine(date_to + timedelta(days=1), time.min)
        query = query.where(AuditEntry.occurred_at < from_local(next_day))
    return query


def audit_page(page, per_page, **filters):
    """One page of the filtered entries: one statement whatever the page holds."""
    return paginate(audit_entries(**filters), page, per_page)


def stream_audit_entries(**filters):
    """Every filtered entry, fetched in batches so an export of the whole log stays small in memory.

    A generator: the query runs when a streamed response first asks for a row,
    after the request's commit has closed the transaction it would otherwise use.
    """
    yield from db.session.execute(audit_entries(**filters).execution_options(yield_per=500)).scalars()


#: Entries written this close together by the same actor from the same address are one action
#: (one request or job flushes several times, each flush stamping its own time).
SAME_ACTION = timedelta(seconds=2)


@dataclass
class LoggedAction:
    """One action as people see it: who, when, and every object it changed (an object changed twice once)."""

    occurred_at: datetime
    actor_label: str
    request_ip: str | None
    entries: list = field(default_factory=list)


@dataclass
class ObjectChange:
    action: AuditAction
    object_type: str
    object_id: str
    summary: str
    changes: dict


def group_actions(entries):
    """Newest-first ``entries`` as actions: neighbours by the same actor and address within SAME_ACTION join
    one action, and within it the changes of one object merge (its earliest before, its latest after)."""
    actions = []
    for entry in entries:
        current = actions[-1] if actions else None
        if (current is None or entry.action == AuditAction.viewed
                or (entry.actor_label, entry.request_ip) != (current.actor_label, current.request_ip)
                or current.occurred_at - entry.occurred_at > SAME_ACTION
                or any(change.action == AuditAction.viewed for change in current.entries)):
            current = LoggedAction(entry.occurred_at, entry.actor_label, entry.request_ip)
            actions.append(current)
        _merge(current, entry)
    return actions


def _merge(action, entry):
    for change in action.entries:
        if (change.object_type, change.object_id) == (entry.object_type, entry.object_id):
            # ``entry`` is older: its "before" wins, the later "after" stays.
            for key, (before, after) in (entry.changes or {}).items():
                change.changes[key] = [before, change.changes[key][1] if key in change.changes else after]
            if entry.action == AuditAction.created:
                change.action = AuditAction.created
            return
    action.entries.append(ObjectChange(entry.action, entry.object_type, entry.object_id, _summary(entry),
                                       {key: list(value) for key, value in (entry.changes or {}).items()}))


def _summary(entry):
    """The entry's label as its reader reads it; none where it only repeats the id the row shows ("Booking 5 #5")."""
    return '' if entry.summary == f'#{entry.object_id}' else shown_label(entry.object_type, entry.summary)
