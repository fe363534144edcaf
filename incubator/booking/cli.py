"""``flask bookings rebuild-quota-usage``."""
import click
from flask.cli import AppGroup

from incubator.booking.usage import rebuild_quota_usage
from incubator.core.transactions import transaction
from incubator.extensions import db

bookings_cli = AppGroup('bookings', help='Bookings.')


@bookings_cli.command('rebuild-quota-usage')
def rebuild_quota_usage_command():
    """Compute the quota ledger's sums again from the bookings, after bookings were changed in SQL."""
    with transaction():
        rows = rebuild_quota_usage(db.session)
    click.echo(f'Quota usage rebuilt: {rows} rows (startup, month, kind of space).')
