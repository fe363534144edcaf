"""Spaces: what can be booked at each site, its terms, blackouts, certifications and free quotas."""


def init_app(app):
    from incubator.spaces import models, permissions  # noqa: F401 (register them)
    from incubator.spaces.views import bp
    app.register_blueprint(bp)
