"""The managers' dashboard of every project (on screen and as CSV) and the committee's read-only view."""
import csv

from flask import Response, flash, render_template, request, stream_with_context
from flask_babel import gettext as _

from incubator.core.pagination import page_number
from incubator.core.permissions import permission_required
from incubator.core.time import now_utc, to_local
from incubator.projects.blueprint import bp
from incubator.projects.dashboard import dashboard_ids, dashboard_page, export_rows, project_managers
from incubator.projects.dashboard_forms import DashboardFilterForm
from incubator.projects.models import programme_today
from incubator.sites.queries import list_sites


def _filter_form():
    """The filter form as sent; filters not understood are dropped all together, with a message."""
    form = DashboardFilterForm(request.args, sites=list_sites(), managers=project_managers())
    if not form.validate():
        flash(_('Some filters were not understood, so every project is shown.'), 'warning')
    return form


@bp.route('/projects/dashboard')
@permission_required('projects.dashboard')
def dashboard():
    form = _filter_form()
    filters, today = form.filters(), programme_today()
    args = form.arguments()
    summary_args = {name: value for name, value in args.items() if name not in ('health', 'show')}
    return render_template('projects/dashboard.html', form=form, today=today, args=args, summary_args=summary_args,
                           pagination=dashboard_page(filters, today, page_number()))


@bp.route('/projects/dashboard.csv')
@permission_required('projects.dashboard')
def dashboard_csv():
    form = _filter_form()
    today = programme_today()
    ids = dashboard_ids(form.filters(), today)
    header = [_('Startup'), _('Site'), _('Tier'), _('Project'), _('Field'), _('Manager'), _('Status'), _('Health'),
              _('Reasons'), _('Overdue milestones'), _('Oldest overdue milestone'), _('Due on'),
              _('Next milestone'), _('Due on'), _('Start'), _('Planned end'), _('Funding granted (yuan)')]
    filename = f'projects-{to_local(now_utc()):%Y%m%d-%H%M}.csv'
    return Response(stream_with_context(_csv_lines(header, export_rows(ids, today))), mimetype='text/csv',
                    headers={'Content-Disposition': f'attachment; filename="{filename}"'})


@bp.route('/projects/committee')
@permission_required('projects.committee')
def committee():
    form = _filter_form()
    filters, today = form.filters(), programme_today()
    return render_template('projects/committee.html', form=form, today=today, args=form.arguments(),
                           pagination=dashboard_page(filters, today, page_number(), with_reviews=True))


class _Echo:
    """A file whose ``write`` returns what it is given, so ``csv.writer`` yields lines to stream."""

    def write(self, value):
        return value


def _csv_lines(header, rows):
    """A UTF-8 BOM (so Excel reads Chinese right), the header, then one line per project; dates are programme days."""
    writer = csv.writer(_Echo())
    yield '\ufeff' + writer.writerow(header)
    for row, granted_fen in rows:
        project, oldest, upcoming = row.project, row.oldest_overdue, row.next_due
        yield writer.writerow([_cell(value) for value in (
            project.startup.name, project.startup.site.name, project.startup.tier.label, project.title,
            project.field.label, project.manager.name, project.status.label, row.health.label,
            ' '.join(str(reason) for reason in row.reasons), row.overdue,
            oldest.title if oldest else '', oldest.due_date.isoformat() if oldest else '',
            upcoming.title if upcoming else '', upcoming.due_date.isoformat() if upcoming else '',
            project.start_date.isoformat(), project.planned_end_date.isoformat(), _yuan(granted_fen))])


def _yuan(fen):
    """Fen as yuan with two decimals and no grouping, for a spreadsheet: 1234567 → '12345.67'."""
    whole, cents = divmod(fen, 100)
    return f'{whole}.{cents:02d}'


def _cell(value):
    """Text a spreadsheet will not run as a formula."""
    value = str(value)
    return "'" + value if value[:1] in ('=', '+', '-', '@', '\t', '\r') else value
