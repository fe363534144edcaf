"""The read side: a record's files, a page of records' files in one query, totals for the limits."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from incubator.attachments.models import Attachment
from incubator.attachments.registry import owner_type_of
from incubator.extensions import db


def _of(owner):
    return sa.and_(Attachment.owner_kind == owner_type_of(owner).kind, Attachment.owner_id == owner.id)


def attachments_of(owner):
    """``owner``'s files, oldest first, with their uploaders."""
    return attachments_for([owner])[owner.id]


def attachments_for(owners):
    """{owner id: its files, oldest first} for a page of owners, in one query (their uploaders loaded too)."""
    owners = list(owners)
    found = {owner.id: [] for owner in owners}
    if not owners:
        return found
    rows = db.session.execute(
        sa.select(Attachment).where(sa.or_(*(_of(owner) for owner in owners)))
        .options(joinedload(Attachment.uploaded_by)).order_by(Attachment.uploaded_at, Attachment.id)).scalars()
    for attachment in rows:
        found[attachment.owner_id].append(attachment)
    return found


def totals_of(owner):
    """(how many files, how many bytes) ``owner`` holds."""
    count, size = db.session.execute(
        sa.select(sa.func.count(Attachment.id), sa.func.coalesce(sa.func.sum(Attachment.size), 0))
        .where(_of(owner))).one()
    return count, int(size)


def recorded_names(names):
    """Which of the stored file ``names`` have a row."""
    names = list(names)
    recorded = set()
    for start in range(0, len(names), 500):
        recorded.update(db.session.execute(sa.select(Attachment.stored_name).where(
            Attachment.stored_name.in_(names[start:start + 500]))).scalars())
    return recorded
