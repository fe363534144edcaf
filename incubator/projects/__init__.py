"""Startup projects: fundings, milestones with KPI targets, progress submissions, manager decisions, health."""


def init_app(app):
    from incubator.projects import models, permissions  # noqa: F401 (register them)
    from incubator.projects.blueprint import bp
    app.register_blueprint(bp)
