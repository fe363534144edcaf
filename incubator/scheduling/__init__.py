"""Scheduled jobs: the registry each domain's jobs join, the runner, the one scheduler process."""


def init_app(app):
    from incubator.scheduling import jobs, models  # noqa: F401 (register them)
    from incubator.scheduling.cli import jobs_cli, scheduler_command
    from incubator.scheduling.views import bp
    app.register_blueprint(bp)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(scheduler_command)
