"""The read side of precedents: the search (words and findings), the manager's work in progress, the page."""
import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from incubator.cases.models import Case
from incubator.cases.precedents.models import Precedent, PrecedentState
from incubator.core.db import contains_pattern
from incubator.core.pagination import paginate
from incubator.extensions import db

PER_PAGE = 10
#: Words of a search beyond these are ignored, and a word is cut at WORD_LENGTH characters.
MAX_WORDS, WORD_LENGTH = 10, 100
#: The filters by finding and outcome: query parameter → column.
FILTERS = {'exploration': Precedent.exploration, 'rule': Precedent.rule, 'purpose': Precedent.purpose,
           'outcome': Precedent.outcome}


def search_words(text):
    """The words of a search: split on spaces (Chinese needs none within a word), at most MAX_WORDS."""
    return [word[:WORD_LENGTH] for word in (text or '').split()][:MAX_WORDS]


def search_precedents(words, filters, page):
    """Published precedents holding every word (in the title, summary or facts; case-insensitive), with the given
    findings and outcome (``{parameter: enum member}``), latest first."""
    query = sa.select(Precedent).where(Precedent.state == PrecedentState.published)
    for word in words:
        pattern = contains_pattern(word)
        query = query.where(sa.or_(*(column.ilike(pattern, escape='\\')
                                     for column in (Precedent.title, Precedent.summary, Precedent.facts))))
    for name, value in filters.items():
        query = query.where(FILTERS[name] == value)
    return paginate(query.order_by(Precedent.published_at.desc(), Precedent.id.desc()), page, PER_PAGE)


def precedents_in_progress():
    """Drafts, precedents awaiting review and withdrawn ones, for managers: few at a time, oldest first."""
    return db.session.execute(
        sa.select(Precedent).where(Precedent.state != PrecedentState.published)
        .options(joinedload(Precedent.author)).order_by(Precedent.created_at, Precedent.id)).scalars().all()


def precedent_for_page(precedent_id):
    """A precedent with its case's parties and subsidies (what the check for identifying terms reads)."""
    return db.session.execute(
        sa.select(Precedent).where(Precedent.id == precedent_id).options(
            joinedload(Precedent.author), joinedload(Precedent.reviewer), joinedload(Precedent.withdrawn_by),
            joinedload(Precedent.case).joinedload(Case.startup),
            joinedload(Precedent.case).selectinload(Case.parties),
            joinedload(Precedent.case).selectinload(Case.subsidies))).unique().scalar_one_or_none()


def precedent_of_case(case_id):
    return db.session.execute(sa.select(Precedent).where(Precedent.case_id == case_id)).scalar_one_or_none()
