"""Notifications in the app and by email: the kinds each domain registers, the outbox and its sender."""


def init_app(app):
    from incubator.notifications import email, jobs, models, permissions  # noqa: F401 (register them)
    from incubator.notifications.views import bp
    app.register_blueprint(bp)
