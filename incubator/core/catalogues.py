"""Catalogue upkeep: the English catalogue repeats each English message id as its translation.

Run as ``python -m incubator.core.catalogues fill-english PATH`` (``make update-catalogues`` does).
"""
import sys

from babel.messages.pofile import read_po, write_po


def fill_english(path):
    with open(path, 'rb') as file:
        catalogue = read_po(file, locale='en')
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not any(message.string):
                message.string = message.id
        elif not message.string:
            message.string = message.id
        message.flags.discard('fuzzy')
    with open(path, 'wb') as file:
        write_po(file, catalogue, omit_header=False, no_location=True, sort_output=True, width=100)


if __name__ == '__main__':
    if len(sys.argv) != 3 or sys.argv[1] != 'fill-english':
        sys.exit('usage: python -m incubator.core.catalogues fill-english PATH')
    fill_english(sys.argv[2])
