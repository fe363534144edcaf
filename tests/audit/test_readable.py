"""The audit log reads for people: fields and values in the reader's language, one row per action, local time
to the second, and no entries for switching the interface language."""
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from incubator.audit.queries import group_actions
from incubator.core.audit import AuditAction, AuditEntry, shown_changes
from incubator.extensions import db
from tests.factories import UserFactory

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}
AT = datetime(2026, 3, 1, 1, 2, 3, tzinfo=UTC)  # 09:02:03 in Shanghai
#: How the page shows "no value".
NONE = '<span class="text-muted">—</span>'


@pytest.fixture
def admin(login):
    return login(UserFactory(roles=['admin'], email='admin@example.com'))


def add(object_type='booking', object_id='5', changes=None, occurred_at=AT, actor='mia@example.com',
        action=AuditAction.updated, ip='203.0.113.7', summary=''):
    entry = AuditEntry(occurred_at=occurred_at, actor_label=actor, request_ip=ip, action=action,
                       object_type=object_type, object_id=object_id, summary=summary, changes=changes or {})
    db.session.add(entry)
    db.session.commit()
    return entry


def rows(page):
    return re.findall(r'<tr>(.*?)</tr>', page[page.index('<tbody>'):], re.S)


def test_booking_changes_read_in_chinese_and_english(client, admin):
    add(changes={'status': ['confirmed', 'cancelled'], 'price_fen': [5000, 12550], 'free_minutes': [90, 0],
                 'counts_against_quota': [True, False], 'cancelled_at': [None, '2026-03-02T06:30:05.123456+00:00']})
    chinese = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=ZH).get_data(as_text=True)
    assert '状态：已确认 → 已取消' in chinese
    assert '价格：¥50.00 → ¥125.50' in chinese
    assert '免费时长：1.5小时 → 0小时' in chinese
    assert '计入免费额度：是 → 否' in chinese
    assert '2026年3月1日 09:02:03' in chinese  # the entry's time, local, to the second
    assert f'取消时间：{NONE} → 2026年3月2日 14:30:05' in chinese  # an instant changed (a UTCDateTime column), the same
    assert 'confirmed' not in chinese and 'price_fen' not in chinese and '5000' not in chinese
    assert '+00:00' not in chinese
    english = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=EN).get_data(as_text=True)
    assert 'Status: Confirmed → Cancelled' in english and 'Free hours: 1.5 h → 0 h' in english
    assert 'Price: ¥50.00 → ¥125.50' in english and 'Mar 1, 2026, 9:02:03' in english
    assert f'Cancelled: {NONE} → Mar 2, 2026, 2:30:05' in english


def test_what_a_foreign_key_refers_to_is_named_and_a_row_since_deleted_by_its_id(client, admin, count_queries):
    from tests.factories import StartupFactory
    startup = StartupFactory(name='Alpha Robotics')
    booker = UserFactory(email='li.lei@example.com')
    db.session.commit()
    add(changes={'startup_id': [None, startup.id], 'booked_by_id': [booker.id, 987654], 'seats': [1, 2]})
    chinese = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=ZH).get_data(as_text=True)
    assert f'入驻企业：{NONE} → Alpha Robotics' in chinese and '预约人：li.lei@example.com → #987654' in chinese
    english = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=EN).get_data(as_text=True)
    assert f'Startup: {NONE} → Alpha Robotics' in english and 'People: 1 → 2' in english
    body = client.get('/admin/audit/export.csv', query_string={'object_type': 'booking'}, headers=EN,
                      buffered=True).data.decode('utf-8-sig')
    assert 'Startup: — → Alpha Robotics' in body and 'Booked by: li.lei@example.com → #987654' in body
    # One statement per table referred to, however many entries refer to it.
    with count_queries() as one:
        client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=EN)
    for n in range(5):
        add(object_id=str(10 + n), changes={'startup_id': [None, StartupFactory().id]},
            occurred_at=AT + timedelta(minutes=n + 1))
    with count_queries() as six:
        page = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=EN).get_data(as_text=True)
    assert page.count(f'Startup: {NONE} → ') == 6 and six.count == one.count, six.statements


def test_a_created_or_deleted_object_shows_its_values_without_arrows_blanks_or_its_id(client, admin):
    add(object_id='5', action=AuditAction.created,
        changes={'id': [None, 5], 'status': [None, 'confirmed'], 'price_fen': [None, 5000], 'purpose': [None, ''],
                 'cancelled_at': [None, None]})
    add(object_id='6', action=AuditAction.deleted, occurred_at=AT + timedelta(minutes=1),
        changes={'id': [6, None], 'seats': [2, None], 'purpose': ['Demo day', None]})
    english = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=EN).get_data(as_text=True)
    created, deleted = rows(english)[1], rows(english)[0]
    assert '<li>Status: Confirmed</li>' in created and '<li>Price: ¥50.00</li>' in created
    assert '→' not in created and 'Purpose' not in created and 'Cancelled' not in created
    assert '<li>ID: 5</li>' not in created and '>5<' not in created.split('Booking 5', 1)[1]
    assert '<li>People: 2</li>' in deleted and '<li>Purpose: Demo day</li>' in deleted and '→' not in deleted
    chinese = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=ZH).get_data(as_text=True)
    assert '<li>状态：已确认</li>' in chinese and '<li>人数：2</li>' in chinese
    body = client.get('/admin/audit/export.csv', query_string={'object_type': 'booking'}, headers=EN,
                      buffered=True).data.decode('utf-8-sig')
    assert 'Status: Confirmed\nPrice: ¥50.00' in body and 'People: 2\nPurpose: Demo day' in body
    assert '→' not in body


def test_the_csv_export_reads_the_same(client, admin):
    add(changes={'status': ['confirmed', 'cancelled']})
    body = client.get('/admin/audit/export.csv', query_string={'object_type': 'booking'}, headers=ZH,
                      buffered=True).data.decode('utf-8-sig')
    assert '状态：已确认 → 已取消' in body


def test_one_action_is_one_row_and_an_object_changed_twice_shows_once(client, admin):
    add(object_id='5', changes={'status': ['confirmed', 'cancelled']})
    add(object_id='6', changes={'status': ['confirmed', 'cancelled']}, occurred_at=AT + timedelta(seconds=1))
    add(object_id='5', changes={'status': ['cancelled', 'cancelled'], 'seats': [2, 3]},
        occurred_at=AT + timedelta(seconds=1))
    add(object_id='7', changes={'seats': [1, 2]}, occurred_at=AT + timedelta(minutes=5))
    add(object_id='8', changes={'seats': [1, 2]}, occurred_at=AT + timedelta(minutes=5), actor='other@example.com')
    page = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=EN).get_data(as_text=True)
    found = rows(page)
    assert len(found) == 3
    assert 'other@example.com' in found[0] and 'mia@example.com' in found[1]
    grouped = found[2]
    assert grouped.count('Booking 5') == 1 and grouped.count('Booking 6') == 1
    assert 'Status: Confirmed → Cancelled' in grouped and 'People: 2 → 3' in grouped


def test_grouping_keeps_different_actors_and_addresses_apart(app):
    entries = [add(object_id='1'), add(object_id='2', ip='198.51.100.1'), add(object_id='3', actor='job:x')]
    assert [len(action.entries) for action in group_actions(entries)] == [1, 1, 1]


def test_switching_language_is_not_logged(client, login):
    user = login(UserFactory(email='li@example.com'))
    before = db.session.execute(sa.select(sa.func.count(AuditEntry.id))).scalar_one()
    user.locale = 'en'
    db.session.commit()
    user.locale = 'zh_Hans_CN'
    user.name = 'Li Lei'
    db.session.commit()
    entries = db.session.execute(sa.select(AuditEntry).order_by(AuditEntry.id)).scalars().all()[before:]
    assert [entry.changes for entry in entries] == [{'name': [entries[0].changes['name'][0], 'Li Lei']}]


def test_values_written_before_a_type_change_show_as_stored(app):
    entry = add(changes={'status': ['gone', 'confirmed'], 'start_at': ['not a time', None]})
    with app.test_request_context(headers=EN):
        shown = [(change.label, change.before, change.after) for change in shown_changes(entry)]
    assert ('Status', 'gone', 'Confirmed') in shown and ('Start', 'not a time', None) in shown


def test_a_model_names_its_own_fields_where_the_shared_words_would_mislead(client, admin):
    add(object_type='user', object_id='9', changes={'name': ['Li', 'Li Lei']})
    add(object_type='site', object_id='3', changes={'name': ['A', 'B']}, occurred_at=AT + timedelta(minutes=1))
    page = client.get('/admin/audit/', headers=ZH).get_data(as_text=True)
    assert '姓名：Li → Li Lei' in page and '名称：A → B' in page


def test_jobs_and_the_system_are_named_for_people(client, admin):
    add(actor='job:housekeeping.purge', ip=None)
    add(actor='system', ip=None, object_id='6', occurred_at=AT + timedelta(minutes=1))
    page = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=ZH).get_data(as_text=True)
    assert '定时任务：清理过期记录' in page and '>系统<' in page and 'job:' not in page


def test_the_export_names_references_across_its_batches(client, admin):
    """The export streams the log in batches, naming each batch's references while the log is still being read."""
    from incubator.audit.views import _NAMED_TOGETHER
    from tests.factories import StartupFactory
    startup = StartupFactory(name='Beta Labs')
    db.session.add_all(AuditEntry(occurred_at=AT + timedelta(seconds=n), actor_label='mia@example.com',
                                  action=AuditAction.updated, object_type='booking', object_id=str(n), summary='',
                                  changes={'startup_id': [None, startup.id]}) for n in range(_NAMED_TOGETHER + 5))
    db.session.commit()
    body = client.get('/admin/audit/export.csv', query_string={'object_type': 'booking'}, headers=EN,
                      buffered=True).data.decode('utf-8-sig')
    assert body.count('Startup: — → Beta Labs') == _NAMED_TOGETHER + 5


def test_a_committee_decision_reads_its_subject_and_outcome_by_the_subject_domains_words(client, admin):
    add(object_type='decision', object_id='8', changes={'subject_kind': [None, 'green_request'],
                                                        'outcome': [None, 'rejected']})
    add(object_type='decision', object_id='9', changes={'subject_kind': [None, 'case'], 'outcome': [None, 'exempt']},
        occurred_at=AT + timedelta(minutes=5))
    chinese = client.get('/admin/audit/', query_string={'object_type': 'decision'}, headers=ZH).get_data(as_text=True)
    assert f'事项类型：{NONE} → 绿色通道申请' in chinese and f'结果：{NONE} → 不予批准' in chinese
    assert f'事项类型：{NONE} → 容错案例' in chinese and f'结果：{NONE} → 免责' in chinese
    assert 'green_request' not in chinese.split('<tbody>')[1].replace('green_request:', '')
    english = client.get('/admin/audit/', query_string={'object_type': 'decision'}, headers=EN).get_data(as_text=True)
    assert f'Kind of subject: {NONE} → Green-channel request' in english and f'Outcome: {NONE} → Rejected' in english
    assert f'Outcome: {NONE} → Exempt' in english



def test_labels_stored_as_values_read_in_the_readers_words_and_older_ones_as_stored(client, admin):
    """A free quota is labelled by its tier's and kind's values, opening hours by the weekday's number, a
    decision by its subject's kind and number and a green-channel request by its number (#8, before references):
    each reads in the reader's language, a request by its reference; a label written before reads as is."""
    for minutes, (object_type, summary, changes) in enumerate((
            ('tier_quota', 'incubator meeting_room', {}), ('site_opening_hours', '凤栖基地 0', {'weekday': [None, 6]}),
            ('decision', 'green_request #8', {}), ('decision', '绿色通道申请 #7', {}), ('tier_quota', 'gold', {}),
            ('site_opening_hours', '凤栖基地 9', {}), ('green_request', '#12', {}),
            ('green_request', 'GC-00013', {}))):
        add(object_type=object_type, object_id=str(minutes), summary=summary, changes=changes,
            occurred_at=AT + timedelta(minutes=minutes), actor=f'{minutes}@example.com')
    chinese = client.get('/admin/audit/', headers=ZH).get_data(as_text=True).split('<tbody>')[1]
    assert '孵化器 · 会议室' in chinese and '凤栖基地 · 星期一' in chinese and f'星期：{NONE} → 星期日' in chinese
    assert '绿色通道申请 GC-00008' in chinese and '绿色通道申请 #7' in chinese
    assert 'GC-00012' in chinese and '#12' not in chinese and 'GC-00013' in chinese
    assert 'meeting_room' not in chinese and 'green_request' not in chinese
    assert '>gold<' in chinese and '凤栖基地 9' in chinese    # not readable: as stored, and no error
    english = client.get('/admin/audit/', headers=EN).get_data(as_text=True).split('<tbody>')[1]
    assert 'Incubator · Meeting room' in english and '凤栖基地 · Monday' in english
    assert 'Green-channel request GC-00008' in english and f'Weekday: {NONE} → Sunday' in english
    export = client.get('/admin/audit/export.csv', headers=EN, buffered=True).data.decode('utf-8-sig')
    assert 'Incubator · Meeting room' in export and 'Green-channel request GC-00008' in export


def test_what_is_named_in_both_languages_reads_in_the_readers(client, admin):
    """A department, a category or a checklist item keeps both its names in the label; one stored before (a
    single name) reads as stored. A department referred to by another entry is named in the reader's language."""
    from incubator.core.audit import bilingual_label
    from incubator.greenchannel.models import Department
    department = Department(name_zh='自然资源局', name_en='Natural resources bureau')
    db.session.add(department)
    db.session.commit()
    entries = db.session.execute(sa.select(AuditEntry).where(AuditEntry.object_type == 'green_department')).scalars()
    assert [entry.summary for entry in entries] == [bilingual_label('自然资源局', 'Natural resources bureau')]
    add(object_type='green_department', object_id='8', summary='住建局', occurred_at=AT + timedelta(minutes=1))
    add(object_type='checklist_item', object_id='3', summary=bilingual_label('经过集体决策', ''),
        occurred_at=AT + timedelta(minutes=2))
    add(object_type='green_review', object_id='4', changes={'department_id': [None, department.id]},
        occurred_at=AT + timedelta(minutes=3))
    def summaries(headers):
        page = client.get('/admin/audit/', headers=headers).get_data(as_text=True)
        return re.findall(r'<span class="small text-muted">([^<]*)</span>', page), page
    english, page = summaries(EN)
    assert 'Natural resources bureau' in english and '自然资源局' not in english and '"zh"' not in page
    assert '住建局' in english and '经过集体决策' in english         # as stored; no English name: the Chinese
    assert f'Department: {NONE} → Natural resources bureau' in page  # the review's department, by its name
    chinese, page = summaries(ZH)
    assert '自然资源局' in chinese and 'Natural resources bureau' not in chinese
    assert f'部门：{NONE} → 自然资源局' in page
    export = client.get('/admin/audit/export.csv', headers=EN, buffered=True).data.decode('utf-8-sig')
    assert 'Natural resources bureau' in export and '"zh"' not in export


def test_a_long_name_is_cut_so_both_fit_the_label():
    from incubator.core.audit import bilingual_label
    label = bilingual_label('长' * 300, 'long ' * 100)
    assert len(label) <= 255 and '…' in label


def test_a_label_that_only_repeats_the_id_is_not_shown_again(client, admin):
    add(object_id='5', summary='#5')
    add(object_id='6', summary='#7', occurred_at=AT + timedelta(minutes=1))
    page = client.get('/admin/audit/', query_string={'object_type': 'booking'}, headers=EN).get_data(as_text=True)
    assert '#5' not in page and '#7' in page                         # another id is something to read


def test_a_vote_reads_by_what_is_decided_and_an_older_label_as_stored(client, admin):
    add(object_type='opinion', object_id='19', summary='green_request #8 · chair@example.com')
    add(object_type='opinion', object_id='18', summary='#8:11', occurred_at=AT + timedelta(minutes=1))
    page = client.get('/admin/audit/', query_string={'object_type': 'opinion'}, headers=ZH).get_data(as_text=True)
    assert '绿色通道申请 GC-00008 · chair@example.com' in page and '#8:11' in page
