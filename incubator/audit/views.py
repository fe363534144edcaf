"""Administrators browse the audit log and export it as CSV; nothing here changes it."""
import csv
import itertools

from flask import Blueprint, Response, render_template, request, stream_with_context
from flask_babel import gettext as _

from incubator.audit.forms import AuditFilterForm
from incubator.audit.queries import audit_page, group_actions, stream_audit_entries
from incubator.core.audit import AUDIT_TIME_FORMAT, audited_types, referenced_names, shown_changes, shown_label
from incubator.core.forms import sent_filters
from incubator.core.pagination import page_number
from incubator.core.permissions import permission_required
from incubator.core.time import now_utc, to_local

bp = Blueprint('audit', __name__, url_prefix='/admin/audit')
PER_PAGE = 50


@bp.route('/')
@permission_required('audit.view')
def index():
    form = _filter_form()
    pagination = audit_page(page_number(), PER_PAGE, **form.filters())
    return render_template('audit/index.html', form=form, pagination=pagination, types=dict(audited_types()),
                           actions=group_actions(pagination.items), shown_changes=shown_changes,
                           names=referenced_names(pagination.items),
                           time_format=AUDIT_TIME_FORMAT, actor_name=actor_name, args=sent_filters(form))


@bp.route('/export.csv')
@permission_required('audit.view')
def export():
    form = _filter_form()
    header = [_('Time'), _('Actor'), _('Action'), _('Object type'), _('Object ID'), _('Summary'), _('Changes'),
              _('IP address')]
    rows = _csv_lines(header, stream_audit_entries(**form.filters()), dict(audited_types()))
    filename = f'audit-log-{to_local(now_utc()):%Y%m%d-%H%M}.csv'
    return Response(stream_with_context(rows), mimetype='text/csv',
                    headers={'Content-Disposition': f'attachment; filename="{filename}"'})


def _filter_form():
    form = AuditFilterForm(request.args)
    form.validate()
    return form


def actor_name(label):
    """Who acted, as people say it: a user's email as is; the system, the command line or a job by its title."""
    from incubator.scheduling.registry import load_jobs
    named = {'system': _('System'), 'anonymous': _('Anonymous visitor'), 'cli': _('Command line')}
    if label in named:
        return named[label]
    if label.startswith('job:'):
        job = load_jobs().get(label[len('job:'):])
        return _('Scheduled job: %(title)s', title=job.title if job else label[len('job:'):])
    return label


class _Echo:
    """A file whose ``write`` returns what it is given, so ``csv.writer`` yields lines to stream."""

    def write(self, value):
        return value


#: Entries of the export whose references are named together (one query per table referred to).
_NAMED_TOGETHER = 500


def _csv_lines(header, entries, types):
    """A UTF-8 BOM (so Excel reads Chinese right), the header, then one line per entry, in site time."""
    writer = csv.writer(_Echo())
    yield '\ufeff' + writer.writerow(header)
    entries = iter(entries)
    while batch := list(itertools.islice(entries, _NAMED_TOGETHER)):
        names = referenced_names(batch)
        for entry in batch:
            yield _csv_line(writer, entry, types, names)


def _csv_line(writer, entry, types, names):
    return writer.writerow([_cell(value) for value in (
        f'{to_local(entry.occurred_at):%Y-%m-%d %H:%M:%S}', actor_name(entry.actor_label), entry.action.label,
        types.get(entry.object_type, entry.object_type), entry.object_id,
        shown_label(entry.object_type, entry.summary),
        '\n'.join(_change_line(change) for change in shown_changes(entry, names)),
        entry.request_ip or '')])


def _change_line(change):
    if change.value is not None:
        return _('%(field)s: %(value)s', field=change.label, value=change.value)
    return _('%(field)s: %(before)s → %(after)s', field=change.label, before=_shown(change.before),
             after=_shown(change.after))


def _shown(value):
    return '—' if value is None else value


def _cell(value):
    """Text a spreadsheet will not run as a formula."""
    value = str(value)
    return "'" + value if value[:1] in ('=', '+', '-', '@', '\t', '\r') else value
