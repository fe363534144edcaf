"""The filters that show a site's wall-clock time: the site's timezone, the viewer's language."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from markupsafe import Markup

from incubator.core.formatting import listing, site_date, site_datetime, site_time, yuan

SHANGHAI, NEW_YORK = ZoneInfo('Asia/Shanghai'), ZoneInfo('America/New_York')
#: 02:30 UTC on 1 December 2026: 10:30 in Shanghai, 21:30 the day before in New York (EST).
INSTANT = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize('locale, expected', [
    ('en', ('Dec 1, 2026', '10:30\u202fAM', 'Dec 1, 2026, 10:30:00\u202fAM')),
    ('zh_CN', ('2026年12月1日', '10:30', '2026年12月1日 10:30:00')),
])
def test_a_site_time_is_shown_in_the_sites_zone_and_the_viewers_language(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert (site_date(INSTANT, SHANGHAI), site_time(INSTANT, SHANGHAI), site_datetime(INSTANT, SHANGHAI)) \
            == expected


def test_a_site_in_another_zone_shows_its_own_wall_clock_even_across_midnight_and_daylight_saving(app):
    summer = datetime(2026, 7, 1, 2, 30, tzinfo=UTC)           # EDT, UTC-4
    with app.test_request_context(), force_locale('zh_CN'):
        assert (site_date(INSTANT, NEW_YORK), site_time(INSTANT, NEW_YORK)) == ('2026年11月30日', '21:30')
        assert (site_date(summer, NEW_YORK), site_time(summer, NEW_YORK)) == ('2026年6月30日', '22:30')


def test_nothing_to_show_is_an_empty_string_and_money_is_exact(app):
    with app.test_request_context():
        assert site_date(None, SHANGHAI) == site_time(None, SHANGHAI) == site_datetime(None, SHANGHAI) == ''
    assert (yuan(123456789), yuan(-5), yuan(0), yuan(None)) == ('¥1,234,567.89', '-¥0.05', '¥0.00', '')


@pytest.mark.parametrize('locale, expected', [
    ('en', ('', 'Land', 'Land and Housing', 'Land, Housing, and <Labour>')),
    ('zh_CN', ('', 'Land', 'Land和Housing', 'Land、Housing和<Labour>')),
])
def test_a_list_is_written_as_the_readers_language_writes_one(app, locale, expected):
    names = ['Land', 'Housing', '<Labour>']
    with app.test_request_context(), force_locale(locale):
        assert tuple(listing(names[:count]) for count in range(4)) == expected
        assert not isinstance(listing(names), Markup)                # text: escaped where it is shown
        marked = listing([Markup('<b>1</b>'), '<2>'])
        assert isinstance(marked, Markup) and marked.startswith('<b>1</b>') and marked.endswith('&lt;2&gt;')


def test_a_period_names_its_day_once_unless_it_ends_on_another_day(app):
    from incubator.core.formatting import site_period
    end = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)                 # 12:00 in Shanghai
    overnight_end = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)      # 02:00 on 2 December
    midnight = datetime(2026, 12, 1, 16, 0, tzinfo=UTC)           # 00:00 on 2 December
    with app.test_request_context():
        with force_locale('zh_CN'):
            assert site_period(INSTANT, end, SHANGHAI) == '2026年12月1日 10:30–12:00'
            assert site_period(INSTANT, overnight_end, SHANGHAI) == '2026年12月1日 10:30–2026年12月2日 02:00'
            assert site_period(INSTANT, midnight, SHANGHAI) == '2026年12月1日 10:30–00:00'
        with force_locale('en'):
            assert site_period(INSTANT, end, SHANGHAI) == 'Dec 1, 2026 10:30\u202fAM–12:00\u202fPM'
        assert site_period(None, end, SHANGHAI) == ''


@pytest.mark.parametrize('locale, date, short', [
    ('en', 'Dec 1, 2026', 'Dec 1, 2026 10:30\u202fAM'),
    ('zh_CN', '2026年12月1日', '2026年12月1日 10:30'),
])
def test_one_date_format_per_language_short_or_not(app, locale, date, short):
    """'short' leaves out the seconds; the date reads the same as everywhere else (not 2026/12/1 or 12/1/26)."""
    from incubator.core.formatting import local_date, local_datetime
    with app.test_request_context(), force_locale(locale):
        assert site_datetime(INSTANT, SHANGHAI, 'short') == short
        assert local_datetime(INSTANT, 'short') == short
        assert site_date(INSTANT, SHANGHAI, 'short') == local_date(INSTANT, 'short') == local_date(INSTANT) == date
