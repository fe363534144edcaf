"""Administrators invite staff and manage accounts."""


def init_app(app):
    from incubator.users import permissions  # noqa: F401 (register its rules)
    from incubator.users.views import bp
    app.register_blueprint(bp)
