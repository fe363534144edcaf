"""Bad input never answers 5xx: every route, as every role, with each kind of bad value.

One request per (route, method, role, kind of bad value): every form field and every query
parameter the views read gets a plausible value, and the fields a kind concerns get the bad one
(a NUL character, a date far out of range, a blank choice, a number beyond a database integer).
"""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from wtforms import DateField, DateTimeLocalField, IntegerField, SelectField, SelectMultipleField
from wtforms.fields.core import UnboundField

from incubator.auth.models import Invitation, User
from incubator.booking.models import Booking, BookingStatus, WaitlistEntry
from incubator.cases.models import ChecklistItem
from incubator.cases.precedents.models import Precedent
from incubator.core.forms import BaseForm
from incubator.demo import DEMO_DOMAIN, load_demo
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.payments import operations as payment_operations
from incubator.payments.models import FapiaoRequest, Payment
from incubator.sites import operations as site_operations
from incubator.sites.models import Site, SiteClosure
from incubator.spaces import operations as space_operations
from incubator.spaces.models import Blackout, Space, UserCertification
from incubator.startups.models import StartupMembership
from tests.booking import conftest as booking_conftest
from tests.committees import conftest as committees_conftest
from tests.factories import UserFactory

world = booking_conftest.world
subject_kind = committees_conftest.subject_kind

ROLES = (None, 'owner', 'member', 'manager', 'committee', 'admin')
#: A NUL character is refused by the app's first hook, before anything asks who is acting (no URL value
#: preprocessor, no other hook before it: test_a_nul_is_refused_before_anything_else): every route is tried
#: with it by a visitor, a startup's owner and an administrator, whose error pages differ, not by every role.
NUL_ROLES = (None, 'owner', 'admin')
#: Query parameters the views read directly (``grep -rn request.args incubator``), besides filter forms' fields.
QUERY_PARAMETERS = ('page', 'year', 'week', 'when', 'day', 'q', 'status', 'job', 'outcome', 'next', 'session_id',
                    'open', 'month', 'startup', 'site', 'kind', 'people', 'state', 'exploration', 'rule', 'purpose')
BIG_NUMBER = '99999999999999999999'
MAX_ID = 2**31 - 1
NUL = 'a\x00b'


def _form_fields():
    """Every field name of every form, with its field classes."""
    fields = {}

    def walk(form_class):
        for name in dir(form_class):
            unbound = getattr(form_class, name, None)
            if isinstance(unbound, UnboundField):
                fields.setdefault(name, set()).add(unbound.field_class)
        for subclass in form_class.__subclasses__():
            walk(subclass)
    walk(BaseForm)
    return fields


def _is(classes, *kinds):
    return any(issubclass(cls, kinds) for cls in classes)


def _plausible(name, classes, scene):
    """A value that would pass, so a form reaches its operation with the one bad field."""
    day = scene['day']
    known = {
        'email': 'someone.new@example.com', 'password': 'a long enough password 1', 'confirm': '1',
        'current_password': 'wutong-demo-2026', 'start': '10:00', 'end': '11:00', 'seats': '1', 'people': '1',
        'startup': str(scene['startup_id']), 'site': str(scene['site_id']), 'site_id': str(scene['site_id']),
        'timezone': 'Asia/Shanghai', 'tier': 'incubator', 'locale': 'en', 'role': 'member', 'roles': 'manager',
        'kind': 'meeting_room', 'credit_code': '91440300MA5F0XXX1E', 'taxpayer_number': '91440300MA5F0XXX1E',
        'contact_phone': '0755-1234 5678', 'amount': '1', 'capacity': '4', 'page': '1', 'year': str(day.year),
        'week': day.isoformat(), 'month': f'{day:%Y-%m}', 'starts_at': f'{day}T10:00', 'ends_at': f'{day}T12:00',
        'status': 'incubating', 'recurrence': 'weekly', 'count': '2', 'bookings': str(scene['booking_id']),
        'certification_id': '0', 'min_booking_minutes': '30', 'max_booking_minutes': '240',
        'booking_horizon_days': '30', 'cancellation_cutoff_hours': '24',
        'field': 'other', 'review_cadence': 'monthly', 'decision': 'request_changes',
        'manager': str(scene['manager_id']), 'purpose': 'cases', 'quorum': '2/3', 'majority': '1/2',
        'chair': str(scene['chair_id']), 'members': str(scene['chair_id']), 'choice': 'for',
        # cases ('purpose' above is a committee's: the assessment's finding 3 of that name is then refused as a field)
        'assessor': str(scene['manager_id']), 'outcome': 'partly_exempt', 'exploration': 'exploration',
        'rule': 'no_rule_yet', 'language': 'en', 'filing_reference': 'SB-1', 'position': '1', 'state': 'draft',
    }
    if name in known:
        return known[name]
    if _is(classes, DateTimeLocalField):
        return f'{day}T10:00'
    if _is(classes, DateField):
        return (day + timedelta(days=1)).isoformat() if name.endswith(('to', 'until', 'ends_on')) else day.isoformat()
    if _is(classes, IntegerField):
        return '1'
    if name.startswith(('opens_', 'closes_')):
        return '09:00' if name.startswith('opens_') else '18:00'
    if name.startswith(('open_', 'is_', 'requires_', 'follows_')):
        return 'y'
    return 'Text'


def _bad_values(kind, fields, scene):
    """Field and query-parameter values for one kind of bad value."""
    names = {**{name: set() for name in QUERY_PARAMETERS}, **fields}
    values = {name: _plausible(name, classes, scene) for name, classes in names.items()}
    dateish = {'day', 'week', 'month', 'date_from', 'date_to', 'until', 'starts_at', 'ends_at'}
    numeric = {'page', 'year', 'people', 'startup', 'site', 'object_id', 'count', 'bookings'}
    choices = {'kind', 'status', 'when', 'outcome', 'job', 'channel', 'state', 'exploration', 'rule', 'purpose'}
    for name, classes in names.items():
        if kind == 'nul':
            values[name] = values[name] + NUL
        elif kind == 'blank' and (name in choices or _is(classes, SelectField, SelectMultipleField)):
            values[name] = ' '
        elif kind in ('far_future', 'far_past') and (name in dateish or _is(classes, DateField, DateTimeLocalField)):
            far = '9999-12-31' if kind == 'far_future' else '0001-01-01'
            values[name] = far[:7] if name == 'month' else f'{far}T23:59' if _is(classes, DateTimeLocalField) else far
        elif kind == 'huge' and (name in numeric or _is(classes, IntegerField, SelectField, SelectMultipleField)):
            values[name] = BIG_NUMBER
    return values


def _first_id(model, *criteria):
    return db.session.execute(sa.select(model.id).where(*criteria).order_by(model.id).limit(1)).scalar() or 1


def _build_scene():
    """The demo, plus one of every object a route takes an id of."""
    load_demo()
    db.session.commit()
    users = {user.email.split('@')[0]: user for user in db.session.execute(
        sa.select(User).where(User.email.like(f'%@{DEMO_DOMAIN}'))).scalars()}
    manager = users['manager']
    owner_membership = users['owner'].memberships[0]
    startup = owner_membership.startup
    site = startup.site
    space = db.session.execute(sa.select(Space).where(Space.site_id == site.id).order_by(Space.id)).scalars().first()
    booking = db.session.execute(sa.select(Booking).where(Booking.startup_id == startup.id, Booking.price_fen > 0,
                                                          Booking.status == BookingStatus.confirmed)
                                 .order_by(Booking.id)).scalars().first()
    if booking is not None:
        payment = payment_operations.record_payment_on_site(manager, [booking])
        payment_operations.request_fapiao(users['owner'], payment, 'Title', '91440300MA5F0XXX1E')
    day = date.today() + timedelta(days=14)
    space_operations.add_blackout(manager, space, *_window(site, day), 'Maintenance')
    site_operations.add_closure(manager, site, day + timedelta(days=1), day + timedelta(days=1), 'Holiday')
    spare = UserFactory(name='Spare')
    db.session.add(StartupMembership(user=spare, startup=startup, role='member'))
    from incubator.auth import operations as auth_operations
    auth_operations.invite_staff(users['admin'], 'invited@example.com', 'Invited', 'manager', 'en')
    milestone = _project_with_a_submission(startup, manager, users['owner'], day)
    review = _review_of(milestone.project, manager)
    decision = _decision_on(startup, manager)
    case = _case_of(milestone.project, users)
    green_request = _green_request(startup, milestone.project, users)
    green = _green_aftercare(milestone.project, manager, users['owner'])
    db.session.commit()
    ids = {
        'booking_id': _first_id(Booking), 'space_id': space.id, 'entry_id': _first_id(WaitlistEntry),
        'notification_id': _first_id(Notification), 'payment_id': _first_id(Payment),
        'request_id': _first_id(FapiaoRequest), 'site_id': site.id, 'blackout_id': _first_id(Blackout),
        'closure_id': _first_id(SiteClosure), 'held_id': _first_id(UserCertification), 'startup_id': startup.id,
        'membership_id': _first_id(StartupMembership, StartupMembership.user_id == spare.id),
        'invitation_id': _first_id(Invitation), 'user_id': spare.id, 'project_id': milestone.project_id,
        'milestone_id': milestone.id, 'review_id': review.id, 'committee_id': decision.committee_id,
        'decision_id': decision.id, 'case_id': case.id, 'letter_id': case.letters[0].id,
        'item_id': _first_id(ChecklistItem), 'precedent_id': _first_id(Precedent),
        'green_request_id': green_request.id,
        'department_id': green_request.reviews[0].department_id, 'category_id': green_request.category_id,
        'green_review_id': green_request.reviews[0].id, **green,
    }
    return {'users': {key: user.id for key, user in users.items()}, 'ids': ids, 'day': day,
            'startup_id': startup.id, 'site_id': site.id, 'booking_id': ids['booking_id'], 'manager_id': manager.id,
            'chair_id': users['committee'].id}


#: Per database: the scene and, right after it was built, the rows of every table and the sequences' positions.
_built_scenes = {}


def _scene():
    """The scene, built by the first test on each database; later tests get the same rows copied back into their
    empty tables (building it takes seconds, copying it a fraction of one), so what each test's requests change
    stays its own."""
    from tests.conftest import CALENDAR_TABLES, _sequences_by_table
    key = db.engine.url.render_as_string()
    tables = [table for table in db.metadata.sorted_tables if table.name not in CALENDAR_TABLES]
    postgresql = db.engine.dialect.name == 'postgresql'
    if key not in _built_scenes:
        scene = _build_scene()
        with db.engine.connect() as connection:
            rows = [(table, [dict(zip([column.key for column in table.columns], row, strict=True))
                             for row in connection.execute(sa.select(*table.columns))]) for table in tables]
            sequences = connection.execute(sa.text(
                'SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() '
                'AND last_value IS NOT NULL AND sequencename = ANY(:owned)'), {'owned': [
                    sequence for table in tables
                    for sequence in _sequences_by_table(connection).get(table.name, ())]}).all() if postgresql else []
        _built_scenes[key] = scene, rows, sequences
        return scene
    scene, rows, sequences = _built_scenes[key]
    with db.engine.begin() as connection:
        for table, table_rows in rows:
            if table_rows:
                # A JSON column's None was SQL NULL, not JSON's null.
                connection.execute(table.insert().values({
                    column.key: sa.bindparam(column.key, type_=sa.JSON(none_as_null=True))
                    for column in table.columns if isinstance(column.type, sa.JSON)}), table_rows)
        for sequence, last_value in sequences:
            connection.execute(sa.text('SELECT setval(CAST(:sequence AS regclass), :value)'),
                               {'sequence': f'"{sequence}"', 'value': last_value})
    return scene


def _project_with_a_submission(startup, manager, owner, day):
    """A project of the startup with a milestone whose progress awaits a decision."""
    from incubator.projects import operations as project_operations
    from incubator.projects.models import KpiKind, ProjectField, ReviewCadence
    project = project_operations.create_project(
        manager, startup, title='Project', field=ProjectField.other, lead_name='Lead', start_date=day,
        planned_end_date=day + timedelta(days=365), review_cadence=ReviewCadence.monthly, manager=manager)
    milestone = project_operations.add_milestone(manager, project, title='Milestone', due_date=day,
                                                 targets=[(KpiKind.revenue, 100, None, None)])
    project_operations.submit_progress(owner, milestone, figures={milestone.kpi_targets[0].id: 50},
                                       narrative='Progress')
    return milestone


def _review_of(project, manager):
    """An open progress review of the project (the job opens it only once its period has begun)."""
    from incubator.core.time import now_utc
    from incubator.projects.reviews.models import ProgressReview
    review = ProgressReview(project=project, period_start=project.start_date.replace(day=1), manager=manager,
                            due_at=now_utc() + timedelta(days=14))
    db.session.add(review)
    db.session.flush()
    return review


def _decision_on(startup, manager):
    """The demo case committee deciding on the startup (registered as a test subject kind), the demo committee
    member seated."""
    from incubator.committees import operations as committee_operations
    from incubator.committees.queries import active_committee
    return committee_operations.open_decision(active_committee('cases'), user=manager,
                                              subject_kind=committees_conftest.KIND, subject_id=startup.id)


def _case_of(project, users):
    """A recorded tolerance-for-failure case about the project, its letter issued (the demo's cases committee, or one
    made here), so that every step's route has a case to refuse bad input on."""
    from incubator.cases import operations as cases
    from incubator.committees import operations as committees
    from incubator.committees.queries import active_committee, decision_for
    if active_committee('cases') is None:
        committees.create_committee(user=users['admin'], name='Cases', purpose='cases', chair=users['committee'],
                                    members=[users['committee']])
    cases.save_checklist_item(None, user=users['admin'], kind='exempt_situation', label_zh='项', label_en='Item',
                              position=1)
    case = cases.create_case(project, user=users['owner'], what_happened='Failed', happened_on=date.today(),
                             parties=[('Lead', 'Lead')])
    manager = users['manager']
    cases.file_case(case, user=users['owner'])
    cases.accept_case(case, user=manager)
    cases.assign_assessor(case, user=manager, assessor=manager)
    cases.submit_assessment(case, user=manager, exploration='exploration', exploration_evidence='E', rule='no_rule_yet',
                            rule_evidence='E', purpose='for_development', purpose_evidence='E', diligence='D',
                            remedies='R')
    decision = decision_for('case', case.id, 1)
    chair = decision.acting_chair.user
    for seat in decision.seats:
        committees.record_opinion(decision, user=seat.user, choice='for', comment='')
    cases.decide_case(case, user=chair, outcome='exempt', consequences='', legal_basis='Rules')
    cases.record_case(case, user=manager, filed_with_body_on=project.start_date, filing_reference='SB')
    return case
def _green_aftercare(project, manager, owner):
    """A green-channel request under public notice with an objection, and one in fulfilment with an item."""
    from incubator.greenchannel.aftercare import fulfilment, notice
    from incubator.greenchannel.models import GreenRequest, Outcome, RequestCategory, RequestState
    category = RequestCategory(name_zh='坏输入类别', needs_notice=True, notice_days=30)
    plain = RequestCategory(name_zh='坏输入无公示类别', needs_notice=False)
    requests = [GreenRequest(startup=project.startup, project=project, category=kind, filed_by=owner,
                             service_contact=manager, state=RequestState.decided, needed='Lab',
                             outcome=Outcome.approved) for kind in (category, plain)]
    db.session.add_all([category, plain, *requests])
    db.session.flush()
    for request in requests:
        notice.after_decision(request, user=manager)
    the_notice = notice.current_notice(requests[0])
    objection = notice.lodge_objection(the_notice, name='Name', contact='a@example.com', reason='Reason')
    item = fulfilment.add_item(requests[1], user=manager, kind='housing', description='Flat')
    return {'notice_id': the_notice.id, 'objection_id': objection.id, 'item_id': item.id}


def _green_request(startup, project, users):
    """A green-channel request of the startup, routed to a department whose reviewer is the spare account."""
    from incubator.greenchannel import operations as green_operations
    admin, manager, owner = (db.session.get(User, users[name].id) for name in ('admin', 'manager', 'owner'))
    reviewer = UserFactory(name='Reviewer', roles=['department_reviewer'])
    department = green_operations.save_department(None, user=admin, name_zh='部门', reviewers=[reviewer])
    category = green_operations.save_category(None, user=admin, name_zh='类别', departments=[department],
                                              asks_amount=True)
    green_operations.set_service_contact(startup, user=admin, contact=manager)
    request = green_operations.save_draft(None, user=owner, startup=startup, project=project, category=category,
                                          needed='Lab', amount_fen=100)
    green_operations.submit_request(request, user=owner)
    return green_operations.accept_request(request, user=manager, departments=[department])


def _window(site, day):
    from datetime import datetime, time

    from incubator.core.time import from_local
    return (from_local(datetime.combine(day, time(10)), site.zone),
            from_local(datetime.combine(day, time(12)), site.zone))


def _path(rule, ids, kind):
    parts = {}
    for argument, converter in rule._converters.items():
        if converter.__class__.__name__ == 'DatabaseIdConverter':
            parts[argument] = MAX_ID if kind == 'huge' else ids.get(argument, 1)
        else:
            parts[argument] = NUL if kind == 'nul' else ' ' if kind == 'blank' else 'x'
    return rule.build(parts, append_unknown=False)[1]


@pytest.mark.parametrize('kind', ['nul', 'blank', 'far_future', 'far_past', 'huge'])
def test_no_route_answers_5xx_to_bad_input(app, client, login, subject_kind, kind):
    scene = _scene()
    values = _bad_values(kind, _form_fields(), scene)
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint not in {'static', 'bootstrap.static'}]
    failures = []
    for role in NUL_ROLES if kind == 'nul' else ROLES:
        for rule in rules:
            path = _path(rule, scene['ids'], kind)
            for method in sorted(rule.methods & {'GET', 'POST'}):
                if role:
                    login(db.session.get(User, scene['users'][role]))
                else:
                    with client.session_transaction() as session:
                        session.clear()
                try:
                    if method == 'GET':
                        status = client.get(path, query_string=values, buffered=True).status_code
                    else:
                        status = client.post(path, data=values, buffered=True).status_code
                except Exception as error:  # noqa: BLE001 (a stream broken mid-way is a failure to report)
                    status = f'{type(error).__name__}: {error}'
                if not isinstance(status, int) or status >= 500:
                    failures.append(f'{role or "anonymous"} {method} {rule.rule}: {status}')
                db.session.rollback()
    assert not failures, '\n'.join(failures)


# --- what people see ----------------------------------------------------------------------------

EN = {'Accept-Language': 'en'}
FAR_DATE = 'Enter a date between 2000 and 2100.'


def test_a_nul_character_anywhere_is_refused_before_any_view(client, login):
    login(UserFactory(roles=['admin']))
    response = client.post('/sites/new', data={'name': 'Nul\x00Site', 'timezone': 'Asia/Shanghai'}, headers=EN)
    assert response.status_code == 400
    assert 'contains a NUL character' in response.get_data(as_text=True)
    assert db.session.execute(sa.select(Site)).first() is None
    chinese = client.get('/startups/', query_string={'q': 'a\x00'})
    assert chinese.status_code == 400 and '空字符' in chinese.get_data(as_text=True)
    assert client.get('/invitation/a%00b').status_code == 400


def test_a_nul_is_refused_before_anything_else(app):
    """What lets the NUL check above try fewer roles: the refusal is the first thing a request meets."""
    first = app.before_request_funcs[None][0]
    assert (first.__module__, first.__name__) == ('incubator.core.params', 'refuse_nul_characters')
    assert not any(app.url_value_preprocessors.values())


def test_control_characters_in_text_are_a_field_error(client, login):
    login(UserFactory(roles=['admin']))
    response = client.post('/sites/new', data={'name': 'Bell\x07Site', 'timezone': 'Asia/Shanghai'}, headers=EN)
    assert response.status_code == 200
    assert 'Remove the control characters from this text.' in response.get_data(as_text=True)
    assert db.session.execute(sa.select(Site)).first() is None


@pytest.mark.parametrize('far', ['9999-12-31', '0001-01-01'])
def test_far_dates_are_a_field_error_and_nothing_is_booked(world, client, login, far):
    login(world.owner)
    data = {'startup': world.startup.id, 'day': far, 'start': '10:00', 'end': '11:00', 'seats': '1',
            'recurrence': 'weekly', 'until': far, 'confirm': '1'}
    response = client.post(f'/spaces/{world.room.id}/book', data=data, headers=EN)
    assert response.status_code == 200 and FAR_DATE in response.get_data(as_text=True)
    assert db.session.execute(sa.select(Booking)).first() is None
    week = client.get(f'/spaces/{world.room.id}', query_string={'week': far}, headers=EN)
    assert week.status_code == 200


def test_far_dates_in_filters_are_a_field_error(client, login):
    login(UserFactory(roles=['admin', 'manager']))
    audit = client.get('/admin/audit/', query_string={'date_from': '0001-01-01', 'date_to': '9999-12-31'}, headers=EN)
    assert audit.status_code == 200 and FAR_DATE in audit.get_data(as_text=True)
    export = client.get('/admin/audit/export.csv', query_string={'date_to': '9999-12-31'}, headers=EN,
                        buffered=True)
    assert export.status_code == 200 and export.get_data(as_text=True).startswith('\ufeff')


def test_a_blank_choice_is_the_empty_choice(world, client, login):
    login(world.owner)
    search = client.get('/spaces/', query_string={'day': '2026-12-07', 'start': '10:00', 'end': '11:00',
                                                  'kind': ' ', 'site': ' '}, headers=EN)
    assert search.status_code == 200
    data = {'startup': world.startup.id, 'day': '2026-12-07', 'start': '10:00', 'end': '11:00', 'seats': '1',
            'recurrence': ' '}
    assert client.post(f'/spaces/{world.room.id}/book', data=data, headers=EN).status_code == 200
    blank_startup = client.post(f'/spaces/{world.room.id}/book', data=dict(data, startup=' ', confirm='1'),
                                headers=EN)
    assert blank_startup.status_code == 200
    assert db.session.execute(sa.select(Booking)).first() is None


def test_numbers_beyond_a_database_integer(client, login):
    login(UserFactory(roles=['manager']))
    for path in ('/startups/', '/notifications/', '/bookings/', '/payments/'):
        assert client.get(path, query_string={'page': BIG_NUMBER}).status_code == 200
    response = client.post('/spaces/manage/new', data={'name': 'Big', 'capacity': BIG_NUMBER}, headers=EN)
    assert response.status_code == 200
    assert db.session.execute(sa.select(Space)).first() is None


def test_refusal_of_values(app, in_english):
    from incubator.core.forms import refusal
    assert refusal(date(2000, 1, 1)) is None and refusal(date(2100, 12, 31)) is None
    assert str(refusal(date(1999, 12, 31))) == str(refusal(date(2101, 1, 1))) == FAR_DATE
    assert refusal(2**31 - 1) is None and refusal(2**31) is not None and refusal([1, 2**40]) is not None
    assert refusal(True) is None and refusal('tab\tand\r\nlines') is None and refusal('bell\x07') is not None


def test_query_parameters_fall_back_to_their_default(app):
    from incubator.core.params import query_date, query_int
    with app.test_request_context('/?page=99999999999999999999&low=-5&word=abc&week=9999-12-31&day=2026-12-07'):
        assert query_int('page', 1, minimum=1, maximum=10_000) == 10_000
        assert query_int('low', 1, minimum=1) == 1
        assert query_int('word', 7) == 7 and query_int('missing', 3) == 3
        assert query_date('week', date(2026, 1, 1)) == date(2026, 1, 1)
        assert query_date('day', None) == date(2026, 12, 7) and query_date('missing', None) is None


def test_precedent_search_and_statistics_take_any_query(client, login):
    login(UserFactory(roles=['manager']))
    for query in ({'q': 'x' * 5000}, {'q': '% _ \\ ' * 50}, {'outcome': 'nonsense', 'rule': ' ', 'page': BIG_NUMBER},
                  {'exploration': BIG_NUMBER, 'purpose': '技术'}):
        assert client.get('/precedents/', query_string=query).status_code == 200
    for year in (BIG_NUMBER, '-5', '1999', '2101', 'abc', ' '):
        assert client.get('/cases/statistics', query_string={'year': year}).status_code == 200
        assert client.get('/cases/statistics.csv', query_string={'year': year}).status_code == 200
