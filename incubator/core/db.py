"""Declarative base, naming convention and column types shared by every model."""
import contextvars
import enum
import functools
from contextlib import contextmanager
from datetime import UTC, datetime
from types import MappingProxyType

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry

NAMING_CONVENTION = {
    'ix': 'ix_%(column_0_label)s',
    'uq': 'uq_%(table_name)s_%(column_0_name)s',
    'ck': 'ck_%(table_name)s_%(constraint_name)s',
    'fk': 'fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s',
    'pk': 'pk_%(table_name)s',
}


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware instant, stored as UTC.

    Naive datetimes are refused on the way in; SQLite hands back naive values,
    which are marked UTC on the way out.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError('naive datetime given to a UTCDateTime column')
        value = value.astimezone(UTC)
        if dialect.name == 'sqlite':
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_class, **kwargs):
    """A string column holding an enum's values (no native database enum to migrate)."""
    length = max(len(member.value) for member in enum_class)
    return sa.Enum(enum_class, native_enum=False, length=max(length, 20), validate_strings=True,
                   values_callable=lambda cls: [member.value for member in cls], **kwargs)


def contains_pattern(text):
    """A LIKE pattern (escape character ``\\``) matching values that contain ``text`` literally."""
    escaped = text.replace('\\', '\\\\').replace('%', '\\%').replace('_', '\\_')
    return f'%{escaped}%'


class Base(DeclarativeBase):
    registry = registry(metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


def _now():
    return datetime.now(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=_now)
    updated_at: Mapped[datetime] = mapped_column(default=_now, onupdate=_now)


class LabelledEnum(enum.Enum):
    """An enum whose members carry a translatable label for the interface."""

    @property
    def label(self):
        return _labels_of(type(self))[self]

    @classmethod
    def labels(cls):
        raise NotImplementedError

    @classmethod
    def translated_labels(cls):
        """{member: its label in the current language}, for long lists: translated once per language."""
        return _translated_labels(cls, str(get_locale()))

    @classmethod
    def choices(cls):
        return [(member.value, member.label) for member in cls]


@functools.cache
def _translated_labels(enum_class, locale):
    """Made in ``locale``, the current one when first asked: the key says which language it holds."""
    return MappingProxyType({member: str(label) for member, label in _labels_of(enum_class).items()})


@functools.cache
def _labels_of(enum_class):
    """An enum's labels, made once: they are lazy strings, translated each time they are shown."""
    return enum_class.labels()


#: Set by code outside a request (jobs, CLI, tests) whose transaction will write.
writes_expected = contextvars.ContextVar('writes_expected', default=False)


@contextmanager
def expecting_writes():
    """On SQLite, begin the next transactions with the write lock (see :func:`configure_engine`)."""
    token = writes_expected.set(True)
    try:
        yield
    finally:
        writes_expected.reset(token)


def _transaction_will_write():
    from flask import has_request_context, request
    if writes_expected.get():
        return True
    return has_request_context() and request.method not in ('GET', 'HEAD', 'OPTIONS')


def writes_on_get(view):
    """For the rare GET view that writes (a page Stripe redirects back to): begin with the write lock.

    Put it above ``login_required``, so that the user is loaded inside the same transaction.
    """
    from functools import wraps

    @wraps(view)
    def wrapped(*args, **kwargs):
        with expecting_writes():
            return view(*args, **kwargs)
    wrapped.writes_on_get = True  # read before the request runs (see core.transactions): copied by outer wraps
    return wrapped


def configure_engine(engine):
    """SQLite: enforce foreign keys, use WAL, wait for locks, and serialize writers.

    A deferred SQLite transaction that reads and then writes cannot safely
    upgrade its lock: a concurrent writer makes it fail, or worse, it decides on
    a stale read. So a transaction that will write (a POST request, a job)
    begins with ``BEGIN IMMEDIATE``: it takes the write lock first, then reads
    what it needs (free seats, quota left) and writes. Readers are not blocked
    (WAL). The driver's own transaction handling is switched off so SQLAlchemy
    emits the BEGIN (the recipe of SQLAlchemy's SQLite dialect documentation).
    """
    if engine.dialect.name != 'sqlite':
        return

    @sa.event.listens_for(engine, 'begin')
    def _begin(connection):
        connection.exec_driver_sql('BEGIN IMMEDIATE' if _transaction_will_write() else 'BEGIN')

    @sa.event.listens_for(engine, 'connect')
    def _sqlite_pragmas(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute('PRAGMA foreign_keys=ON')
        cursor.execute('PRAGMA busy_timeout=10000')
        if engine.url.database not in (None, '', ':memory:'):
            cursor.execute('PRAGMA journal_mode=WAL')
        cursor.close()
