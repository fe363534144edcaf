"""The audit log: who changed which object, when, and from what to what.

Mark a model with :func:`audited`. Every insert, real update and delete of it
through the ORM then appends an :class:`AuditEntry` on the session's own
connection during the flush, so the entry commits or rolls back with the change.
Nothing in the application updates or deletes entries, and the ORM refuses to.

How the hook works: the mapper events ``after_insert``, ``after_update`` and
``after_delete`` fire for every row the flush writes, cascaded and orphan
deletes included, once primary keys are known and while attribute history
still holds the old values; they queue one entry each. ``after_flush`` then
inserts the queue in one statement. ORM bulk statements would bypass those
events, so they are refused for audited models.
"""
import contextvars
import enum
import functools
import json
import re
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import Mapped, Session, mapped_column

from incubator.core.db import LabelledEnum, enum_column
from incubator.core.i18n import current_language
from incubator.core.time import now_utc
from incubator.extensions import db

ALWAYS_EXCLUDED = frozenset({'created_at', 'updated_at'})
_PENDING = 'audit_pending'


class AuditAction(LabelledEnum):
    created = 'created'
    updated = 'updated'
    deleted = 'deleted'
    viewed = 'viewed'

    @classmethod
    def labels(cls):
        return {cls.created: _l('Created'), cls.updated: _l('Updated'), cls.deleted: _l('Deleted'),
                cls.viewed: _l('Viewed')}


class AuditEntry(db.Model):
    """One change of one audited object; ``changes`` maps each field to ``[before, after]``."""

    __tablename__ = 'audit_entries'
    __table_args__ = (
        sa.Index('ix_audit_entries_object_type_object_id', 'object_type', 'object_id'),
        sa.Index('ix_audit_entries_actor_id_occurred_at', 'actor_id', 'occurred_at'),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=now_utc, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey('users.id', ondelete='SET NULL'))
    # The actor as they were then (an email), or what acted without a user ('job:…', 'cli', 'system').
    actor_label: Mapped[str] = mapped_column(sa.String(254))
    action: Mapped[AuditAction] = mapped_column(enum_column(AuditAction))
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[str] = mapped_column(sa.String(50))
    summary: Mapped[str] = mapped_column(sa.String(255), default='')
    changes: Mapped[dict] = mapped_column(sa.JSON)
    request_ip: Mapped[str | None] = mapped_column(sa.String(45))

    def __repr__(self):
        return f'<AuditEntry {self.id} {self.action.value} {self.object_type} {self.object_id}>'


class AuditLogIsAppendOnly(RuntimeError):
    pass


# --- who is acting ---------------------------------------------------------------

class Actor(NamedTuple):
    user: Any
    label: str
    ip: str | None


_acting_as = contextvars.ContextVar('audit_acting_as', default=None)


@contextmanager
def acting_as(label, user=None):
    """Attribute the changes made inside to ``label`` (e.g. ``'job:housekeeping.purge'``, ``'cli'``)."""
    token = _acting_as.set((label, user))
    try:
        yield
    finally:
        _acting_as.reset(token)


def current_actor():
    """An explicit :func:`acting_as`, else the request's logged-in user (or 'anonymous'), else 'system'."""
    ip = request.remote_addr if has_request_context() else None
    if _acting_as.get() is not None:
        label, user = _acting_as.get()
        return Actor(user, label, ip)
    if has_request_context():
        if current_user.is_authenticated:
            return Actor(current_user._get_current_object(), current_user.email, ip)
        return Actor(None, 'anonymous', ip)
    return Actor(None, 'system', None)


def record_view(object_type, object_id, summary=''):
    """Append a "viewed" entry for a confidential record that was shown or downloaded, by the current actor.

    Written on the session's connection, so it commits with the request (a page that fails records nothing).
    """
    actor = current_actor()
    db.session.execute(sa.insert(AuditEntry.__table__).values(
        occurred_at=now_utc(), actor_id=getattr(actor.user, 'id', None), actor_label=actor.label[:254],
        request_ip=actor.ip, action=AuditAction.viewed, object_type=object_type, object_id=str(object_id)[:50],
        summary=str(summary)[:255], changes={}))


# --- marking models ------------------------------------------------------------------

@dataclass(frozen=True)
class AuditSettings:
    object_type: str
    title: Any
    columns: tuple
    label: Callable | None
    object_id: Callable | None
    fields: dict = None          # column → its label, where the shared FIELD_LABELS would mislead
    formats: dict = None         # column → how a stored value reads (see _format_of)
    references: dict = None      # foreign-key column → (table, column) it refers to (named when read)
    reads_label: Callable | None = None  # a stored label → how it reads (see audited)


_audited = {}
_by_type = {}


def audited(object_type, title=None, exclude=(), label=None, object_id=None, fields=None, formats=None,
            reads_label=None):
    """Class decorator: record every change of this model in the audit log.

    ``exclude`` names columns never recorded (``created_at`` and ``updated_at``
    never are). A column whose name suggests a secret must be excluded, or the
    model is refused at import. ``label(obj)`` gives the summary shown beside the
    entry; ``object_id(obj)`` the id recorded (default: the primary key);
    ``fields`` labels columns for readers where the shared vocabulary does not;
    ``formats`` reads a column's stored values where its type does not tell how. Where ``label`` stores values
    rather than words (an enum's value, a weekday's number), ``reads_label(stored)`` reads them in the reader's
    language; a label it cannot read (written before) shows as stored.
    """
    def decorator(cls):
        mapped = sa.inspect(cls).columns
        keys = list(mapped.keys())
        if set(exclude) - set(keys):
            raise TypeError(f'{cls.__name__} has no columns {sorted(set(exclude) - set(keys))} to exclude')
        columns = tuple(key for key in keys if key not in ALWAYS_EXCLUDED | set(exclude))
        secrets = [key for key in columns if _looks_secret(key)]
        if secrets:
            raise TypeError(f'{cls.__name__}: exclude the secret columns {secrets} from the audit log')
        for key in columns:
            # Load the old value before it is overwritten, even on an expired object.
            sa.event.listen(getattr(cls, key), 'set', _keep_old_value, active_history=True)
        for event, action in (('after_insert', AuditAction.created), ('after_update', AuditAction.updated),
                              ('after_delete', AuditAction.deleted)):
            sa.event.listen(cls, event, functools.partial(_queue_entry, action))
        reads = {key: _format_of(cls, key) for key in columns} | dict(formats or {})
        references = {key: _referred_to(mapped[key]) for key in columns if mapped[key].foreign_keys}
        _audited[cls] = _by_type[object_type] = AuditSettings(object_type, title or object_type, columns, label,
                                                               object_id, dict(fields or {}), reads, references,
                                                               reads_label)
        return cls
    return decorator


def _referred_to(column):
    """``(table, column)`` a foreign-key column refers to, by name (the table may not be mapped yet)."""
    table, _dot, name = next(iter(column.foreign_keys)).target_fullname.rpartition('.')
    return table, name


def audited_types():
    """``(object_type, title)`` of every audited model, for filters."""
    return sorted({(s.object_type, s.title) for s in _audited.values()}, key=lambda pair: pair[0])


def _looks_secret(key):
    """Passwords, hashes, tokens and secrets; not the instants and dates named after them."""
    return bool(re.search(r'password|secret|token|hash', key, re.IGNORECASE)) and not key.endswith(('_at', '_on'))


def _keep_old_value(target, value, oldvalue, initiator):
    pass


def to_json(value):
    """A column value as JSON: ISO dates and times, enum values, decimals as strings."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return str(value)


# --- reading entries: fields and values in the reader's language ----------------------------

class ShownChange(NamedTuple):
    """A field of an entry: ``before`` and ``after`` for an update; for an object created or deleted only
    ``value``, what it was created with or held when deleted (read "field: value", with no arrow)."""
    label: str
    before: str | None
    after: str | None
    value: str | None = None


def shown_changes(entry, names=None):
    """An entry's changes as people read them: field labels and values (enum labels, yuan, hours, local
    times to the second, yes/no, what a foreign key refers to by its name in ``names``, from
    :func:`referenced_names`) in the current language, in the model's column order.

    An object created or deleted shows the values it had, without the empty ones and without its id, which the
    entry names already."""
    settings = _by_type.get(entry.object_type)
    changes = entry.changes or {}
    order = list(settings.columns) if settings else []
    keys = sorted(changes, key=lambda key: (order.index(key) if key in order else len(order), key))
    if entry.action in (AuditAction.created, AuditAction.deleted):
        held = 1 if entry.action is AuditAction.created else 0
        return [ShownChange(field_label(entry.object_type, key), None, None,
                            shown_value(entry.object_type, key, changes[key][held], names))
                for key in keys if changes[key][held] not in (None, '')
                and not (key == 'id' and str(changes[key][held]) == entry.object_id)]
    return [ShownChange(field_label(entry.object_type, key),
                        shown_value(entry.object_type, key, changes[key][0], names),
                        shown_value(entry.object_type, key, changes[key][1], names)) for key in keys]


def referenced_names(entries):
    """``{(table, id): name}`` of the rows that the entries' changes refer to by foreign key (a startup, a user, a
    committee), named as their own audit entries are: one query per table referred to, whatever the entries."""
    wanted = {}
    for entry in entries:
        settings = _by_type.get(entry.object_type)
        for key, target in ((settings.references or {}).items() if settings else ()):
            for value in (entry.changes or {}).get(key, ()):
                if isinstance(value, int) and not isinstance(value, bool):
                    wanted.setdefault(target, set()).add(value)
    names = {}
    for (table, column), values in wanted.items():
        model = next((cls for cls in _audited if cls.__table__.name == table), None)
        settings = _audited.get(model)
        if settings is None or settings.label is None:
            continue
        for row in db.session.execute(sa.select(model).where(getattr(model, column).in_(sorted(values)))).scalars():
            names[table, getattr(row, column)] = shown_label(settings.object_type, str(settings.label(row)))
    return names


def shown_label(object_type, stored):
    """The label stored with an entry of ``object_type`` as the reader reads it (see ``reads_label``)."""
    settings = _by_type.get(object_type)
    if not stored or settings is None or settings.reads_label is None:
        return stored
    try:
        return settings.reads_label(stored)
    except (LookupError, TypeError, ValueError):
        return stored


#: How long each name of a bilingual label may be: both fit an entry's summary (255 characters).
_NAME_IN_LABEL = 115


def bilingual_label(zh, en):
    """The audit label of an object named in both languages (a department, a checklist item): both names,
    each cut to fit, for :func:`read_bilingual_label` to read in the reader's language."""
    def cut(name):
        name = name or ''
        return name if len(name) <= _NAME_IN_LABEL else name[:_NAME_IN_LABEL - 1] + '…'
    return json.dumps({'zh': cut(zh), 'en': cut(en)}, ensure_ascii=False, separators=(',', ':'))


def read_bilingual_label(stored):
    """The name in the reader's language (Chinese where no English name was given); a ValueError for a label
    stored before, which then shows as stored."""
    names = json.loads(stored)
    if not isinstance(names, dict) or not names.get('zh'):
        raise ValueError('not a bilingual label')
    return (names.get('en') if current_language() == 'en' else None) or names['zh']


def field_label(object_type, key):
    from incubator.core.audit_fields import FIELD_LABELS
    settings = _by_type.get(object_type)
    label = (settings.fields.get(key) if settings else None) or FIELD_LABELS.get(key)
    return str(label) if label is not None else key


def shown_value(object_type, key, value, names=None):
    if value is None:
        return None
    settings = _by_type.get(object_type)
    target = (settings.references or {}).get(key) if settings else None
    if target is not None and names is not None:
        return names.get((target[0], value)) or f'#{value}'
    format_ = settings.formats.get(key) if settings else None
    try:
        return format_(value) if format_ else str(value)
    except (LookupError, TypeError, ValueError):
        return str(value)  # written before the column's type changed: shown as stored


def _format_of(cls, key):
    """How a column's stored JSON value reads, from its type and name."""
    from flask_babel import gettext

    from incubator.core.formatting import hours, local_date, local_datetime, yuan
    column = sa.inspect(cls).columns[key]
    enum_class = getattr(column.type, 'enum_class', None)
    if enum_class is not None and issubclass(enum_class, LabelledEnum):
        return lambda value: str(enum_class(value).label)
    if key.endswith('_fen'):
        return yuan
    if key.endswith('_minutes'):
        return lambda value: gettext('%(hours)s h', hours=hours(value))
    if key.endswith('_minute'):
        return lambda value: f'{value // 60:02d}:{value % 60:02d}'
    try:
        # A TypeDecorator (UTCDateTime) has the type of what it stores.
        python_type = getattr(column.type, 'impl', column.type).python_type
    except NotImplementedError:
        return None
    if python_type is bool:
        return lambda value: gettext('Yes') if value else gettext('No')
    if python_type is datetime:
        return lambda value: local_datetime(datetime.fromisoformat(value), AUDIT_TIME_FORMAT)
    if python_type is date:
        return lambda value: local_date(date.fromisoformat(value))
    return None


#: Audit times to the second, in the reader's language: what happened first matters there.
AUDIT_TIME_FORMAT = 'medium'


# --- the flush hook -------------------------------------------------------------------

def _queue_entry(action, mapper, connection, target):
    settings = _audited[mapper.class_]
    state = sa.inspect(target)
    if action == AuditAction.updated:
        changes = {}
        for key in settings.columns:
            history = state.attrs[key].history
            if history.has_changes():
                before = to_json(history.deleted[0]) if history.deleted else None
                after = to_json(history.added[0]) if history.added else None
                if before != after:
                    changes[key] = [before, after]
        if not changes:
            return
    else:
        values = {key: to_json(state.dict.get(key)) for key in settings.columns}
        changes = {key: [None, value] if action == AuditAction.created else [value, None]
                   for key, value in values.items() if value is not None}
    ident = (settings.object_id(target) if settings.object_id
             else '-'.join(str(value) for value in mapper.primary_key_from_instance(target)))
    state.session.info.setdefault(_PENDING, []).append({
        'action': action, 'object_type': settings.object_type, 'object_id': str(ident)[:50],
        'summary': str(settings.label(target) if settings.label else '')[:255], 'changes': changes,
    })


@sa.event.listens_for(Session, 'before_flush')
def _before_flush(session, flush_context, instances):
    """Forget entries of a failed earlier flush; load what an expired object about to be deleted held."""
    session.info[_PENDING] = []
    for obj in session.deleted:
        settings = _audited.get(type(obj))
        if settings is not None:
            for key in sa.inspect(obj).unloaded & set(settings.columns):
                getattr(obj, key)


@sa.event.listens_for(Session, 'after_flush')
def _write_entries(session, flush_context):
    """Insert the queued entries on the flush's connection: same transaction as the changes."""
    entries = session.info.pop(_PENDING, None)
    if not entries:
        return
    actor = current_actor()
    common = {'occurred_at': now_utc(), 'actor_id': getattr(actor.user, 'id', None),
              'actor_label': actor.label[:254], 'request_ip': actor.ip}
    session.connection().execute(sa.insert(AuditEntry.__table__), [dict(entry, **common) for entry in entries])


@sa.event.listens_for(Session, 'do_orm_execute')
def _refuse_unaudited_statements(orm_execute_state):
    """ORM bulk statements skip the flush hook: refuse them on audited models, and any edit of the log."""
    state = orm_execute_state
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    for mapper in state.all_mappers:
        if mapper.class_ is AuditEntry and not state.is_insert:
            raise AuditLogIsAppendOnly('the audit log cannot be changed')
        if mapper.class_ in _audited:
            raise TypeError(f'bulk statements on the audited {mapper.class_.__name__} would escape the '
                            'audit log: change the objects through the session instead')


@sa.event.listens_for(AuditEntry, 'before_update')
@sa.event.listens_for(AuditEntry, 'before_delete')
def _refuse_changes(mapper, connection, target):
    raise AuditLogIsAppendOnly('the audit log cannot be changed')
