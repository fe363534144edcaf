"""The occupancy report for managers: open, booked and no-show hours per space, on screen and as CSV."""
import csv
import io

from flask import Response, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField, validators

from incubator.booking.blueprint import bp
from incubator.booking.reports import PERIOD_LENGTHS, Period, occupancy_report
from incubator.core.formatting import local_month
from incubator.core.forms import BaseForm
from incubator.core.permissions import permission_required
from incubator.core.time import default_timezone, now_utc
from incubator.sites.queries import list_sites
from incubator.spaces.models import SpaceKind


class OccupancyFilterForm(BaseForm):
    """The report's filters: sent by GET, so they carry no CSRF token. Invalid values fall back to the defaults."""

    class Meta:
        csrf = False

    period = SelectField(_l('Period'), default='week',
                         choices=[('week', _l('Week')), ('month', _l('Month'))])
    start = DateField(_l('Week or month of'), validators=[validators.Optional()])
    site = SelectField(_l('Site'), default='')
    kind = SelectField(_l('Kind'), default='', choices=lambda: [('', _l('All kinds')), *SpaceKind.choices()])

    def __init__(self, *args, sites=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.site.choices = [('', _l('All sites')), *((str(site.id), site.name) for site in sites)]

    def period_asked(self, today):
        """The period of the valid start date (today's if none) and length (a week if none)."""
        length = self.period.data if not self.period.errors and self.period.data in PERIOD_LENGTHS else 'week'
        day = self.start.data if self.start.data and not self.start.errors else today
        return Period.containing(length, day)

    def filters(self):
        """The valid site and kind filters, as keyword arguments of ``reports.occupancy_report``."""
        site = self.site.data if not self.site.errors and self.site.data else None
        kind = self.kind.data if not self.kind.errors and self.kind.data else None
        return {'site_id': int(site) if site else None, 'kind': SpaceKind(kind) if kind else None}


def _filtered():
    form = OccupancyFilterForm(request.args, sites=list_sites(active_only=True))
    form.validate()
    period = form.period_asked(now_utc().astimezone(default_timezone()).date())
    filters = form.filters()
    args = {'site': filters['site_id'], 'kind': filters['kind'].value if filters['kind'] else None}
    return form, period, filters, {name: value for name, value in args.items() if value is not None}


def _period_label(period):
    """'December 2026', or 'Week from Dec 7, 2026 to Dec 13, 2026', in the user's language."""
    if period.length == 'month':
        return local_month(period.first_day)
    return _('Week from %(first)s to %(last)s', first=format_date(period.first_day),
             last=format_date(period.last_day))


def _link(endpoint, period, args):
    return url_for(endpoint, period=period.length, start=period.first_day.isoformat(), **args)


@bp.route('/bookings/occupancy')
@permission_required('bookings.report')
def occupancy():
    form, period, filters, args = _filtered()
    report = occupancy_report(period, **filters)
    return render_template('booking/occupancy.html', form=form, report=report, period_label=_period_label(period),
                           previous_url=_link('booking.occupancy', period.previous, args),
                           next_url=_link('booking.occupancy', period.next, args),
                           csv_url=_link('booking.occupancy_csv', period, args))


@bp.route('/bookings/occupancy.csv')
@permission_required('bookings.report')
def occupancy_csv():
    _form, period, filters, _args = _filtered()
    report = occupancy_report(period, **filters)
    header = [_('Site'), _('Space'), _('Kind'), _('Capacity'), _('Open hours'), _('Booked hours'),
              _('No-show hours'), _('No-shows'), _('Utilisation (%)')]
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(header)
    for line in report.lines:
        writer.writerow([_cell(line.space.site.name), _cell(line.space.name), line.space.kind.label,
                         line.space.capacity, _hours(line.open_minutes), _hours(line.booked_minutes),
                         _hours(line.no_show_minutes), line.no_shows, _percent(line.utilisation)])
    filename = f'occupancy-{period.slug}.csv'
    return Response('\ufeff' + output.getvalue(), mimetype='text/csv',
                    headers={'Content-Disposition': f'attachment; filename="{filename}"'})


def _hours(minutes):
    """Hours with up to two decimals, for a spreadsheet: 120 → '2', 45 → '0.75'."""
    return f'{minutes / 60:.2f}'.rstrip('0').rstrip('.')


def _percent(value):
    return '' if value is None else f'{value:.1f}'


def _cell(value):
    """Text a spreadsheet will not run as a formula."""
    value = str(value)
    return "'" + value if value[:1] in ('=', '+', '-', '@', '\t', '\r') else value
