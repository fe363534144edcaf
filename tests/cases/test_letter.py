"""The decision letter: an A4 page with every part the issue names, Chinese by default and English on request,
its text fixed when issued (a later change of template or names leaves it as it was)."""
import re

from jinja2 import ChoiceLoader, DictLoader

from incubator.cases import operations
from incubator.cases.letters import render_letter
from incubator.committees import operations as committees
from incubator.extensions import db
from tests.cases.conftest import EN, after_deadline, reload


def letter_of(case, language='zh_Hans_CN'):
    return next(letter for letter in reload(case).letters if letter.language == language)


def test_the_chinese_letter_holds_every_part(world):
    case = world.recorded()
    letter = letter_of(case)
    html = letter.html
    assert letter.number == f'{case.number}-1' and 'lang="zh-CN"' in html
    for part in (case.number, 'Alpha Robotics', 'Service robot', 'Dr Li', 'Wang Wei', 'Project lead',
                 'The prototype line failed its safety test', 'First product of its kind.', 'No standard existed.',
                 'No personal gain found.', 'Article 5 of the municipal rules', 'Case committee', '¥120,000.00'):
        assert part in html, part
    assert '容错' in html and '三个区分' in html and '申诉' in html
    deadline = case.appeal_deadline_at
    assert f'{deadline.year}年{deadline.month}月' in html  # the appeal period's end, as a date
    assert 'style=' not in html


def test_english_on_request_and_fixed_as_issued(world, app):
    case = world.recorded()
    operations.issue_letter(case, user=world.manager, language='en')
    db.session.commit()
    english = letter_of(case, 'en')
    assert english.number == f'{case.number}-1' and 'lang="en"' in english.html
    assert 'Decision on a tolerance-for-failure case' in english.html
    assert 'A mistake from lack of experience while exploring' in english.html
    assert 'The filer may appeal once, within 15 working days' in english.html
    issued = {letter.language: letter.html for letter in reload(case).letters}

    committees.update_committee(world.committee, user=world.admin, name='Renamed committee')
    db.session.commit()
    changed = ChoiceLoader([DictLoader({'cases/letter.html': 'A new template for {{ case.number }}'}),
                            app.jinja_env.loader])
    original, app.jinja_env.loader = app.jinja_env.loader, changed
    app.jinja_env.cache.clear()
    try:
        assert render_letter(reload(case), 1, 'en') == f'A new template for {case.number}'
    finally:
        app.jinja_env.loader = original
        app.jinja_env.cache.clear()
    assert 'Renamed committee' in render_letter(reload(case), 1, 'en')
    assert {letter.language: letter.html for letter in reload(case).letters} == issued


def test_the_letter_page_prints_the_letter_as_issued(world, client, login):
    case = world.recorded()
    operations.issue_letter(case, user=world.manager, language='en')
    db.session.commit()
    committees.update_committee(world.committee, user=world.admin, name='Renamed committee')
    db.session.commit()
    chinese, english = letter_of(case), letter_of(case, 'en')
    login(world.owner)
    page = client.get(f'/cases/{case.id}/letters/{chinese.id}', headers=EN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'css/print-letter.css' in body and 'data-print' in body and 'js/print.js' in body
    assert chinese.html in body and 'Renamed committee' not in body
    assert f'/cases/{case.id}/letters/{english.id}' in body  # the other language of the same round
    assert not re.search(r'\sstyle=', body)
    login(world.member)
    assert client.get(f'/cases/{case.id}/letters/{chinese.id}').status_code == 404


def test_the_letter_of_the_appeal_says_it_is_final(world):
    case = world.recorded()
    operations.appeal_case(case, user=world.owner, reason='The losses were smaller.')
    operations.refer_appeal(case, user=world.manager)
    db.session.commit()
    world.vote(case)
    operations.decide_case(case, user=world.chair, outcome='partly_exempt', consequences='A warning.',
                           legal_basis='Article 6')
    operations.record_case(case, user=world.manager, filed_with_body_on=after_deadline(case).date(),
                           filing_reference='SB-2')
    db.session.commit()
    second = next(letter for letter in reload(case).letters if letter.round == 2)
    assert second.number == f'{case.number}-2'
    assert '申诉决定为最终决定' in second.html
    assert 'Article 6' in second.html
