"""The write side: attach files to a record (every file checked before any is written), remove one."""
import hashlib
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from incubator.attachments import limits, queries, registry, storage
from incubator.attachments.detection import detect, kind_claimed_by
from incubator.attachments.models import Attachment
from incubator.core.errors import Conflict, DomainError, NotAllowed, NotFound
from incubator.core.permissions import can
from incubator.core.transactions import helper, operation
from incubator.extensions import db

_UNPRINTABLE = re.compile(r'[\x00-\x1f\x7f]')
_NAME_LENGTH = 255


@dataclass(frozen=True)
class _Checked:
    upload: object
    name: str
    size: int
    sha256: str
    content_type: str


@operation
def attach_files(owner, files, *, user):
    """Store ``files`` (werkzeug FileStorage; empty inputs skipped) as ``owner``'s evidence, uploaded by ``user``.

    Nothing is written unless every file passes: its type by its bytes, its size, and the owner's count
    and total afterwards. Files written here whose transaction rolls back are deleted (see ``storage``).
    """
    owner_type = registry.owner_type_of(owner)
    checked = [_check(upload) for upload in files if upload is not None and upload.filename]
    if not checked:
        return []
    if owner.id is None:
        db.session.flush()  # a record created in the same operation: its files need its id
    _lock(owner_type, owner)
    count, total = queries.totals_of(owner)
    for item in checked:
        count += 1
        total += item.size
        if count > limits.max_files():
            raise DomainError(_l('With “%(name)s” this item would hold more than %(limit)d files.'),
                              code='attachments.too_many_files', name=item.name, limit=limits.max_files())
        if total > limits.max_item_bytes():
            raise DomainError(_l('With “%(name)s” the files of this item would exceed %(limit)s MB together.'),
                              code='attachments.item_too_large', name=item.name,
                              limit=limits.megabytes(limits.max_item_bytes()))
    attachments = []
    for item in checked:
        stored_name = storage.new_stored_name()
        path = storage.write(item.upload.stream, stored_name)
        attachment = Attachment(owner_kind=owner_type.kind, owner_id=owner.id, stored_name=stored_name,
                                original_name=item.name, size=item.size, sha256=item.sha256,
                                content_type=item.content_type, uploaded_by_id=user.id)
        storage.written(attachment, path)
        db.session.add(attachment)
        attachments.append(attachment)
    db.session.flush()
    return attachments


def _lock(owner_type, owner):
    """Two uploads to one record at once must not both fit in what is left (PostgreSQL; SQLite writes one at a time)."""
    key = sa.inspect(owner_type.model).primary_key[0]
    db.session.execute(sa.select(key).where(key == owner.id).with_for_update())


def _check(upload):
    name = _clean_name(upload.filename)
    stream = upload.stream
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise DomainError(_l('“%(name)s” is empty.'), code='attachments.empty_file', name=name)
    if size > limits.max_file_bytes():
        raise DomainError(_l('“%(name)s” is larger than %(limit)s MB, the limit for one file.'),
                          code='attachments.file_too_large', name=name,
                          limit=limits.megabytes(limits.max_file_bytes()))
    detected = detect(stream)
    if detected.kind is None or detected.kind not in limits.allowed_kinds():
        raise DomainError(_l('“%(name)s” is not a kind of file accepted here. Accepted: %(allowed)s.'),
                          code='attachments.type_not_allowed', name=name, allowed=limits.lazy_allowed_text())
    if kind_claimed_by(name) not in ('', detected.kind):
        raise DomainError(_l('The contents of “%(name)s” are not what its name says (%(found)s inside). '
                             'Correct the name or choose the right file.'),
                          code='attachments.type_not_allowed', name=name,
                          found=limits.KIND_LABELS[detected.kind])
    return _Checked(upload=upload, name=name, size=size, sha256=_sha256(stream), content_type=detected.content_type)


def _clean_name(filename):
    """The name as people chose it, without a browser's path or unprintable characters, at most 255 characters."""
    name = _UNPRINTABLE.sub('', filename.replace('\\', '/').rsplit('/', 1)[-1]).strip() or 'file'
    if len(name) > _NAME_LENGTH:
        stem, dot, extension = name.rpartition('.')
        name = (stem[:_NAME_LENGTH - len(extension) - 1] + dot + extension
                if dot and len(extension) < 16 else name[:_NAME_LENGTH])
    return name


def _sha256(stream):
    digest = hashlib.sha256()
    stream.seek(0)
    while chunk := stream.read(1024 * 1024):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


@operation
def remove_attachment(attachment, *, user):
    """Remove ``attachment`` for ``user``; its file goes once the removal is committed."""
    owner = registry.load_owner(attachment)
    owner_type = registry.owner_type_named(attachment.owner_kind)
    if owner is None or not can(user, owner_type.view_permission, owner):
        raise NotFound(_l('This file does not exist, or you may not see it.'), code='attachments.not_found')
    if not can(user, owner_type.remove_permission, owner):
        raise NotAllowed(_l('You may not remove this file.'), code='attachments.not_allowed')
    if owner_type.is_locked(owner):
        raise Conflict(_l('“%(name)s” belongs to a record that has been decided: it can no longer be removed.'),
                       code='attachments.locked', name=attachment.original_name)
    db.session.delete(attachment)
    db.session.flush()
    storage.delete_after_commit(attachment)


@helper
def remove_all_attachments(owner):
    """Remove every file of ``owner``, a record being deleted by an operation that checked who may delete it;
    the files go once the deletion is committed."""
    for attachment in queries.attachments_of(owner):
        db.session.delete(attachment)
        storage.delete_after_commit(attachment)
    db.session.flush()
