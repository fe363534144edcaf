"""Sites: buildings and campuses, their opening hours and closed days."""


def init_app(app):
    from incubator.sites import models, permissions  # noqa: F401 (register them)
    from incubator.sites.views import bp
    app.register_blueprint(bp)
