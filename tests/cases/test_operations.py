"""A case from filing to closure through an appeal, and each rule of the steps, by calling the operations."""
from datetime import date

import pytest
import sqlalchemy as sa

from incubator.booking.operations import suspend_free_quota
from incubator.booking.queries import open_suspension
from incubator.cases import operations
from incubator.cases.models import Case, CaseOrigin, CaseOutcome, CaseState, DecisionLetter
from incubator.committees.models import OpinionChoice
from incubator.committees.queries import decision_for
from incubator.extensions import db
from incubator.notifications.models import Notification
from tests.cases.conftest import FACTS, FINDINGS, after_deadline, reload
from tests.conftest import refused


def kinds_for(user):
    return [n.kind for n in db.session.execute(sa.select(Notification).where(Notification.user_id == user.id)
                                               .order_by(Notification.id)).scalars()]


def test_a_case_goes_from_filing_through_an_appeal_to_closure(world):
    suspend_free_quota(world.a, user=world.manager, reason='Project stopped')
    case = world.draft()
    assert case.state == CaseState.draft and case.number is None and case.origin == CaseOrigin.owner
    assert [(p.name, p.position) for p in case.parties] == FACTS['parties']
    assert [(s.funding_id, s.amount_at_stake_fen) for s in case.subsidies] == [(world.funding.id, 300_000_00)]

    operations.file_case(case, user=world.owner)
    assert case.number == 'RC-2026-0001' and case.state == CaseState.filed
    assert 'case_filed' in kinds_for(world.manager)
    operations.accept_case(case, user=world.manager, note='Complete')
    assert 'case_accepted' in kinds_for(world.owner)
    operations.assign_assessor(case, user=world.manager, assessor=world.assessor)
    assert case.state == CaseState.under_assessment and 'case_assigned' in kinds_for(world.assessor)
    operations.submit_assessment(case, user=world.assessor, item_ids=[world.items[0].id, world.items[2].id],
                                 **FINDINGS)
    assert case.state == CaseState.committee_review
    assert [item.id for item in case.assessment.checked_items] == [world.items[0].id, world.items[2].id]
    decision = decision_for('case', case.id, 1)
    assert decision.committee_id == world.committee.id and len(decision.seats) == 4
    db.session.commit()

    world.vote(case)
    operations.decide_case(case, user=world.chair, outcome='partly_exempt', consequences='A written warning.',
                           legal_basis='Article 5', reclaim={case.subsidies[0].id: 50_000_00})
    assert case.state == CaseState.decided and case.outcome == CaseOutcome.partly_exempt
    assert (case.subsidies[0].waived_fen, case.subsidies[0].reclaim_fen) == (250_000_00, 50_000_00)
    assert decision_for('case', case.id, 1).outcome == 'partly_exempt'
    assert 'case_decided' in kinds_for(world.owner)

    operations.record_case(case, user=world.manager, filed_with_body_on=date(2026, 7, 2), filing_reference='SB-7')
    assert case.state == CaseState.recorded and case.appeal_deadline_at > case.letter_issued_at
    assert [(letter.round, letter.language, letter.number) for letter in case.letters] == [
        (1, 'zh_Hans_CN', 'RC-2026-0001-1')]
    assert open_suspension(world.a) is None  # partly exempt: the startup keeps its free quota
    with refused('case.appeal_open'):
        operations.close_case(case, user=world.manager)

    operations.appeal_case(case, user=world.owner, reason='The warning is not deserved.')
    assert case.state == CaseState.appealed and 'case_appealed' in kinds_for(world.manager)
    operations.refer_appeal(case, user=world.manager)
    assert case.state == CaseState.committee_review and case.round == 2
    db.session.commit()
    world.vote(case)
    operations.decide_case(case, user=world.chair, outcome='exempt', consequences='', legal_basis='Article 5')
    assert case.is_final and case.subsidies[0].waived_fen == 300_000_00 and case.subsidies[0].reclaim_fen == 0
    operations.record_case(case, user=world.manager, filed_with_body_on=date(2026, 7, 20), filing_reference='SB-8')
    with refused('case.already_appealed'):
        operations.appeal_case(case, user=world.owner, reason='Again')
    operations.close_case(case, user=world.manager)
    db.session.commit()
    case = reload(case)
    assert case.state == CaseState.closed
    assert [step.action for step in case.steps] == ['create', 'file', 'accept', 'assign', 'assess', 'decide',
                                                    'record', 'appeal', 'refer', 'decide', 'record', 'close']
    assert all(step.actor_id for step in case.steps)
    assert {(letter.round, letter.language) for letter in case.letters} == {(1, 'zh_Hans_CN'), (2, 'zh_Hans_CN')}


def test_an_exempt_decision_restores_the_suspended_quota_and_not_exempt_records_the_claw_back(world):
    suspend_free_quota(world.a, user=world.manager, reason='Project stopped')
    exempt = world.recorded('exempt')
    assert open_suspension(world.a) is None
    assert exempt.subsidies[0].waived_fen == 300_000_00
    suspend_free_quota(world.a, user=world.manager, reason='Stopped again')
    not_exempt = world.recorded('not_exempt')
    assert open_suspension(world.a) is not None
    assert (not_exempt.subsidies[0].waived_fen, not_exempt.subsidies[0].reclaim_fen) == (0, 300_000_00)


def test_numbers_count_up_within_a_year(world):
    numbers = [world.filed().number for _ in range(3)]
    assert numbers == ['RC-2026-0001', 'RC-2026-0002', 'RC-2026-0003']


def test_a_filing_about_another_startups_project_is_refused(world):
    for user in (world.other_owner, world.member, world.chair, world.admin, world.nobody):
        with refused('case.foreign_project'):
            operations.create_case(world.project, user=user, **FACTS)
    assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0


def test_a_manager_files_and_is_the_one_who_may_appeal(world):
    case = world.recorded(by=world.manager)
    assert case.origin == CaseOrigin.manager
    with refused('case.not_allowed'):
        operations.appeal_case(case, user=world.owner, reason='Mine')
    operations.appeal_case(case, user=world.manager, reason='New facts')
    assert case.state == CaseState.appealed


def test_an_appeal_after_its_deadline_or_a_second_one_is_refused(world):
    case = world.recorded()
    with refused('case.appeal_too_late'):
        operations.appeal_case(case, user=world.owner, reason='Late', now=after_deadline(case))
    assert case.state == CaseState.recorded and case.appealed_at is None
    operations.close_case(case, user=world.manager, now=after_deadline(case))
    assert case.state == CaseState.closed


def test_a_decided_case_cannot_be_edited_but_takes_dated_entries(world):
    case = world.decided()
    with refused('case.decided'):
        operations.update_case(case, user=world.manager, **FACTS, subsidies={})
    db.session.commit()
    assert reload(case).what_happened == FACTS['what_happened']
    case = reload(case)
    operations.add_entry(case, user=world.manager, text='The losses were 100,000 yuan, not 120,000.')
    db.session.commit()
    assert [entry.text for entry in reload(case).entries] == ['The losses were 100,000 yuan, not 120,000.']


def test_filing_needs_the_facts_and_subsidies_must_be_the_projects(world):
    case = operations.create_case(world.project, user=world.owner)
    with refused('case.incomplete'):
        operations.file_case(case, user=world.owner)
    assert case.state == CaseState.draft and case.number is None
    with refused('case.bad_amount'):
        operations.update_case(case, user=world.owner, **FACTS, subsidies={world.funding.id: 600_000_00})
    with refused('case.foreign_funding'):
        operations.update_case(case, user=world.owner, **FACTS, subsidies={world.funding.id + 99: 1})
    with refused('case.future_date'):
        operations.update_case(case, user=world.owner, **{**FACTS, 'happened_on': date(2100, 1, 1)}, subsidies={})


def test_decline_needs_a_reason_and_tells_the_filer(world):
    case = world.filed()
    with refused('case.required'):
        operations.decline_case(case, user=world.manager, reason='  ')
    operations.decline_case(case, user=world.manager, reason='Not a failure of innovation.')
    assert case.state == CaseState.declined and 'case_declined' in kinds_for(world.owner)


def test_the_assessment_needs_every_finding_and_current_checklist_items(world):
    case = world.under_assessment()
    with refused('case.finding_required'):
        operations.submit_assessment(case, user=world.assessor, **{**FINDINGS, 'rule': ''})
    with refused('case.unknown_item'):
        operations.submit_assessment(case, user=world.assessor, item_ids=[999_999], **FINDINGS)
    with refused('case.not_allowed'):
        operations.submit_assessment(case, user=world.manager, **FINDINGS)
    assert case.state == CaseState.under_assessment and case.assessment is None
    assert decision_for('case', case.id) is None


def test_the_chair_decides_only_with_the_quorum_and_a_stand_in_chairs_for_a_recused_chair(world):
    case = world.before_committee()
    decision = decision_for('case', case.id, 1)
    with refused('committees.no_quorum'):
        operations.decide_case(case, user=world.chair, outcome='exempt', consequences='', legal_basis='Art. 5')
    assert case.state == CaseState.committee_review and case.outcome is None
    from incubator.committees import operations as committees
    committees.declare_conflict(decision, user=world.chair, reason='Shareholder')
    db.session.commit()
    with refused('case.not_allowed'):
        operations.decide_case(case, user=world.chair, outcome='exempt', consequences='', legal_basis='Art. 5')
    world.vote(case, recuse=False, choices=(OpinionChoice.for_, OpinionChoice.against))
    stand_in = decision_for('case', case.id, 1).acting_chair.user
    operations.decide_case(case, user=stand_in, outcome='not_exempt', consequences='Reclaim all.',
                           legal_basis='Art. 7')
    assert case.outcome == CaseOutcome.not_exempt


def test_partly_exempt_needs_its_consequences_and_amounts_stay_within_the_stake(world):
    case = world.before_committee()
    world.vote(case)
    with refused('case.required'):
        operations.decide_case(case, user=world.chair, outcome='partly_exempt', consequences='', legal_basis='A5')
    with refused('case.bad_amount'):
        operations.decide_case(case, user=world.chair, outcome='partly_exempt', consequences='Warning',
                               legal_basis='A5', reclaim={case.subsidies[0].id: 300_000_01})
    assert decision_for('case', case.id, 1).outcome is None


def test_a_letter_keeps_its_text_when_the_template_changes(world, app):
    case = world.recorded()
    letter = case.letters[0]
    assert case.number in letter.html and 'Article 5' in letter.html
    frozen = letter.html
    app.jinja_env.cache.clear()
    app.jinja_loader.searchpath.insert(0, str(_override(app)))
    try:
        english = operations.issue_letter(case, user=world.manager, language='en')
        assert 'CHANGED TEMPLATE' in english.html
    finally:
        app.jinja_loader.searchpath.pop(0)
        app.jinja_env.cache.clear()
    db.session.commit()
    assert db.session.get(DecisionLetter, letter.id).html == frozen
    with refused('case.letter_issued'):
        operations.issue_letter(case, user=world.manager, language='en')


def _override(app):
    import tempfile
    from pathlib import Path
    folder = Path(tempfile.mkdtemp())
    (folder / 'cases').mkdir()
    (folder / 'cases' / 'letter.html').write_text('<p>CHANGED TEMPLATE {{ case.number }}</p>')
    return folder


def test_a_stopped_review_leaves_a_draft_case_linked_to_it(world):
    from datetime import UTC, datetime

    from incubator.projects.reviews.models import ProgressReview
    from incubator.projects.reviews.operations import decide_review, open_reviews
    open_reviews(datetime(2026, 7, 1, 2, tzinfo=UTC))
    review = db.session.execute(sa.select(ProgressReview)).scalar_one()
    decide_review(review, user=world.manager, outcome='stop', findings='No market.', ratings={})
    db.session.commit()
    case = db.session.execute(sa.select(Case)).scalar_one()
    assert (case.origin, case.review_id, case.state, case.filer_id) == (
        CaseOrigin.review, review.id, CaseState.draft, world.manager.id)
    assert [s.amount_at_stake_fen for s in case.subsidies] == [500_000_00]
    assert [p.name for p in case.parties] == ['Dr Li']


@pytest.mark.parametrize('text', ['Li Lei, engineer', 'Li Lei，工程师', 'Li Lei、工程师', 'Li Lei'])
def test_people_involved_are_read_one_per_line(text):
    name, *_ = operations.parse_parties(f'\n{text}\n\n')[0]
    assert name == 'Li Lei'
