"""Committee decisions shared by the domains: committees with a chair, items decided under a quorum and a
majority, opinions and declared conflicts. Subject domains plug in with ``registry.register_subject``."""


def init_app(app):
    from incubator.committees import models, notifications, permissions  # noqa: F401 (register them)
    from incubator.committees.views import bp
    app.register_blueprint(bp)
