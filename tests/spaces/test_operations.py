"""The write side of spaces, called directly: who may act, what is refused, and what a refusal leaves behind."""
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from incubator.booking.models import Booking, BookingStatus, PaymentMethod
from incubator.core.audit import AuditEntry
from incubator.core.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.spaces import operations
from incubator.spaces.models import Blackout, Certification, Space, SpaceKind, TierQuota, UserCertification
from incubator.spaces.queries import list_active_spaces
from incubator.startups.models import Tier
from tests.conftest import refused
from tests.factories import CertificationFactory, SiteFactory, SpaceFactory, StartupFactory, UserFactory, member_of

#: Domain errors are read in English here; the view tests read them in both languages.
pytestmark = pytest.mark.usefixtures('in_english')

COLUMNS = operations.SPACE_FIELDS + ('updated_at',)
JUNE_FIRST = date(2026, 6, 1)


@pytest.fixture
def site(app):
    return SiteFactory(name='Qianhai Hub')


@pytest.fixture
def manager(app):
    return UserFactory(roles=['manager'])


@pytest.fixture
def member(app):
    return member_of(StartupFactory())


def values(site, **overrides):
    data = {'site_id': site.id, 'name': 'Meeting room A', 'kind': 'meeting_room', 'capacity': 8,
            'description': '', 'hourly_price_fen': 1250, 'daily_price_fen': 8000, 'min_booking_minutes': 30,
            'max_booking_minutes': 480, 'booking_horizon_days': 60, 'cancellation_cutoff_hours': 24,
            'requires_approval': False, 'requires_check_in': True, 'certification_id': None, 'is_active': True}
    data.update(overrides)
    return data


def count(model):
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def stored(space_id):
    """The row as the database has it, not as the session remembers it."""
    db.session.rollback()
    db.session.expire_all()
    space = db.session.get(Space, space_id)
    return {column: getattr(space, column) for column in COLUMNS}


# --- spaces -------------------------------------------------------------------------------

@pytest.mark.parametrize('roles', [['manager'], ['admin']])
def test_managers_and_admins_create_spaces(site, roles):
    space = operations.create_space(UserFactory(roles=roles), **values(site, name=' Lab 1 ', kind=SpaceKind.lab,
                                                                       description='  '))
    db.session.commit()
    db.session.expire_all()
    saved = db.session.get(Space, space.id)
    assert (saved.name, saved.kind, saved.description, saved.hourly_price_fen) == ('Lab 1', SpaceKind.lab, None, 1250)
    assert count(AuditEntry) >= 1


@pytest.mark.parametrize('who', ['member', 'committee', 'nobody'])
def test_others_may_not_set_up_anything(site, member, who):
    actor = {'member': member, 'committee': UserFactory(roles=['committee']), 'nobody': UserFactory()}[who]
    space = SpaceFactory(site=site)
    certification = CertificationFactory()
    calls = [
        lambda: operations.create_space(actor, **values(site)),
        lambda: operations.update_space(actor, space, **values(site)),
        lambda: operations.add_blackout(actor, space, datetime(2026, 6, 1, tzinfo=UTC),
                                        datetime(2026, 6, 2, tzinfo=UTC), 'x'),
        lambda: operations.create_certification(actor, 'Lab safety'),
        lambda: operations.record_certification(actor, actor, certification, date(2099, 1, 1)),
        lambda: operations.save_quotas(actor, {(Tier.incubator, SpaceKind.lab): 60}),
    ]
    for call in calls:
        with pytest.raises(NotAllowed):
            call()
    db.session.rollback()
    assert (count(Space), count(Blackout), count(Certification), count(UserCertification), count(TierQuota)) == \
        (1, 0, 1, 0, 0)


def test_names_are_unique_per_site_only(site, manager):
    operations.create_space(manager, **values(site))
    with pytest.raises(Conflict) as refused:
        operations.create_space(manager, **values(site, name=' Meeting room A'))
    assert refused.value.field == 'name'
    assert str(refused.value) == 'Qianhai Hub already has a space named Meeting room A.'
    operations.create_space(manager, **values(SiteFactory(), name='Meeting room A'))
    db.session.commit()
    assert count(Space) == 2


@pytest.mark.parametrize('overrides, field', [
    ({'name': ''}, 'name'),
    ({'name': 'x' * 101}, 'name'),
    ({'site_id': 99999}, 'site_id'),
    ({'kind': 'spaceship'}, 'kind'),
    ({'capacity': 0}, 'capacity'),
    ({'capacity': 2.5}, 'capacity'),
    ({'capacity': True}, 'capacity'),
    ({'hourly_price_fen': -1}, 'hourly_price_fen'),
    ({'hourly_price_fen': 12.5}, 'hourly_price_fen'),
    ({'daily_price_fen': 100_000_001}, 'daily_price_fen'),
    ({'min_booking_minutes': 0}, 'min_booking_minutes'),
    ({'max_booking_minutes': 1441}, 'max_booking_minutes'),
    ({'min_booking_minutes': 120, 'max_booking_minutes': 60}, 'max_booking_minutes'),
    ({'booking_horizon_days': 0}, 'booking_horizon_days'),
    ({'cancellation_cutoff_hours': -1}, 'cancellation_cutoff_hours'),
    ({'certification_id': 99999}, 'certification_id'),
])
def test_a_refused_update_leaves_the_space_as_it_was(site, manager, overrides, field):
    space = SpaceFactory(site=site, name='Room B')
    before = stored(space.id)
    with pytest.raises(DomainError) as refused:
        operations.update_space(manager, space, **values(site, **overrides))
    assert refused.value.field == field
    assert stored(space.id) == before


def test_site_and_kind_stay_once_a_space_has_bookings(site, manager):
    space = SpaceFactory(site=site, name='Room B', kind=SpaceKind.meeting_room)
    other_site = SiteFactory()
    startup = StartupFactory(site=site)
    db.session.add(Booking(space=space, startup=startup, start_at=datetime(2026, 6, 1, 2, tzinfo=UTC),
                           end_at=datetime(2026, 6, 1, 3, tzinfo=UTC), status=BookingStatus.confirmed,
                           quota_month=date(2026, 6, 1), usage_minutes=60,
                           payment_method=PaymentMethod.on_site))
    db.session.commit()
    before = stored(space.id)
    for change in ({'site_id': other_site.id}, {'kind': 'lab'}):
        with refused('spaces.has_bookings'):
            operations.update_space(manager, space, **values(site, name='Room B', **change))
        assert stored(space.id) == before
    operations.update_space(manager, space, **values(site, name='Room B', capacity=3))
    db.session.commit()
    assert stored(space.id)['capacity'] == 3


def test_a_space_without_bookings_may_move(site, manager):
    space = SpaceFactory(site=site)
    other_site = SiteFactory()
    operations.update_space(manager, space, **values(other_site, kind='lab'))
    db.session.commit()
    assert (stored(space.id)['site_id'], stored(space.id)['kind']) == (other_site.id, SpaceKind.lab)


# --- blackouts ------------------------------------------------------------------------------

def test_blackouts_need_an_order_and_aware_times(manager):
    space = SpaceFactory()
    start = datetime(2026, 6, 1, 1, tzinfo=UTC)
    with pytest.raises(DomainError) as refused:
        operations.add_blackout(manager, space, start, start, 'Works')
    assert refused.value.field == 'ends_at'
    with pytest.raises(ValueError):
        operations.add_blackout(manager, space, datetime(2026, 6, 1), datetime(2026, 6, 2), 'Works')
    with pytest.raises(DomainError):
        operations.add_blackout(manager, space, start, datetime(2026, 6, 2, tzinfo=UTC), ' ')
    assert count(Blackout) == 0

    blackout = operations.add_blackout(manager, space, start, datetime(2026, 6, 2, tzinfo=UTC), ' Works ')
    db.session.commit()
    assert blackout.reason == 'Works'
    operations.delete_blackout(manager, blackout)
    db.session.commit()
    assert count(Blackout) == 0


# --- certifications ----------------------------------------------------------------------------

def test_certification_names_are_unique(manager):
    operations.create_certification(manager, ' Lab safety ', ' BSL-1 ')
    db.session.commit()
    with pytest.raises(Conflict) as refused:
        operations.create_certification(manager, 'Lab safety')
    assert refused.value.field == 'name'
    db.session.rollback()
    assert db.session.execute(sa.select(Certification.name, Certification.description)).one() == ('Lab safety',
                                                                                                   'BSL-1')


def test_recording_again_renews_the_one_record(manager):
    certification = CertificationFactory()
    person = UserFactory()
    held, renewed = operations.record_certification(manager, person, certification, date(2026, 12, 31),
                                                    today=JUNE_FIRST)
    assert not renewed
    again, renewed = operations.record_certification(manager, person, certification, date(2027, 6, 30),
                                                     today=JUNE_FIRST)
    db.session.commit()
    assert renewed and again.id == held.id
    row = db.session.execute(sa.select(UserCertification)).scalar_one()
    assert (row.expires_on, row.recorded_by_id) == (date(2027, 6, 30), manager.id)
    assert row.is_valid_on(date(2027, 6, 30)) and not row.is_valid_on(date(2027, 7, 1))

    operations.revoke_certification(manager, row)
    db.session.commit()
    assert count(UserCertification) == 0


def test_a_date_already_past_is_refused(manager):
    certification = CertificationFactory()
    person = UserFactory()
    operations.record_certification(manager, person, certification, JUNE_FIRST, today=JUNE_FIRST)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        operations.record_certification(manager, person, certification, date(2026, 5, 31), today=JUNE_FIRST)
    assert refused.value.field == 'expires_on'
    db.session.rollback()
    assert db.session.execute(sa.select(UserCertification.expires_on)).scalar_one() == JUNE_FIRST


# --- free quotas -----------------------------------------------------------------------------------

def quotas():
    db.session.expire_all()
    return {(row.tier, row.space_kind): row.free_minutes
            for row in db.session.execute(sa.select(TierQuota)).scalars()}


def test_quotas_are_created_changed_and_zeroed(manager):
    operations.save_quotas(manager, {(Tier.incubator, SpaceKind.lab): 600, (Tier.maker_space, SpaceKind.lab): 0})
    db.session.commit()
    assert quotas() == {(Tier.incubator, SpaceKind.lab): 600}
    operations.save_quotas(manager, {(Tier.incubator, SpaceKind.lab): 0,
                                     (Tier.accelerator, SpaceKind.meeting_room): 45})
    db.session.commit()
    assert quotas() == {(Tier.incubator, SpaceKind.lab): 0, (Tier.accelerator, SpaceKind.meeting_room): 45}


@pytest.mark.parametrize('bad', [-1, 1.5, None, operations.MAX_FREE_MINUTES + 1])
def test_one_bad_quota_saves_none(manager, bad):
    with pytest.raises(DomainError):
        operations.save_quotas(manager, {(Tier.incubator, SpaceKind.lab): 600,
                                         (Tier.accelerator, SpaceKind.lab): bad})
    db.session.rollback()
    assert quotas() == {}


# --- queries -------------------------------------------------------------------------------------

def test_list_active_spaces_filters_by_site_and_kind(count_queries):
    nanshan, qianhai = SiteFactory(name='Nanshan'), SiteFactory(name='Qianhai')
    closed_site = SiteFactory(name='Closed', is_active=False)
    lab = SpaceFactory(site=qianhai, name='Lab', kind=SpaceKind.lab)
    room = SpaceFactory(site=nanshan, name='Room', kind=SpaceKind.meeting_room)
    SpaceFactory(site=nanshan, name='Old room', is_active=False)
    SpaceFactory(site=closed_site, name='Room elsewhere')
    db.session.expire_all()

    spaces = list_active_spaces()
    with count_queries() as counter:
        names = [(space.site.name, space.name) for space in spaces]
    assert names == [('Nanshan', 'Room'), ('Qianhai', 'Lab')]
    assert counter.count == 0   # the sites came with the spaces
    assert [space.id for space in list_active_spaces(site_id=qianhai.id)] == [lab.id]
    assert [space.id for space in list_active_spaces(kind=SpaceKind.meeting_room)] == [room.id]
    assert [space.id for space in list_active_spaces(kind='lab', site_id=nanshan.id)] == []
