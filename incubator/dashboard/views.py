"""The home page: the work queues of each of the user's roles; and the queue links of the navigation."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from incubator.dashboard.queries import count_badge, dashboard_for, nav_queues

bp = Blueprint('dashboard', __name__)


@bp.app_context_processor
def inject_queues():
    """``nav_queues()`` for the navigation: the counts come from one statement shared with the home page."""
    def queues():
        if not current_user.is_authenticated:
            return []
        return nav_queues(current_user)
    return {'nav_queues': queues}


bp.add_app_template_filter(count_badge, 'countbadge')


@bp.route('/')
@login_required
def index():
    return render_template('dashboard/index.html', dashboard=dashboard_for(current_user))
