"""Figures per category and department, the CSV, and their statement counts."""
from datetime import timedelta

import pytest

from incubator.core.calendar import site_calendar
from incubator.core.workdays import working_days_between
from incubator.extensions import db
from incubator.greenchannel.aftercare import figures
from incubator.greenchannel.models import (
    DepartmentReview,
    GreenRequest,
    Outcome,
    RequestState,
    Stage,
    StageKind,
)
from tests.greenchannel_aftercare.conftest import at

pytestmark = pytest.mark.usefixtures('backend')


def filed(after, department, *, submitted, decided=None, outcome=None, met=None, paused=0, category=None):
    """A request submitted (and maybe decided) with its whole clock, routed to ``department``; a finished clock
    stores its working days as the decision does (China's calendar, paused days left out)."""
    request = GreenRequest(startup=after.startup, project=after.project, category=category or after.noticed,
                           needed='Lab', state=RequestState.closed if outcome else RequestState.in_review,
                           submitted_at=submitted, decided_at=decided, outcome=outcome)
    request.stages.append(Stage(kind=StageKind.request, working_days=15, started_at=submitted,
                                due_at=submitted + timedelta(days=21), finished_at=decided, met=met,
                                paused_working_days=paused,
                                used_working_days=None if decided is None else max(
                                    working_days_between(submitted, decided, site_calendar()) - paused, 0)))
    request.reviews.append(DepartmentReview(department=department))
    db.session.add(request)
    return request


@pytest.fixture
def land(after):
    from incubator.greenchannel.models import Department
    departments = Department(name_zh='自然资源局', name_en='Natural resources'), Department(name_zh='住建局')
    db.session.add_all(departments)
    return departments


def test_figures_per_category_and_department_across_national_day(after, land):
    first, second = land
    # Sep 29 to Oct 9: Sep 30, Oct 8, Oct 9 are working days (Oct 1-7 off): 3, less 1 paused = 2.
    filed(after, first, submitted=at('2026-09-29'), decided=at('2026-10-09'), outcome=Outcome.partly_approved,
          met=True, paused=1)
    # Sep 28 to Oct 12: Sep 29, 30, Oct 8, 9, 10 (make-up Saturday), 12 = 6.
    filed(after, first, submitted=at('2026-09-28'), decided=at('2026-10-12'), outcome=Outcome.rejected, met=False)
    filed(after, second, submitted=at('2026-10-09'))
    filed(after, second, submitted=at('2026-09-30'), decided=at('2026-10-08'), outcome=Outcome.approved, met=True,
          category=after.plain)
    db.session.add(GreenRequest(startup=after.startup, project=after.project, category=after.plain, needed='Draft'))
    db.session.commit()
    by_category = {row.name: row for row in figures.by_category()}
    housing = by_category['人才住房与场地']
    assert (housing.requests, housing.decided, housing.approved, housing.within_promise) == (3, 2, 1, 1)
    assert (housing.approval_rate, housing.share_within_promise, housing.median_days, housing.paused_days) == (
        0.5, 0.5, 4, 1)
    assert by_category['实验室使用'].median_days == 1
    by_department = {row.name: row for row in figures.by_department()}
    assert (by_department['自然资源局'].requests, by_department['自然资源局'].median_days) == (2, 4)
    assert (by_department['住建局'].requests, by_department['住建局'].decided) == (2, 1)
    assert dict(figures.by_stage())[RequestState.closed] == 3


def test_a_pause_still_running_counts_its_days_so_far(after, land, time_machine):
    """Returned on Friday Oct 9 and not answered by Tuesday Oct 13: Oct 10 (a make-up Saturday), 12 and 13 are
    working days paused so far, beside the 1 a finished pause stored."""
    time_machine.move_to(at('2026-10-13', 16), tick=False)
    first, _second = land
    request = filed(after, first, submitted=at('2026-10-08'), paused=1)
    request.stages[0].paused_since = at('2026-10-09', 17)
    db.session.commit()
    assert {row.name: row.paused_days for row in figures.by_category()} == {'人才住房与场地': 4}
    assert {row.name: row.paused_days for row in figures.by_department()}['自然资源局'] == 4


def test_the_page_and_its_csv_for_managers_only(client, login, after, land):
    filed(after, land[0], submitted=at('2026-09-29'), decided=at('2026-10-09'), outcome=Outcome.approved, met=True)
    db.session.commit()
    for user in (after.owner, after.chair):
        login(user)
        assert client.get('/greenchannel/figures').status_code == 403
        assert client.get('/greenchannel/figures.csv').status_code == 403
    login(after.manager)
    page = client.get('/greenchannel/figures', headers={'Accept-Language': 'en'})
    assert page.status_code == 200 and 'Natural resources' in page.text and '100%' in page.text
    response = client.get('/greenchannel/figures.csv')
    text = response.data.decode('utf-8')
    assert response.mimetype == 'text/csv' and text.startswith('\ufeff')
    assert 'category,人才住房与场地,1,1,1.000,' in text and 'department,自然资源局,1,1,1.000' in text


def test_statement_counts_stay_flat(client, login, after, land, count_queries):
    login(after.manager)

    def statements():
        with count_queries() as counter:
            assert client.get('/greenchannel/figures').status_code == 200
        return counter.count

    filed(after, land[0], submitted=at('2026-09-29'), decided=at('2026-10-09'), outcome=Outcome.approved, met=True)
    db.session.commit()
    statements()                # the first page of the process reads the calendar once
    few = statements()
    for n in range(12):
        filed(after, land[n % 2], submitted=at('2026-09-21'), decided=at(f'2026-10-{10 + n}'),
              outcome=Outcome.approved if n % 3 else Outcome.rejected, met=bool(n % 2), category=after.plain)
    db.session.commit()
    assert statements() == few
