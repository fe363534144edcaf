"""Administrators browse and export the audit log."""


def init_app(app):
    from incubator.audit import permissions  # noqa: F401 (register its rules)
    from incubator.audit.views import bp
    app.register_blueprint(bp)
