"""The records that own attachments: each domain registers its owning model from its ``init_app``.

This package never imports the domains that use it; they tell it which permission rule decides
who may see (and remove) their records' files, and when a record is locked (decided, accepted).
"""
from collections.abc import Callable
from dataclasses import dataclass

from incubator.extensions import db


@dataclass(frozen=True)
class OwnerType:
    model: type
    kind: str
    view_permission: str
    remove_permission: str
    is_locked: Callable[[object], bool]
    on_download: Callable[[object, object], None] | None = None


_by_kind: dict[str, OwnerType] = {}


def register_owner(model, *, kind, view_permission, is_locked, remove_permission=None, on_download=None):
    """Let records of ``model`` own attachments under ``kind`` (stored in each attachment's ``owner_kind``).

    ``on_download(owner, attachment)``, if given, runs in the download's transaction after the permission check
    (confidential records write who downloaded what to the audit log).
    """
    existing = _by_kind.get(kind)
    if existing is not None and existing.model is not model:
        raise ValueError(f'attachment owner kind {kind!r} registered twice')
    _by_kind[kind] = OwnerType(model=model, kind=kind, view_permission=view_permission,
                               remove_permission=remove_permission or view_permission, is_locked=is_locked,
                               on_download=on_download)


def unregister_owner(kind):
    """For tests that register an owner of their own."""
    _by_kind.pop(kind, None)


def owner_type_of(owner):
    """The registration of ``owner``'s class; a LookupError for a class never registered."""
    for owner_type in _by_kind.values():
        if type(owner) is owner_type.model:
            return owner_type
    raise LookupError(f'{type(owner).__name__} is not registered as an attachment owner')


def owner_type_named(kind):
    return _by_kind.get(kind)


def load_owner(attachment):
    """The record owning ``attachment``, or None when its kind is not registered or the record is gone."""
    owner_type = _by_kind.get(attachment.owner_kind)
    if owner_type is None:
        return None
    return db.session.get(owner_type.model, attachment.owner_id)
