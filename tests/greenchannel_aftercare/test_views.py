"""The public notice page (no login) with its objection form, and the request's aftercare page."""
from datetime import date

import pytest
import sqlalchemy as sa
import time_machine

from incubator.extensions import db
from incubator.greenchannel.aftercare import fulfilment, notice
from incubator.greenchannel.models import FulfilmentItem, Objection, ObjectionState, RequestState
from tests.greenchannel_aftercare.conftest import at

pytestmark = pytest.mark.usefixtures('backend')

EN = {'Accept-Language': 'en'}
OBJECTION = {'name': 'Wang Wu', 'contact': '+86 138 0000 0000', 'reason': 'The site is promised to us.'}


@pytest.fixture
def published(after):
    request = after.decided()
    notice.after_decision(request, now=at('2026-09-29', 16))
    db.session.commit()
    return request, notice.current_notice(request)


def objections():
    return db.session.scalars(sa.select(Objection)).all()


def test_the_public_list_and_page_show_only_the_public_fields_without_login(client, after, published):
    request, the_notice = published
    with time_machine.travel(at('2026-10-02'), tick=False):
        listing = client.get('/notices/greenchannel/', headers=EN)
        page = client.get(f'/notices/greenchannel/{the_notice.id}')
    assert listing.status_code == 200 and 'Lanting Robotics' in listing.text
    assert page.status_code == 200
    assert 'Lanting Robotics' in page.text and 'The lab for six months' in page.text
    assert '公示期' in page.text                       # Chinese first
    assert 'Funding later' not in page.text and '500,000' not in page.text   # reasons and amount are not public


def test_anyone_lodges_an_objection_during_the_period(client, after, published, outbox):
    _request, the_notice = published
    with time_machine.travel(at('2026-10-02'), tick=False):
        response = client.post(f'/notices/greenchannel/{the_notice.id}', data=OBJECTION, headers=EN)
    assert response.status_code == 302
    assert [(o.name, o.state) for o in objections()] == [('Wang Wu', ObjectionState.pending)]


def test_an_objection_after_the_period_is_a_clear_409_and_nothing_is_stored(client, after, published):
    _request, the_notice = published
    with time_machine.travel(at('2026-10-07'), tick=False):
        response = client.post(f'/notices/greenchannel/{the_notice.id}', data=OBJECTION, headers=EN)
    assert response.status_code == 409
    assert 'no longer accepted' in response.text
    assert objections() == []


@pytest.mark.parametrize('field, value', [('name', ''), ('contact', 'call me'), ('reason', '\x00'),
                                          ('contact', 'x' * 300)])
def test_a_bad_objection_is_refused_and_nothing_is_stored(client, after, published, field, value):
    _request, the_notice = published
    with time_machine.travel(at('2026-10-02'), tick=False):
        response = client.post(f'/notices/greenchannel/{the_notice.id}', data={**OBJECTION, field: value})
    assert response.status_code in (400, 422)
    assert objections() == []


def test_a_missing_or_reopened_notice_is_not_found(client, after, published):
    request, the_notice = published
    assert client.get('/notices/greenchannel/999999').status_code == 404
    assert client.get('/notices/greenchannel/99999999999').status_code == 404
    lodged = notice.lodge_objection(the_notice, now=at('2026-10-02'), **OBJECTION)
    notice.review_objection(lodged, user=after.manager, upheld=True, reason='Founded.', now=at('2026-10-03'))
    db.session.commit()
    assert client.get(f'/notices/greenchannel/{the_notice.id}').status_code == 404


def test_the_window_reviews_an_objection_on_the_aftercare_page(client, login, after, published):
    request, the_notice = published
    lodged = notice.lodge_objection(the_notice, now=at('2026-10-02'), **OBJECTION)
    db.session.commit()
    login(after.contact)
    page = client.get(f'/greenchannel/{request.id}/after', headers=EN)
    assert page.status_code == 200 and '+86 138 0000 0000' in page.text
    blank = client.post(f'/greenchannel/objections/{lodged.id}/review', data={'verdict': 'upheld'})
    assert blank.status_code == 422
    response = client.post(f'/greenchannel/objections/{lodged.id}/review',
                           data={'verdict': 'dismissed', 'review_reason': 'Unfounded.'})
    assert response.status_code == 302
    assert objections()[0].state == ObjectionState.dismissed


@pytest.mark.parametrize('who, status', [('owner', 403), ('member', 403), ('nobody', 404), ('other_owner', 404),
                                         ('chair', 404)])
def test_others_may_not_review_or_see(client, login, after, published, who, status):
    request, the_notice = published
    lodged = notice.lodge_objection(the_notice, now=at('2026-10-02'), **OBJECTION)
    db.session.commit()
    login(getattr(after, who))
    response = client.post(f'/greenchannel/objections/{lodged.id}/review',
                           data={'verdict': 'upheld', 'review_reason': 'Yes.'})
    assert response.status_code == status
    assert objections()[0].state == ObjectionState.pending
    assert client.get(f'/greenchannel/{request.id}/after').status_code == (200 if status == 403 else 404)


def test_the_window_lists_and_delivers_lab_access_in_english(client, login, after):
    request = after.decided(category=after.plain)
    notice.after_decision(request, now=at('2026-09-29', 16))
    db.session.commit()
    login(after.contact)
    response = client.post(f'/greenchannel/{request.id}/items', data={
        'kind': 'lab_access', 'description': 'Wet lab', 'space': str(after.lab.id), 'amount': ''}, headers=EN)
    assert response.status_code == 302
    item = db.session.scalars(sa.select(FulfilmentItem)).one()
    with time_machine.travel(at('2026-10-09'), tick=False):
        login(after.contact)
        refused = client.post(f'/greenchannel/items/{item.id}/deliver',  # as a browser sends an empty date
                              data={'delivered_on': '2026-10-09', 'access_until': ''}, headers=EN)
        assert refused.status_code == 400 and 'last day of access' in refused.text
        done = client.post(f'/greenchannel/items/{item.id}/deliver',
                           data={'delivered_on': '2026-10-09', 'access_until': '2027-04-09'})
    assert done.status_code == 302
    db.session.expire_all()
    assert request.state == RequestState.closed
    # Delivered by someone reading Chinese, the timeline reads in each reader's language.
    login(after.contact)
    english = client.get(f'/greenchannel/{request.id}', headers=EN).text
    timeline = english[english.index('id="timeline"'):]
    assert 'Lab access: Wet lab' in timeline and '实验室' not in timeline
    chinese = client.get(f'/greenchannel/{request.id}').text
    assert '实验室使用：Wet lab' in chinese[chinese.index('id="timeline"'):]


@pytest.mark.parametrize('data', [
    {'kind': '', 'description': 'x'}, {'kind': 'castle', 'description': 'x'},
    {'kind': 'funding', 'description': 'x', 'amount': '-5'}, {'kind': 'funding', 'description': 'x', 'amount': '1e99'},
    {'kind': 'lab_access', 'description': 'x', 'space': '99999999999999'},
    {'kind': 'housing', 'description': '\x00'},
])
def test_bad_items_are_refused(client, login, after, data):
    request = after.decided(category=after.plain)
    notice.after_decision(request, now=at('2026-09-29', 16))
    db.session.commit()
    login(after.contact)
    response = client.post(f'/greenchannel/{request.id}/items', data=data)
    assert 400 <= response.status_code < 500
    assert db.session.scalars(sa.select(FulfilmentItem)).all() == []


def test_a_delivered_item_cannot_be_taken_back(client, login, after):
    request = after.decided(category=after.plain)
    notice.after_decision(request, now=at('2026-09-29', 16))
    item = fulfilment.add_item(request, user=after.contact, kind='housing', description='Flat')
    other = fulfilment.add_item(request, user=after.contact, kind='space', description='Room')
    fulfilment.deliver_item(item, user=after.contact, delivered_on=date(2026, 10, 9), now=at('2026-10-09'))
    db.session.commit()
    login(after.contact)
    assert client.post(f'/greenchannel/items/{item.id}/remove').status_code == 409
    assert client.post(f'/greenchannel/items/{other.id}/remove').status_code == 302
