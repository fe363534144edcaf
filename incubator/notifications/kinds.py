"""The kinds of notification: what each one says, and whether it also sends an email.

A notification stores only its kind and plain parameters; its text is rendered
when it is shown, in the reader's language, from the kind's title template.
So a kind's title may be reworded or translated later and old notifications
follow. Parameters that are not words (an enum's value, an ISO date, a name kept in
two languages) are made readable then too, by the kind's ``readable`` functions.

Account-critical mail (invitations, password resets) is not a notification kind:
those emails are queued directly with ``queue_email``, are always sent and are
never offered as a choice on the preferences page.
"""
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from incubator.core.formatting import local_date, site_period
from incubator.core.i18n import current_language

#: The generic email of a notification: its title, a link to its object, a link to the preferences.
GENERIC_EMAIL = 'notifications/notification'


@dataclass(frozen=True)
class NotificationKind:
    """``title`` is a lazy string with ``%(param)s`` placeholders, or a function of the params giving one.

    A title function runs when the notification is shown or mailed, in the reader's
    language; for a title made of parts (a problem inside a sentence) it may return
    the finished text, made with :func:`fill`.
    """

    name: str
    title: object | Callable[[dict], object]
    label: object  # what the preferences page calls it, e.g. "Someone accepts my invitation"
    email_template: str | None = GENERIC_EMAIL  # under templates/emails/, without extension
    email_by_default: bool = True
    choosable: bool = True  # False: not on the preferences page, the email is always sent
    #: param name → ``function(value, params)`` giving what the reader reads for it (see :func:`label_of`,
    #: :func:`day`, :func:`name_in`). A value it cannot read (an older notification's text) is shown as stored.
    readable: Mapping[str, Callable[[object, dict], object]] = field(default_factory=dict, hash=False)

    def render_title(self, params):
        params = self._readable(_with_local_time(params))
        template = self.title(params) if callable(self.title) else self.title
        if isinstance(template, str):
            return template
        return fill(template, params)

    def _readable(self, params):
        if not self.readable:
            return params
        read = dict(params)
        for name, reader in self.readable.items():
            if name in params:
                try:
                    read[name] = reader(params[name], params)
                except (TypeError, ValueError, LookupError):
                    continue
        return read


def label_of(enum_class):
    """A param holding a :class:`LabelledEnum`'s value (``'rejected'``), read as its label (不予批准, Rejected)."""
    return lambda value, params: enum_class(value).label


def day(value, params):
    """A param holding an ISO date (``'2026-10-30'``), read as pages write a date (2026年10月30日, Oct 30, 2026)."""
    return local_date(date.fromisoformat(value))


def name_in(english_param):
    """A param holding a Chinese name, read by English readers from ``english_param`` when one was given."""
    return lambda value, params: (params.get(english_param) or value) if current_language() == 'en' else value


def _with_local_time(params):
    """A booking's ``when`` in the reader's language, as pages write it, from its instants and site zone
    (notifications written before they were kept have only the plain ``when``)."""
    if not {'start_at', 'end_at', 'zone'} <= params.keys():
        return params
    try:
        start_at, end_at = datetime.fromisoformat(params['start_at']), datetime.fromisoformat(params['end_at'])
        zone = ZoneInfo(params['zone'])
    except (TypeError, ValueError, LookupError):
        return params
    return dict(params, when=site_period(start_at, end_at, zone))


def fill(template, params):
    """``template`` (a lazy string) in the current language with ``params`` put in; as it is if they do not fit."""
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return str(template)


_kinds: dict[str, NotificationKind] = {}


def register(kind):
    if kind.name in _kinds and _kinds[kind.name] != kind:
        raise ValueError(f'notification kind {kind.name!r} registered twice')
    _kinds[kind.name] = kind
    return kind


def unregister(name):
    """For tests that register a kind of their own."""
    _kinds.pop(name, None)


def get_kind(name):
    try:
        return _kinds[name]
    except KeyError:
        raise LookupError(f'no notification kind {name!r}') from None


def find_kind(name):
    return _kinds.get(name)


def all_kinds():
    return list(_kinds.values())


def choosable_kinds():
    """The kinds whose email each user may switch off, in registration order."""
    return [kind for kind in _kinds.values() if kind.choosable and kind.email_template]


def render_title(name, params):
    """The text of a notification in the current language; a generic text for a kind no longer known."""
    kind = find_kind(name)
    if kind is None:
        return str(_l('You have a new notification.'))
    return kind.render_title(params or {})
