"""Scheduled progress reviews of projects: opened each cadence period, self-assessed by the startup, rated and
decided by the manager; a stop suspends the startup's free booking quota. Reminders of deadlines."""


def init_app(app):
    from incubator.projects.reviews import jobs, models, notifications, permissions  # noqa: F401 (register them)
    from incubator.projects.reviews.views import bp
    app.register_blueprint(bp)
