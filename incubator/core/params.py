"""What a request sends, checked once for every view.

A NUL character in any query parameter, form value, file name or path segment is refused
before any view runs: PostgreSQL cannot store or even compare it, and no person types one.
Query parameters that views read directly (page numbers, a week to show) go through
:func:`query_int` and :func:`query_date`, which fall back to the default for a value that does
not parse or lies beyond what the database and date arithmetic can hold, as a mistyped link
should simply show the usual page.
"""
from datetime import date

from flask import request
from flask_babel import lazy_gettext as _l

from incubator.core.time import is_supported_date

#: The largest value of a database INTEGER column (ids, counts).
DATABASE_INT_MAX = 2**31 - 1
#: Pages of a list beyond this are not shown: reading past so many rows only burdens the database.
MAX_PAGE = 10_000
NUL = '\x00'
NUL_REFUSED = _l('What you sent contains a NUL character, which is not allowed. Remove it and try again.')


def init_app(app):
    @app.before_request
    def refuse_nul_characters():
        if _holds_nul():
            from incubator.core.errors import error_response
            return error_response(400, NUL_REFUSED)
        return None


def _holds_nul():
    sent = [*request.args.items(multi=True), *request.form.items(multi=True)]
    texts = [text for pair in sent for text in pair]
    texts += [name for name in request.files] + [upload.filename or '' for upload in request.files.values()]
    texts += [value for value in (request.view_args or {}).values() if isinstance(value, str)]
    return any(NUL in text for text in texts)


def query_int(name, default, minimum=-DATABASE_INT_MAX, maximum=DATABASE_INT_MAX):
    """The query parameter ``name`` as a whole number held between ``minimum`` and ``maximum``."""
    value = request.args.get(name, type=int)
    if value is None:
        return default
    return max(minimum, min(value, maximum))


def query_date(name, default):
    """The query parameter ``name`` as an ISO date (``2026-12-07``) in the supported years, else ``default``."""
    try:
        value = date.fromisoformat(request.args.get(name, ''))
    except ValueError:
        return default
    return value if is_supported_date(value) else default
