"""Parts of a page that depend only on what the permission rules answer, rendered once and kept.

The main navigation asks about twenty permission questions and builds about thirty links and labels on every
page, for the same few answers. A fragment template rendered by :func:`render_kept` is kept per app, language,
endpoint (its active link) and application root, under the questions its rendering asked, in the order it asked
them: a decision tree. Next time the same questions are asked again, of the current user, and their answers
lead to the rendering made for those answers, or to a new one. It cannot go stale on roles, memberships or
anything else a rule reads, since every answer is asked afresh; what it must not read is anything else of the
user (their name, counts): those stay in the page around it.
"""
from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from incubator.core.permissions import can

_KEPT = 'wutong.kept_fragments'


class _Question:
    """A permission question a fragment asked, and where each answer leads (a question or a rendering)."""

    __slots__ = ('action', 'answers')

    def __init__(self, action):
        self.action = action
        self.answers = {}


def render_kept(template_name):
    """``template_name`` rendered for the current user, from the renderings kept for the same answers."""
    user = current_user._get_current_object()
    kept = current_app.extensions.setdefault(_KEPT, {})
    key = (template_name, str(get_locale()), request.endpoint, request.script_root)
    found = kept.get(key)
    while isinstance(found, _Question):
        found = found.answers.get(can(user, found.action))
    if found is not None:
        return found
    asked = []

    def asking(action, obj=None):
        if obj is not None:
            raise ValueError(f'a kept fragment asks only questions about no object, not {action!r} of {obj!r}')
        answer = can(user, action)
        asked.append((action, answer))
        return answer

    rendering = Markup(render_template(template_name, can=asking))
    _keep(kept, key, asked, rendering)
    return rendering


def _keep(kept, key, asked, rendering):
    holder, slot = kept, key
    for action, answer in asked:
        question = holder.get(slot)
        if question is None:
            question = holder[slot] = _Question(action)
        elif question.action != action:
            raise RuntimeError(f'{key[0]} asked {action!r} where it asked {question.action!r} before: its '
                               'questions must depend only on the answers to those before them')
        holder, slot = question.answers, answer
    holder[slot] = rendering
