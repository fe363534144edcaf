"""CSRF on every form, security headers, error pages that never leak a 500."""
import re

import pytest

from incubator.startups.models import MembershipRole
from tests.factories import StartupFactory, UserFactory, member_of


@pytest.fixture
def csrf_client(app, client):
    app.config['WTF_CSRF_ENABLED'] = True
    yield client
    app.config['WTF_CSRF_ENABLED'] = False


def post_routes(app):
    return sorted((rule for rule in app.url_map.iter_rules() if 'POST' in rule.methods), key=lambda r: r.rule)


#: Called by Stripe, not by a browser: the signature of each event stands in for a CSRF token
#: (tests/payments/test_webhooks.py refuses unsigned posts).
SIGNED_INSTEAD_OF_CSRF = {'payments.stripe_webhook'}


def test_every_post_route_refuses_a_request_without_csrf_token(app, csrf_client, login):
    admin = login(UserFactory(roles=['admin', 'manager']))
    startup = StartupFactory()
    membership_user = member_of(startup, MembershipRole.member)
    values = {'token': 'x', 'startup_id': startup.id, 'site_id': startup.site_id, 'user_id': admin.id,
              'membership_id': membership_user.memberships[0].id, 'invitation_id': 1, 'notification_id': 1,
              'space_id': 1, 'booking_id': 1, 'entry_id': 1, 'blackout_id': 1, 'closure_id': 1, 'held_id': 1,
              'payment_id': 1, 'request_id': 1, 'year': 2027, 'day_id': 1, 'attachment_id': 1, 'review_id': 1,
              'project_id': 1, 'milestone_id': 1, 'case_id': 1, 'item_id': 1, 'letter_id': 1,
              'committee_id': 1, 'decision_id': 1, 'green_request_id': 1, 'department_id': 1, 'category_id': 1,
              'green_review_id': 1, 'notice_id': 1, 'objection_id': 1}
    checked = 0
    for rule in post_routes(app):
        if rule.endpoint in SIGNED_INSTEAD_OF_CSRF:
            continue
        url = rule.rule
        for argument in rule.arguments:
            url = url.replace(f'<{argument}>', str(values.get(argument, 1)))
            url = url.replace(f'<int:{argument}>', str(values.get(argument, 1)))
        response = csrf_client.post(url, data={'email': 'a@example.com', 'name': 'x', 'locale': 'en'},
                                    headers={'Accept-Language': 'en'})
        assert response.status_code == 400, url
        assert 'The form has expired' in response.get_data(as_text=True), url
        checked += 1
    assert checked >= 15
    assert startup.membership_of(membership_user) is not None


def test_form_with_csrf_token_is_accepted(app, csrf_client):
    import re
    page = csrf_client.get('/login').get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    UserFactory(email='csrf@example.com')
    response = csrf_client.post('/login', data={'csrf_token': token, 'email': 'csrf@example.com',
                                                'password': 'correct horse battery'})
    assert response.status_code == 302


def test_security_headers_and_no_cdn(client):
    response = client.get('/login')
    assert "default-src 'self'" in response.headers['Content-Security-Policy']
    assert response.headers['X-Content-Type-Options'] == 'nosniff'
    assert response.headers['X-Frame-Options'] == 'DENY'
    page = response.get_data(as_text=True)
    assert 'cdn' not in page.lower()
    assert '//' not in ''.join(part.split('"')[0] for part in page.split('src="')[1:])
    assert client.get('/bootstrap/static/css/bootstrap.min.css').status_code == 200
    assert client.get('/bootstrap/static/js/bootstrap.bundle.min.js').status_code in (200, 404)


def test_unknown_pages_answer_404_in_the_users_language(client, login):
    login(UserFactory())
    zh = client.get('/no-such-page')
    assert zh.status_code == 404
    assert '页面不存在' in zh.get_data(as_text=True)
    en = client.get('/startups/99999', headers={'Accept-Language': 'en'})
    assert en.status_code == 404
    assert 'Page not found' in en.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get('/no-such-page', headers={'Accept': 'application/json'})
    assert response.status_code == 404
    assert response.get_json()['error']['status'] == 404


def test_unexpected_error_gives_the_500_page_and_rolls_back(client, login, monkeypatch):
    """A crash inside a view (simulated: nothing here crashes on purpose) writes nothing."""
    from incubator.extensions import db
    from incubator.sites import views
    from incubator.sites.models import Site

    def crash(**kwargs):
        db.session.add(Site(name='half-written'))
        db.session.flush()
        raise RuntimeError('simulated crash')

    monkeypatch.setattr(views, 'list_sites', crash)
    login(UserFactory(roles=['admin']))
    response = client.get('/sites/', headers={'Accept-Language': 'en'})
    assert response.status_code == 500
    assert 'Something went wrong' in response.get_data(as_text=True)
    assert db.session.query(Site).filter_by(name='half-written').count() == 0


def test_pages_for_signed_in_people_are_not_stored(client, login):
    assert 'no-store' not in client.get('/login').headers.get('Cache-Control', '')
    login(UserFactory())
    for path in ('/', '/account', '/no-such-page'):
        assert client.get(path).headers['Cache-Control'] == 'no-store'
    static = client.get('/static/img/wutong.svg')
    assert static.status_code == 200 and 'no-store' not in static.headers.get('Cache-Control', '')


def test_only_production_sends_hsts(app, client):
    from config import DevelopmentConfig, ProductionConfig, TestingConfig
    assert DevelopmentConfig.STRICT_TRANSPORT_SECURITY is None and TestingConfig.STRICT_TRANSPORT_SECURITY is None
    assert ProductionConfig.STRICT_TRANSPORT_SECURITY == 'max-age=31536000; includeSubDomains'
    assert 'Strict-Transport-Security' not in client.get('/login').headers
    app.config['STRICT_TRANSPORT_SECURITY'] = ProductionConfig.STRICT_TRANSPORT_SECURITY
    try:
        assert client.get('/login').headers['Strict-Transport-Security'] == 'max-age=31536000; includeSubDomains'
    finally:
        app.config['STRICT_TRANSPORT_SECURITY'] = None


def test_pages_carry_no_inline_styles_the_policy_would_block():
    """The CSP allows style-src 'self' only: a style attribute in a page template is silently ignored.

    Emails are not served under the policy and keep theirs.
    """
    from incubator import PROJECT_DIR
    offenders = [str(path.relative_to(PROJECT_DIR)) for path in (PROJECT_DIR / 'templates').rglob('*.html')
                 if 'emails' not in path.parts and re.search(r'\sstyle="', path.read_text(encoding='utf-8'))]
    assert offenders == []
