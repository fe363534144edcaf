"""The anonymised statistics page of cases, and its CSV, for managers and committee members."""
from flask import Blueprint, Response, render_template

from incubator.cases.statistics import FIRST_YEAR, LAST_YEAR, case_statistics, report_years, statistics_csv
from incubator.core.params import query_int
from incubator.core.permissions import permission_required

bp = Blueprint('case_statistics', __name__)


def _year():
    """The year asked for, or None (every year) when missing or beyond the supported years."""
    year = query_int('year', None, FIRST_YEAR - 1, LAST_YEAR + 1)
    return year if year is not None and FIRST_YEAR <= year <= LAST_YEAR else None


@bp.route('/cases/statistics')
@permission_required('cases.statistics')
def index():
    year = _year()
    return render_template('cases/statistics.html', stats=case_statistics(year), year=year, years=report_years())


@bp.route('/cases/statistics.csv')
@permission_required('cases.statistics')
def csv():
    year = _year()
    name = f'case-statistics-{year or "all"}.csv'
    return Response(statistics_csv(case_statistics(year)), mimetype='text/csv',
                    headers={'Content-Disposition': f'attachment; filename="{name}"'})
