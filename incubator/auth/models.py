"""Accounts, roles, invitations and login attempts."""
import hashlib
import secrets
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from incubator.core.audit import audited
from incubator.core.db import LabelledEnum, TimestampMixin, enum_column
from incubator.core.time import now_utc
from incubator.extensions import db


class MembershipRole(LabelledEnum):
    """A member's role in a startup; here because invitations to a startup carry it (startups uses it too)."""

    owner = 'owner'
    member = 'member'

    @classmethod
    def labels(cls):
        return {cls.owner: _l('Owner'), cls.member: _l('Member')}


class Role(LabelledEnum):
    admin = 'admin'
    manager = 'manager'
    committee = 'committee'
    #: Reviews green-channel requests for the departments it is a reviewer of, and sees only those.
    department_reviewer = 'department_reviewer'

    @classmethod
    def labels(cls):
        return {cls.admin: _l('Administrator'), cls.manager: _l('Incubator manager'),
                cls.committee: _l('Committee member'), cls.department_reviewer: _l('Department reviewer')}


def _password_hasher():
    config = current_app.config
    return PasswordHasher(time_cost=config['PASSWORD_HASH_TIME_COST'],
                          memory_cost=config['PASSWORD_HASH_MEMORY_COST'],
                          parallelism=config['PASSWORD_HASH_PARALLELISM'])


def hash_token(token):
    """Tokens sent by mail are stored only as their SHA-256, so a database leak reveals none."""
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email):
    return (email or '').strip().lower()


@audited('user', _l('User'), exclude={'password_hash', 'session_version', 'last_login_at', 'locale'},
         label=lambda user: user.email, fields={'name': _l('Full name')})
class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = 'users'

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(10))
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    # Bumped on password change and deactivation: every older session stops working.
    session_version: Mapped[int] = mapped_column(default=1, server_default='1')
    last_login_at: Mapped[datetime | None]

    role_rows: Mapped[list['UserRole']] = relationship(
        back_populates='user', cascade='all, delete-orphan', lazy='selectin')
    memberships: Mapped[list['StartupMembership']] = relationship(  # noqa: F821
        back_populates='user', cascade='all, delete-orphan')
    #: Unread notifications as counted when a request loaded its user (in the same statement), so the
    #: navigation's bell costs no statement of its own; None when the user was loaded any other way.
    loaded_unread_count: Mapped[int | None] = query_expression()
    #: Of those, the ones leading to the page being shown (loaded with them on a GET; see notifications.views).
    loaded_opened_count: Mapped[int | None] = query_expression()

    def __repr__(self):
        return f'<User {self.id} {self.email}>'

    @property
    def roles(self):
        return {row.role for row in self.role_rows}

    def has_role(self, role):
        return role in self.roles

    def set_roles(self, roles):
        wanted = set(roles)
        self.role_rows = [row for row in self.role_rows if row.role in wanted]
        for role in sorted(wanted - self.roles, key=lambda r: r.value):
            self.role_rows.append(UserRole(role=role))

    @property
    def is_staff(self):
        return bool(self.roles)

    def get_id(self):
        return f'{self.id}:{self.session_version}'

    def set_password(self, password):
        self.password_hash = _password_hasher().hash(password)

    def check_password(self, password):
        try:
            ok = _password_hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _password_hasher().check_needs_rehash(self.password_hash):
            self.set_password(password)
        return ok

    def invalidate_sessions(self):
        self.session_version += 1


@audited('user_role', _l('User role'), object_id=lambda row: row.user_id,
         label=lambda row: db.session.get(User, row.user_id).email)
class UserRole(db.Model):
    __tablename__ = 'user_roles'

    user_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id', ondelete='CASCADE'), primary_key=True)
    role: Mapped[Role] = mapped_column(enum_column(Role), primary_key=True)

    user: Mapped[User] = relationship(back_populates='role_rows')


class InvitationKind(LabelledEnum):
    staff = 'staff'
    startup_member = 'startup_member'

    @classmethod
    def labels(cls):
        return {cls.staff: _l('Staff'), cls.startup_member: _l('Startup member')}


@audited('invitation', _l('Invitation'), exclude={'token_hash'}, label=lambda invitation: invitation.email)
class Invitation(db.Model):
    """An emailed, expiring invitation to join as staff or as a member of a startup."""

    __tablename__ = 'invitations'

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    kind: Mapped[InvitationKind] = mapped_column(enum_column(InvitationKind))
    role: Mapped[Role | None] = mapped_column(enum_column(Role))
    startup_id: Mapped[int | None] = mapped_column(sa.ForeignKey('startups.id', ondelete='CASCADE'),
                                                      index=True)
    membership_role: Mapped[MembershipRole | None] = mapped_column(enum_column(MembershipRole))
    locale: Mapped[str] = mapped_column(sa.String(10))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey('users.id'))
    created_at: Mapped[datetime] = mapped_column(default=now_utc)
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
    startup: Mapped[Optional['Startup']] = relationship()  # noqa: F821

    @staticmethod
    def new_token():
        return secrets.token_urlsafe(32)

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now_utc()

    @classmethod
    def open_clause(cls):
        """:attr:`is_open` as a query condition."""
        return sa.and_(cls.accepted_at.is_(None), cls.revoked_at.is_(None), cls.expires_at > now_utc())


class LoginAttempt(db.Model):
    """One try to log in; failures within the window throttle the account and the address."""

    __tablename__ = 'login_attempts'
    __table_args__ = (
        sa.Index('ix_login_attempts_email_attempted_at', 'email', 'attempted_at'),
        sa.Index('ix_login_attempts_ip_address_attempted_at', 'ip_address', 'attempted_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip_address: Mapped[str] = mapped_column(sa.String(45))
    attempted_at: Mapped[datetime] = mapped_column(default=now_utc)
    succeeded: Mapped[bool]


class PasswordResetRequest(db.Model):
    """One request for a password reset link; too many recent ones throttle the account and the address."""

    __tablename__ = 'password_reset_requests'
    __table_args__ = (
        sa.Index('ix_password_reset_requests_email_requested_at', 'email', 'requested_at'),
        sa.Index('ix_password_reset_requests_ip_address_requested_at', 'ip_address', 'requested_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    ip_address: Mapped[str] = mapped_column(sa.String(45))
    requested_at: Mapped[datetime] = mapped_column(default=now_utc)
