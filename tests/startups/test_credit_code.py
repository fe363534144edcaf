"""The unified social credit code check of GB 32100-2015 (no database: runs once)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from incubator.startups.credit_code import ALPHABET, InvalidCreditCode, check_character, validate

# Published codes of well-known companies (from their business licences).
VALID = [
    '91350100M000100Y43',
    '914403001922038216',  # 华为技术有限公司
    '91110000802100433B',  # 北京百度网讯科技有限公司
]


@pytest.mark.parametrize('code', VALID)
def test_valid_codes_pass(code):
    assert validate(code) == code


def test_codes_are_normalized():
    assert validate('  91350100m000100y43 ') == '91350100M000100Y43'


@pytest.mark.parametrize('code, reason', [
    ('91350100M000100Y44', 'check'),
    ('914403001922038217', 'check'),
    ('91350100M000100Y4', 'length'),
    ('91350100M000100Y433', 'length'),
    ('', 'length'),
    ('91350100M000100YI3', 'alphabet'),
    ('9135010OM000100Y43', 'alphabet'),
    ('91350100M0001Z0Y43', 'alphabet'),
    ('91350100M000100Y4-', 'alphabet'),
    ('91A50100M000100Y43', 'region'),
])
def test_invalid_codes_say_why(code, reason):
    with pytest.raises(InvalidCreditCode) as error:
        validate(code)
    assert error.value.reason == reason


seventeen = st.tuples(st.text(ALPHABET, min_size=2, max_size=2), st.text('0123456789', min_size=6, max_size=6),
                      st.text(ALPHABET, min_size=9, max_size=9)).map(''.join)


@given(seventeen)
def test_a_computed_check_character_is_accepted(first):
    assert validate(first + check_character(first)) == first + check_character(first)


@given(seventeen, st.integers(0, 16), st.sampled_from(ALPHABET))
def test_any_single_changed_character_is_caught(first, position, replacement):
    code = first + check_character(first)
    changed = code[:position] + replacement + code[position + 1:]
    if changed != code and changed[2:8].isdigit():
        with pytest.raises(InvalidCreditCode):
            validate(changed)
