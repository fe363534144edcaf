"""Downloading and removing through the pages: the owner's permission rule decides, 404 for the others."""
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from flask import render_template_string

from incubator.attachments import operations
from incubator.attachments.forms import EvidenceField
from incubator.attachments.models import Attachment
from incubator.core.forms import BaseForm
from incubator.extensions import db
from incubator.startups.models import StartupStatus
from tests.attachments.conftest import PDF, TEXT, stored_files, upload

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}


@pytest.fixture
def report(world, files_dir):
    [attachment] = operations.attach_files(world.startup, [upload(PDF, '季度报告 Q4.pdf')], user=world.owner)
    db.session.commit()
    return attachment


@pytest.mark.parametrize('who', ['owner', 'member', 'manager'])
def test_those_who_see_the_owner_download_with_its_name_as_an_attachment(world, report, client, login, who):
    login(getattr(world, who))
    response = client.get(f'/attachments/{report.id}')
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == 'application/pdf'
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    disposition = response.headers['Content-Disposition']
    assert disposition.startswith('attachment;')
    assert f"filename*=UTF-8''{quote('季度报告 Q4.pdf')}" in disposition
    assert response.headers['Cache-Control'] == 'no-store'


def test_text_is_sent_as_what_was_detected_never_inline(world, files_dir, client, login):
    [attachment] = operations.attach_files(world.startup, [upload(TEXT, 'notes.txt', 'text/html')], user=world.owner)
    login(world.owner)
    response = client.get(f'/attachments/{attachment.id}')
    assert response.mimetype == 'text/plain' and response.headers['Content-Disposition'].startswith('attachment')


def test_another_startups_user_gets_404_and_anonymous_goes_to_login(world, report, client, login):
    login(world.stranger)
    assert client.get(f'/attachments/{report.id}').status_code == 404
    assert client.post(f'/attachments/{report.id}/remove').status_code == 404
    with client.session_transaction() as session:
        session.clear()
    response = client.get(f'/attachments/{report.id}')
    assert response.status_code == 302 and '/login' in response.headers['Location']
    assert client.post(f'/attachments/{report.id}/remove').status_code == 302
    assert stored_files(report_dir(report))


def report_dir(report):
    from incubator.attachments.storage import path_of
    return path_of(report.stored_name).parent


def test_missing_file_unknown_id_and_unregistered_kind_are_404(world, report, client, login, files_dir):
    login(world.owner)
    assert client.get('/attachments/999999').status_code == 404
    (files_dir / report.stored_name).unlink()
    assert client.get(f'/attachments/{report.id}').status_code == 404
    orphan = Attachment(owner_kind='nobody', owner_id=world.startup.id, stored_name='x' * 32, original_name='a.pdf',
                        size=1, sha256='0' * 64, content_type='application/pdf', uploaded_by_id=world.owner.id)
    db.session.add(orphan)
    db.session.commit()
    assert client.get(f'/attachments/{orphan.id}').status_code == 404


def test_removing_redirects_back_and_deletes_the_file(world, report, client, login, files_dir):
    login(world.owner)
    response = client.post(f'/attachments/{report.id}/remove', data={'next': '/startups/'}, headers=EN)
    assert response.status_code == 302 and response.headers['Location'] == '/startups/'
    assert db.session.execute(sa.select(Attachment)).scalars().all() == []
    assert stored_files(files_dir) == []


def test_removal_goes_back_to_the_referring_page_never_elsewhere(world, files_dir, client, login):
    first, second = operations.attach_files(world.startup, [upload(PDF, 'a.pdf'), upload(PDF, 'b.pdf')],
                                            user=world.owner)
    login(world.owner)
    response = client.post(f'/attachments/{first.id}/remove', headers={'Referer': 'http://localhost/startups/1'})
    assert response.headers['Location'] == '/startups/1'
    response = client.post(f'/attachments/{second.id}/remove', data={'next': '//evil.example/'},
                           headers={'Referer': 'https://evil.example/page'})
    assert response.headers['Location'] == '/'


def test_a_locked_owners_file_stays_and_the_refusal_is_flashed(world, report, client, login, files_dir):
    world.startup.status = StartupStatus.graduated
    db.session.commit()
    login(world.manager)
    response = client.post(f'/attachments/{report.id}/remove', data={'next': '/startups/'}, headers=EN)
    assert response.status_code == 302
    page = client.get('/startups/', headers=EN).get_data(as_text=True)
    assert 'it can no longer be removed' in page
    assert stored_files(files_dir) == [report.stored_name]


def test_a_member_who_may_not_remove_is_told_so(world, report, client, login, files_dir):
    login(world.member)
    client.post(f'/attachments/{report.id}/remove', data={'next': '/startups/'})
    page = client.get('/startups/').get_data(as_text=True)
    assert '您无权删除此文件。' in page
    assert stored_files(files_dir) == [report.stored_name]


@pytest.mark.parametrize('headers, message', [
    (EN, 'What you sent is larger than 1 MB, the most one request may carry.'),
    (ZH, '您发送的内容超过1 MB，这是一次请求所能携带的上限。'),
])
def test_a_body_over_the_limit_gets_a_clear_413_page(app, world, report, client, login, monkeypatch, headers,
                                                     message):
    monkeypatch.setitem(app.config, 'MAX_CONTENT_LENGTH', 1024 * 1024)
    login(world.owner)
    response = client.post(f'/attachments/{report.id}/remove', headers=headers,
                           data={'next': '/', 'file': (__import__('io').BytesIO(b'x' * (1024 * 1024 + 1)), 'a.pdf')})
    assert response.status_code == 413
    assert message in response.get_data(as_text=True)
    assert stored_files(report_dir(report)) == [report.stored_name]


def test_the_request_limit_stays_above_the_items_limit(app):
    assert app.config['MAX_CONTENT_LENGTH'] > app.config['ATTACHMENTS_MAX_ITEM_BYTES']


class EvidenceForm(BaseForm):
    evidence = EvidenceField()


def test_the_macros_show_the_files_and_the_input_with_its_limits(app, world, report, client, login):
    login(world.owner)
    template = ("{% from 'attachments/macros.html' import attachment_list, evidence_input %}"
                "{{ attachment_list(files, can_remove=True) }}{{ evidence_input(form.evidence) }}"
                "{{ attachment_list([]) }}")
    with app.test_request_context(headers=EN):
        from flask_login import login_user
        login_user(world.owner)
        html = render_template_string(template, files=[report], form=EvidenceForm())
    assert f'href="/attachments/{report.id}"' in html and '季度报告 Q4.pdf' in html
    assert '1 KB' in html and 'PDF document' in html and 'application/pdf' not in html and 'Owner' in html
    assert f'action="/attachments/{report.id}/remove"' in html and 'name="csrf_token"' in html
    assert 'type="file"' in html and 'multiple' in html and 'accept=".pdf,' in html
    assert ('Accepted: PDF, images, Office documents, plain text, and zip archives. '
            'At most 10 files, 20 MB each and 50 MB together.') in html
    assert 'No files attached.' in html


def test_the_list_without_removal_has_no_form(app, world, report):
    with app.test_request_context():
        html = render_template_string("{% from 'attachments/macros.html' import attachment_list %}"
                                      "{{ attachment_list(files) }}", files=[report])
    assert '<form' not in html and '季度报告 Q4.pdf' in html


def test_an_unknown_kind_in_the_configuration_stops_the_start():
    from config import TestingConfig
    from incubator import create_app

    class Config(TestingConfig):
        ATTACHMENTS_ALLOWED = frozenset({'pdf', 'exe'})

    with pytest.raises(RuntimeError, match='exe'):
        create_app(Config)


@pytest.mark.parametrize('content_type, english, chinese', [
    ('application/pdf', 'PDF document', 'PDF 文档'),
    ('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'Spreadsheet', '电子表格'),
    ('image/png', 'Image', '图片'),
    ('text/plain', 'Text', '文本'),
    ('application/x-unknown', 'application/x-unknown', 'application/x-unknown'),
])
def test_a_files_type_is_named_in_the_readers_words(app, content_type, english, chinese):
    from flask_babel import force_locale

    from incubator.attachments.limits import type_label
    with force_locale('en'):
        assert str(type_label(content_type)) == english
    with force_locale('zh_Hans_CN'):
        assert str(type_label(content_type)) == chinese
