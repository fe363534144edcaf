"""The home page: one dashboard, with the cards each of the user's roles needs."""
from flask import Blueprint, render_template
from flask_login import current_user, login_required

from incubator.dashboard.queries import dashboard_for

bp = Blueprint('dashboard', __name__)


@bp.route('/')
@login_required
def index():
    return render_template('dashboard/index.html', dashboard=dashboard_for(current_user))
