"""The shared fields and readers of core.forms: yuan, clock times, dates, read exactly and refused clearly."""
from datetime import date, time

import pytest
from werkzeug.datastructures import MultiDict

from incubator.core.forms import (
    BaseForm,
    ClockField,
    LocalDateTimeField,
    TimeOfDayField,
    YuanField,
    parse_yuan,
)


@pytest.mark.parametrize('text, fen', [
    ('120', 12000), ('120.5', 12050), ('120.50', 12050), ('0.01', 1), (' ¥ 12.3 ', 1230), ('￥7', 700),
    ('9999999.99', 999999999), ('１２', 1200), ('.5', 50), ('12元', 1200), ('12.500', 1250), ('０.１', 10),
])
def test_amounts_in_yuan_are_read_exactly(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize('text, maximum, message', [
    ('', None, 'Enter an amount in yuan, such as 12.50.'),
    ('1,200', None, 'Enter an amount in yuan, such as 12.50.'),
    ('1e3', None, 'Enter an amount in yuan, such as 12.50.'),
    ('-5', None, 'An amount cannot be negative.'),
    ('12.345', None, 'Enter at most two decimal places (a yuan has 100 fen).'),
    ('10000000', None, 'Enter at most ¥9,999,999.'),
    ('100.01', 10000, 'Enter at most ¥100.'),
])
def test_what_is_not_an_amount_says_why(app, in_english, text, maximum, message):
    with pytest.raises(ValueError) as refused:
        parse_yuan(text, maximum) if maximum else parse_yuan(text)
    assert str(refused.value.args[0]) == message


class TypedForm(BaseForm):
    class Meta:
        csrf = False

    price = YuanField(maximum_fen=100_000)
    opens = ClockField()
    closes = ClockField(end_of_day=True)
    at = TimeOfDayField()
    starts_at = LocalDateTimeField()


def test_fields_read_full_width_input(app):
    data = {'price': '１２．５', 'opens': '０８：３０', 'closes': '24:00', 'at': '０９:１５',
            'starts_at': '２０２６-03-01 09:00'}
    with app.test_request_context(method='POST', data=MultiDict(data)):
        form = TypedForm()
        assert form.validate(), form.errors
        assert (form.price.data, form.opens.data, form.closes.data, form.at.data) == (1250, 510, 1440, time(9, 15))
        assert form.starts_at.data.date() == date(2026, 3, 1)


def test_bad_values_are_field_errors(app, in_english):
    data = {'price': 'abc', 'opens': '24:00', 'closes': '25:00', 'at': 'noon', 'starts_at': '9999-01-01 09:00'}
    with app.test_request_context(method='POST', data=MultiDict(data)):
        form = TypedForm()
        assert not form.validate()
        assert form.errors['price'] == ['Enter an amount in yuan, such as 12.50.']
        assert form.errors['opens'] == ['Enter a time from 00:00 to 23:59.']
        assert form.errors['closes'] == ['Enter a time from 00:00 to 24:00.']
        assert form.errors['starts_at'] == ['Enter a date between 2000 and 2100.']
        assert 'at' in form.errors
