"""The unified social credit code (统一社会信用代码) of GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capital letters
without I, O, S, V, Z); the last is a check character computed from the first
seventeen with weights 3^i mod 31.
"""
ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


class InvalidCreditCode(ValueError):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def normalize(code):
    return (code or '').strip().upper()


def check_character(first_seventeen):
    total = sum(ALPHABET.index(char) * weight for char, weight in zip(first_seventeen, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate(code):
    """Return the normalized code, or raise :class:`InvalidCreditCode` saying why it is wrong."""
    code = normalize(code)
    if len(code) != LENGTH:
        raise InvalidCreditCode('length')
    if any(char not in ALPHABET for char in code):
        raise InvalidCreditCode('alphabet')
    if not code[2:8].isdigit():
        raise InvalidCreditCode('region')
    if check_character(code[:17]) != code[17]:
        raise InvalidCreditCode('check')
    return code
