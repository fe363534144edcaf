"""Administrators browse the audit log with filters and export it as CSV; nobody else sees it."""
import csv
import io
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from incubator.core.audit import AuditAction, AuditEntry
from incubator.extensions import db
from tests.factories import UserFactory

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def add_entry(**values):
    entry = AuditEntry(**{'occurred_at': utc(2026, 3, 1), 'actor_label': 'system', 'action': AuditAction.updated,
                          'object_type': 'startup', 'object_id': '1', 'summary': '', 'changes': {}, **values})
    db.session.add(entry)
    db.session.commit()
    return entry


@pytest.fixture
def admin(login):
    return login(UserFactory(roles=['admin'], email='admin@example.com'))


@pytest.fixture
def three_entries(app):
    """23:00 on 1 March, 00:30 on 2 March and 11:00 on 3 March in Shanghai."""
    add_entry(summary='Entry A', object_id='7', actor_label='mia.manager@example.com', action=AuditAction.created,
              occurred_at=utc(2026, 3, 1, 15), changes={'name': [None, 'Entry A']})
    add_entry(summary='Entry B', object_id='8', actor_label='admin@example.com', request_ip='203.0.113.7',
              occurred_at=utc(2026, 3, 1, 16, 30),
              changes={'status': ['incubating', 'graduated'], 'name': ['Old', 'Entry B']})
    add_entry(summary='Entry C', object_type='site', object_id='7', actor_label='job:housekeeping.purge',
              action=AuditAction.deleted, occurred_at=utc(2026, 3, 3, 3), changes={'description': ['x', None]})


def shown(body):
    return {name for name in ('Entry A', 'Entry B', 'Entry C') if name in body}


# --- browsing ----------------------------------------------------------------------------

def test_admin_sees_entries_newest_first_with_before_and_after(client, admin, three_entries):
    add_entry(summary='Entry D', occurred_at=utc(2026, 3, 4), changes={'contact_email': [None, 'li@acme.example']})

    response = client.get('/admin/audit/', headers=EN)

    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.index('Entry D') < body.index('Entry C') < body.index('Entry B') < body.index('Entry A')
    assert '<li>Status: Incubating → Graduated</li>' in body
    assert '<li>Name: Old → Entry B</li>' in body
    assert '<li>Contact email: <span class="text-muted">—</span> → li@acme.example</li>' in body
    assert 'Mar 2, 2026' in body and '12:30:00' in body  # 16:30 UTC is 00:30 the next day in Shanghai
    assert 'mia.manager@example.com' in body and 'Scheduled job: Purge old records' in body and '203.0.113.7' in body
    assert '>Deleted</span>' in body and '>Created</span>' in body
    assert 'Site 7' in body and 'Startup 8' in body
    assert 'style=' not in body and '<script>' not in body  # the CSP allows neither


FILTERS = [
    ({'object_type': 'startup'}, {'Entry A', 'Entry B'}),
    ({'object_id': '7'}, {'Entry A', 'Entry C'}),
    ({'object_type': 'site', 'object_id': '7'}, {'Entry C'}),
    ({'actor': 'MIA.'}, {'Entry A'}),
    ({'actor': '%'}, set()),
    ({'action': 'deleted'}, {'Entry C'}),
    ({'action': 'updated', 'actor': 'admin'}, {'Entry B'}),
    ({'date_from': '2026-03-02'}, {'Entry B', 'Entry C'}),
    ({'date_to': '2026-03-01'}, {'Entry A'}),
    ({'date_from': '2026-03-02', 'date_to': '2026-03-02'}, {'Entry B'}),
    ({}, {'Entry A', 'Entry B', 'Entry C'}),
]


@pytest.mark.parametrize('query, expected', FILTERS, ids=[str(query) for query, _ in FILTERS])
def test_filters_narrow_the_list(client, admin, three_entries, query, expected):
    response = client.get('/admin/audit/', query_string=query, headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert shown(body) == expected
    assert 'is-invalid' not in body


def test_an_end_date_before_the_start_date_is_pointed_out(client, admin, three_entries):
    body = client.get('/admin/audit/', query_string={'date_from': '2026-03-03', 'date_to': '2026-03-01'},
                      headers=EN).get_data(as_text=True)
    assert 'The end date is before the start date.' in body
    assert shown(body) == {'Entry C'}  # the valid start date still applies


def test_unknown_filter_values_are_pointed_out_and_ignored(client, admin, three_entries):
    body = client.get('/admin/audit/', query_string={'object_type': 'spaceship', 'action': 'created',
                                                     'date_from': '2026-13-45'}, headers=EN).get_data(as_text=True)
    assert body.count('is-invalid') == 2
    assert 'Not a valid choice.' in body and 'Not a valid date value.' in body
    assert shown(body) == {'Entry A'}


def test_fifty_entries_a_page_and_links_keep_the_filters(client, admin):
    for n in range(51):
        add_entry(summary=f'Bulk {n:02d}', occurred_at=utc(2026, 3, 1, 0, n))

    first = client.get('/admin/audit/?object_type=startup', headers=EN).get_data(as_text=True)
    assert first.count('>Bulk ') == 50
    assert '>Bulk 50<' in first and '>Bulk 00<' not in first
    assert 'Page 1 of 2' in first and '51 entries' in first
    next_link = next(part.split('"')[0] for part in first.split('href="') if 'page=2' in part.split('"')[0])
    assert parse_qs(urlsplit(next_link.replace('&amp;', '&')).query) == {'page': ['2'], 'object_type': ['startup']}

    second = client.get(next_link.replace('&amp;', '&'), headers=EN).get_data(as_text=True)
    assert second.count('>Bulk ') == 1 and '>Bulk 00<' in second


def test_the_page_costs_the_same_statements_for_3_entries_as_for_60(client, admin, count_queries):
    for n in range(3):
        add_entry(summary=f'Few {n}', changes={'name': ['a', 'b']}, occurred_at=utc(2026, 2, 1, 0, n))
    with count_queries() as few:
        assert client.get('/admin/audit/?object_type=startup').status_code == 200
    for n in range(57):
        add_entry(summary=f'Many {n}', changes={'name': ['a', 'b'], 'status': ['x', 'y']},
                  occurred_at=utc(2026, 3, 1, 0, n))
    with count_queries() as many:
        body = client.get('/admin/audit/?object_type=startup').get_data(as_text=True)
    assert body.count('>Many ') == 50
    assert few.count > 0
    assert many.count == few.count, many.statements


# --- exporting ---------------------------------------------------------------------------

def export(client, query=None, headers=EN):
    """The export, its streamed body read inside the request (the test client's contexts need that)."""
    return client.get('/admin/audit/export.csv', query_string=query, headers=headers, buffered=True)


def read_csv(response):
    assert response.data.startswith(b'\xef\xbb\xbf'), 'Excel needs the UTF-8 BOM to read Chinese'
    return list(csv.reader(io.StringIO(response.data.decode('utf-8-sig'), newline='')))


def test_export_gives_the_filtered_entries_as_csv_in_site_time(client, admin, three_entries):
    response = export(client, {'object_type': 'startup'})

    assert response.status_code == 200
    assert response.headers['Content-Type'] == 'text/csv; charset=utf-8'
    assert response.headers['Content-Disposition'].startswith('attachment; filename="audit-log-')
    assert read_csv(response) == [
        ['Time', 'Actor', 'Action', 'Object type', 'Object ID', 'Summary', 'Changes', 'IP address'],
        ['2026-03-02 00:30:00', 'admin@example.com', 'Updated', 'Startup', '8', 'Entry B',
         'Name: Old → Entry B\nStatus: Incubating → Graduated', '203.0.113.7'],
        ['2026-03-01 23:00:00', 'mia.manager@example.com', 'Created', 'Startup', '7', 'Entry A',
         'Name: Entry A', ''],
    ]


def test_export_keeps_chinese_text_and_defuses_formulas(client, admin):
    add_entry(summary='=HYPERLINK("http://evil.example")', object_id='1')
    add_entry(summary='深圳梧桐科技有限公司', object_id='2', occurred_at=utc(2026, 3, 2))

    rows = read_csv(export(client, {'object_type': 'startup'}))

    assert [row[5] for row in rows[1:]] == ['深圳梧桐科技有限公司', '\'=HYPERLINK("http://evil.example")']


def test_headers_in_chinese(client, admin, three_entries):
    page = client.get('/admin/audit/', headers=ZH).get_data(as_text=True)
    assert '审计日志' in page
    header = read_csv(export(client, headers=ZH))[0]
    assert header == ['时间', '操作人', '操作', '对象类型', '对象编号', '摘要', '变更内容', 'IP 地址']


# --- who may see it ----------------------------------------------------------------------

@pytest.mark.parametrize('roles', [['manager'], ['committee'], ['manager', 'committee'], []],
                         ids=['manager', 'committee', 'manager and committee', 'no role'])
@pytest.mark.parametrize('path', ['/admin/audit/', '/admin/audit/export.csv'])
def test_only_administrators_may_see_the_log(client, login, three_entries, roles, path):
    login(UserFactory(roles=roles))
    response = client.get(path, headers=EN, buffered=True)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert 'You do not have permission to do this.' in body
    assert 'Entry A' not in body and response.mimetype == 'text/html'


@pytest.mark.parametrize('path', ['/admin/audit/', '/admin/audit/export.csv'])
def test_visitors_are_sent_to_log_in(client, three_entries, path):
    response = client.get(path)
    assert response.status_code == 302
    location = urlsplit(response.headers['Location'])
    assert location.path == '/login' and parse_qs(location.query)['next'] == [path]


@pytest.mark.parametrize('roles, sees_link', [(['admin'], True), (['manager'], False), ([], False)])
def test_the_navigation_links_the_log_for_administrators_only(client, login, roles, sees_link):
    login(UserFactory(roles=roles))
    body = client.get('/', headers=EN).get_data(as_text=True)
    assert ('href="/admin/audit/"' in body) == sees_link
    assert ('Audit log' in body) == sees_link
