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
#: What a detected content type is, in people's words; by its start for the families.
_TYPE_LABELS = {
    'application/pdf': _l('PDF document'),
    'application/msword': _l('Word document'),
    'application/vnd.openxmlformats-officedocument.wordprocessingml.document': _l('Word document'),
    'application/vnd.oasis.opendocument.text': _l('Word document'),
    'application/vnd.ms-excel': _l('Spreadsheet'),
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': _l('Spreadsheet'),
    'application/vnd.oasis.opendocument.spreadsheet': _l('Spreadsheet'),
    'application/vnd.ms-powerpoint': _l('Presentation'),
    'application/vnd.openxmlformats-officedocument.presentationml.presentation': _l('Presentation'),
    'application/vnd.oasis.opendocument.presentation': _l('Presentation'),
    'application/x-ole-storage': _l('Office document'),
    'application/zip': _l('Zip archive'),
    'text/': _l('Text'),
    'image/': _l('Image'),
}


def type_label(content_type):
    """The reader's name for a detected content type (the type itself when we have none)."""
    return _TYPE_LABELS.get(content_type) or _TYPE_LABELS.get(content_type.split('/')[0] + '/') or content_type


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
