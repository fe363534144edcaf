"""The anonymised statistics: counts by outcome, distinction and origin, the median working days from filing to
the decision on the stored calendar (holidays and make-up workdays), the year filter, the CSV, who sees them."""
import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

from incubator.cases import operations
from incubator.cases.statistics import case_statistics
from incubator.extensions import db
from tests.cases.conftest import EN, FINDINGS

SHANGHAI = ZoneInfo('Asia/Shanghai')
EARLY = {'happened_on': date(2025, 6, 1)}


def at(*args):
    return datetime(*args, tzinfo=SHANGHAI)


def decide(world, filed_at, decided_at, outcome='exempt', by=None, **findings):
    """A case filed at ``filed_at`` and decided at ``decided_at`` (local times)."""
    with time_machine.travel(filed_at, tick=False):
        case = world.filed(by=by, **EARLY) if by else world.filed(**EARLY)
    with time_machine.travel(decided_at, tick=False):
        operations.accept_case(case, user=world.manager)
        operations.assign_assessor(case, user=world.manager, assessor=world.assessor)
        operations.submit_assessment(case, user=world.assessor, item_ids=[], **{**FINDINGS, **findings})
        db.session.commit()
        world.vote(case)
        operations.decide_case(case, user=world.chair, outcome=outcome, consequences='A warning.',
                               legal_basis='Article 5')
        db.session.commit()
    return case


def populate(world):
    # Across the Mid-autumn and National Day holidays of 2026, with the make-up workdays of 20 Sep and 10 Oct:
    # 12 working days from Friday 18 Sep to Monday 12 Oct.
    decide(world, at(2026, 9, 18, 10), at(2026, 10, 12, 15), 'exempt')
    decide(world, at(2026, 6, 1, 10), at(2026, 6, 5, 15), 'not_exempt', purpose='for_personal_gain',
           exploration='knowing_violation')                                                      # 4 working days
    decide(world, at(2026, 6, 1, 10), at(2026, 6, 11, 15), 'partly_exempt', by=world.manager)     # 8 working days
    with time_machine.travel(at(2026, 3, 2, 10), tick=False):
        declined = world.filed(**EARLY)
        operations.decline_case(declined, user=world.manager, reason='Not about a failure')
        world.filed(**EARLY)                                                 # open
        world.draft(**EARLY)                                                 # a draft is not a case yet
        db.session.commit()
    with time_machine.travel(at(2025, 12, 31, 23, 30), tick=False):          # 2025 in Shanghai, 2025 in UTC too
        world.filed(**EARLY)
    with time_machine.travel(at(2027, 1, 1, 0, 30), tick=False):             # 2027 in Shanghai, still 2026 in UTC
        world.filed(**EARLY)


def outcome_counts(stats):
    return {key: count for key, _label, count in stats.outcomes}


def test_counts_by_outcome_distinction_origin_and_the_median_in_working_days(world):
    populate(world)
    stats = case_statistics(2026)
    assert outcome_counts(stats) == {'exempt': 1, 'partly_exempt': 1, 'not_exempt': 1, 'declined': 1, 'open': 1}
    assert stats.total == 5
    findings = {number: {finding.value: count for finding, count in rows} for number, _h, rows in stats.distinctions}
    assert findings == {1: {'exploration': 2, 'knowing_violation': 1}, 2: {'no_rule_yet': 3, 'after_prohibition': 0},
                        3: {'for_development': 2, 'for_personal_gain': 1}}
    assert {origin.value: count for origin, count in stats.origins} == {'owner': 4, 'manager': 1, 'review': 0}
    assert stats.median_days == 8 and stats.decided == 3


def test_the_year_is_the_local_year_of_filing(world):
    populate(world)
    assert outcome_counts(case_statistics(2025))['open'] == 1
    assert outcome_counts(case_statistics(2027))['open'] == 1
    assert case_statistics(2024).total == 0 and case_statistics(2024).median_days is None
    assert case_statistics(None).total == 7


def test_an_appeal_under_way_is_open_until_its_final_decision(world):
    case = world.recorded()
    operations.appeal_case(case, user=world.owner, reason='The loss was smaller')
    db.session.commit()
    stats = case_statistics()
    assert outcome_counts(stats)['open'] == 1 and outcome_counts(stats)['exempt'] == 0 and stats.decided == 0


def test_the_page_and_the_csv_name_no_one(world, client, login):
    populate(world)
    login(world.manager)
    page = client.get('/cases/statistics?year=2026', headers=EN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'Median: 8 working days' in body
    for secret in ('Alpha Robotics', 'Service robot', 'Dr Li', 'Wang Wei', '120,000', '300,000'):
        assert secret not in body
    download = client.get('/cases/statistics.csv?year=2026', headers=EN)
    assert download.status_code == 200 and download.mimetype == 'text/csv'
    text = download.get_data().decode('utf-8')
    assert text.startswith('\ufeff')
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert ['Exempt', '1'] in rows and ['Declined', '1'] in rows and ['Filed by a manager', '1'] in rows
    assert ['Median working days from filing to decision', '8'] in rows
    assert 'Alpha Robotics' not in text and 'Dr Li' not in text


def test_the_csv_is_chinese_by_default(world, client, login):
    populate(world)
    login(world.manager)
    text = client.get('/cases/statistics.csv?year=2026').get_data().decode('utf-8')
    assert '从立案到决定的工作日中位数,8' in text and '办理中（尚未决定）,1' in text


def test_who_sees_the_statistics(world, client, login):
    expected = {'manager': 200, 'committee': 200, 'outsider': 200, 'owner': 403, 'member': 403, 'admin': 403,
                'nobody': 403}
    for role, status in expected.items():
        login(world.user(role))
        assert client.get('/cases/statistics').status_code == status, role
        assert client.get('/cases/statistics.csv').status_code == status, role


def test_statements_do_not_grow_with_cases(world, client, login, count_queries):
    login(world.manager)

    def statements():
        with count_queries() as counter:
            assert client.get('/cases/statistics?year=2026').status_code == 200
        return counter.count

    decide(world, at(2026, 6, 1, 10), at(2026, 6, 5, 15))
    statements()  # the process reads the working calendar once
    few = statements()
    for _number in range(3):
        decide(world, at(2026, 6, 1, 10), at(2026, 6, 11, 15), 'not_exempt')
    assert statements() == few


def test_the_median_of_an_even_count_is_between_the_middle_cases(world):
    decide(world, at(2026, 6, 1, 10), at(2026, 6, 5, 15))    # 4 working days
    decide(world, at(2026, 6, 1, 10), at(2026, 6, 11, 15))   # 8
    assert case_statistics(2026).median_days == 6 and isinstance(case_statistics(2026).median_days, int)
    decide(world, at(2026, 6, 1, 10), at(2026, 6, 12, 15))   # 9
    decide(world, at(2026, 6, 1, 10), at(2026, 6, 2, 15))    # 1
    assert case_statistics(2026).median_days == 6
