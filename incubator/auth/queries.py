"""The read side of accounts."""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from incubator.auth.models import Invitation, InvitationKind, Role, User, UserRole, normalize_email
from incubator.core.db import contains_pattern
from incubator.extensions import db


def user_by_email(email):
    return db.session.execute(sa.select(User).filter_by(email=normalize_email(email))).scalar_one_or_none()


def active_managers():
    """The managers told of what needs them (approvals, payment problems, fapiao requests)."""
    return db.session.execute(
        sa.select(User).join(UserRole).where(UserRole.role == Role.manager, User.is_active.is_(True))
    ).scalars().all()


#: The role filter's value for the people who hold no staff role: startups' owners and members.
NO_ROLE = 'none'


def users_query(text=None, role=None, enabled=None):
    """The accounts an administrator looks for, by name: ``text`` found in the name or the email (any case),
    a ``role`` (or ``NO_ROLE``), enabled or not."""
    query = sa.select(User).options(selectinload(User.role_rows)).order_by(User.name, User.id)
    if text:
        pattern = contains_pattern(text)
        query = query.where(sa.or_(User.name.ilike(pattern, escape='\\'), User.email.ilike(pattern, escape='\\')))
    if role == NO_ROLE:
        query = query.where(~User.role_rows.any())
    elif role is not None:
        query = query.where(User.role_rows.any(UserRole.role == role))
    if enabled is not None:
        query = query.where(User.is_active.is_(enabled))
    return query


def open_staff_invitations():
    query = (sa.select(Invitation)
             .options(selectinload(Invitation.invited_by))
             .where(Invitation.kind == InvitationKind.staff, Invitation.open_clause())
             .order_by(Invitation.created_at.desc()))
    return db.session.execute(query).scalars().all()


def open_member_invitations(startup):
    query = (sa.select(Invitation)
             .where(Invitation.startup_id == startup.id, Invitation.open_clause())
             .order_by(Invitation.created_at.desc()))
    return db.session.execute(query).scalars().all()
