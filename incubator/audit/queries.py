"""The read side of the audit log: filtered, newest first."""
from datetime import datetime, time, timedelta

import sqlalchemy as sa

from incubator.core.audit import AuditAction, AuditEntry
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
    """One page of the filtered entries: two statements whatever the page holds."""
    return paginate(audit_entries(**filters), page, per_page)


def stream_audit_entries(**filters):
    """Every filtered entry, fetched in batches so an export of the whole log stays small in memory.

    A generator: the query runs when a streamed response first asks for a row,
    after the request's commit has closed the transaction it would otherwise use.
    """
    yield from db.session.execute(audit_entries(**filters).execution_options(yield_per=500)).scalars()
