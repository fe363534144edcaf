"""Accounts, roles, invitations, login and password resets."""


def init_app(app):
    from incubator.auth import jobs, models, notifications, permissions  # noqa: F401 (register them)
    from incubator.auth.views import bp
    app.register_blueprint(bp)
