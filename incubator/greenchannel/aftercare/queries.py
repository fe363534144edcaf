"""Reads after a green-channel decision: the running public notices, a request's aftercare page."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.extensions import db
from incubator.greenchannel.models import FulfilmentItem, GreenRequest, NoticeState, PublicNotice
from incubator.spaces.models import Space


def running_notices(now):
    """The notices open to objections now, the soonest ending first (request, startup, category loaded)."""
    return db.session.scalars(
        sa.select(PublicNotice).where(PublicNotice.state == NoticeState.open, PublicNotice.starts_at <= now,
                                      PublicNotice.ends_at > now)
        .options(selectinload(PublicNotice.request).selectinload(GreenRequest.startup),
                 selectinload(PublicNotice.request).selectinload(GreenRequest.category))
        .order_by(PublicNotice.ends_at, PublicNotice.id)).all()


def public_notice(notice_id):
    """A notice as the public page shows it; None if there is none or it was reopened (withdrawn from view)."""
    notice = db.session.get(PublicNotice, notice_id)
    if notice is None or notice.state == NoticeState.reopened:
        return None
    return notice


def request_for_aftercare(request_id):
    return db.session.scalars(sa.select(GreenRequest).where(GreenRequest.id == request_id).options(
        selectinload(GreenRequest.fulfilment_items).selectinload(FulfilmentItem.space),
        selectinload(GreenRequest.events))).first()


def notices_of(request):
    return db.session.scalars(sa.select(PublicNotice).where(PublicNotice.request_id == request.id)
                              .options(selectinload(PublicNotice.objections))
                              .order_by(PublicNotice.round.desc())).all()


def lab_spaces():
    return db.session.scalars(sa.select(Space).where(Space.is_active.is_(True)).order_by(Space.name)).all()
