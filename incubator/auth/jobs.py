"""Housekeeping of accounts' records, run by the daily ``housekeeping.purge`` job."""
from datetime import timedelta

import sqlalchemy as sa

from incubator.auth.models import LoginAttempt
from incubator.extensions import db
from incubator.scheduling.jobs import purge


@purge('login_attempts')
def purge_login_attempts(now):
    """Forget login attempts older than a day (throttling looks back less than that)."""
    return db.session.execute(sa.delete(LoginAttempt).where(
        LoginAttempt.attempted_at < now - timedelta(days=1))).rowcount
