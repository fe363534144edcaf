"""Public notice, objections and fulfilment: the rules, on both databases."""
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.extensions import db
from incubator.greenchannel.aftercare import fulfilment, notice
from incubator.greenchannel.models import (
    EventKind,
    FulfilmentKind,
    NoticeState,
    Objection,
    ObjectionState,
    Outcome,
    RequestState,
)
from incubator.spaces.models import UserCertification
from tests.conftest import refused
from tests.greenchannel_aftercare.conftest import at, rounds_of

pytestmark = pytest.mark.usefixtures('backend')


def published(after, now=None):
    request = after.decided()
    notice.after_decision(request, now=now or at('2026-09-29', 16))
    db.session.commit()
    return request, notice.current_notice(request)


def objection(the_notice, now=None, ip='203.0.113.9', **fields):
    values = {'name': 'Wang Wu', 'contact': 'wang@example.com', 'reason': 'The site is already promised to us.'}
    values.update(fields)
    return notice.lodge_objection(the_notice, ip_address=ip, now=now or at('2026-10-03'), **values)


def test_an_approval_of_a_category_with_a_notice_is_published_for_its_days(after):
    request, the_notice = published(after)
    assert request.state == RequestState.in_notice
    assert (the_notice.round, the_notice.state) == (1, NoticeState.open)
    assert the_notice.ends_at == at('2026-10-06', 16)
    assert request.events[-1].kind == EventKind.published


def test_without_a_notice_the_decision_takes_effect_at_once(after):
    request = after.decided(category=after.plain)
    notice.after_decision(request, now=at('2026-09-29', 16))
    assert request.state == RequestState.in_fulfilment
    assert notice.current_notice(request) is None


def test_a_rejection_or_a_request_moved_on_is_left_alone(after):
    request = after.decided(outcome=Outcome.rejected)
    request.state = RequestState.closed
    notice.after_decision(request)
    assert request.state == RequestState.closed


def test_the_job_lets_a_notice_take_effect_after_its_period_once(after):
    request, the_notice = published(after)
    assert notice.take_effect_when_due(at('2026-10-06', 15)) == {'moved_on': 0, 'took_effect': 0}
    assert notice.take_effect_when_due(at('2026-10-06', 16)) == {'moved_on': 0, 'took_effect': 1}
    assert notice.take_effect_when_due(at('2026-10-07')) == {'moved_on': 0, 'took_effect': 0}
    assert (request.state, the_notice.state) == (RequestState.in_fulfilment, NoticeState.took_effect)


def test_the_job_publishes_a_decision_that_was_not_moved_on(after):
    request = after.decided()
    assert notice.take_effect_when_due(at('2026-09-30')) == {'moved_on': 1, 'took_effect': 0}
    assert request.state == RequestState.in_notice


def test_anyone_objects_during_the_notice_and_the_window_is_told(after, outbox):
    request, the_notice = published(after)
    lodged = objection(the_notice)
    assert lodged.state == ObjectionState.pending
    assert request.events[-1].kind == EventKind.objection
    assert any(email.recipient == after.contact.email for email in outbox())


def test_an_objection_after_the_period_is_refused_and_nothing_is_stored(after):
    _request, the_notice = published(after)
    with refused('greenchannel.notice_over') as caught:
        objection(the_notice, now=at('2026-10-06', 16))
    assert caught.value.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Objection)) == 0


@pytest.mark.parametrize('fields, code', [
    ({'name': ' '}, 'greenchannel.required'),
    ({'contact': 'not a contact'}, 'greenchannel.bad_contact'),
    ({'reason': ''}, 'greenchannel.required'),
    ({'reason': 'x' * 5001}, 'greenchannel.too_long'),
])
def test_an_objection_needs_a_name_a_contact_and_a_reason(after, fields, code):
    _request, the_notice = published(after)
    with refused(code):
        objection(the_notice, **fields)


def test_objections_from_one_address_are_throttled(after):
    _request, the_notice = published(after)
    for n in range(notice.OBJECTION_LIMIT):
        objection(the_notice, contact=f'+86 138 0000 000{n}')
    with refused('greenchannel.objections_throttled') as caught:
        objection(the_notice)
    assert caught.value.status_code == 429
    objection(the_notice, ip='198.51.100.1')


def test_an_upheld_objection_reopens_the_decision_for_a_new_round(after):
    request, the_notice = published(after)
    lodged = objection(the_notice)
    notice.review_objection(lodged, user=after.manager, upheld=True, reason='The site is indeed promised.',
                            now=at('2026-10-08'))
    assert lodged.state == ObjectionState.upheld and lodged.reviewed_by_id == after.manager.id
    assert the_notice.state == NoticeState.reopened
    assert (request.state, request.outcome) == (RequestState.in_committee, None)
    assert rounds_of(request) == [1, 2]
    assert request.events[-1].kind == EventKind.objection_upheld
    # The committee's five working days from Oct 8: Oct 9, 10 (the make-up Saturday), 12, 13, 14.
    assert request.stages[-1].due_at == at('2026-10-14')


def test_a_dismissed_objection_keeps_the_notice_and_the_last_one_after_the_period_lets_it_take_effect(after):
    request, the_notice = published(after)
    first, second = objection(the_notice), objection(the_notice, contact='13800000000')
    notice.review_objection(first, user=after.contact, upheld=False, reason='Unfounded.', now=at('2026-10-05'))
    assert request.state == RequestState.in_notice
    assert notice.take_effect_when_due(at('2026-10-08')) == {'moved_on': 0, 'took_effect': 0}
    notice.review_objection(second, user=after.contact, upheld=False, reason='Also unfounded.',
                            now=at('2026-10-08'))
    assert (request.state, the_notice.state) == (RequestState.in_fulfilment, NoticeState.took_effect)


def test_only_the_window_reviews_objections_once_with_a_reason(after):
    _request, the_notice = published(after)
    lodged = objection(the_notice)
    for user in (after.owner, after.chair, after.nobody):
        with refused('greenchannel.not_allowed'):
            notice.review_objection(lodged, user=user, upheld=True, reason='No.')
    with refused('greenchannel.required'):
        notice.review_objection(lodged, user=after.manager, upheld=False, reason=' ')
    notice.review_objection(lodged, user=after.manager, upheld=False, reason='Unfounded.')
    with refused('greenchannel.objection_reviewed'):
        notice.review_objection(lodged, user=after.manager, upheld=True, reason='Changed my mind.')
    assert lodged.state == ObjectionState.dismissed


def in_effect(after, category=None):
    request = after.decided(category=category or after.plain)
    notice.after_decision(request, now=at('2026-09-29', 16))
    db.session.commit()
    return request


def certified(after, user):
    return db.session.scalars(sa.select(UserCertification).filter_by(
        user_id=user.id, certification_id=after.certification.id)).first()


def test_delivering_lab_access_certifies_every_member_and_the_last_item_closes(after, outbox):
    request = in_effect(after)
    lab = fulfilment.add_item(request, user=after.contact, kind=FulfilmentKind.lab_access,
                              description='Wet lab for six months', space=after.lab)
    money = fulfilment.add_item(request, user=after.contact, kind='funding', description='Start-up subsidy')
    fulfilment.deliver_item(lab, user=after.contact, delivered_on=date(2026, 10, 9),
                            access_until=date(2027, 4, 9), now=at('2026-10-09'))
    assert certified(after, after.owner).expires_on == date(2027, 4, 9)
    assert certified(after, after.member).expires_on == date(2027, 4, 9)
    assert certified(after, after.other_owner) is None
    assert request.state == RequestState.in_fulfilment
    fulfilment.deliver_item(money, user=after.manager, delivered_on=date(2026, 10, 10), amount_fen=30_000_000,
                            now=at('2026-10-10'))
    assert money.amount_fen == 30_000_000
    assert request.state == RequestState.closed and request.closed_at == at('2026-10-10')
    assert [event.kind for event in request.events[-3:]] == [EventKind.delivered, EventKind.delivered,
                                                             EventKind.closed]


@pytest.mark.parametrize('kind, fields, code', [
    ('lab_access', {}, 'greenchannel.access_until_required'),
    ('lab_access', {'access_until': date(2026, 10, 1)}, 'greenchannel.access_until_required'),
    ('funding', {}, 'greenchannel.bad_amount'),
    ('funding', {'amount_fen': -1}, 'greenchannel.bad_amount'),
    ('housing', {'delivered_on': date(2026, 10, 11)}, 'greenchannel.future_delivery'),
    ('housing', {'delivered_on': None}, 'greenchannel.date_required'),
])
def test_a_delivery_needs_what_its_kind_asks_for(after, kind, fields, code):
    request = in_effect(after)
    item = fulfilment.add_item(request, user=after.contact, kind=kind, description='Item',
                               space=after.lab if kind == 'lab_access' else None)
    values = {'delivered_on': date(2026, 10, 9)}
    values.update(fields)
    with refused(code):
        fulfilment.deliver_item(item, user=after.contact, now=at('2026-10-10'), **values)
    assert not item.is_delivered and certified(after, after.owner) is None


def test_items_are_the_windows_to_list_and_only_in_fulfilment(after):
    request = in_effect(after)
    for user in (after.owner, after.chair):
        with refused('greenchannel.not_allowed'):
            fulfilment.add_item(request, user=user, kind='housing', description='Flat')
    with refused('greenchannel.space_required'):
        fulfilment.add_item(request, user=after.contact, kind='lab_access', description='Lab')
    with refused('greenchannel.bad_kind'):
        fulfilment.add_item(request, user=after.contact, kind='castle', description='Lab')
    noticed, _ = published(after)
    with refused('greenchannel.wrong_state'):
        fulfilment.add_item(noticed, user=after.contact, kind='housing', description='Flat')


def test_a_delivered_item_stays_and_an_undelivered_one_may_be_taken_back(after):
    request = in_effect(after)
    flat = fulfilment.add_item(request, user=after.contact, kind='housing', description='Flat')
    room = fulfilment.add_item(request, user=after.contact, kind='space', description='Room')
    fulfilment.remove_item(room, user=after.contact)
    fulfilment.deliver_item(flat, user=after.contact, delivered_on=date(2026, 10, 9), now=at('2026-10-09'))
    assert request.state == RequestState.closed
    with refused('greenchannel.wrong_state'):
        fulfilment.deliver_item(flat, user=after.contact, delivered_on=date(2026, 10, 9), now=at('2026-10-09'))
