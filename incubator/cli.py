"""Command-line tools of the whole app: ``flask --app incubator demo load`` and ``users create-admin``.

Each domain adds its own commands in its ``init_app`` (``flask bookings …``, ``flask jobs …``)."""
import click
from flask import Flask
from flask.cli import AppGroup

from incubator.core.audit import acting_as
from incubator.core.errors import DomainError
from incubator.core.transactions import transaction

demo_cli = AppGroup('demo', help='Demo data.')
users_cli = AppGroup('users', help='Accounts.')


@demo_cli.command('load')
def load_demo_command():
    """Load the demo (once) and print its logins."""
    from incubator.demo import DEMO_PASSWORD, demo_logins, load_demo
    with acting_as('cli'), transaction():
        created = load_demo()
    click.echo('Demo data loaded.' if created else 'Demo data was already loaded.')
    click.echo(f'Demo logins (password for all: {DEMO_PASSWORD}):')
    for email, name in demo_logins():
        click.echo(f'  {email:32} {name}')


@users_cli.command('create-admin')
@click.option('--email', prompt=True)
@click.option('--name', prompt=True)
@click.password_option()
def create_admin_command(email, name, password):
    """Create the first administrator of a real deployment (no demo data)."""
    from incubator.auth.operations import create_admin
    try:
        with acting_as('cli'), transaction():
            user = create_admin(email, name, password)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f'Administrator {user.email} created.')


def register_cli(app: Flask):
    app.cli.add_command(demo_cli)
    app.cli.add_command(users_cli)
