"""The configured allowances, and how people read them (kinds by name, sizes in MB)."""
from babel.lists import format_list
from flask import current_app
from flask_babel import LazyString, format_decimal, get_locale
from flask_babel import lazy_gettext as _l

from incubator.attachments.detection import EXTENSIONS

KIND_LABELS = {
    'pdf': _l('PDF'),
    'image': _l('images'),
    'office': _l('Office documents'),
    'text': _l('plain text'),
    'zip': _l('zip archives'),
}
MEGABYTE = 1024 * 1024


def allowed_kinds():
    """The allowed kinds, in a fixed order."""
    allowed = set(current_app.config['ATTACHMENTS_ALLOWED'])
    return [kind for kind in EXTENSIONS if kind in allowed]


def allowed_text():
    return format_list([str(KIND_LABELS[kind]) for kind in allowed_kinds()], locale=get_locale())


def lazy_allowed_text():
    """For a message shown later, perhaps in another language than the one it was made in."""
    return LazyString(allowed_text)


def accept_attribute():
    """The file input's ``accept``: only a hint for the browser's chooser; the bytes decide."""
    return ','.join(f'.{extension}' for kind in allowed_kinds() for extension in sorted(EXTENSIONS[kind]))


def megabytes(size):
    return format_decimal(round(size / MEGABYTE, 1), format='#,##0.#')


def max_file_bytes():
    return current_app.config['ATTACHMENTS_MAX_FILE_BYTES']


def max_item_bytes():
    return current_app.config['ATTACHMENTS_MAX_ITEM_BYTES']


def max_files():
    return current_app.config['ATTACHMENTS_MAX_FILES']


def summary():
    """For the upload field's help text."""
    return {'allowed': allowed_text(), 'file_mb': megabytes(max_file_bytes()), 'item_mb': megabytes(max_item_bytes()),
            'files': max_files(), 'accept': accept_attribute()}
