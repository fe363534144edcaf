"""The write side of accounts: log in, invite, accept, reset, manage roles. Flush only."""
import hashlib
import logging

import sqlalchemy as sa
from blinker import signal
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from incubator.auth.models import (
    Invitation,
    InvitationKind,
    LoginAttempt,
    MembershipRole,
    PasswordResetRequest,
    Role,
    User,
    hash_token,
    normalize_email,
)
from incubator.auth.queries import user_by_email
from incubator.core.errors import Conflict, DomainError, NotAllowed
from incubator.core.permissions import can
from incubator.core.time import now_utc
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.notifications.email import queue_email
from incubator.notifications.operations import link_to, notify

logger = logging.getLogger(__name__)

#: Sent with ``user`` when an invitation to a startup is accepted: startups grants the membership (it sits
#: above auth, so auth cannot create one itself).
startup_invitation_accepted = signal('wutong.startup-invitation-accepted')


class LoginThrottled(DomainError):
    status_code = 429
    code = 'auth.login_throttled'


class InvalidCredentials(DomainError):
    code = 'auth.invalid_credentials'


class PasswordResetThrottled(DomainError):
    status_code = 429
    code = 'auth.password_reset_throttled'


# --- logging in -------------------------------------------------------------

@operation(keeping=(InvalidCredentials,))
def authenticate(email, password, ip_address):
    """Return the active user with these credentials, recording the attempt.

    Refused outright, whatever the password, after too many recent failures for
    the account or for the address.
    """
    email = normalize_email(email)
    if _throttled(LoginAttempt, LoginAttempt.attempted_at, email, ip_address, LoginAttempt.succeeded.is_(False)):
        logger.warning('Login throttled for %s from %s', email, ip_address)
        raise LoginThrottled(_l('Too many failed logins. Please wait %(minutes)s minutes and try again, '
                                'or reset your password.'), minutes=_throttle_minutes())
    user = user_by_email(email)
    if user is None:
        _equalize_timing(password)
        succeeded = False
    else:
        succeeded = user.check_password(password) and user.is_active
    db.session.add(LoginAttempt(email=email, ip_address=ip_address, succeeded=succeeded))
    if not succeeded:
        logger.info('Failed login for %s from %s', email, ip_address)
        raise InvalidCredentials(_l('The email or password is not correct, or the account is disabled.'))
    user.last_login_at = now_utc()
    db.session.flush()
    return user


def _throttled(model, at, email, ip_address, *criteria):
    """Whether the account or the address reached LOGIN_THROTTLE_LIMIT rows of ``model`` within the window.

    Logins (their failures) and password-reset requests are throttled by this one rule.
    """
    config = current_app.config
    since = now_utc() - config['LOGIN_THROTTLE_WINDOW']

    def count(criterion):
        query = sa.select(sa.func.count()).select_from(model).where(criterion, at >= since, *criteria)
        return db.session.execute(query).scalar_one()

    limit = config['LOGIN_THROTTLE_LIMIT']
    return count(model.email == email) >= limit or count(model.ip_address == ip_address) >= limit


def _throttle_minutes():
    return int(current_app.config['LOGIN_THROTTLE_WINDOW'].total_seconds() // 60)


def _equalize_timing(password):
    """Spend as long on an unknown email as on a known one, so timing reveals no accounts."""
    User(password_hash='').set_password(password or '')


# --- passwords ---------------------------------------------------------------

@helper
def check_password_strength(password, email=''):
    if len(password or '') < current_app.config['PASSWORD_MIN_LENGTH']:
        raise DomainError(_l('The password must have at least %(count)s characters.'),
                          count=current_app.config['PASSWORD_MIN_LENGTH'], code='auth.password_too_short')
    if email and password.strip().lower() == normalize_email(email):
        raise DomainError(_l('The password must not be your email address.'), code='auth.password_is_email')


@operation
def change_password(user, current_password, new_password):
    if not user.check_password(current_password):
        raise DomainError(_l('The current password is not correct.'), code='auth.wrong_current_password')
    check_password_strength(new_password, user.email)
    user.set_password(new_password)
    user.invalidate_sessions()
    db.session.flush()


def _reset_serializer():
    return URLSafeTimedSerializer(current_app.config['SECRET_KEY'], salt='wutong.password-reset')


def _password_fingerprint(user):
    """Part of the token: once the password changes, every earlier reset link is dead."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


@operation
def request_password_reset(email, locale, ip_address):
    """Mail a reset link if an active account has this email; say nothing either way.

    Throttled like logins, for the account and for the address: each request mails someone.
    """
    email = normalize_email(email)
    if _throttled(PasswordResetRequest, PasswordResetRequest.requested_at, email, ip_address):
        logger.warning('Password reset throttled for %s from %s', email, ip_address)
        raise PasswordResetThrottled(_l('Too many password reset requests. Please wait %(minutes)s minutes and '
                                        'try again.'), minutes=_throttle_minutes())
    db.session.add(PasswordResetRequest(email=email, ip_address=ip_address))
    user = user_by_email(email)
    if user is None or not user.is_active:
        logger.info('Password reset asked for unknown or inactive %s', normalize_email(email))
        return None
    token = _reset_serializer().dumps({'user': user.id, 'fingerprint': _password_fingerprint(user)})
    max_age = current_app.config['PASSWORD_RESET_MAX_AGE']
    queue_email(user.email, 'auth/password_reset', user.locale or locale, user=user, token=token,
                hours=int(max_age.total_seconds() // 3600))
    return token


@helper
def user_for_reset_token(token):
    max_age = current_app.config['PASSWORD_RESET_MAX_AGE'].total_seconds()
    invalid = DomainError(_l('This password reset link is invalid or has expired. Please ask for a new one.'),
                          code='auth.reset_link_invalid')
    try:
        data = _reset_serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        raise invalid from None
    user = db.session.get(User, data.get('user')) if isinstance(data, dict) else None
    if user is None or not user.is_active or data.get('fingerprint') != _password_fingerprint(user):
        raise invalid
    return user


@operation
def reset_password(token, new_password):
    user = user_for_reset_token(token)
    check_password_strength(new_password, user.email)
    user.set_password(new_password)
    user.invalidate_sessions()
    db.session.flush()
    logger.info('Password reset for user %s', user.id)
    return user


# --- invitations ---------------------------------------------------------------

@operation
def invite_staff(inviter, email, name, role, locale):
    if not can(inviter, 'users.manage'):
        raise NotAllowed(_l('Only administrators may invite staff.'), code='auth.not_admin')
    email = normalize_email(email)
    if user_by_email(email) is not None:
        raise Conflict(_l('%(email)s already has an account; change its roles on the user page instead.'),
                       email=email, code='auth.email_taken')
    return _invite(inviter, email, name, locale, kind=InvitationKind.staff, role=Role(role))


@operation
def invite_startup_member(inviter, startup, email, name, membership_role, locale):
    if not can(inviter, 'startup.manage_members', startup):
        raise NotAllowed(_l('Only managers and the startup\'s owners may invite members.'),
                         code='auth.may_not_invite_members')
    email = normalize_email(email)
    user = user_by_email(email)
    if user is not None and startup.membership_of(user) is not None:
        raise Conflict(_l('%(email)s is already a member of this startup.'), email=email, code='auth.already_member')
    return _invite(inviter, email, name, locale, kind=InvitationKind.startup_member, startup=startup,
                   membership_role=MembershipRole(membership_role))


def _invite(inviter, email, name, locale, **target):
    for earlier in _open_invitations(email, target.get('kind'), target.get('startup')):
        earlier.revoked_at = now_utc()
    token = Invitation.new_token()
    invitation = Invitation(email=email, name=name.strip(), locale=locale, token_hash=hash_token(token),
                            invited_by=inviter, expires_at=now_utc() + current_app.config['INVITATION_MAX_AGE'],
                            **target)
    db.session.add(invitation)
    db.session.flush()
    queue_email(email, 'auth/invitation', locale, invitation=invitation, token=token,
                has_account=user_by_email(email) is not None)
    logger.info('User %s invited %s (%s)', inviter.id, email, invitation.kind.value)
    return invitation


def _open_invitations(email, kind, startup):
    query = sa.select(Invitation).where(Invitation.email == email, Invitation.kind == kind,
                                        Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None))
    if startup is not None:
        query = query.where(Invitation.startup_id == startup.id)
    return db.session.execute(query).scalars().all()


@helper
def invitation_for_token(token):
    invitation = db.session.execute(
        sa.select(Invitation).filter_by(token_hash=hash_token(token or ''))).scalar_one_or_none()
    if invitation is None or not invitation.is_open:
        raise DomainError(_l('This invitation link is invalid, has expired or was already used. '
                             'Ask for a new invitation.'), code='auth.invitation_invalid')
    return invitation


@operation
def accept_invitation(token, acting_user=None, password=None):
    """Create the invitee's account (or use the logged-in one) and grant what was offered."""
    invitation = invitation_for_token(token)
    user = user_by_email(invitation.email)
    if user is not None:
        if acting_user is None or acting_user.id != user.id:
            raise NotAllowed(_l('Log in as %(email)s to accept this invitation.'), email=invitation.email,
                             code='auth.wrong_invitee')
    else:
        check_password_strength(password, invitation.email)
        user = User(email=invitation.email, name=invitation.name, locale=invitation.locale)
        user.set_password(password)
        db.session.add(user)
    if invitation.kind == InvitationKind.staff:
        user.set_roles(user.roles | {invitation.role})
    else:
        startup_invitation_accepted.send(invitation, user=user)
    invitation.accepted_at = now_utc()
    db.session.flush()
    logger.info('Invitation %s accepted by user %s', invitation.id, user.id)
    startup = invitation.startup
    link = link_to('startups.show', startup_id=startup.id) if startup else link_to('users.index')
    notify(invitation.invited_by, 'invitation_accepted', link=link, name=user.name,
           startup=startup.name if startup else None)
    return user


@operation
def revoke_invitation(actor, invitation):
    allowed = (can(actor, 'users.manage') if invitation.kind == InvitationKind.staff
               else can(actor, 'startup.manage_members', invitation.startup))
    if not allowed:
        raise NotAllowed(_l('You may not revoke this invitation.'), code='auth.may_not_revoke_invitation')
    if invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.revoked_at = now_utc()
        db.session.flush()


# --- the account itself and its administration -----------------------------

@operation
def update_profile(user, name, locale):
    if locale and locale not in current_app.config['LANGUAGES']:
        raise DomainError(_l('Unknown language.'), code='auth.unknown_language')
    user.name = name.strip()
    user.locale = locale or None
    db.session.flush()


@operation
def set_language(user, locale):
    if locale not in current_app.config['LANGUAGES']:
        raise DomainError(_l('Unknown language.'), code='auth.unknown_language')
    if user is not None and user.is_authenticated:
        user.locale = locale
        db.session.flush()


@operation
def update_user(admin, user, roles, active):
    """Set an account's roles and whether it is enabled; every check comes before any change."""
    if not can(admin, 'users.manage'):
        raise NotAllowed(_l('Only administrators may change accounts.'), code='auth.not_admin')
    roles = {Role(role) for role in roles}
    if admin.id == user.id and Role.admin not in roles:
        raise DomainError(_l('You cannot remove your own administrator role.'), code='auth.own_admin_role')
    if admin.id == user.id and not active:
        raise DomainError(_l('You cannot disable your own account.'), code='auth.own_account_disabled')
    user.set_roles(roles)
    if user.is_active != active:
        user.is_active = active
        user.invalidate_sessions()
    db.session.flush()
    logger.info('User %s updated user %s: roles %s, active %s', admin.id, user.id,
                sorted(role.value for role in roles), active)


@operation
def create_admin(email, name, password):
    """The first administrator of a real deployment (from the command line)."""
    email = normalize_email(email)
    if user_by_email(email) is not None:
        raise Conflict(_l('%(email)s already has an account.'), email=email, code='auth.email_taken')
    check_password_strength(password, email)
    user = User(email=email, name=name.strip())
    user.set_password(password)
    user.set_roles({Role.admin})
    db.session.add(user)
    db.session.flush()
    return user
