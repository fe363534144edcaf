"""The managers' dashboard, its CSV export and the committee's view: who sees them, what they list, in what
order, that their health agrees with the project page's rule, and that their cost does not grow with rows."""
import csv
import io
import random
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
import time_machine

from incubator.extensions import db
from incubator.projects.dashboard import DashboardFilters, dashboard_ids, dashboard_page
from incubator.projects.health import Health, health_of
from incubator.projects.models import (
    FundingKind,
    KpiFigure,
    KpiKind,
    KpiTarget,
    Milestone,
    MilestoneState,
    ProgressSubmission,
    Project,
    ProjectField,
    ProjectFunding,
    ReviewCadence,
    ReviewOutcome,
)
from incubator.projects.reviews.models import ProgressReview, ReviewState
from incubator.startups.models import MembershipRole, Tier
from tests.factories import SiteFactory, StartupFactory, UserFactory, member_of

TODAY = date(2026, 12, 7)
#: Noon in Shanghai on TODAY.
NOW = '2026-12-07 04:00:00+00:00'
EN = {'Accept-Language': 'en'}


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def make_project(startup, manager, title, *, start=date(2026, 1, 1), end=date(2027, 1, 1), outcome=None,
                 field=ProjectField.information_technology, milestones=()):
    """A project with milestones ``(due date, state, [(target value, [(day, figure), ...]), ...])``."""
    project = Project(startup=startup, manager=manager, title=title, field=field, lead_name='Lead',
                      start_date=start, planned_end_date=end, review_cadence=ReviewCadence.quarterly,
                      last_review_outcome=outcome)
    for number, (due, state, targets) in enumerate(milestones):
        milestone = Milestone(title=f'{title} M{number + 1}', due_date=due, state=state)
        for target_value, figures in targets:
            target = KpiTarget(kind=KpiKind.hires, target_value=target_value)
            target.figures = [KpiFigure(value=value, recorded_on=day) for day, value in figures]
            milestone.kpi_targets.append(target)
        project.milestones.append(milestone)
    db.session.add(project)
    db.session.commit()
    return project


class Portfolio:
    pass


@pytest.fixture
def portfolio(app, frozen):
    """Projects of every health state, in two sites, tiers and fields, run by two managers."""
    world = Portfolio()
    world.north, world.south = SiteFactory(name='North Campus'), SiteFactory(name='South Campus')
    world.alpha = StartupFactory(name='Alpha Robotics', site=world.north, tier=Tier.incubator)
    world.beta = StartupFactory(name='Beta Biotech', site=world.south, tier=Tier.accelerator)
    world.owner = member_of(world.alpha, MembershipRole.owner, name='Olivia Owner')
    world.member = member_of(world.alpha, name='Mark Member')
    world.manager = UserFactory(roles=['manager'], name='Mia Manager')
    world.manager2 = UserFactory(roles=['manager'], name='Max Manager')
    world.committee = UserFactory(roles=['committee'], name='Cora Committee')
    world.admin = UserFactory(roles=['admin'], name='Ada Admin')
    past, soon = TODAY - timedelta(days=30), TODAY + timedelta(days=20)
    # 92 % of the time passed; KPI at 100 % keeps pace.
    world.on_track = make_project(world.alpha, world.manager, 'Steady', milestones=[
        (soon, MilestoneState.in_progress, [(10, [(TODAY, 10)])])])
    world.one_overdue = make_project(world.alpha, world.manager, 'Late once', milestones=[
        (TODAY - timedelta(days=3), MilestoneState.in_progress, []), (soon, MilestoneState.planned, [])])
    world.warned = make_project(world.beta, world.manager2, 'Warned', outcome=ReviewOutcome.warning,
                                field=ProjectField.biomedicine)
    world.lagging = make_project(world.beta, world.manager2, 'Lagging', field=ProjectField.biomedicine,
                                 milestones=[(soon, MilestoneState.in_progress, [(100, [(past, 70)])])])
    world.two_overdue = make_project(world.alpha, world.manager2, 'Late twice', milestones=[
        (TODAY - timedelta(days=40), MilestoneState.submitted, []),
        (TODAY - timedelta(days=10), MilestoneState.changes_requested, [])])
    world.stopped = make_project(world.beta, world.manager, 'Stopped', outcome=ReviewOutcome.stop)
    world.far_behind = make_project(world.beta, world.manager, 'Far behind', milestones=[
        (soon, MilestoneState.in_progress, [(100, [(past - timedelta(days=60), 90), (past, 20)])])])
    return world


def health_by_rule(projects):
    return {project.id: health_of(project, TODAY)[0] for project in projects}


def all_projects():
    return db.session.execute(sa.select(Project).order_by(Project.id)).scalars().all()


# --- the rule, in SQL and in Python ------------------------------------------------------------------

def test_the_portfolio_holds_every_health_state(portfolio):
    expected = {portfolio.on_track: Health.on_track, portfolio.one_overdue: Health.at_risk,
                portfolio.warned: Health.at_risk, portfolio.lagging: Health.at_risk,
                portfolio.two_overdue: Health.off_track, portfolio.stopped: Health.off_track,
                portfolio.far_behind: Health.off_track}
    assert health_by_rule(expected) == {project.id: level for project, level in expected.items()}


@pytest.mark.parametrize('level', list(Health))
def test_filtering_by_health_agrees_with_the_project_page(portfolio, level):
    rule = health_by_rule(all_projects())
    listed = dashboard_ids(DashboardFilters(health=level), TODAY)
    assert set(listed) == {project_id for project_id, health in rule.items() if health == level}
    page = dashboard_page(DashboardFilters(health=level), TODAY, 1)
    assert {row.health for row in page.rows} <= {level}


def test_health_in_sql_agrees_with_the_rule_for_many_made_up_projects(app, frozen):
    """Dates, figures and outcomes drawn at random, boundaries included (a time share of exactly x.5 %)."""
    draw = random.Random(14)
    startup, manager = StartupFactory(), UserFactory(roles=['manager'])
    for number in range(60):
        start = TODAY - timedelta(days=draw.randint(-20, 400))
        end = start + timedelta(days=draw.choice([0, 1, 200, 365, 400, draw.randint(2, 900)]))
        milestones = []
        for _ in range(draw.randint(0, 3)):
            due = TODAY + timedelta(days=draw.randint(-60, 60))
            targets = [(draw.choice([0, 1, 3, 10, 200]), [(TODAY - timedelta(days=draw.randint(0, 90)),
                                                          draw.randint(0, 250)) for _ in range(draw.randint(0, 3))])
                       for _ in range(draw.randint(0, 2))]
            milestones.append((due, draw.choice(list(MilestoneState)), targets))
        make_project(startup, manager, f'Made up {number}', start=start, end=end, milestones=milestones,
                     outcome=draw.choice([None, None, *ReviewOutcome]))
    rule = health_by_rule(all_projects())
    for level in Health:
        listed = set(dashboard_ids(DashboardFilters(health=level), TODAY))
        assert listed == {project_id for project_id, health in rule.items() if health == level}, level
    assert set(rule.values()) == set(Health)


def test_worst_health_first_then_the_oldest_overdue(portfolio):
    rows = dashboard_page(DashboardFilters(), TODAY, 1).rows
    assert [row.health for row in rows] == sorted((row.health for row in rows),
                                                  key=[Health.off_track, Health.at_risk, Health.on_track].index)
    off = [row.project.title for row in rows if row.health == Health.off_track]
    assert off[0] == 'Late twice'  # its oldest overdue milestone is the oldest of all
    late = next(row for row in rows if row.project.id == portfolio.two_overdue.id)
    assert late.overdue == 2 and late.oldest_overdue.title == 'Late twice M1'
    steady = next(row for row in rows if row.project.id == portfolio.on_track.id)
    assert steady.overdue == 0 and steady.next_due.title == 'Steady M1'


def test_summary_counts(portfolio):
    submission = ProgressSubmission(milestone=portfolio.two_overdue.milestones[0], narrative='Done')
    db.session.add(submission)
    db.session.commit()
    counts = dashboard_page(DashboardFilters(), TODAY, 1).summary
    assert counts.by_health == {Health.on_track: 1, Health.at_risk: 3, Health.off_track: 3}
    assert counts.overdue_milestones == 3 and counts.awaiting_decision == 1
    north = dashboard_page(DashboardFilters(site_id=portfolio.north.id), TODAY, 1).summary
    assert north.by_health == {Health.on_track: 1, Health.at_risk: 1, Health.off_track: 1}


# --- who sees what ------------------------------------------------------------------------------------

@pytest.mark.parametrize('path', ['/projects/dashboard', '/projects/dashboard.csv', '/projects/committee'])
@pytest.mark.parametrize('role', [None, 'owner', 'member', 'committee', 'manager', 'admin'])
def test_who_may_see_the_dashboard_and_the_committee_view(portfolio, client, login, role, path):
    if role:
        login(getattr(portfolio, role))
    response = client.get(path, buffered=True)
    allowed = {'manager', 'admin'} | ({'committee'} if path == '/projects/committee' else set())
    if role is None:
        assert response.status_code == 302 and '/login' in response.location
    else:
        assert response.status_code == (200 if role in allowed else 403)


# --- the page -------------------------------------------------------------------------------------------

def titles(response):
    text = response.get_data(as_text=True)
    return {project.title for project in all_projects() if f'>{project.title}</a>' in text}


def test_the_page_lists_every_project_with_summary_in_both_languages(portfolio, client, login):
    login(portfolio.manager)
    chinese = client.get('/projects/dashboard')
    text = chinese.get_data(as_text=True)
    assert chinese.status_code == 200 and '项目看板' in text and '滞后' in text
    assert titles(chinese) == {project.title for project in all_projects()}
    english = client.get('/projects/dashboard', headers=EN).get_data(as_text=True)
    assert 'Projects dashboard' in english and 'Off track' in english
    assert 'One milestone is overdue.' in english  # the reasons, written for a phone too
    assert 'href="/projects/dashboard?health=off_track"' in english


@pytest.mark.parametrize('arguments, expected', [
    ({'field': 'biomedicine'}, {'Warned', 'Lagging'}),
    ({'tier': 'accelerator'}, {'Warned', 'Lagging', 'Stopped', 'Far behind'}),
    ({'health': 'at_risk'}, {'Late once', 'Warned', 'Lagging'}),
    ({'show': 'overdue'}, {'Late once', 'Late twice'}),
])
def test_filters(portfolio, client, login, arguments, expected):
    login(portfolio.manager)
    assert titles(client.get('/projects/dashboard', query_string=arguments)) == expected


def test_filters_by_site_and_manager(portfolio, client, login):
    login(portfolio.admin)
    by_site = client.get('/projects/dashboard', query_string={'site': portfolio.north.id})
    assert titles(by_site) == {'Steady', 'Late once', 'Late twice'}
    by_manager = client.get('/projects/dashboard', query_string={'manager': portfolio.manager2.id,
                                                                'health': 'off_track'})
    assert titles(by_manager) == {'Late twice'}


@pytest.mark.parametrize('arguments', [
    {'site': '999999'}, {'manager': '99999999999999999999'}, {'health': 'sideways'}, {'tier': 'x'},
    {'field': '\u5176\u4ed6'}, {'show': 'everything'},
])
def test_bad_filter_values_show_every_project_and_say_so(portfolio, client, login, arguments):
    login(portfolio.manager)
    response = client.get('/projects/dashboard', query_string={**arguments, 'field': arguments.get('field', 'other'),
                                                                'page': '99999999999999999999'}, headers=EN)
    assert response.status_code == 200
    assert 'Some filters were not understood, so every project is shown.' in response.get_data(as_text=True)
    assert titles(response) == {project.title for project in all_projects()}
    csv_response = client.get('/projects/dashboard.csv', query_string=arguments, buffered=True)
    assert csv_response.status_code == 200
    assert len(list(csv.reader(io.StringIO(csv_response.get_data(as_text=True))))) == 1 + len(all_projects())


def test_a_blank_choice_is_no_filter(portfolio, client, login):
    login(portfolio.manager)
    response = client.get('/projects/dashboard', query_string={'site': ' ', 'health': ' '}, headers=EN)
    assert response.status_code == 200 and 'not understood' not in response.get_data(as_text=True)
    assert titles(response) == {project.title for project in all_projects()}


def test_a_nul_in_a_filter_is_refused(portfolio, client, login):
    login(portfolio.manager)
    assert client.get('/projects/dashboard', query_string={'health': 'a\x00'}).status_code == 400


def test_pages_keep_the_filters(app, frozen, client, login):
    manager = UserFactory(roles=['manager'])
    startup = StartupFactory()
    for number in range(30):
        make_project(startup, manager, f'Project {number:02d}')
    login(manager)
    first = client.get('/projects/dashboard', query_string={'health': 'on_track'}, headers=EN)
    text = first.get_data(as_text=True)
    assert 'Page 1 of 2' in text and '/projects/dashboard?page=2&amp;health=on_track' in text
    second = client.get('/projects/dashboard', query_string={'health': 'on_track', 'page': 2})
    assert len(titles(first)) == 25 and len(titles(second)) == 5 and not titles(first) & titles(second)


def _dashboard_statements(client, count_queries, path):
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    return counter.count


@pytest.mark.parametrize('path', ['/projects/dashboard', '/projects/dashboard?health=at_risk',
                                  '/projects/committee'])
def test_statements_do_not_grow_with_projects(app, frozen, client, login, count_queries, path):
    manager = UserFactory(roles=['manager'])
    startup = StartupFactory()

    def add(count):
        for number in range(count):
            make_project(startup, manager, f'P{number}', milestones=[
                (TODAY - timedelta(days=2), MilestoneState.in_progress, [(10, [(TODAY, 1), (TODAY, 2)])]),
                (TODAY + timedelta(days=9), MilestoneState.planned, [(5, [])])])
    login(manager)
    add(3)
    few = _dashboard_statements(client, count_queries, path)
    add(27)
    assert _dashboard_statements(client, count_queries, path) == few


# --- CSV -------------------------------------------------------------------------------------------------

def test_csv_has_every_row_a_bom_and_the_readers_language(app, frozen, client, login):
    manager = UserFactory(roles=['manager'], name='Mia Manager')
    startup = StartupFactory(name='梧桐科技')
    for number in range(30):
        make_project(startup, manager, f'=Project {number:02d}')
    project = all_projects()[0]
    db.session.add_all([ProjectFunding(project=project, kind=FundingKind.subsidy, amount_fen=123456,
                                       granted_on=TODAY),
                        ProjectFunding(project=project, kind=FundingKind.grant, amount_fen=5, granted_on=TODAY)])
    db.session.commit()
    login(manager)
    english = client.get('/projects/dashboard.csv', headers=EN, buffered=True)
    assert english.mimetype == 'text/csv' and 'attachment' in english.headers['Content-Disposition']
    text = english.get_data(as_text=True)
    assert text.startswith('\ufeff')
    lines = list(csv.reader(io.StringIO(text[1:])))
    assert lines[0][:4] == ['Startup', 'Site', 'Tier', 'Project'] and lines[0][-1] == 'Funding granted (yuan)'
    assert len(lines) == 31  # every row, not a page
    funded = next(line for line in lines if line[3] == "'=Project 00")  # never a formula
    assert funded[0] == '梧桐科技' and funded[-1] == '1234.61' and funded[-3:-1] == ['2026-01-01', '2027-01-01']
    chinese = client.get('/projects/dashboard.csv', buffered=True).get_data(as_text=True)
    assert chinese.startswith('\ufeff入驻企业,园区,') and '正常' in chinese


# --- the committee ---------------------------------------------------------------------------------------

def main_part(response):
    """The page's own content, without the layout's language and sign-out forms."""
    text = response.get_data(as_text=True)
    return text[text.index('<main'):text.index('</main>')]


def test_the_committee_view_shows_outcomes_and_no_forms(portfolio, client, login):
    login(portfolio.committee)
    response = client.get('/projects/committee', headers=EN)
    text = main_part(response)
    assert response.status_code == 200
    assert titles(response) == {project.title for project in all_projects()}
    assert 'Continue with a warning' in text and 'Stop' in text and 'No review decided yet' in text
    assert '<form' in text and 'method="post"' not in text.lower()  # the filters only
    assert f'/projects/{portfolio.stopped.id}"' in text


def test_the_committee_sees_no_edit_button_or_form_on_a_project_page(portfolio, client, login):
    login(portfolio.committee)
    response = client.get(f'/projects/{portfolio.two_overdue.id}', headers=EN)
    text = main_part(response)
    assert response.status_code == 200 and 'Late twice' in text
    assert '<form' not in text and '/edit' not in text and '/new' not in text and '/reschedule' not in text


# --- reviews ---------------------------------------------------------------------------------------------

def review(project, period_start, due_at, state=ReviewState.awaiting_self_assessment, **decision):
    made = ProgressReview(project=project, period_start=period_start, manager_id=project.manager_id, due_at=due_at,
                          state=state, **decision)
    db.session.add(made)
    db.session.commit()
    return made


def test_reviews_due_this_working_week(portfolio, client, login):
    # Monday 7 December 2026: the week runs to Friday the 11th in Shanghai (Saturday 00:00 is Friday 16:00 UTC).
    review(portfolio.on_track, date(2026, 10, 1), datetime(2026, 12, 11, 15, 59, tzinfo=UTC))
    review(portfolio.warned, date(2026, 10, 1), datetime(2026, 12, 6, 15, 59, tzinfo=UTC))  # Sunday: last week
    review(portfolio.lagging, date(2026, 10, 1), datetime(2026, 12, 11, 16, 0, tzinfo=UTC))  # Saturday
    review(portfolio.stopped, date(2026, 10, 1), datetime(2026, 12, 8, 2, 0, tzinfo=UTC), state=ReviewState.decided,
           outcome=ReviewOutcome.stop, decided_at=datetime(2026, 12, 7, 2, 0, tzinfo=UTC))
    page = dashboard_page(DashboardFilters(), TODAY, 1)
    assert page.summary.reviews_due == 1
    assert {row.project.title: row.reviews_due for row in page.rows if row.reviews_due} == {'Steady': 1}
    login(portfolio.manager)
    response = client.get('/projects/dashboard', query_string={'show': 'reviews_due'}, headers=EN)
    assert titles(response) == {'Steady'} and 'Reviews due this week' in response.get_data(as_text=True)


def test_the_committee_sees_the_last_decided_review(portfolio, client, login):
    decided = dict(state=ReviewState.decided, decided_by=portfolio.manager2)
    review(portfolio.warned, date(2026, 7, 1), datetime(2026, 7, 15, tzinfo=UTC), outcome=ReviewOutcome.continue_,
           decided_at=datetime(2026, 7, 10, tzinfo=UTC), findings='All fine in July.', **decided)
    review(portfolio.warned, date(2026, 10, 1), datetime(2026, 10, 15, tzinfo=UTC), outcome=ReviewOutcome.warning,
           decided_at=datetime(2026, 10, 12, tzinfo=UTC), findings='Hiring is behind plan.', **decided)
    review(portfolio.warned, date(2027, 1, 1), datetime(2027, 1, 15, tzinfo=UTC))  # open: not an outcome
    login(portfolio.committee)
    text = main_part(client.get('/projects/committee', headers=EN))
    assert 'Hiring is behind plan.' in text and 'All fine in July.' not in text
    assert 'Decided by Max Manager on' in text


@pytest.mark.parametrize('role, link', [('owner', None), ('member', None), ('committee', '/projects/committee'),
                                        ('manager', '/projects/dashboard'), ('admin', '/projects/dashboard')])
def test_the_navigation_leads_to_the_view_one_may_see(portfolio, client, login, role, link):
    login(getattr(portfolio, role))
    text = client.get('/', headers=EN).get_data(as_text=True)
    navigation = text[:text.index('<main')]
    assert ('href="/projects/dashboard"' in navigation) == (link == '/projects/dashboard')
    assert ('href="/projects/committee"' in navigation) == (link == '/projects/committee')


def test_an_empty_filtered_list_still_has_the_summary(portfolio, client, login):
    page = dashboard_page(DashboardFilters(show='reviews_due'), TODAY, 1)
    assert page.rows == [] and page.total == 0 and page.pages == 1
    assert page.summary.by_health == {Health.on_track: 1, Health.at_risk: 3, Health.off_track: 3}
    login(portfolio.manager)
    response = client.get('/projects/dashboard', query_string={'show': 'reviews_due', 'page': 3}, headers=EN)
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and 'No projects found.' in text
    assert 'id="summary-off_track"' in text and '>3</div>' in text


def test_the_committee_sees_no_form_on_a_review_page(portfolio, client, login):
    opened = review(portfolio.warned, date(2026, 10, 1), datetime(2026, 12, 11, 8, tzinfo=UTC))
    decided = review(portfolio.stopped, date(2026, 10, 1), datetime(2026, 12, 11, 8, tzinfo=UTC),
                     state=ReviewState.decided, outcome=ReviewOutcome.stop, findings='Stopped.',
                     decided_at=datetime(2026, 12, 1, tzinfo=UTC), decided_by=portfolio.manager)
    login(portfolio.committee)
    for made in (opened, decided):
        response = client.get(f'/reviews/{made.id}', headers=EN)
        assert response.status_code == 200 and '<form' not in main_part(response)
