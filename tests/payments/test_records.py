"""Payment records: a startup's payments and receipts, fapiao requests and their issue, the managers' list,
monthly totals and CSV export."""
import csv
import io
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
import time_machine
from werkzeug.datastructures import MultiDict

from incubator.booking.models import Booking, BookingStatus, PaymentMethod
from incubator.extensions import db
from incubator.notifications.models import Notification
from incubator.payments import operations, queries
from incubator.payments.forms import CheckoutForm
from incubator.payments.models import FapiaoRequest, FapiaoStatus, Payment, PaymentChannel, PaymentStatus
from incubator.startups.models import MembershipRole
from tests.booking import conftest as booking_conftest
from tests.booking.conftest import NOW, at
from tests.factories import member_of

world = booking_conftest.world

EN = {'Accept-Language': 'en'}
#: 2026-11-30 16:30 UTC is 1 December 00:30 in Shanghai: a December payment.
DECEMBER_FIRST = datetime(2026, 11, 30, 16, 30, tzinfo=UTC)
#: 2026-11-30 15:30 UTC is 30 November 23:30 in Shanghai: a November payment.
NOVEMBER_LAST = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)
#: Mid-December, "now" for the totals.
MID_DECEMBER = datetime(2026, 12, 15, 4, 0, tzinfo=UTC)
TAXPAYER_NUMBER = '91440300MA5F0XXX1E'  # a unified social credit code with its check character
INVALID_CREDIT_CODE = 'This unified social credit code is not valid: check it against the business licence.'


def priced_booking(world, day, hour=9, price_fen=10000, method=PaymentMethod.on_site, startup=None,
                   booked_by=None):
    """A confirmed two-hour booking of the meeting room to be paid, as the booking operations leave it."""
    booking = Booking(space=world.room, startup=startup or world.startup, booked_by=booked_by or world.member,
                      start_at=at(day, hour), end_at=at(day, hour + 2), seats=1, status=BookingStatus.confirmed,
                      quota_month=date(2026, 12, 1), usage_minutes=120, free_minutes=0, price_fen=price_fen,
                      payment_method=method, created_at=NOW)
    db.session.add(booking)
    db.session.commit()
    return booking


def paid_on_site(world, *bookings, now=DECEMBER_FIRST):
    payment = operations.record_payment_on_site(world.manager, list(bookings), now=now)
    db.session.commit()
    return payment


def paid_online(world, *bookings, paid_at=DECEMBER_FIRST, status=PaymentStatus.paid):
    """A Stripe payment as the webhook leaves it (test data: no Stripe here)."""
    payment = Payment(startup=bookings[0].startup, created_by=bookings[0].booked_by, channel=PaymentChannel.stripe,
                      status=status, amount_fen=sum(booking.price_fen for booking in bookings),
                      created_at=paid_at, paid_at=paid_at if status == PaymentStatus.paid else None,
                      stripe_checkout_session_id=f'cs_test_{bookings[0].id}')
    db.session.add(payment)
    db.session.flush()
    if status == PaymentStatus.paid:
        payment.receipt_number = f'WT{paid_at:%Y%m}-{payment.id:06d}'
        payment.stripe_payment_intent_id = f'pi_test_{payment.id}'
    for booking in bookings:
        booking.payment = payment
        booking.payment_method = PaymentMethod.online
    db.session.commit()
    return payment


def refund(world, payment, amount_fen, now=MID_DECEMBER):
    operations.refund_payment(world.manager, payment, amount_fen, 'Room out of order', now=now)
    db.session.commit()


def flashes(client):
    with client.session_transaction() as session:
        return [message for _category, message in session.pop('_flashes', [])]


def fapiao_requests():
    return db.session.execute(sa.select(FapiaoRequest).order_by(FapiaoRequest.id)).scalars().all()


# --- who sees what ----------------------------------------------------------------------------------

@pytest.fixture
def records(world):
    """Alpha's on-site payment of a booking by its member, and Beta's online payment."""
    payment = paid_on_site(world, priced_booking(world, 8))
    beta = paid_online(world, priced_booking(world, 9, startup=world.other_startup, booked_by=world.outsider,
                                             price_fen=20000))
    plain = member_of(world.startup, MembershipRole.member, name='Pat Plain')
    return payment, beta, plain


@pytest.mark.parametrize('who, startup_page, payment_page, receipt', [
    ('owner', 200, 200, 200),
    ('member', 403, 200, 200),       # booked it: sees the payment, not the startup's records
    ('plain', 403, 404, 404),        # a member who did not book it
    ('outsider', 404, 404, 404),     # another startup's owner
    ('manager', 200, 200, 200),
])
def test_who_sees_a_startups_payments(world, records, client, login, who, startup_page, payment_page, receipt):
    payment, _beta, plain = records
    login(plain if who == 'plain' else getattr(world, who))
    assert client.get(f'/startups/{world.startup.id}/payments').status_code == startup_page
    assert client.get(f'/payments/{payment.id}').status_code == payment_page
    assert client.get(f'/payments/{payment.id}/receipt').status_code == receipt


def test_visitors_are_sent_to_log_in(world, records, client):
    payment, _beta, _plain = records
    for url in (f'/startups/{world.startup.id}/payments', f'/payments/{payment.id}/receipt', '/payments/',
                '/payments/fapiao', '/payments/export.csv'):
        response = client.get(url)
        assert response.status_code == 302 and '/login' in response.headers['Location'], url


def test_a_startup_page_lists_only_its_own_payments(world, records, client, login):
    payment, beta, _plain = records
    login(world.owner)
    page = client.get(f'/startups/{world.startup.id}/payments', headers=EN).get_data(as_text=True)
    assert 'Payments of Alpha Robotics' in page
    assert payment.receipt_number in page and '¥100.00' in page and 'Meeting room A' in page
    assert beta.receipt_number not in page
    assert f'/payments/{payment.id}/receipt' in page


@pytest.mark.parametrize('who', ['owner', 'member', 'outsider'])
def test_only_managers_see_every_payment_and_the_fapiao_queue(world, records, client, login, who):
    login(getattr(world, who))
    for url in ('/payments/', '/payments/fapiao', '/payments/export.csv'):
        assert client.get(url).status_code == 403, url
    assert client.post('/payments/fapiao/1/issue', data={'invoice_number': '1'}).status_code == 403


# --- receipts -------------------------------------------------------------------------------------

def test_a_receipt_shows_what_was_paid_for_refunded_and_kept(world, client, login):
    first, second = priced_booking(world, 8), priced_booking(world, 9, price_fen=5050)
    payment = paid_on_site(world, first, second)
    refund(world, payment, 3000)
    login(world.owner)
    response = client.get(f'/payments/{payment.id}/receipt', headers=EN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert payment.receipt_number in page and 'Alpha Robotics' in page and 'On site' in page
    assert '12/1/26' in page or 'Dec 1, 2026' in page           # paid at 00:30 on 1 December, Shanghai time
    assert '2026-12-08' in page or 'Dec 8, 2026' in page
    assert '¥100.00' in page and '¥50.50' in page and '¥150.50' in page
    assert 'Room out of order' in page and '-¥30.00' in page
    assert '<td class="text-end fw-semibold" id="receipt-net">¥120.50</td>' in page
    assert 'data-print' in page and '/static/js/print.js' in page and 'onclick' not in page


@pytest.mark.parametrize('status', [PaymentStatus.open, PaymentStatus.expired, PaymentStatus.cancelled])
def test_only_a_paid_payment_has_a_receipt(world, client, login, status):
    payment = paid_online(world, priced_booking(world, 8), status=status)
    login(world.owner)
    assert client.get(f'/payments/{payment.id}/receipt').status_code == 404
    login(world.manager)
    assert client.get(f'/payments/{payment.id}/receipt').status_code == 404
    assert client.get('/payments/99999/receipt').status_code == 404


# --- fapiao -------------------------------------------------------------------------------------

def ask_fapiao(client, payment, **fields):
    data = {'title': 'Alpha Robotics (Shenzhen) Co., Ltd.', 'taxpayer_number': TAXPAYER_NUMBER.lower(), 'email': ''}
    data.update(fields)
    return client.post(f'/payments/{payment.id}/fapiao', data=data, headers=EN)


class TestFapiaoRequest:
    def test_the_owner_asks_for_a_fapiao_and_the_managers_are_told(self, world, client, login):
        payment = paid_on_site(world, priced_booking(world, 8))
        login(world.owner)
        response = ask_fapiao(client, payment, email='finance@alpha.example')
        assert response.status_code == 302
        assert response.headers['Location'] == f'/payments/{payment.id}'
        assert flashes(client) == ['Fapiao requested. You will be told when it is issued.']
        [request] = fapiao_requests()
        assert (request.title, request.taxpayer_number, request.email, request.status) == (
            'Alpha Robotics (Shenzhen) Co., Ltd.', TAXPAYER_NUMBER, 'finance@alpha.example', FapiaoStatus.requested)
        assert request.requested_by_id == world.owner.id
        told = db.session.execute(sa.select(Notification).filter_by(kind='fapiao_requested')).scalars().all()
        assert [notification.user_id for notification in told] == [world.manager.id]

    @pytest.mark.parametrize('fields, message', [
        ({'title': '   '}, 'Invoice title (company name): This field is required.'),
        ({'taxpayer_number': ''}, 'Taxpayer number (unified social credit code): This field is required.'),
        ({'taxpayer_number': '12345'}, 'A taxpayer number has 15, 17, 18 or 20 letters and digits.'),
        ({'taxpayer_number': '91440300MA5F0X-X1K'}, INVALID_CREDIT_CODE),
        ({'taxpayer_number': '91440300MA5F0XXX1K'}, INVALID_CREDIT_CODE),
        ({'email': 'not-an-email'}, 'Email for the electronic fapiao (optional): Enter a valid email address.'),
    ])
    def test_a_bad_request_says_why_and_stores_nothing(self, world, client, login, fields, message):
        payment = paid_on_site(world, priced_booking(world, 8))
        login(world.owner)
        assert ask_fapiao(client, payment, **fields).status_code == 302
        assert flashes(client) == [message]
        assert fapiao_requests() == []
        assert db.session.execute(sa.select(Notification)).scalars().all() == []

    def test_a_second_request_is_refused(self, world, client, login):
        payment = paid_on_site(world, priced_booking(world, 8))
        login(world.owner)
        ask_fapiao(client, payment)
        flashes(client)
        ask_fapiao(client, payment, title='Another title')
        assert flashes(client) == ['A fapiao has already been requested for this payment.']
        assert [request.title for request in fapiao_requests()] == ['Alpha Robotics (Shenzhen) Co., Ltd.']

    def test_an_unpaid_payment_has_no_fapiao(self, world, client, login):
        payment = paid_online(world, priced_booking(world, 8), status=PaymentStatus.open)
        login(world.member)
        ask_fapiao(client, payment)
        assert flashes(client) == ['You may not ask for a fapiao for this payment.']
        assert fapiao_requests() == []

    def test_others_cannot_ask(self, world, records, client, login):
        payment, _beta, plain = records
        for user in (world.outsider, plain):
            login(user)
            assert ask_fapiao(client, payment).status_code == 404
        assert client.post('/payments/99999/fapiao', data={}).status_code == 404
        assert fapiao_requests() == []


@pytest.fixture
def csrf_client(app, client):
    app.config['WTF_CSRF_ENABLED'] = True
    yield client
    app.config['WTF_CSRF_ENABLED'] = False


def test_a_fapiao_request_without_csrf_token_is_refused(world, csrf_client, login):
    payment = paid_on_site(world, priced_booking(world, 8))
    login(world.owner)
    response = ask_fapiao(csrf_client, payment)
    assert response.status_code == 400
    assert 'The form has expired' in response.get_data(as_text=True)
    assert fapiao_requests() == []


@pytest.fixture
def requested(world, client, login):
    """A fapiao asked for by Alpha's owner for an on-site payment."""
    payment = paid_on_site(world, priced_booking(world, 8))
    login(world.owner)
    ask_fapiao(client, payment)
    flashes(client)
    return fapiao_requests()[0]


class TestFapiaoIssue:
    def test_the_queue_shows_each_request_with_its_own_form(self, world, requested, client, login):
        login(world.manager)
        page = client.get('/payments/fapiao', headers=EN).get_data(as_text=True)
        assert 'Alpha Robotics (Shenzhen) Co., Ltd.' in page and TAXPAYER_NUMBER in page
        assert f'action="/payments/fapiao/{requested.id}/issue"' in page
        assert f'id="invoice-number-{requested.id}"' in page
        assert 'No fapiao requests here.' in client.get('/payments/fapiao?status=issued',
                                                        headers=EN).get_data(as_text=True)

    def test_a_manager_issues_it_and_the_requester_is_told(self, world, requested, client, login):
        login(world.manager)
        response = client.post(f'/payments/fapiao/{requested.id}/issue', data={'invoice_number': ' 04400123 '},
                               headers=EN)
        assert response.status_code == 302 and response.headers['Location'] == '/payments/fapiao'
        assert flashes(client) == ['Fapiao 04400123 recorded as issued; the requester has been told.']
        request = db.session.get(FapiaoRequest, requested.id)
        assert (request.status, request.invoice_number, request.issued_by_id) == (
            FapiaoStatus.issued, '04400123', world.manager.id)
        [told] = db.session.execute(sa.select(Notification).filter_by(kind='fapiao_issued')).scalars().all()
        assert told.user_id == world.owner.id and told.params['number'] == '04400123'
        assert told.link == f'/payments/{request.payment_id}'
        page = client.get('/payments/fapiao?status=issued', headers=EN).get_data(as_text=True)
        assert '04400123' in page and 'Mia Manager' in page

    def test_a_number_is_needed_and_a_request_is_issued_once(self, world, requested, client, login):
        login(world.manager)
        client.post(f'/payments/fapiao/{requested.id}/issue', data={'invoice_number': '  '}, headers=EN)
        assert flashes(client) == ['Fapiao number: This field is required.']
        assert db.session.get(FapiaoRequest, requested.id).status == FapiaoStatus.requested
        client.post(f'/payments/fapiao/{requested.id}/issue', data={'invoice_number': '111'}, headers=EN)
        flashes(client)
        client.post(f'/payments/fapiao/{requested.id}/issue', data={'invoice_number': '222'}, headers=EN)
        assert flashes(client) == ['This fapiao request is already Issued.']
        assert db.session.get(FapiaoRequest, requested.id).invoice_number == '111'
        assert len(db.session.execute(sa.select(Notification).filter_by(kind='fapiao_issued')).all()) == 1
        assert client.post('/payments/fapiao/99999/issue', data={'invoice_number': '1'}).status_code == 404


# --- the managers' list, totals and export ------------------------------------------------------

@pytest.fixture
def ledger(world):
    """Payments on both sides of the month boundary in Shanghai, both channels, refunded and not."""
    december_on_site = paid_on_site(world, priced_booking(world, 8), now=DECEMBER_FIRST)     # ¥100, ¥30 back
    refund(world, december_on_site, 3000)
    november_online = paid_online(world, priced_booking(world, 9, price_fen=5000), paid_at=NOVEMBER_LAST)
    december_online = paid_online(world, priced_booking(world, 10, price_fen=20000, startup=world.other_startup,
                                                         booked_by=world.outsider),
                                  paid_at=datetime(2026, 12, 10, 6, 0, tzinfo=UTC))
    still_open = paid_online(world, priced_booking(world, 11, price_fen=7000), paid_at=DECEMBER_FIRST,
                             status=PaymentStatus.open)
    return december_on_site, november_online, december_online, still_open


def test_monthly_totals_follow_shanghai_months(world, ledger):
    months, total = queries.monthly_totals(now=MID_DECEMBER)
    assert [line.month for line in months[:3]] == [date(2026, 12, 1), date(2026, 11, 1), date(2026, 10, 1)]
    assert len(months) == 12 and months[-1].month == date(2026, 1, 1)
    december, november = months[0], months[1]
    assert (december.count, december.paid_fen, december.refunded_fen, december.net_fen) == (2, 30000, 3000, 27000)
    on_site, online = december.by_channel[PaymentChannel.on_site], december.by_channel[PaymentChannel.stripe]
    assert (on_site.count, on_site.paid_fen, on_site.refunded_fen, on_site.net_fen) == (1, 10000, 3000, 7000)
    assert (online.count, online.paid_fen, online.refunded_fen, online.net_fen) == (1, 20000, 0, 20000)
    assert (november.count, november.paid_fen, november.net_fen) == (1, 5000, 5000)
    assert november.by_channel[PaymentChannel.on_site].count == 0
    assert all(line.count == 0 for line in months[2:])
    assert (total.count, total.paid_fen, total.refunded_fen, total.net_fen) == (3, 35000, 3000, 32000)


def test_monthly_totals_leave_out_months_before_the_window(world, ledger):
    months, total = queries.monthly_totals(months=1, now=MID_DECEMBER)
    assert [line.month for line in months] == [date(2026, 12, 1)]
    assert total.paid_fen == 30000


def test_a_payment_at_local_midnight_is_in_the_new_month(world):
    paid_online(world, priced_booking(world, 8), paid_at=datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    months, _total = queries.monthly_totals(months=2, now=MID_DECEMBER)
    assert [line.count for line in months] == [1, 0]


def label(payment):
    return payment.receipt_number or f'#{payment.id}'


def receipts_in(page, ledger):
    """The payments of ``ledger`` listed on ``page``."""
    return [label(payment) for payment in ledger if f'>{label(payment)}</a>' in page]


class TestManagersList:
    @pytest.fixture(autouse=True)
    def frozen(self):
        with time_machine.travel(MID_DECEMBER, tick=False):
            yield

    def test_every_payment_with_the_monthly_totals(self, world, ledger, client, login):
        login(world.manager)
        page = client.get('/payments/', headers=EN).get_data(as_text=True)
        assert sorted(receipts_in(page, ledger)) == sorted(label(payment) for payment in ledger)
        assert 'Alpha Robotics' in page and 'Beta Biotech' in page
        totals = page[page.index('id="monthly-totals"'):]
        start = totals.index('>December 2026</a>')
        december = totals[start:totals.index('</tr>', start)]
        for cell in ('>2</td>', '>¥300.00</td>', '>¥30.00</td>', '>¥270.00</td>'):
            assert cell in december
        assert '>¥320.00</td>' in totals[totals.index('<tfoot>'):]

    @pytest.mark.parametrize('query, expected', [
        ('month=2026-12', [0, 2, 3]),
        ('month=2026-11', [1]),
        ('month=2026-12&status=paid', [0, 2]),
        ('status=open', [3]),
        ('channel=on_site', [0]),
        ('month=2026-12&channel=stripe&status=paid', [2]),
        ('month=2026-13&status=nonsense', [0, 1, 2, 3]),     # invalid filters are ignored
    ])
    def test_filters(self, world, ledger, client, login, query, expected):
        login(world.manager)
        page = client.get(f'/payments/?{query}', headers=EN).get_data(as_text=True)
        assert sorted(receipts_in(page, ledger)) == sorted(label(ledger[index]) for index in expected)

    def test_the_startup_filter_comes_from_the_startup_page(self, world, ledger, client, login):
        login(world.manager)
        startup_page = client.get(f'/startups/{world.startup.id}/payments').get_data(as_text=True)
        assert f'/payments/?startup={world.startup.id}' in startup_page
        page = client.get(f'/payments/?startup={world.startup.id}', headers=EN).get_data(as_text=True)
        assert sorted(receipts_in(page, ledger)) == sorted(
            label(payment) for payment in ledger if payment.startup_id == world.startup.id)

    def test_csv_export(self, world, ledger, client, login):
        world.other_startup.name = '=贝塔生物'
        db.session.commit()
        login(world.manager)
        response = client.get('/payments/export.csv?month=2026-12', headers=EN)
        assert response.status_code == 200
        assert response.mimetype == 'text/csv'
        assert response.headers['Content-Disposition'] == 'attachment; filename="payments-2026-12.csv"'
        assert response.data.startswith(b'\xef\xbb\xbf')
        rows = list(csv.reader(io.StringIO(response.data.decode('utf-8-sig'))))
        assert rows[0] == ['Receipt number', 'Startup', 'Channel', 'Status', 'Amount (yuan)', 'Refunded (yuan)',
                           'Net (yuan)', 'Created at (Asia/Shanghai)', 'Paid at (Asia/Shanghai)', 'Bookings paid for']
        december_on_site, _november, december_online, still_open = ledger
        assert rows[1:] == [
            [december_on_site.receipt_number, 'Alpha Robotics', 'On site', 'Paid', '100.00', '30.00', '70.00',
             '2026-12-01 00:30', '2026-12-01 00:30', 'Meeting room A 2026-12-08 09:00–11:00 (100.00)'],
            [f'#{still_open.id}', 'Alpha Robotics', 'Online (Stripe)', 'Awaiting payment', '70.00', '0.00', '70.00',
             '2026-12-01 00:30', '', 'Meeting room A 2026-12-11 09:00–11:00 (70.00)'],
            [december_online.receipt_number, "'=贝塔生物", 'Online (Stripe)', 'Paid', '200.00', '0.00', '200.00',
             '2026-12-10 14:00', '2026-12-10 14:00', 'Meeting room A 2026-12-10 09:00–11:00 (200.00)'],
        ]

    def test_csv_export_in_chinese_by_default(self, world, ledger, client, login):
        login(world.manager)
        response = client.get('/payments/export.csv')
        assert response.headers['Content-Disposition'] == 'attachment; filename="payments.csv"'
        header = next(csv.reader(io.StringIO(response.data.decode('utf-8-sig'))))
        assert header[1] == '入驻企业' and header[3] == '状态'
        assert len(response.data.decode('utf-8-sig').splitlines()) == 1 + len(ledger)


# --- both languages -----------------------------------------------------------------------------

def test_pages_in_both_languages(world, records, client, login):
    """New strings await their Chinese translations; strings already translated show in Chinese by default."""
    login(world.manager)
    chinese = client.get('/payments/').get_data(as_text=True)
    assert '合计' in chinese and '导出 CSV' in chinese and '清除筛选' in chinese
    english = client.get('/payments/', headers=EN).get_data(as_text=True)
    assert 'Monthly totals' in english and 'Export CSV' in english and '合计' not in english
    login(world.owner)
    assert '状态' in client.get(f'/startups/{world.startup.id}/payments').get_data(as_text=True)
    assert 'Payments of Alpha Robotics' in client.get(f'/startups/{world.startup.id}/payments',
                                                      headers=EN).get_data(as_text=True)


# --- statement counts -----------------------------------------------------------------------------

def add_payments(world, count, first_day):
    """``count`` on-site payments of two bookings each; every other one partly refunded and with a fapiao."""
    for index in range(count):
        day = first_day + index
        payment = paid_on_site(world, priced_booking(world, day, 8), priced_booking(world, day, 14))
        if index % 2:
            refund(world, payment, 1000)
            operations.request_fapiao(world.owner, payment, 'Alpha Robotics', TAXPAYER_NUMBER)
            db.session.commit()


@pytest.mark.parametrize('url', ['/startups/{startup}/payments', '/payments/', '/payments/fapiao'])
def test_statement_count_does_not_grow_with_rows(world, client, login, count_queries, url):
    url = url.format(startup=world.startup.id)
    login(world.manager)
    add_payments(world, 2, first_day=1)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add_payments(world, 8, first_day=3)
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert page.count('<tr>') > 4
    assert many.count == few.count, many.statements


# --- forms ------------------------------------------------------------------------------------------

@pytest.mark.parametrize('values, valid, ids', [
    ([('bookings', '3'), ('bookings', '4'), ('bookings', '3')], True, [3, 4]),
    ([], False, []),
    ([('bookings', '3'), ('bookings', 'x')], False, []),
    ([('bookings', '99999999999')], False, []),
])
def test_checkout_form_reads_booking_ids(app, values, valid, ids):
    with app.test_request_context(method='POST', data=MultiDict(values)):
        form = CheckoutForm()
        assert form.validate_on_submit() is valid
        assert form.booking_ids == ids
        if valid:
            assert str(form.bookings) == ''.join(f'<input name="bookings" type="hidden" value="{i}">' for i in ids)
