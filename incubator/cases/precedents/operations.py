"""The write side of precedents: a draft from a decided case, its anonymising edits, the review, publishing,
withdrawing and revising.

What still names the case's people, startup or amounts is listed by :func:`identifying_terms`: the author
sees it after every save, and neither submitting nor approving lets it through.
"""
import logging
import re

from flask_babel import lazy_gettext as _l

from incubator.auth.queries import active_managers
from incubator.cases.models import CaseState
from incubator.cases.precedents import notifications  # noqa: F401 (register the notification kinds)
from incubator.cases.precedents.models import PRECEDENT_TRANSITIONS, Precedent, precedent_transition
from incubator.cases.precedents.permissions import roles_in
from incubator.core.errors import Conflict, NotAllowed, checked_text
from incubator.core.formatting import listing
from incubator.core.permissions import can
from incubator.core.time import now_utc
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.notifications.operations import link_to, notify

logger = logging.getLogger(__name__)

TEXT = 20_000
TITLE = 200
_DECIDED = (CaseState.decided, CaseState.recorded, CaseState.closed)
#: A name shorter than this would match everywhere: it is not looked for.
_SHORTEST_NAME = 2


def _next_state(precedent, action, user):
    roles = roles_in(user, precedent)
    allowed = frozenset().union(*(who for (_state, act), (who, _next) in PRECEDENT_TRANSITIONS.items()
                                  if act == action))
    if not roles & allowed:
        if action in ('approve', 'send_back') and precedent.author_id == user.id:
            raise NotAllowed(_l('Another manager reviews a precedent, not its author.'),
                             code='precedent.own_review')
        raise NotAllowed(_l('You may not do this on a precedent.'), code='precedent.not_allowed')
    next_state = precedent_transition(precedent.state, action, roles)
    if next_state is None:
        raise Conflict(_l('This step is not possible while the precedent is “%(state)s”.'),
                       state=precedent.state.label, code='precedent.wrong_state')
    return next_state


def _text(value, field, limit=TEXT):
    return checked_text(value, field, limit, domain='precedent')


# --- what identifies the case ------------------------------------------------------------------

def _amount_forms(fen):
    """How an amount in fen may be written in yuan: 120000.00, 120,000.00, 120000, 120,000, 12万."""
    whole, cents = divmod(fen, 100)
    forms = {f'{whole}.{cents:02d}', f'{whole:,}.{cents:02d}'}
    if cents == 0:
        forms |= {str(whole), f'{whole:,}'}
        if whole % 10_000 == 0:
            forms.add(f'{whole // 10_000}万')
    return forms


@helper
def identifying_terms(precedent):
    """The case's party names, startup name and amounts still found in the precedent's texts, in that order."""
    case = precedent.case
    if case is None:
        return []
    text = '\n'.join(getattr(precedent, field) or '' for field in Precedent.TEXT_FIELDS)
    folded = text.casefold()
    found = []
    names = [party.name for party in case.parties] + [case.startup.name]
    for name in names:
        name = (name or '').strip()
        if len(name) >= _SHORTEST_NAME and name.casefold() in folded and name not in found:
            found.append(name)
    amounts = {case.losses_fen}
    for subsidy in case.subsidies:
        amounts |= {subsidy.amount_at_stake_fen, subsidy.waived_fen, subsidy.reclaim_fen, subsidy.funding.amount_fen}
    for fen in sorted(amount for amount in amounts if amount):
        for form in sorted(_amount_forms(fen), key=len, reverse=True):
            if re.search(rf'(?<![\d.,]){re.escape(form)}(?![\d]|[.,]\d)', text):
                found.append(form)
                break
    return found


def _refuse_identifying(precedent):
    terms = identifying_terms(precedent)
    if terms:
        raise Conflict(_l('Remove what identifies the case first: %(terms)s.'), terms=listing(terms),
                       code='precedent.identifying')


# --- the draft ----------------------------------------------------------------------------------

@operation
def create_precedent(case, *, user):
    """A draft precedent from a decided case, prefilled with its facts, findings, decision and legal basis:
    the author then removes names, company and amounts."""
    if not can(user, 'case.write_precedent', case):
        raise NotAllowed(_l('Only managers write precedents.'), code='precedent.not_allowed')
    if case.state not in _DECIDED or case.outcome is None or case.assessment is None:
        raise Conflict(_l('Only a decided case can become a precedent.'), code='precedent.not_decided')
    if db.session.execute(db.select(Precedent.id).filter_by(case_id=case.id)).first() is not None:
        raise Conflict(_l('This case has a precedent already.'), code='precedent.exists')
    assessment = case.assessment
    decision = str(case.outcome.label)
    if case.consequences:
        decision = f'{decision}: {case.consequences}'
    precedent = Precedent(
        case=case, author_id=user.id,
        title=str(_l('A case decided “%(outcome)s”', outcome=case.outcome.label))[:TITLE],
        summary=case.consequences or str(case.outcome.label),
        facts='\n\n'.join(text for text in (case.what_happened, case.rules_in_force) if text) or '-',
        exploration=assessment.exploration, exploration_reasons=assessment.exploration_evidence,
        rule=assessment.rule, rule_reasons=assessment.rule_evidence,
        purpose=assessment.purpose, purpose_reasons=assessment.purpose_evidence,
        outcome=case.outcome, decision=decision, legal_basis=case.legal_basis or '-')
    db.session.add(precedent)
    db.session.flush()
    logger.info('Precedent %s drafted from case %s by %s', precedent.id, case.id, user.id)
    return precedent


@operation
def update_precedent(precedent, *, user, **texts):
    """The author's anonymising edits of the texts (every one of :attr:`Precedent.TEXT_FIELDS` given)."""
    _next_state(precedent, 'edit', user)
    for field in Precedent.TEXT_FIELDS:
        setattr(precedent, field, _text(texts.get(field), field, TITLE if field == 'title' else TEXT))
    db.session.flush()
    return precedent


# --- the review ---------------------------------------------------------------------------------

@operation
def submit_precedent(precedent, *, user):
    """The author asks for the review; the other managers are told."""
    next_state = _next_state(precedent, 'submit', user)
    _refuse_identifying(precedent)
    precedent.state, precedent.submitted_at = next_state, now_utc()
    db.session.flush()
    link = link_to('precedent.show', precedent_id=precedent.id)
    for manager in active_managers():
        if manager.id != user.id:
            notify(manager, 'precedent_submitted', link=link, title=precedent.title)
    return precedent


@operation
def approve_precedent(precedent, *, user):
    """Another manager publishes it, once nothing in it identifies the case."""
    next_state = _next_state(precedent, 'approve', user)
    _refuse_identifying(precedent)
    precedent.state, precedent.reviewer_id, precedent.published_at = next_state, user.id, now_utc()
    precedent.review_comment = None
    precedent.withdrawn_at = precedent.withdrawn_by_id = precedent.withdrawal_reason = None
    db.session.flush()
    if precedent.author is not None and precedent.author.is_active:
        notify(precedent.author, 'precedent_published', link=link_to('precedent.show', precedent_id=precedent.id),
               title=precedent.title)
    logger.info('Precedent %s published by %s', precedent.id, user.id)
    return precedent


@operation
def send_back_precedent(precedent, *, user, comment):
    """Another manager returns it to its author with what to change."""
    next_state = _next_state(precedent, 'send_back', user)
    precedent.review_comment = _text(comment, 'comment')
    precedent.state, precedent.reviewer_id = next_state, user.id
    db.session.flush()
    if precedent.author is not None and precedent.author.is_active:
        notify(precedent.author, 'precedent_sent_back', link=link_to('precedent.show', precedent_id=precedent.id),
               title=precedent.title, comment=precedent.review_comment)
    return precedent


# --- after publishing ---------------------------------------------------------------------------

@operation
def withdraw_precedent(precedent, *, user, reason):
    """A manager takes a published precedent out of the search (wrong, outdated, or it identifies someone after
    all); only managers see it then, with the reason. Its author is told."""
    next_state = _next_state(precedent, 'withdraw', user)
    precedent.withdrawal_reason = _text(reason, 'reason')
    precedent.state, precedent.withdrawn_at, precedent.withdrawn_by_id = next_state, now_utc(), user.id
    db.session.flush()
    author = precedent.author
    if author is not None and author.is_active and author.id != user.id:
        notify(author, 'precedent_withdrawn', link=link_to('precedent.show', precedent_id=precedent.id),
               title=precedent.title, reason=precedent.withdrawal_reason)
    logger.info('Precedent %s withdrawn by %s', precedent.id, user.id)
    return precedent


@operation
def revise_precedent(precedent, *, user):
    """A manager takes a withdrawn precedent back to a draft and becomes its author (the one who wrote it may have
    left); another manager reviews it again before it is published."""
    next_state = _next_state(precedent, 'revise', user)
    precedent.state, precedent.author_id = next_state, user.id
    precedent.submitted_at = precedent.published_at = precedent.reviewer_id = precedent.review_comment = None
    db.session.flush()
    return precedent
