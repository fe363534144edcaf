"""Anonymised statistics of cases for the programme's yearly report (issue #15, point 7).

Only counts leave this module: no name, startup, project or amount of any case. Each table is one
aggregate statement whatever the number of cases; the median reads one (filed, decided) pair per decided
case and counts working days on the site's calendar (holidays off, make-up workdays on).
A case belongs to the year it was filed in (the programme's timezone); drafts are not cases yet.
"""
import csv
import io
import statistics
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.cases.models import (
    DISTINCTIONS,
    Case,
    CaseAssessment,
    CaseOrigin,
    CaseOutcome,
    CaseState,
)
from incubator.core.calendar import site_calendar
from incubator.core.time import programme_timezone
from incubator.core.workdays import working_days_between
from incubator.extensions import db

#: The years a report may be asked for (a filter outside them shows every year).
FIRST_YEAR, LAST_YEAR = 2000, 2100
#: The outcome rows: the three decisions, then declined and still open.
OUTCOME_ROWS = ('exempt', 'partly_exempt', 'not_exempt', 'declined', 'open')
OUTCOME_LABELS = {'declined': _l('Declined'), 'open': _l('Open (not decided yet)'),
                  **{outcome.value: outcome.label for outcome in CaseOutcome}}
#: Cases whose latest decision stands: an appeal under way waits for its final decision.
_DECISION_STANDS = (CaseState.decided, CaseState.recorded, CaseState.closed)
_ASSESSMENT_COLUMNS = {1: CaseAssessment.exploration, 2: CaseAssessment.rule, 3: CaseAssessment.purpose}
DISTINCTION_LABELS = {1: _l('Distinction 1: exploring or a knowing violation'),
                      2: _l('Distinction 2: no rule yet or an explicit prohibition'),
                      3: _l('Distinction 3: for development or for personal gain')}


@dataclass
class CaseStatistics:
    year: int | None
    total: int
    #: [(key, label, count)] in OUTCOME_ROWS order.
    outcomes: list
    #: [(number, heading, [(finding, count)])] for the three distinctions.
    distinctions: list
    #: [(origin, count)]
    origins: list
    #: The median working days from filing to the decision that stands, and how many cases it is over.
    median_days: float | None
    decided: int


def _in_year(query, year):
    """Cases filed in ``year`` in the programme's timezone (every year for None)."""
    query = query.where(Case.state != CaseState.draft)
    if year is None:
        return query
    zone = programme_timezone()
    return query.where(Case.filed_at >= datetime(year, 1, 1, tzinfo=zone),
                       Case.filed_at < datetime(year + 1, 1, 1, tzinfo=zone))


def _outcomes(year):
    rows = db.session.execute(_in_year(
        sa.select(Case.state, Case.outcome, sa.func.count()).group_by(Case.state, Case.outcome), year)).all()
    counts = dict.fromkeys(OUTCOME_ROWS, 0)
    for state, outcome, count in rows:
        if state == CaseState.declined:
            key = 'declined'
        elif state in _DECISION_STANDS and outcome is not None:
            key = outcome.value
        else:
            key = 'open'  # filed, in assessment or review, or appealed: no decision that stands yet
        counts[key] += count
    return [(key, OUTCOME_LABELS[key], counts[key]) for key in OUTCOME_ROWS]


def _distinctions(year):
    """One statement: every finding of every distinction counted over the assessed cases."""
    columns = [sa.func.coalesce(sa.func.sum(sa.case((_ASSESSMENT_COLUMNS[number] == finding, 1), else_=0)), 0)
               for number, enum_class, _favourable in DISTINCTIONS for finding in enum_class]
    query = _in_year(sa.select(*columns).select_from(CaseAssessment).join(Case, Case.id == CaseAssessment.case_id),
                     year)
    values = iter(db.session.execute(query).one())
    return [(number, DISTINCTION_LABELS[number], [(finding, next(values)) for finding in enum_class])
            for number, enum_class, _favourable in DISTINCTIONS]


def _origins(year):
    counts = dict(db.session.execute(_in_year(
        sa.select(Case.origin, sa.func.count()).group_by(Case.origin), year)).all())
    return [(origin, counts.get(origin, 0)) for origin in CaseOrigin]


def _median_days(year):
    pairs = db.session.execute(_in_year(
        sa.select(Case.filed_at, Case.decided_at).where(Case.state.in_(_DECISION_STANDS),
                                                        Case.decided_at.is_not(None),
                                                        Case.filed_at.is_not(None)), year)).all()
    calendar = site_calendar()
    days = [working_days_between(filed, decided, calendar) for filed, decided in pairs]
    if not days:
        return None, 0
    median = statistics.median(days)  # a half day between two middle cases, else a whole number
    return (int(median) if float(median).is_integer() else median), len(days)


def case_statistics(year=None):
    """The report's tables for the cases filed in ``year`` (every year for None)."""
    outcomes = _outcomes(year)
    median, decided = _median_days(year)
    return CaseStatistics(year=year, total=sum(count for _key, _label, count in outcomes), outcomes=outcomes,
                          distinctions=_distinctions(year), origins=_origins(year), median_days=median,
                          decided=decided)


def report_years():
    """The years cases were filed in, latest first (for the filter)."""
    filed = db.session.execute(sa.select(sa.func.min(Case.filed_at), sa.func.max(Case.filed_at))).one()
    if filed[0] is None:
        return []
    zone = programme_timezone()
    first, last = filed[0].astimezone(zone).year, filed[1].astimezone(zone).year
    return list(range(last, first - 1, -1))


def statistics_csv(stats):
    """The same tables as CSV (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese)."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([str(_l('Year')), stats.year or str(_l('All years'))])
    writer.writerow([str(_l('Number of cases')), stats.total])
    writer.writerow([])
    writer.writerow([str(_l('Outcome')), str(_l('Number of cases'))])
    writer.writerows([str(label), count] for _key, label, count in stats.outcomes)
    for _number, heading, findings in stats.distinctions:
        writer.writerow([])
        writer.writerow([str(heading), str(_l('Findings'))])
        writer.writerows([str(finding.label), count] for finding, count in findings)
    writer.writerow([])
    writer.writerow([str(_l('Origin')), str(_l('Number of cases'))])
    writer.writerows([str(origin.label), count] for origin, count in stats.origins)
    writer.writerow([])
    writer.writerow([str(_l('Median working days from filing to decision')),
                     '' if stats.median_days is None else stats.median_days])
    writer.writerow([str(_l('Decided cases counted')), stats.decided])
    return '\ufeff' + output.getvalue()
