"""``flask calendar seed``: add the years a newer chinesecalendar package knows."""
import click
from flask.cli import AppGroup

from incubator.core.calendar import seed_from_package
from incubator.extensions import db

calendar_cli = AppGroup('calendar', help='The working-day calendar.')


@calendar_cli.command('seed')
def seed_command():
    """Store the package's years the database does not hold yet (years already there are kept)."""
    with db.engine.begin() as connection:
        years = seed_from_package(connection)
    click.echo(f'Added {", ".join(map(str, years))}.' if years else 'No new years in the package.')
