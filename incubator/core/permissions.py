"""The one place that decides who may do what.

Views, templates and (later) the API ask :func:`can` or :func:`require`.
A rule is a function ``(user, obj) -> bool`` registered under an action name
such as ``'startup.edit'``. Objects whose mere existence is private answer
404 instead of 403 to those who may not see them.

The rules themselves live in each domain's ``permissions.py``, which its
``init_app`` imports; this module knows no domain.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from werkzeug.local import LocalProxy

_rules = {}
# Which action decides whether an object may be seen at all (404 otherwise).
_visibility = {}


def rule(action):
    def decorator(func):
        if action in _rules:
            raise ValueError(f'permission rule {action!r} defined twice')
        _rules[action] = func
        return func
    return decorator


def hidden_unless(type_name, action):
    """Objects of ``type_name`` (a model class name) whose ``action`` is refused answer 404, not 403."""
    _visibility[type_name] = action


def can(user, action, obj=None):
    # Rules read the user's attributes many times; through Flask-Login's proxy each read costs a lookup.
    user = _unproxied(user)
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    try:
        check = _rules[action]
    except KeyError:
        raise LookupError(f'no permission rule for {action!r}') from None
    return bool(check(user, obj))


def _unproxied(user):
    return user._get_current_object() if isinstance(user, LocalProxy) else user


def is_visible(user, obj):
    action = _visibility.get(type(obj).__name__)
    return action is None or can(user, action, obj)


def require(user, action, obj=None):
    """Abort unless ``user`` may do ``action``: 404 when ``obj`` is hidden from them, else 403."""
    if can(user, action, obj):
        return
    if obj is not None and not is_visible(user, obj):
        abort(404)
    abort(403)


def permission_required(action):
    """Route decorator for actions that need no object: login first, then the rule."""
    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            require(current_user, action)
            return view(*args, **kwargs)
        return wrapped
    return decorator


def get_or_404(model, ident, action=None, user=None, options=()):
    """Load ``model`` by primary key for ``user``; 404 if missing or not visible, 403 if ``action`` is refused.
    ``options`` are loader options, such as the relationships the page reads."""
    from incubator.extensions import db
    return visible_or_404(db.session.get(model, ident, options=options), action, user)


def visible_or_404(obj, action=None, user=None):
    """``obj``, loaded by the caller (with what its page reads), as :func:`get_or_404` answers: 404 if it is None
    or hidden from ``user``, 403 if ``action`` is refused."""
    user = user if user is not None else current_user
    if obj is None or not is_visible(user, obj):
        abort(404)
    if action:
        require(user, action, obj)
    return obj
