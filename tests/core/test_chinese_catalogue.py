"""The Chinese catalogue reads as Chinese: full-width punctuation beside Chinese characters, no spaces between
Chinese words, or between them and the names and numbers filled in or written, and every translation in place."""
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[2] / 'incubator/translations/zh_Hans_CN/LC_MESSAGES/messages.po'
HAN = r'[\u4e00-\u9fff]'
WIDE = r'[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]'
PLACEHOLDER = r'%\([a-z_]+\)[sd]'

RULES = {
    'half-width colon, comma or semicolon next to a Chinese character':
        re.compile(rf'{HAN} ?[:,;]|[:,;] ?{HAN}'),
    'space between Chinese characters': re.compile(rf'{WIDE} +{HAN}|{HAN} +{WIDE}'),
    'space between Chinese text and a value filled in': re.compile(rf'{WIDE} +{PLACEHOLDER}|{PLACEHOLDER} +{WIDE}'),
    'space between Chinese text and a number': re.compile(rf'{WIDE} +\d|\d +{WIDE}'),
}


def translations():
    with CATALOGUE.open('rb') as file:
        catalogue = read_po(file)
    for message in catalogue:
        if message.id:
            for text in (message.string if isinstance(message.string, tuple) else (message.string,)):
                yield message.id, text


@pytest.mark.parametrize('rule', RULES)
def test_chinese_punctuation_and_spacing(rule):
    pattern = RULES[rule]
    offending = [(msgid, text) for msgid, text in translations() if pattern.search(text)]
    assert offending == [], f'{rule}: {offending[:5]}'


def test_every_message_is_translated():
    assert [msgid for msgid, text in translations() if not text] == []


@pytest.mark.parametrize('text, rule', [
    ('状态: 已确认', 'half-width colon, comma or semicolon next to a Chinese character'),
    ('已取消,已退款', 'half-width colon, comma or semicolon next to a Chinese character'),
    ('已 取消', 'space between Chinese characters'),
    ('由 %(name)s 取消', 'space between Chinese text and a value filled in'),
    ('共 %(num)d 次', 'space between Chinese text and a value filled in'),
    ('最长 24 小时', 'space between Chinese text and a number'),
])
def test_the_rules_catch_what_they_name(text, rule):
    assert RULES[rule].search(text)
    assert not any(pattern.search('状态：已确认，由%(name)s取消，最长24小时') for pattern in RULES.values())
