"""Administrators complete the working-day calendar: each year's public holidays and make-up workdays."""


def init_app(app):
    """Register the blueprint, the permission rules and the ``flask calendar`` commands."""
    from incubator.workcalendar import permissions  # noqa: F401 (register the rules)
    from incubator.workcalendar.cli import calendar_cli
    from incubator.workcalendar.views import bp
    app.register_blueprint(bp)
    app.cli.add_command(calendar_cli)
