"""Administrators see the scheduled jobs, their recent runs and failures."""
from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from incubator.core.calendar import years_to_complete
from incubator.core.permissions import permission_required
from incubator.core.time import now_utc
from incubator.scheduling.models import RunOutcome
from incubator.scheduling.queries import fold_idle_runs, last_runs_by_job, recent_runs
from incubator.scheduling.registry import describe_period, load_jobs

bp = Blueprint('scheduling', __name__, url_prefix='/admin/jobs')

#: What the counts jobs return are called on the page; a count not named here shows its key.
COUNT_LABELS = {'released': _l('released'), 'lapsed': _l('lapsed'), 'expired': _l('expired'), 'sent': _l('sent'),
                'failed': _l('failed'), 'retry': _l('to retry'), 'opened': _l('opened'), 'deleted': _l('deleted'),
                'milestone_due_soon': _l('reminders of milestones due soon'),
                'milestone_overdue': _l('reminders of overdue milestones'),
                'review_overdue': _l('reminders of reviews past their deadline'),
                'to_committee': _l('sent to the committee'), 'reminders': _l('reminders'),
                'escalations': _l('escalations'), 'moved_on': _l('moved on'), 'took_effect': _l('took effect'),
                'job_runs': _l('old job runs'), 'login_attempts': _l('old login attempts')}


@bp.route('/')
@permission_required('jobs.view')
def index():
    jobs = load_jobs()
    job_name = request.args.get('job', '', type=str)
    outcome = request.args.get('outcome', '', type=str)
    if job_name not in jobs:
        job_name = ''
    if outcome not in {o.value for o in RunOutcome}:
        outcome = ''
    return render_template('scheduling/index.html', jobs=sorted(jobs.values(), key=lambda j: j.name),
                           titles={job.name: job.title for job in jobs.values()}, count_labels=COUNT_LABELS,
                           last_runs=last_runs_by_job(),
                           runs=fold_idle_runs(recent_runs(job_name or None, outcome or None)),
                           now=now_utc(), job_name=job_name, outcome=outcome, outcomes=RunOutcome,
                           years_without_calendar=years_to_complete(), describe_period=describe_period)
