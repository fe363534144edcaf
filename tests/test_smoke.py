from tests.factories import UserFactory


def test_login_page_renders_in_chinese_by_default(client):
    response = client.get('/login')
    assert response.status_code == 200
    assert '登录' in response.get_data(as_text=True) or 'Log in' in response.get_data(as_text=True)


def test_dashboard_for_admin(client, login):
    login(UserFactory(roles=['admin']))
    response = client.get('/')
    assert response.status_code == 200, response.get_data(as_text=True)
