"""``flask projects rebuild-latest-figures``."""
import click
from flask.cli import AppGroup

from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.projects.latest import rebuild_latest_figures

projects_cli = AppGroup('projects', help='Projects.')


@projects_cli.command('rebuild-latest-figures')
def rebuild_latest_figures_command():
    """Set each KPI target's latest figure again from the figures, after figures were changed in SQL."""
    with transaction():
        targets = rebuild_latest_figures(db.session)
    click.echo(f'Latest KPI figures rebuilt: {targets} targets.')
