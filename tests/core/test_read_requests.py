"""On PostgreSQL a request that only reads runs without a transaction (no BEGIN and COMMIT round trips);
one that writes, or a GET marked ``writes_on_get``, keeps its transaction, and a write while only reading
(an operation, a flush, an ORM write statement) is refused."""
import pytest
import sqlalchemy as sa

from incubator.auth.models import User
from incubator.core.transactions import WriteWhileReading, operation
from incubator.extensions import db
from incubator.notifications.models import Notification
from tests.factories import SiteFactory, UserFactory


@pytest.fixture
def autocommit_at_each_statement(app):
    """The driver's autocommit flag as each statement ran, in order."""
    if db.engine.dialect.name != 'postgresql':
        pytest.skip('only PostgreSQL leaves the transaction out')
    seen = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(conn.connection.driver_connection.autocommit)

    sa.event.listen(db.engine, 'before_cursor_execute', listener)
    yield seen
    sa.event.remove(db.engine, 'before_cursor_execute', listener)


def test_a_page_reads_without_a_transaction_and_the_pool_gets_its_connection_back_as_it_was(
        client, login, autocommit_at_each_statement):
    login(UserFactory(roles=['manager']))
    db.session.commit()
    autocommit_at_each_statement.clear()
    assert client.get('/bookings/').status_code == 200
    assert autocommit_at_each_statement and all(autocommit_at_each_statement)
    autocommit_at_each_statement.clear()
    db.session.execute(sa.select(1))
    assert autocommit_at_each_statement == [False]


def test_a_page_that_only_read_ends_without_expiring_what_it_loaded(client, login, autocommit_at_each_statement):
    user = login(UserFactory(roles=['manager']))
    expired = []

    def record(target, attributes):
        expired.append(target)
    sa.event.listen(User, 'expire', record)
    try:
        assert client.get('/bookings/').status_code == 200
    finally:
        sa.event.remove(User, 'expire', record)
    assert [target for target in expired if target is not user] == []


def test_a_post_keeps_its_transaction(client, login, autocommit_at_each_statement):
    login(UserFactory(roles=['manager']))
    db.session.commit()
    autocommit_at_each_statement.clear()
    assert client.post('/notifications/read-all').status_code == 302
    assert autocommit_at_each_statement and not any(autocommit_at_each_statement)


def test_a_get_marked_writes_on_get_keeps_its_transaction(client, login, autocommit_at_each_statement):
    login(UserFactory(roles=['manager']))
    db.session.commit()
    autocommit_at_each_statement.clear()
    assert client.get('/payments/return?session_id=cs_unknown').status_code == 404
    assert autocommit_at_each_statement and not any(autocommit_at_each_statement)


def test_an_operation_called_while_only_reading_is_refused_and_writes_nothing(app):
    @operation
    def add_site():
        db.session.add(SiteFactory.build())
        db.session.flush()

    db.session.info['wutong.reads_only'] = True
    try:
        with pytest.raises(WriteWhileReading, match='writes_on_get'):
            add_site()
    finally:
        db.session.info.pop('wutong.reads_only')
    assert db.session.execute(sa.select(sa.func.count()).select_from(SiteFactory._meta.model)).scalar() == 0


@pytest.mark.parametrize('write', ['flush', 'statement'])
def test_a_flush_or_write_statement_while_only_reading_is_refused(app, write):
    db.session.info['wutong.reads_only'] = True
    try:
        with pytest.raises(WriteWhileReading, match='writes_on_get'):
            if write == 'flush':
                db.session.add(SiteFactory.build())
                db.session.flush()
            else:
                db.session.execute(sa.update(Notification).values(read_at=None))  # not audited: refused here
    finally:
        db.session.info.pop('wutong.reads_only')
        db.session.rollback()
    db.session.execute(sa.select(1))  # reading goes on
