"""The request's life through the operations, with dates across the National Day holiday of 2026 and its make-up
working days, and the refusals that leave nothing changed."""
import pytest
import sqlalchemy as sa

from incubator.committees import operations as committee_operations
from incubator.committees.queries import decision_for
from incubator.core.errors import Conflict, DomainError, NotAllowed
from incubator.extensions import db
from incubator.greenchannel import operations
from incubator.greenchannel.models import (
    EventKind,
    GreenRequest,
    OpinionKind,
    Outcome,
    RequestState,
    ReviewState,
    StageKind,
)
from incubator.notifications.models import Notification
from tests.greenchannel.conftest import at, reload


def notified(user, kind):
    return db.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)).scalar()


def test_filing_saves_a_draft_then_submits_it_to_the_service_contact(green):
    request = green.draft()
    assert request.state == RequestState.draft and request.events[0].kind == EventKind.filed
    assert notified(green.contact, 'green_submitted') == 0
    operations.submit_request(request, user=green.owner, now=at('2026-09-30'))
    assert request.state == RequestState.submitted and request.service_contact_id == green.contact.id
    assert notified(green.contact, 'green_submitted') == 1
    # Two working days after Wednesday 30 September: 1-7 October are off, so Friday 9 October.
    assert request.stage(StageKind.completeness).due_at == at('2026-10-09')
    # The promise of 15 working days counts the make-up Saturday 10 October.
    assert request.whole_stage.due_at == at('2026-10-27')


def test_a_return_lists_everything_missing_and_stops_the_clocks_until_the_answer(green):
    request = green.submitted()
    operations.return_request(request, user=green.contact, items=['Lease draft', ' ', 'ID of the lead'],
                              note='Both please', now=at('2026-10-08'))
    assert request.state == RequestState.returned
    assert [item.text for item in request.returns[0].items] == ['Lease draft', 'ID of the lead']
    check = request.stage(StageKind.completeness)
    assert check.is_paused and not check.is_overdue_at(at('2026-10-20'))
    assert notified(green.owner, 'green_returned') == 1
    operations.resubmit_request(request, user=green.owner, answer='Attached both', now=at('2026-10-10'))
    # Paused over Friday 9 and the make-up Saturday 10 October: two working days added to the deadline.
    assert check.paused_working_days == 2 and check.pauses[0].working_days == 2
    assert check.due_at == at('2026-10-12')
    assert request.whole_stage.due_at == at('2026-10-29')
    assert request.state == RequestState.submitted and request.returns[0].answer == 'Attached both'


def test_a_return_without_anything_missing_is_refused_and_changes_nothing(green):
    request = green.submitted()
    with pytest.raises(DomainError) as refused:
        operations.return_request(request, user=green.contact, items=['', '  '], now=at('2026-10-08'))
    assert refused.value.code == 'greenchannel.nothing_missing'
    request = reload(request)
    assert request.state == RequestState.submitted and request.returns == []
    assert not request.stage(StageKind.completeness).is_paused


def test_a_request_for_another_startup_or_its_project_is_refused(green):
    with pytest.raises(NotAllowed) as refused:
        operations.save_draft(None, user=green.owner, startup=green.other, project=green.other_project,
                              category=green.category, needed='x', amount_fen=1, area_m2=1)
    assert refused.value.code == 'greenchannel.not_owner'
    with pytest.raises(NotAllowed) as refused:
        operations.save_draft(None, user=green.owner, startup=green.startup, project=green.other_project,
                              category=green.category, needed='x', amount_fen=1, area_m2=1)
    assert refused.value.code == 'greenchannel.not_own_project'
    with pytest.raises(NotAllowed):
        operations.save_draft(None, user=green.member, startup=green.startup, project=green.project,
                              category=green.category, needed='x')
    assert db.session.execute(sa.select(GreenRequest)).first() is None


def test_acceptance_routes_to_several_departments_at_once_each_with_its_clock(green):
    request = green.routed()
    assert request.state == RequestState.in_review and request.stage(StageKind.completeness).met is True
    assert {review.department_id for review in request.reviews} == {green.land.id, green.housing.id}
    stages = [request.stage(StageKind.department, review) for review in request.reviews]
    # Five working days from Wednesday 30 September: 8, 9, 10 (make-up Saturday), 12, 13 October.
    assert {stage.due_at for stage in stages} == {at('2026-10-13', 15)}
    assert notified(green.land_reviewer, 'green_routed') == 1 and notified(green.housing_reviewer, 'green_routed') == 1


def test_an_opinion_from_a_department_not_routed_to_is_refused(green, app):
    request = green.submitted()
    operations.accept_request(request, user=green.contact, departments=[green.land], now=at('2026-10-08'))
    with pytest.raises(NotAllowed) as refused:
        operations.give_opinion(request, green.housing, user=green.housing_reviewer, opinion='support')
    assert refused.value.code == 'greenchannel.not_routed'
    with pytest.raises(NotAllowed) as refused:
        operations.give_opinion(request, green.land, user=green.housing_reviewer, opinion='support')
    assert refused.value.code == 'greenchannel.not_reviewer'
    assert reload(request).reviews[0].state == ReviewState.pending


def test_a_question_pauses_only_that_departments_clock(green):
    request = green.routed()
    land, housing = request.review_of(green.land), request.review_of(green.housing)
    operations.ask_question(request, green.land, user=green.land_reviewer, question='Which floor?',
                            now=at('2026-10-09'))
    assert land.state == ReviewState.asking and request.stage(StageKind.department, land).is_paused
    assert not request.stage(StageKind.department, housing).is_paused
    assert notified(green.owner, 'green_question') == 1
    operations.answer_question(land, user=green.owner, answer='Ground floor', now=at('2026-10-12'))
    # Paused on Friday 9, answered Monday 12 October: the make-up Saturday and Monday are added.
    assert request.stage(StageKind.department, land).due_at == at('2026-10-15', 15)
    assert land.state == ReviewState.pending


def test_the_last_opinion_sends_the_request_to_the_committee(green):
    request = green.routed()
    operations.give_opinion(request, green.land, user=green.land_reviewer, opinion='support', now=at('2026-10-09'))
    assert request.state == RequestState.in_review
    with pytest.raises(DomainError) as refused:
        operations.give_opinion(request, green.housing, user=green.housing_reviewer, opinion='oppose')
    assert refused.value.code == 'greenchannel.comment_required'
    operations.give_opinion(request, green.housing, user=green.housing_reviewer,
                            opinion=OpinionKind.support_with_conditions, comment='Only the east wing',
                            now=at('2026-10-10'))
    request = reload(request)
    assert request.state == RequestState.in_committee and not request.opinions_incomplete
    decision = decision_for('green_request', request.id)
    assert {seat.user_id for seat in decision.seats} == {green.chair.id, *(voter.id for voter in green.voters)}
    assert request.stage(StageKind.committee).due_at == at('2026-10-16', 10)


def test_a_decision_before_quorum_is_refused_then_a_partial_approval_is_recorded(green):
    request = green.routed()
    for department, reviewer in ((green.land, green.land_reviewer), (green.housing, green.housing_reviewer)):
        operations.give_opinion(request, department, user=reviewer, opinion='support', now=at('2026-10-09'))
    decision = decision_for('green_request', request.id)
    committee_operations.record_opinion(decision, user=green.chair, choice='for')
    with pytest.raises(Conflict) as refused:
        operations.decide_request(request, user=green.chair, outcome='partly_approved', granted='200 m²',
                                  reasons='Only 200 m² free')
    assert refused.value.code == 'committees.no_quorum'
    assert reload(request).state == RequestState.in_committee and decision_for(
        'green_request', request.id).decided_at is None
    with pytest.raises(NotAllowed):
        operations.decide_request(request, user=green.voters[0], outcome='approved')
    committee_operations.record_opinion(decision, user=green.voters[0], choice='for_with_conditions',
                                        comment='200 m² only')
    with pytest.raises(DomainError) as refused:
        operations.decide_request(request, user=green.chair, outcome='partly_approved', reasons='Space')
    assert refused.value.code == 'greenchannel.granted_required'
    operations.decide_request(request, user=green.chair, outcome='partly_approved', granted='200 m² for a year',
                              reasons='Only 200 m² free', now=at('2026-10-14'))
    request = reload(request)
    assert request.state == RequestState.in_notice and request.outcome == Outcome.partly_approved
    assert request.whole_stage.met is True and request.stage(StageKind.committee).met is True
    assert decision_for('green_request', request.id).outcome == 'partly_approved'
    assert notified(green.owner, 'green_decided') == 1


def test_a_rejection_closes_the_request(green):
    request = green.rejected(green.opposed(green.routed()))
    assert reload(request).state == RequestState.closed


def test_messages_reach_everyone_working_on_the_request_but_the_author(green):
    request = green.routed()
    operations.post_message(request, user=green.owner, body='Can we visit the site?')
    for person in (green.member, green.contact, green.land_reviewer, green.housing_reviewer):
        assert notified(person, 'green_message') == 1
    assert notified(green.owner, 'green_message') == 0 and notified(green.nobody, 'green_message') == 0


def test_the_service_contact_must_be_a_manager(green):
    with pytest.raises(DomainError) as refused:
        operations.set_service_contact(green.startup, user=green.admin, contact=green.nobody)
    assert refused.value.code == 'greenchannel.contact_not_manager'
    db.session.expire_all()
    assert green.startup.service_contact_id == green.contact.id


def test_each_reader_is_told_in_their_language_with_names_dates_and_decisions_in_their_words(green):
    """Departments and categories by their name in the reader's language, dates as pages write them, an opinion and
    a decision by their label: never a Chinese name to an English reader, an ISO date or an enum's value."""
    from flask_babel import force_locale

    from incubator.notifications.kinds import render_title

    def told(user, kind):
        note = db.session.execute(sa.select(Notification).where(
            Notification.user_id == user.id, Notification.kind == kind)).scalars().one()
        with force_locale(user.locale):
            return render_title(note.kind, note.params)

    green.owner.locale = green.land_reviewer.locale = 'en'
    green.contact.locale = green.housing_reviewer.locale = 'zh_CN'
    request = green.submitted()
    # Two working days from Wednesday 30 September, before the National Day holiday.
    assert told(green.contact, 'green_submitted') == (
        f'{green.startup.name}提交了绿色通道申请{request.reference}（人才住房与场地）：请于2026年10月9日前完成材料完整性审查。')
    with force_locale('en'):
        note = db.session.execute(sa.select(Notification).filter_by(kind='green_submitted')).scalar_one()
        assert render_title(note.kind, note.params) == (
            f'{green.startup.name} submitted green-channel request {request.reference} (Talent housing and space): '
            'check it is complete by Oct 9, 2026.')
    operations.accept_request(request, user=green.contact, departments=[green.land, green.housing],
                              now=at('2026-09-30', 15))
    assert told(green.land_reviewer, 'green_routed') == (
        f'Green-channel request {request.reference} of {green.startup.name} awaits the opinion of Natural resources '
        'by Oct 13, 2026.')
    assert '待住房和城乡建设局于2026年10月13日前出具意见' in told(green.housing_reviewer, 'green_routed')
    assert told(green.owner, 'green_accepted') == (
        f'Green-channel request {request.reference} is accepted and routed to: Natural resources, Housing.')

    operations.give_opinion(request, green.land, user=green.land_reviewer, opinion='oppose', comment='No space',
                            now=at('2026-10-09'))
    assert told(green.contact, 'green_opinion') == f'自然资源局已对绿色通道申请{request.reference}出具意见：不同意。'
    operations.give_opinion(request, green.housing, user=green.housing_reviewer, opinion='oppose', comment='No',
                            now=at('2026-10-09'))
    green.rejected(request)
    assert told(green.owner, 'green_decided') == (
        f'The committee decided green-channel request {request.reference}: Rejected.')
    assert told(green.contact, 'green_decided') == f'评审委员会已对绿色通道申请{request.reference}作出决定：不予批准。'


def test_a_notification_written_before_its_params_were_kept_readable_still_reads(green, app):
    """Older notifications held the opinion's label in the writer's language and no English names: shown as kept."""
    from flask_babel import force_locale

    from incubator.notifications.kinds import render_title
    with force_locale('en'):
        assert render_title('green_opinion', {'department': '自然资源局', 'reference': 'GC-00001',
                                              'opinion': '不同意'}) == (
            '自然资源局 gave its opinion on green-channel request GC-00001: 不同意.')
        assert render_title('green_reminder', {'reference': 'GC-00001', 'stage': 'completeness',
                                               'due': 'not a date'}).endswith('is due by not a date.')
