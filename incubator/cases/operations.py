"""The write side of cases: every step of :data:`~incubator.cases.models.CASE_TRANSITIONS`, each recorded as a
:class:`~incubator.cases.models.CaseStep` (who, when, why). Flush only; the request or job commits.

The committee's vote is the committees package's: submitting the assessment opens a decision (round 1) on the
active cases committee, referring an appeal opens round 2, and the chair's outcome is recorded there (quorum,
chair and once-only are its rules) and here (the case's own outcome, consequences, legal basis and amounts).
"""
import logging
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from incubator.attachments.operations import attach_files, remove_all_attachments
from incubator.auth.models import Role
from incubator.auth.queries import active_managers
from incubator.booking.operations import restore_free_quota
from incubator.booking.queries import open_suspension
from incubator.cases import notifications  # noqa: F401 (register the notification kinds)
from incubator.cases.models import (
    CASE_TRANSITIONS,
    MAX_FEN,
    SUBJECT_KIND,
    Case,
    CaseAssessment,
    CaseEntry,
    CaseNumberCounter,
    CaseOrigin,
    CaseOutcome,
    CaseParty,
    CaseRole,
    CaseState,
    CaseStep,
    CaseSubsidy,
    ChecklistItem,
    ChecklistKind,
    DecisionLetter,
    ExplorationFinding,
    PurposeFinding,
    RuleFinding,
    may_take,
    state_after,
)
from incubator.cases.permissions import roles_in
from incubator.cases.queries import open_decision_of
from incubator.committees.models import CommitteePurpose
from incubator.committees.operations import open_decision, record_outcome
from incubator.committees.queries import active_committee
from incubator.core.calendar import working_deadline
from incubator.core.errors import Conflict, NotAllowed, checked_text, refusal
from incubator.core.permissions import can
from incubator.core.time import now_utc, programme_timezone
from incubator.core.transactions import helper, operation
from incubator.extensions import db
from incubator.notifications.operations import link_to, notify
from incubator.projects.models import Project

logger = logging.getLogger(__name__)

TEXT = 10_000
MAX_PARTIES = 30
LETTER_LANGUAGES = ('zh_Hans_CN', 'en')


# --- the table, and the steps' record --------------------------------------------------------

def _next_state(case, action, user):
    """The state ``action`` leads to for ``user`` by :data:`CASE_TRANSITIONS`; a clear refusal otherwise."""
    roles = roles_in(user, case)
    allowed = frozenset().union(*(who for (_state, act), (who, _next) in CASE_TRANSITIONS.items() if act == action))
    if not roles & allowed:
        raise NotAllowed(_l('You may not do this on a tolerance-for-failure case.'), code='case.not_allowed')
    if not may_take(case.state, action, roles):
        if action == 'edit' and case.is_decided:
            raise Conflict(_l('This case is decided and can no longer be edited: add a dated entry to correct it.'),
                           code='case.decided')
        if action == 'appeal' and case.round >= 2:
            raise Conflict(_l('This case was appealed already: the decision on the appeal is final.'),
                           code='case.already_appealed')
        raise Conflict(_l('This step is not possible while the case is “%(state)s”.'), state=case.state.label,
                       code='case.wrong_state')
    return state_after(case.state, action)


def _step(case, action, user, next_state, note=''):
    case.steps.append(CaseStep(action=action, from_state=case.state, to_state=next_state, actor_id=user.id,
                               at=now_utc(), note=note))
    case.state = next_state


def _text(value, field, limit=TEXT, needed=True):
    return checked_text(value, field, limit, domain='case', needed=needed)


def _fen(value, field):
    if value is None:
        return 0
    if not isinstance(value, int) or value < 0 or value > MAX_FEN:
        raise refusal(_l('Give an amount between 0 and 100 billion yuan.'), field, code='case.bad_amount')
    return value


# --- filing ----------------------------------------------------------------------------------

@helper
def parse_parties(text):
    """People involved, typed one per line as "name, position" (the first comma, or 、 or ，, separates them)."""
    parties = []
    for line in (text or '').splitlines():
        line = line.strip()
        if not line:
            continue
        for separator in (',', '，', '、', ';', '；'):
            if separator in line:
                name, position = line.split(separator, 1)
                break
        else:
            name, position = line, ''
        parties.append((name.strip(), position.strip()))
    return parties


def _set_facts(case, *, what_happened, happened_on, losses_fen, rules_in_force, parties, subsidies):
    """The facts of a draft or of a case being corrected before the committee review."""
    case.what_happened = _text(what_happened, 'what_happened', needed=False)
    if happened_on is not None and not isinstance(happened_on, date):
        raise refusal(_l('Give the date it happened.'), 'happened_on', code='case.bad_date')
    if happened_on is not None and happened_on > now_utc().astimezone(programme_timezone()).date():
        raise refusal(_l('The date it happened cannot be in the future.'), 'happened_on', code='case.future_date')
    case.happened_on = happened_on
    case.losses_fen = _fen(losses_fen, 'losses')
    case.rules_in_force = _text(rules_in_force, 'rules_in_force', needed=False)
    if len(parties) > MAX_PARTIES:
        raise refusal(_l('At most %(max)d people involved.'), 'parties', max=MAX_PARTIES, code='case.too_many_parties')
    checked = []
    for name, position in parties:
        checked.append((_text(name, 'parties', 100), _text(position, 'parties', 200, needed=False)))
    case.parties = [CaseParty(name=name, position=position) for name, position in checked]
    fundings = {funding.id: funding for funding in case.project.fundings}
    at_stake = []
    for funding_id, amount in sorted((subsidies or {}).items()):
        funding = fundings.get(funding_id)
        if funding is None:
            raise refusal(_l('A subsidy at stake must be one granted to this project.'), 'subsidies',
                          code='case.foreign_funding')
        amount = _fen(amount, 'subsidies')
        if amount > funding.amount_fen:
            raise refusal(_l('The amount at stake cannot exceed the amount granted.'), 'subsidies',
                          code='case.bad_amount')
        at_stake.append((funding_id, amount))
    kept = {subsidy.funding_id: subsidy for subsidy in case.subsidies}
    case.subsidies = [_at_stake(kept.get(funding_id), funding_id, amount) for funding_id, amount in at_stake]


def _at_stake(subsidy, funding_id, amount):
    subsidy = subsidy or CaseSubsidy(funding_id=funding_id)
    subsidy.amount_at_stake_fen = amount
    return subsidy


def _origin_for(user, project):
    """Who files decides the origin: a manager, or an owner of the project's startup; anyone else is refused."""
    if user.has_role(Role.manager):
        return CaseOrigin.manager
    membership = project.startup.membership_of(user)
    if membership is not None and can(user, 'startup.file_case', project.startup):
        return CaseOrigin.owner
    raise NotAllowed(_l('You may file a case only about a project of your own startup.'), code='case.foreign_project')


@operation
def create_case(project, *, user, what_happened='', happened_on=None, losses_fen=0, rules_in_force='', parties=(),
                subsidies=None, evidence=()):
    """A draft case about ``project``, by a manager or an owner of its startup; saved even when incomplete."""
    if not isinstance(project, Project):
        raise TypeError('a case is about a Project')
    origin = _origin_for(user, project)
    case = Case(startup=project.startup, project=project, origin=origin, filer_id=user.id, state=CaseState.draft)
    db.session.add(case)
    _set_facts(case, what_happened=what_happened, happened_on=happened_on, losses_fen=losses_fen,
               rules_in_force=rules_in_force, parties=parties, subsidies=subsidies)
    case.steps.append(CaseStep(action='create', from_state=CaseState.draft, to_state=CaseState.draft,
                               actor_id=user.id, at=now_utc()))
    db.session.flush()
    attach_files(case, evidence, user=user)
    logger.info('Case %s drafted by %s about project %s', case.id, user.id, project.id)
    return case


@helper
def draft_from_review(review, user):
    """The draft a stopped progress review leaves (connected to ``review_stopped``): the project, its lead and its
    fundings at stake in full, filed later by a manager. Runs inside the review's decision."""
    project = review.project
    case = Case(startup=project.startup, project=project, origin=CaseOrigin.review, review_id=review.id,
                filer_id=user.id, state=CaseState.draft, what_happened=review.findings or '',
                parties=[CaseParty(name=project.lead_name, position=str(_l('Project lead')))],
                subsidies=[CaseSubsidy(funding_id=funding.id, amount_at_stake_fen=funding.amount_fen)
                           for funding in project.fundings])
    case.steps.append(CaseStep(action='create', from_state=CaseState.draft, to_state=CaseState.draft,
                               actor_id=user.id, at=now_utc(), note=str(_l('Prepared from a progress review '
                                                                            'that stopped the project.'))))
    db.session.add(case)
    db.session.flush()
    logger.info('Case %s drafted from review %s', case.id, review.id)
    return case


@operation
def update_case(case, *, user, what_happened, happened_on, losses_fen, rules_in_force, parties, subsidies,
                evidence=()):
    """Edit the facts: the filer while a draft, managers until the committee reviews; never once decided."""
    next_state = _next_state(case, 'edit', user)
    _set_facts(case, what_happened=what_happened, happened_on=happened_on, losses_fen=losses_fen,
               rules_in_force=rules_in_force, parties=parties, subsidies=subsidies)
    if case.state != CaseState.draft:
        _step(case, 'edit', user, next_state)
    db.session.flush()
    attach_files(case, evidence, user=user)
    return case


@helper
def refuse_edit(case, *, user):
    """The refusal ``update_case`` would give ``user`` now (a page asks before showing the form)."""
    _next_state(case, 'edit', user)


def _take_number(now):
    year = now.astimezone(programme_timezone()).year
    counter = db.session.execute(sa.select(CaseNumberCounter).where(CaseNumberCounter.year == year)
                                 .with_for_update()).scalar_one_or_none()
    if counter is None:
        counter = CaseNumberCounter(year=year, last=0)
        db.session.add(counter)
    counter.last += 1
    return f'RC-{year}-{counter.last:04d}'


@operation
def file_case(case, *, user):
    """File a complete draft: it gets its number, and the managers are told."""
    next_state = _next_state(case, 'file', user)
    missing = [field for field, present in (('what_happened', case.what_happened), ('happened_on', case.happened_on),
                                            ('parties', case.parties)) if not present]
    if missing:
        raise refusal(_l('Before filing, say what happened, when, and who was involved.'), missing[0],
                      code='case.incomplete')
    now = now_utc()
    case.number = _take_number(now)
    case.filed_at = now
    _step(case, 'file', user, next_state)
    db.session.flush()
    link = link_to('case.show', case_id=case.id)
    for manager in active_managers():
        if manager.id != user.id:
            notify(manager, 'case_filed', link=link, number=case.number, startup=case.startup.name)
    logger.info('Case %s filed as %s by %s', case.id, case.number, user.id)
    return case


@operation
def discard_draft(case, *, user):
    """Delete a draft its side no longer means to file, with its evidence files (gone once committed)."""
    _next_state(case, 'discard', user)
    remove_all_attachments(case)
    logger.info('Draft case %s discarded by %s', case.id, user.id)
    db.session.delete(case)
    db.session.flush()


# --- acceptance and assessment ----------------------------------------------------------------

def _tell_filer(case, kind, **params):
    """The filer's side: the startup's owners for a case they filed, else the filing manager."""
    link = link_to('case.show', case_id=case.id)
    if case.origin == CaseOrigin.owner:
        readers = [m.user for m in case.startup.memberships if m.role.value == 'owner' and m.user.is_active]
    else:
        readers = [case.filer] if case.filer is not None and case.filer.is_active else []
    for reader in readers:
        notify(reader, kind, link=link, number=case.number, **params)


@operation
def accept_case(case, *, user, note=''):
    next_state = _next_state(case, 'accept', user)
    case.accepted_at = now_utc()
    _step(case, 'accept', user, next_state, _text(note, 'note', needed=False))
    db.session.flush()
    _tell_filer(case, 'case_accepted')
    return case


@operation
def decline_case(case, *, user, reason):
    next_state = _next_state(case, 'decline', user)
    reason = _text(reason, 'reason')
    case.declined_at = now_utc()
    case.decline_reason = reason
    _step(case, 'decline', user, next_state, reason)
    db.session.flush()
    _tell_filer(case, 'case_declined', reason=reason)
    return case


@operation
def assign_assessor(case, *, user, assessor):
    """A manager assigns the case to an active manager, who is told."""
    next_state = _next_state(case, 'assign', user)
    if assessor is None or not assessor.is_active or not assessor.has_role(Role.manager):
        raise refusal(_l('Choose an active manager to assess the case.'), 'assessor', code='case.bad_assessor')
    case.assessor_id = assessor.id
    case.assessor = assessor
    _step(case, 'assign', user, next_state, assessor.name)
    db.session.flush()
    notify(assessor, 'case_assigned', link=link_to('case.show', case_id=case.id), number=case.number,
           startup=case.startup.name)
    return case


def _finding(enum_class, value, field):
    try:
        return enum_class(value)
    except ValueError:
        raise refusal(_l('Give a finding on each of the three distinctions.'), field,
                      code='case.finding_required') from None


@operation
def submit_assessment(case, *, user, exploration, exploration_evidence, rule, rule_evidence, purpose,
                      purpose_evidence, diligence, remedies, item_ids=(), deadline_on=None):
    """The assessor's findings on the three distinctions with their evidence, the diligence shown, the remedies
    taken and the checklist items ticked; the case goes before the active cases committee (round 1)."""
    next_state = _next_state(case, 'assess', user)
    values = dict(
        exploration=_finding(ExplorationFinding, exploration, 'exploration'),
        exploration_evidence=_text(exploration_evidence, 'exploration_evidence'),
        rule=_finding(RuleFinding, rule, 'rule'), rule_evidence=_text(rule_evidence, 'rule_evidence'),
        purpose=_finding(PurposeFinding, purpose, 'purpose'),
        purpose_evidence=_text(purpose_evidence, 'purpose_evidence'),
        diligence=_text(diligence, 'diligence'), remedies=_text(remedies, 'remedies'))
    wanted = set(item_ids or ())
    items = db.session.execute(sa.select(ChecklistItem).where(ChecklistItem.id.in_(wanted),
                                                              ChecklistItem.is_active.is_(True))).scalars().all()
    if len(items) != len(wanted):
        raise refusal(_l('Tick only items of the current checklists.'), 'items', code='case.unknown_item')
    case.assessment = CaseAssessment(
        assessor_id=user.id, submitted_at=now_utc(), **values,
        checked_items=sorted(items, key=lambda item: (item.kind.value, item.position, item.id)))
    _put_before_committee(case, user, deadline_on)
    _step(case, 'assess', user, next_state)
    db.session.flush()
    return case


def _put_before_committee(case, user, deadline_on):
    committee = active_committee(CommitteePurpose.cases)
    if committee is None:
        raise Conflict(_l('No cases committee is active: an administrator sets one up first.'),
                       code='case.no_committee')
    db.session.flush()
    open_decision(committee, user=user, subject_kind=SUBJECT_KIND, subject_id=case.id, round=case.round,
                  deadline_on=deadline_on)


# --- the decision and its effects --------------------------------------------------------------

@operation
def decide_case(case, *, user, outcome, consequences, legal_basis, reclaim=None):
    """The chair records the committee's outcome: exempt, partly exempt (with the consequences), or not exempt,
    with its legal basis. ``reclaim`` maps each subsidy at stake (its id) to the fen to reclaim: none when exempt,
    all of it by default when not exempt; the rest is waived. The filer's side is told."""
    next_state = _next_state(case, 'decide', user)
    try:
        outcome = CaseOutcome(outcome)
    except ValueError:
        raise refusal(_l('Choose exempt, partly exempt or not exempt.'), 'outcome', code='case.bad_outcome') from None
    consequences = _text(consequences, 'consequences', needed=outcome != CaseOutcome.exempt)
    legal_basis = _text(legal_basis, 'legal_basis')
    amounts = _reclaimed(case, outcome, reclaim or {})
    decision = open_decision_of(case)
    if decision is None:
        raise Conflict(_l('This case has no open committee decision.'), code='case.wrong_state')
    record_outcome(decision, user=user, outcome=outcome.value, note=consequences)
    for subsidy in case.subsidies:
        subsidy.reclaim_fen = amounts[subsidy.id]
        subsidy.waived_fen = subsidy.amount_at_stake_fen - amounts[subsidy.id]
    case.outcome, case.consequences, case.legal_basis = outcome, consequences, legal_basis
    case.decided_at = now_utc()
    case.decided_by_id = user.id
    _step(case, 'decide', user, next_state)
    db.session.flush()
    _tell_filer(case, 'case_decided', outcome=outcome.value)
    logger.info('Case %s decided %s (round %s) by %s', case.id, outcome.value, case.round, user.id)
    return case


def _reclaimed(case, outcome, reclaim):
    amounts = {}
    for subsidy in case.subsidies:
        if outcome == CaseOutcome.exempt:
            amounts[subsidy.id] = 0
            continue
        default = subsidy.amount_at_stake_fen if outcome == CaseOutcome.not_exempt else 0
        amount = _fen(reclaim.get(subsidy.id, default), 'reclaim')
        if amount > subsidy.amount_at_stake_fen:
            raise refusal(_l('The amount to reclaim cannot exceed the amount at stake.'), 'reclaim',
                          code='case.bad_amount')
        amounts[subsidy.id] = amount
    return amounts


@operation
def record_case(case, *, user, filed_with_body_on, filing_reference):
    """Issue the decision letter (Chinese; English on request with :func:`issue_letter`) and record the filing
    with the supervising body. After round 1 the appeal period starts; an exemption restores the startup's
    suspended free booking quota."""
    next_state = _next_state(case, 'record', user)
    if not isinstance(filed_with_body_on, date):
        raise refusal(_l('Give the date the record was filed with the supervising body.'), 'filed_with_body_on',
                      code='case.bad_date')
    reference = _text(filing_reference, 'filing_reference', 100)
    now = now_utc()
    case.filed_with_body_on, case.filing_reference = filed_with_body_on, reference
    case.letter_issued_at = now
    if case.round == 1:
        case.appeal_deadline_at = working_deadline(now, current_app.config['CASE_APPEAL_WORKING_DAYS']).at
    _step(case, 'record', user, next_state, reference)
    db.session.flush()
    _issue(case, user, LETTER_LANGUAGES[0], now)
    if case.outcome.exempts and open_suspension(case.startup) is not None:
        restore_free_quota(case.startup, user=user, note=str(_l('Exempted by tolerance-for-failure case %(number)s.',
                                                                 number=case.number)))
    return case


def _issue(case, user, language, now):
    from incubator.cases.letters import render_letter
    letter = DecisionLetter(case=case, round=case.round, language=language, number=f'{case.number}-{case.round}',
                            issued_at=now, issued_by_id=user.id, html='')
    db.session.add(letter)
    db.session.flush()
    letter.html = render_letter(case, case.round, language)
    db.session.flush()
    return letter


@operation
def issue_letter(case, *, user, language):
    """The letter of the latest recorded round in another language (English on request), frozen as issued."""
    if language not in LETTER_LANGUAGES:
        raise refusal(_l('Choose Chinese or English.'), 'language', code='case.bad_language')
    if CaseRole.manager not in roles_in(user, case) or case.letter_issued_at is None:
        raise NotAllowed(_l('Only managers issue letters, once the case is recorded.'), code='case.not_allowed')
    if any(letter.round == case.round and letter.language == language for letter in case.letters):
        raise Conflict(_l('This letter is issued already.'), code='case.letter_issued')
    return _issue(case, user, language, now_utc())


# --- appeal, closing, entries ------------------------------------------------------------------

@operation
def appeal_case(case, *, user, reason, now=None):
    """The filer appeals once, within the working-day period after the letter; managers are told."""
    now = now or now_utc()
    next_state = _next_state(case, 'appeal', user)
    if case.appealed_at is not None:
        raise Conflict(_l('This case was appealed already: the decision on the appeal is final.'),
                       code='case.already_appealed')
    if case.appeal_deadline_at is None or now > case.appeal_deadline_at:
        raise Conflict(_l('The appeal period ended on %(date)s.'),
                       date=(case.appeal_deadline_at or now).astimezone(programme_timezone()).date().isoformat(),
                       code='case.appeal_too_late')
    reason = _text(reason, 'reason')
    case.appealed_at, case.appealed_by_id, case.appeal_reason = now, user.id, reason
    _step(case, 'appeal', user, next_state, reason)
    db.session.flush()
    link = link_to('case.show', case_id=case.id)
    for manager in active_managers():
        notify(manager, 'case_appealed', link=link, number=case.number)
    return case


@operation
def refer_appeal(case, *, user, deadline_on=None):
    """A manager puts the appeal before the committee: round 2, a new decision, final."""
    next_state = _next_state(case, 'refer', user)
    case.round = 2
    _put_before_committee(case, user, deadline_on)
    _step(case, 'refer', user, next_state)
    db.session.flush()
    return case


@operation
def close_case(case, *, user, now=None):
    """Close a recorded case once its decision is final or the appeal period is over."""
    now = now or now_utc()
    next_state = _next_state(case, 'close', user)
    if case.round < 2 and case.appeal_deadline_at is not None and now <= case.appeal_deadline_at:
        raise Conflict(_l('The appeal period runs until %(date)s: the case can be closed after it.'),
                       date=case.appeal_deadline_at.astimezone(programme_timezone()).date().isoformat(),
                       code='case.appeal_open')
    case.closed_at = now
    _step(case, 'close', user, next_state)
    db.session.flush()
    return case


@operation
def add_entry(case, *, user, text):
    """A dated correction or note on a decided case (the case itself stays as decided)."""
    _next_state(case, 'add_entry', user)
    entry = CaseEntry(case=case, author_id=user.id, created_at=now_utc(), text=_text(text, 'text'))
    db.session.add(entry)
    db.session.flush()
    return entry


# --- checklists (administrators) ----------------------------------------------------------------

def _require_admin(user):
    if not can(user, 'cases.configure_checklists'):
        raise NotAllowed(_l('Only administrators configure the checklists.'), code='case.not_allowed')


@operation
def save_checklist_item(item, *, user, kind, label_zh, label_en, position, is_active=True):
    """Create (``item`` None) or change a checklist item."""
    _require_admin(user)
    try:
        kind = ChecklistKind(kind)
    except ValueError:
        raise refusal(_l('Choose the kind of item.'), 'kind', code='case.bad_kind') from None
    if not isinstance(position, int) or not 0 <= position <= 10_000:
        raise refusal(_l('Give a position between 0 and 10000.'), 'position', code='case.bad_position')
    if item is None:
        item = ChecklistItem()
        db.session.add(item)
    item.kind = kind
    item.label_zh = _text(label_zh, 'label_zh', 300)
    item.label_en = _text(label_en, 'label_en', 300)
    item.position = position
    item.is_active = bool(is_active)
    db.session.flush()
    return item

