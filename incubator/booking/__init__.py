"""Space booking: spaces, availability, bookings, quotas, approvals, waitlists and calendar feeds."""


def init_app(app):
    from incubator.booking import (  # noqa: F401 (register them; usage keeps the quota sums)
        feed_views,
        jobs,
        models,
        notifications,
        permissions,
        report_views,
        usage,
        views,
    )
    from incubator.booking.blueprint import bp
    from incubator.booking.cli import bookings_cli
    from incubator.booking.queries import space_has_bookings
    from incubator.spaces.operations import register_usage_check
    app.register_blueprint(bp)
    register_usage_check(space_has_bookings)
    app.cli.add_command(bookings_cli)
