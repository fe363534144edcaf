"""Spaces: managers run them; startups see the ones in use and book them."""
from incubator.auth.permissions import is_staff
from incubator.core.permissions import hidden_unless, rule
from incubator.startups.models import StartupStatus


@rule('spaces.manage')
def _manage_spaces(user, obj):
    """Spaces, blackouts, certifications and free quotas (a site's hours: ``sites.manage_hours``)."""
    return is_staff(user)


@rule('space.view')
def _view_space(user, space):
    return is_staff(user) or (space.is_active and space.site.is_active)


@rule('space.book')
def _book_space(user, space):
    return _view_space(user, space) and space.is_active and space.site.is_active and any(
        membership.startup.status == StartupStatus.incubating for membership in user.memberships)


hidden_unless('Space', 'space.view')
