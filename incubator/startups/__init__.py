"""Startups admitted to the sites and their members."""


def init_app(app):
    from incubator.startups import models, operations, permissions  # noqa: F401 (register them)
    from incubator.startups.views import bp
    app.register_blueprint(bp)
