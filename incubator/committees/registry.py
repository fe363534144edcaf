"""The kinds of subject a committee decides on: each subject domain registers its model from its ``init_app``.

This package never imports the domains that use it; they tell it how to load a subject, which permission
rule decides who may see it, and where its page is (the committee's forms send the voter back there).
"""
from collections.abc import Callable
from dataclasses import dataclass

from incubator.extensions import db


@dataclass(frozen=True)
class SubjectType:
    kind: str
    model: type
    view_permission: str
    url: Callable[[object], str]
    title: Callable[[object], str]
    name: object = None      # what a subject of this kind is called ("Green-channel request"), for the audit log
    outcomes: type = None    # the LabelledEnum of its decisions' outcomes, by whose labels they read
    reference: Callable[[int], str] | None = None  # how people name a subject from its id alone (GC-00042)


_by_kind: dict[str, SubjectType] = {}


def register_subject(kind, *, model, view_permission, url, title=None, name=None, outcomes=None, reference=None):
    """Let decisions be about ``model`` records under ``kind``. ``url(subject)`` is the path of its page;
    ``title(subject)`` names it in notifications (default: the kind and id); ``name`` and ``outcomes`` (an enum)
    are how the audit log reads a decision's kind and outcome, and ``reference(id)``, where a kind's references
    follow from its ids, how it names the subject (default: ``#id``)."""
    existing = _by_kind.get(kind)
    if existing is not None and existing.model is not model:
        raise ValueError(f'committee subject kind {kind!r} registered twice')
    _by_kind[kind] = SubjectType(kind=kind, model=model, view_permission=view_permission, url=url,
                                 title=title or (lambda subject: f'{kind} #{subject.id}'), name=name,
                                 outcomes=outcomes, reference=reference)


def unregister_subject(kind):
    """For tests that register a subject of their own."""
    _by_kind.pop(kind, None)


def subject_type(kind):
    """The registration of ``kind``; a LookupError for a kind never registered."""
    try:
        return _by_kind[kind]
    except KeyError:
        raise LookupError(f'{kind!r} is not registered as a committee subject') from None


def load_subject(decision):
    """The record ``decision`` is about, or None when its kind is not registered or the record is gone."""
    registered = _by_kind.get(decision.subject_kind)
    if registered is None:
        return None
    return db.session.get(registered.model, decision.subject_id)


def kind_name(kind):
    """What a subject kind is called, in the reader's language; the kind itself if it did not say."""
    registered = _by_kind.get(kind)
    return str(registered.name) if registered is not None and registered.name is not None else kind


def subject_reference(kind, subject_id):
    """How people name the subject ``subject_id`` of ``kind``: its reference where the kind has them, else #id."""
    registered = _by_kind.get(kind)
    if registered is not None and registered.reference is not None:
        return registered.reference(int(subject_id))
    return f'#{subject_id}'


def outcome_label(outcome):
    """A decision's outcome by its label, from the enum of the kind that has it (the kinds' values differ)."""
    for registered in _by_kind.values():
        if registered.outcomes is not None and outcome in {member.value for member in registered.outcomes}:
            return str(registered.outcomes(outcome).label)
    return outcome
