"""Sections that domains above projects add to the project page and the progress review page.

Projects cannot import those domains (tolerance-for-failure cases show their decisions on the project page and
link a stopped review to its case), so they register a section here from their ``init_app``: a template and a
function ``context(obj, user) -> dict | None`` (None: nothing to show to this user). The pages include each
section's template with ``section`` set to that dict.
"""
from collections.abc import Callable
from dataclasses import dataclass

PAGES = ('project', 'review')


@dataclass(frozen=True)
class Section:
    page: str
    template: str
    context: Callable


_sections: list[Section] = []


def register_section(page, template, context):
    """Add ``template`` to ``page`` ('project' or 'review'), shown when ``context(obj, user)`` gives a dict."""
    if page not in PAGES:
        raise ValueError(f'no page {page!r} takes sections')
    if any(section.page == page and section.template == template for section in _sections):
        return
    _sections.append(Section(page, template, context))


def sections_for(page, obj, user):
    """``[(template, context)]`` of ``page``'s sections that have something for ``user``."""
    shown = []
    for section in _sections:
        if section.page == page:
            context = section.context(obj, user)
            if context is not None:
                shown.append((section.template, context))
    return shown
