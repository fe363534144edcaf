"""Chinese pages punctuate as Chinese is written: after Chinese text a full-width colon, semicolon and full stop,
never the ASCII ones an English template puts between a label and its value (法律依据: … in a decision letter).

One demo load; every list of the phone test and the detail pages where labels meet values, read as their people
read them.
"""
import html
import re

import sqlalchemy as sa

from incubator.auth.models import User
from incubator.cases.models import Case, DecisionLetter
from incubator.demo import DEMO_DOMAIN, load_demo
from incubator.extensions import db
from incubator.greenchannel.models import Department, GreenRequest, RequestState
from incubator.projects.models import Project
from incubator.projects.reviews.models import ProgressReview
from incubator.spaces.models import Space
from incubator.startups.models import Startup
from tests.demo_pages import LISTS

ZH = {'Accept-Language': 'zh-CN'}
#: An ASCII colon or semicolon after a Chinese character (or a full-width bracket) and before a space or the end
#: of a line; an ASCII full stop after a Chinese character at the end of a sentence.
ASCII_AFTER_CHINESE = re.compile(r'[\u4e00-\u9fff）][:;](?=\s|$)|[\u4e00-\u9fff][.](?=\s|$)'
                                 r'|\([\u4e00-\u9fff]|[\u4e00-\u9fff]\)', re.MULTILINE)


def _text(page):
    """The visible text of a page's main element, a line per tag."""
    main = page[page.index('<main'):page.index('</main>')]
    main = re.sub(r'<(script|style)\b.*?</\1>', '', main, flags=re.S)
    return html.unescape(re.sub(r'<[^>]+>', '\n', main))


def _first(statement):
    return db.session.execute(statement.limit(1)).scalar_one()


def test_chinese_pages_use_chinese_punctuation(app, client, login):
    load_demo()
    letter = _first(sa.select(DecisionLetter).order_by(DecisionLetter.id))
    decided = _first(sa.select(Case.id).where(Case.outcome.is_not(None)).order_by(Case.id))
    requests = db.session.execute(sa.select(GreenRequest.id, GreenRequest.state).order_by(GreenRequest.id)).all()
    pages = {
        'owner': ['/', '/account', f'/spaces/{_first(sa.select(Space.id).order_by(Space.id))}',
                  f'/projects/{_first(sa.select(Project.id).order_by(Project.id))}',
                  *(f'/greenchannel/{request_id}' for request_id, _state in requests)],
        'manager': ['/', f'/cases/{decided}', f'/cases/{letter.case_id}/letters/{letter.id}',
                    f'/reviews/{_first(sa.select(ProgressReview.id).order_by(ProgressReview.id))}',
                    *(f'/greenchannel/{request_id}' for request_id, state in requests
                      if state is not RequestState.draft)],
        'committee': ['/', *(f'/greenchannel/{request_id}' for request_id, state in requests
                             if state is RequestState.in_committee)],
        'reviewer': ['/'],
        'admin': ['/', '/admin/greenchannel/'],
    }
    values = {'startup': _first(sa.select(Startup.id).order_by(Startup.id)), 'year': 2026, 'day': '2026-12-09',
              'space': _first(sa.select(Space.id).order_by(Space.id)),
              'department': _first(sa.select(Department.id).order_by(Department.id))}
    for who, path in LISTS:
        pages[who].append(path.format(**values))
    db.session.commit()
    found = {}
    for who, paths in pages.items():
        login(db.session.execute(sa.select(User).filter_by(email=f'{who}@{DEMO_DOMAIN}')).scalar_one())
        for path in paths:
            response = client.get(path, headers=ZH)
            assert response.status_code == 200, (who, path)
            text = _text(response.get_data(as_text=True))
            assert re.search('[\u4e00-\u9fff]', text), (who, path)
            wrong = [line.strip() for line in text.splitlines() if ASCII_AFTER_CHINESE.search(line)]
            if wrong:
                found[who, path] = wrong
    assert not found
