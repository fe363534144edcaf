"""Attaching and removing files: types told by their bytes, limits, and files kept in step with the transaction."""
import os
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from incubator.attachments import jobs, operations, queries
from incubator.attachments.models import Attachment
from incubator.core.errors import DomainError
from incubator.core.time import now_utc
from incubator.extensions import db
from incubator.startups.models import StartupStatus
from tests.attachments.conftest import (
    DOC,
    DOCX,
    EXE,
    GB_TEXT,
    HTML,
    JPEG,
    PDF,
    PNG,
    SVG,
    TEXT,
    XLSX,
    ZIP,
    stored_files,
    upload,
)
from tests.conftest import refused


def rows():
    return db.session.execute(sa.select(Attachment).order_by(Attachment.id)).scalars().all()


@pytest.mark.parametrize('data, name, content_type', [
    (PDF, '商业计划书.pdf', 'application/pdf'),
    (PNG, 'prototype.png', 'image/png'),
    (JPEG, 'team.JPG', 'image/jpeg'),
    (DOCX, '项目进展.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
    (XLSX, 'budget.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
    (DOC, 'old report.doc', 'application/msword'),
    (TEXT, 'notes.txt', 'text/plain'),
    (GB_TEXT, '说明.txt', 'text/plain'),
    (ZIP, 'measurements.zip', 'application/zip'),
])
def test_each_allowed_type_is_stored_with_what_its_bytes_are(world, files_dir, data, name, content_type):
    [attachment] = operations.attach_files(world.startup, [upload(data, name, content_type='text/html')],
                                           user=world.member)
    db.session.commit()
    assert (attachment.original_name, attachment.size, attachment.content_type) == (name, len(data), content_type)
    assert attachment.sha256 == __import__('hashlib').sha256(data).hexdigest()
    assert attachment.owner_kind == 'test_startup' and attachment.owner_id == world.startup.id
    assert attachment.uploaded_by_id == world.member.id and attachment.uploaded_at.tzinfo is not None
    assert stored_files(files_dir) == [attachment.stored_name]
    assert name not in attachment.stored_name and len(attachment.stored_name) == 32
    assert (files_dir / attachment.stored_name).read_bytes() == data


def test_stored_names_are_random_and_empty_inputs_are_skipped(world, files_dir):
    first, second = operations.attach_files(
        world.startup, [upload(PDF, 'a.pdf'), upload(b'', ''), upload(PDF, 'a.pdf')], user=world.member)
    assert first.stored_name != second.stored_name
    assert operations.attach_files(world.startup, [upload(b'', '')], user=world.member) == []


def test_a_browser_path_and_control_characters_leave_the_name(world, files_dir):
    [attachment] = operations.attach_files(world.startup, [upload(PDF, 'C:\\fakepath\\re\x07port.pdf')],
                                           user=world.member)
    assert attachment.original_name == 'report.pdf'


@pytest.mark.parametrize('data, name, code', [
    (EXE, 'setup.exe', 'attachments.type_not_allowed'),
    (EXE, 'report.pdf', 'attachments.type_not_allowed'),      # its bytes are not a PDF
    (PDF, 'photo.png', 'attachments.type_not_allowed'),       # a PDF whose name claims an image
    (DOCX, 'archive.zip', 'attachments.type_not_allowed'),    # a Word document is not a plain zip
    (TEXT, 'page.html', 'attachments.type_not_allowed'),      # text whose name claims another kind
    (HTML, 'page.html', 'attachments.type_not_allowed'),
    (HTML, 'page.txt', 'attachments.type_not_allowed'),       # markup is not plain text
    (SVG, 'logo.svg', 'attachments.type_not_allowed'),
    (b'PK\x03\x04 not really a zip', 'broken.zip', 'attachments.type_not_allowed'),
    (b'text\x00with a NUL', 'notes.txt', 'attachments.type_not_allowed'),
    (b'', 'empty.pdf', 'attachments.empty_file'),
])
def test_forbidden_files_are_refused_and_nothing_is_stored(world, files_dir, data, name, code):
    with refused(code):
        operations.attach_files(world.startup, [upload(PDF, 'good.pdf'), upload(data, name, 'application/pdf')],
                                user=world.member)
    db.session.commit()
    assert rows() == [] and stored_files(files_dir) == []


def test_kinds_not_allowed_by_the_configuration_are_refused(app, world, files_dir, monkeypatch, in_english):
    monkeypatch.setitem(app.config, 'ATTACHMENTS_ALLOWED', {'pdf'})
    with refused('attachments.type_not_allowed') as caught:
        operations.attach_files(world.startup, [upload(ZIP, 'data.zip')], user=world.member)
    assert str(caught.value) == '“data.zip” is not a kind of file accepted here. Accepted: PDF.'
    assert operations.attach_files(world.startup, [upload(PDF, 'a.pdf')], user=world.member)


def test_a_file_over_the_limit_is_refused_naming_it_and_the_limit(app, world, files_dir, monkeypatch, in_english):
    monkeypatch.setitem(app.config, 'ATTACHMENTS_MAX_FILE_BYTES', 1024 * 1024)
    big = PDF + b' ' * (1024 * 1024)
    with refused('attachments.file_too_large') as caught:
        operations.attach_files(world.startup, [upload(PDF, 'small.pdf'), upload(big, 'big.pdf')], user=world.member)
    assert str(caught.value) == '“big.pdf” is larger than 1 MB, the limit for one file.'
    db.session.commit()
    assert rows() == [] and stored_files(files_dir) == []
    assert operations.attach_files(world.startup, [upload(big[:1024 * 1024], 'fits.pdf')], user=world.member)


def test_the_items_total_counts_the_files_it_already_holds(app, world, files_dir, monkeypatch, in_english):
    monkeypatch.setitem(app.config, 'ATTACHMENTS_MAX_ITEM_BYTES', 3 * 1024 * 1024 // 2)
    half = PDF + b' ' * (1024 * 1024 // 2)
    operations.attach_files(world.startup, [upload(half, 'one.pdf'), upload(half, 'two.pdf')], user=world.member)
    db.session.commit()
    with refused('attachments.item_too_large') as caught:
        operations.attach_files(world.startup, [upload(half, 'three.pdf')], user=world.member)
    assert str(caught.value) == 'With “three.pdf” the files of this item would exceed 1.5 MB together.'
    db.session.commit()
    assert len(rows()) == 2 and len(stored_files(files_dir)) == 2
    # Another record has its own allowance.
    assert operations.attach_files(world.other, [upload(half, 'three.pdf')], user=world.stranger)


def test_the_count_limit(app, world, files_dir, monkeypatch, in_english):
    monkeypatch.setitem(app.config, 'ATTACHMENTS_MAX_FILES', 3)
    operations.attach_files(world.startup, [upload(PDF, f'{n}.pdf') for n in range(2)], user=world.member)
    with refused('attachments.too_many_files') as caught:
        operations.attach_files(world.startup, [upload(PDF, 'c.pdf'), upload(PDF, 'd.pdf')], user=world.member)
    assert str(caught.value) == 'With “d.pdf” this item would hold more than 3 files.'
    db.session.commit()
    assert len(rows()) == 2 and len(stored_files(files_dir)) == 2


def test_one_message_in_both_languages(world, files_dir):
    with pytest.raises(DomainError) as caught:
        operations.attach_files(world.startup, [upload(EXE, 'setup.exe')], user=world.member)
    with force_locale('en'):
        assert str(caught.value) == ('“setup.exe” is not a kind of file accepted here. '
                                     'Accepted: PDF, images, Office documents, plain text, and zip archives.')
    with force_locale('zh_CN'):
        assert str(caught.value) == ('“setup.exe”不是此处接受的文件类型。'
                                     '可接受：PDF、图片、Office 文档、纯文本和zip 压缩包。')


def test_an_unregistered_owner_is_a_programming_error(app, files_dir):
    from tests.factories import StartupFactory, UserFactory
    with pytest.raises(LookupError):
        operations.attach_files(StartupFactory(), [upload(PDF, 'a.pdf')], user=UserFactory())


# --- the files follow the transaction ------------------------------------------------------------

def test_a_rolled_back_upload_leaves_no_row_and_no_file(world, files_dir):
    operations.attach_files(world.startup, [upload(PDF, 'a.pdf'), upload(PNG, 'b.png')], user=world.member)
    assert len(stored_files(files_dir)) == 2
    db.session.rollback()
    assert rows() == [] and stored_files(files_dir) == []


def test_an_upload_undone_by_its_callers_savepoint_loses_its_files_at_the_commit(world, files_dir):
    from incubator.core.transactions import operation

    @operation
    def attach_then_fail():
        operations.attach_files(world.startup, [upload(PDF, 'a.pdf')], user=world.member)
        raise DomainError('later rule', code='test.later')

    with refused('test.later'):
        attach_then_fail()
    db.session.commit()
    assert rows() == [] and stored_files(files_dir) == []


def test_removal_deletes_the_file_only_after_the_commit(world, files_dir):
    [attachment] = operations.attach_files(world.startup, [upload(PDF, 'a.pdf')], user=world.owner)
    db.session.commit()
    operations.remove_attachment(attachment, user=world.owner)
    assert stored_files(files_dir) == [attachment.stored_name]
    db.session.commit()
    assert rows() == [] and stored_files(files_dir) == []


def test_a_removal_rolled_back_keeps_the_file(world, files_dir):
    [attachment] = operations.attach_files(world.startup, [upload(PDF, 'a.pdf')], user=world.owner)
    db.session.commit()
    operations.remove_attachment(attachment, user=world.owner)
    db.session.rollback()
    assert len(rows()) == 1 and stored_files(files_dir) == [attachment.stored_name]
    db.session.commit()
    assert stored_files(files_dir) == [attachment.stored_name]


def test_removal_is_refused_when_the_owner_is_locked_and_the_file_kept(world, files_dir, in_english):
    [attachment] = operations.attach_files(world.startup, [upload(PDF, '结题报告.pdf')], user=world.owner)
    world.startup.status = StartupStatus.graduated
    db.session.commit()
    with refused('attachments.locked') as caught:
        operations.remove_attachment(attachment, user=world.manager)
    assert str(caught.value) == ('“结题报告.pdf” belongs to a record that has been decided: '
                                 'it can no longer be removed.')
    db.session.commit()
    assert len(rows()) == 1 and stored_files(files_dir) == [attachment.stored_name]


@pytest.mark.parametrize('who, code', [('member', 'attachments.not_allowed'), ('stranger', 'attachments.not_found')])
def test_removal_needs_the_owners_remove_permission(world, files_dir, who, code):
    [attachment] = operations.attach_files(world.startup, [upload(PDF, 'a.pdf')], user=world.owner)
    db.session.commit()
    with refused(code):
        operations.remove_attachment(attachment, user=getattr(world, who))
    db.session.commit()
    assert len(rows()) == 1 and len(stored_files(files_dir)) == 1


# --- queries --------------------------------------------------------------------------------------

def test_a_pages_attachments_without_a_query_per_record(world, files_dir, count_queries):
    operations.attach_files(world.startup, [upload(PDF, 'a.pdf'), upload(PNG, 'b.png')], user=world.owner)
    operations.attach_files(world.other, [upload(TEXT, 'c.txt')], user=world.stranger)
    db.session.commit()
    db.session.expire_all()
    owners = [world.startup, world.other]
    assert [owner.name for owner in owners]  # the page has its records already
    with count_queries() as counter:
        found = queries.attachments_for(owners)
        names = {owner_id: [(a.original_name, a.uploaded_by.name) for a in files] for owner_id, files in found.items()}
    # One query for the files and their uploaders; a user always brings its roles along (one more, for all).
    assert counter.count == 2, counter.statements
    assert names == {world.startup.id: [('a.pdf', 'Owner'), ('b.png', 'Owner')],
                     world.other.id: [('c.txt', 'Stranger')]}
    assert [a.original_name for a in queries.attachments_of(world.other)] == ['c.txt']
    assert queries.attachments_for([]) == {}


# --- the orphan job -------------------------------------------------------------------------------

def _age(path, hours):
    moment = time.time() - hours * 3600
    os.utime(path, (moment, moment))


def test_the_job_deletes_old_orphans_and_keeps_referenced_and_new_files(world, files_dir, caplog):
    [kept] = operations.attach_files(world.startup, [upload(PDF, 'a.pdf')], user=world.owner)
    db.session.commit()
    _age(files_dir / kept.stored_name, 5)
    # An upload whose process died before its rollback could delete the file: no row, the file left behind.
    old_orphan, new_orphan, half_written = files_dir / ('a' * 32), files_dir / ('b' * 32), files_dir / '.part-c'
    for path in (old_orphan, new_orphan, half_written):
        path.write_bytes(PDF)
    _age(old_orphan, 2)
    _age(half_written, 2)
    with caplog.at_level('INFO', logger='incubator.attachments.jobs'):
        assert jobs.clean_orphans('2026-12-07', now_utc()) == {'deleted': 2}
    assert stored_files(files_dir) == sorted([kept.stored_name, new_orphan.name])
    assert 'Deleted 2 orphaned attachment files' in caplog.text


def test_the_job_removes_the_file_of_an_upload_rolled_back_without_the_hook(world, files_dir):
    """A session closed without a rollback (a killed worker) leaves the file: the job removes it an hour later."""
    operations.attach_files(world.startup, [upload(PDF, 'a.pdf')], user=world.owner)
    db.session.info.clear()  # as if the process had died before its transaction ended
    db.session.rollback()
    [orphan] = stored_files(files_dir)
    assert rows() == []
    assert jobs.clean_orphans('2026-12-07', now_utc()) == {'deleted': 0}
    assert jobs.clean_orphans('2026-12-07', now_utc() + timedelta(hours=1, minutes=1)) == {'deleted': 1}
    assert stored_files(files_dir) == []


def test_the_job_runs_nightly_through_the_scheduler(world, files_dir):
    from incubator.scheduling.models import RunOutcome
    from incubator.scheduling.registry import get_job
    from incubator.scheduling.runner import run_job
    assert get_job('attachments.clean_orphans').trigger == {'trigger': 'cron', 'hour': 3, 'minute': 41}
    orphan = files_dir / ('d' * 32)
    files_dir.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(PDF)
    _age(orphan, 3)
    run = run_job('attachments.clean_orphans', now=now_utc())
    assert run.outcome == RunOutcome.succeeded and run.counts == {'deleted': 1}
    assert stored_files(files_dir) == []


def test_a_record_created_in_the_same_transaction_gets_its_files(world, files_dir):
    from incubator.startups.models import Startup
    from tests.factories import SiteFactory
    new = Startup(name='Brand New', credit_code='91440300MA5F0XXX1E', tier=world.startup.tier, site=SiteFactory(),
                  admitted_on=world.startup.admitted_on, status=StartupStatus.incubating, contact_name='C',
                  contact_phone='0755-1234 5678')
    db.session.add(new)
    [attachment] = operations.attach_files(new, [upload(PDF, 'a.pdf')], user=world.owner)
    db.session.commit()
    assert attachment.owner_id == new.id and [a.id for a in queries.attachments_of(new)] == [attachment.id]
