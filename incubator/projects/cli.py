"""``flask projects rebuild-health-inputs``."""
import click
from flask.cli import AppGroup

from incubator.core.transactions import transaction
from incubator.extensions import db
from incubator.projects.latest import rebuild_health_inputs

projects_cli = AppGroup('projects', help='Projects.')


@projects_cli.command('rebuild-health-inputs')
def rebuild_health_inputs_command():
    """Set each KPI target's latest figure and each project's stored health inputs again from the figures,
    targets and milestones, after those were changed in SQL."""
    with transaction():
        targets, projects = rebuild_health_inputs(db.session)
    click.echo(f'Health inputs rebuilt: {targets} KPI targets, {projects} projects.')
