"""Domain errors and the pages and JSON answers they turn into."""
import logging

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A business rule was broken.

    ``code`` is stable (a dotted string such as ``'booking.already_decided'``, or an enum
    member) and is what code and tests decide by; ``message`` is translatable and only
    ever shown to people. Every raise names its code, unless its class stands for one
    rule and sets ``code`` itself: a raise without one is a TypeError, so no rule can be
    told apart only by its words.
    """

    status_code = 400
    code = None

    def __init__(self, message, *, code=None, **params):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if self.code is None:
            raise TypeError(f'{type(self).__name__} needs a stable code: raise it with code=...')
        self.params = params

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


class NotAllowed(DomainError):
    status_code = 403


class NotFound(DomainError):
    status_code = 404


class Conflict(DomainError):
    status_code = 409


def refusal(message, field=None, error_class=DomainError, **params):
    """A domain error about the value ``field`` (so a form can show it beside that field)."""
    error = error_class(message, **params)
    error.field = field
    return error


def checked_text(value, field, limit, *, domain, needed=True):
    """``value`` trimmed, or the refusal naming ``field``: codes ``<domain>.required`` and ``<domain>.too_long``.

    Operations check free text themselves (not only their forms) because jobs, the CLI and
    other operations call them too.
    """
    text = (value or '').strip()
    if needed and not text:
        raise refusal(_l('This field is required.'), field, code=f'{domain}.required')
    if len(text) > limit:
        raise refusal(_l('At most %(max)d characters.'), field, max=limit, code=f'{domain}.too_long')
    return text


_TITLES = {
    400: _l('Bad request'),
    403: _l('Access denied'),
    404: _l('Page not found'),
    405: _l('Method not allowed'),
    409: _l('Conflict'),
    413: _l('File too large'),
    429: _l('Too many requests'),
    500: _l('Something went wrong'),
}
_MESSAGES = {
    400: _l('The request could not be understood. Please check what you entered and try again.'),
    403: _l('You do not have permission to do this.'),
    404: _l('The page you asked for does not exist, or you may not see it.'),
    405: _l('This address does not accept that kind of request.'),
    409: _l('This conflicts with the current state. Reload the page and try again.'),
    413: _l('What you sent is larger than allowed.'),
    429: _l('Too many requests. Please wait a moment and try again.'),
    500: _l('An unexpected error occurred. It has been logged; please try again later.'),
}


def _wants_json():
    return request.path.startswith('/api/') or (
        request.accept_mimetypes.best == 'application/json')


def error_response(status, message=None, code=None):
    from incubator.extensions import db
    db.session.rollback()
    message = message or _MESSAGES.get(status, _MESSAGES[500])
    if _wants_json():
        answer = {'status': status, 'message': str(message)}
        if code is not None:
            answer['code'] = getattr(code, 'value', code)
        return jsonify(error=answer), status
    return render_template('errors/page.html', status=status, title=_TITLES.get(status, _TITLES[500]),
                           message=message), status


def register_error_handlers(app):
    @app.errorhandler(DomainError)
    def handle_domain_error(error):
        return error_response(error.status_code, str(error), error.code)

    @app.errorhandler(CSRFError)
    def handle_csrf_error(error):
        return error_response(400, _l('The form has expired or was not sent from this site. '
                                      'Reload the page and try again.'))

    @app.errorhandler(HTTPException)
    def handle_http_error(error):
        return error_response(error.code)

    @app.errorhandler(Exception)
    def handle_unexpected_error(error):
        logger.exception('Unhandled error on %s %s', request.method, request.path)
        return error_response(500)
