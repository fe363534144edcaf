"""The daily deadline job: reminders one working day before, escalations after, once per stage and day; the
request moves to the committee once every opinion is in or the silent departments' deadlines have passed."""
import sqlalchemy as sa

from incubator.committees import operations as committee_operations
from incubator.committees.queries import decision_for
from incubator.extensions import db
from incubator.greenchannel import operations
from incubator.greenchannel.models import EscalationSent, EventKind, Outcome, RequestState, ReviewState, StageKind
from incubator.notifications.models import Notification
from incubator.scheduling.registry import get_job
from tests.greenchannel.conftest import at, reload


def notices(user, kind):
    return db.session.execute(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)).scalar()


def test_the_whole_way_across_national_day_with_a_missed_deadline(green):
    """Filing, a return (paused time shown), routing to two departments, a question, one opinion, a missed
    deadline escalated, the committee, a partial approval; the promise kept despite the holiday."""
    request = green.submitted(now=at('2026-09-30'))
    operations.return_request(request, user=green.contact, items=['Lease draft'], now=at('2026-10-08'))
    operations.resubmit_request(request, user=green.owner, answer='Attached', now=at('2026-10-10'))
    assert request.stage(StageKind.completeness).paused_working_days == 2
    operations.accept_request(request, user=green.contact, departments=[green.land, green.housing],
                              now=at('2026-10-12'))
    land, housing = request.review_of(green.land), request.review_of(green.housing)
    assert request.stage(StageKind.department, housing).due_at == at('2026-10-19')
    operations.ask_question(request, green.land, user=green.land_reviewer, question='Floor?', now=at('2026-10-13'))

    # Friday 16 October: the housing opinion is due on Monday 19, the next working day.
    counts = operations.escalate(at('2026-10-16', 8, 40))
    assert counts == {'to_committee': 0, 'reminders': 1, 'escalations': 0}
    assert notices(green.housing_reviewer, 'green_reminder') == 1
    assert operations.escalate(at('2026-10-16', 9))['reminders'] == 0

    # Tuesday 20: housing is late; land waits for the answer, so the request stays with the departments.
    counts = operations.escalate(at('2026-10-20', 8, 40))
    assert counts == {'to_committee': 0, 'reminders': 0, 'escalations': 1}
    assert notices(green.housing_head, 'green_escalated') == 1 and notices(green.chair, 'green_escalated') == 1
    assert notices(green.land_head, 'green_escalated') == 0
    assert operations.escalate(at('2026-10-20', 18))['escalations'] == 0
    assert operations.escalate(at('2026-10-21', 8, 40))['escalations'] == 1
    assert db.session.execute(sa.select(sa.func.count()).select_from(EscalationSent)).scalar() == 3
    assert reload(request).is_overdue_at(at('2026-10-21'))

    operations.answer_question(land, user=green.owner, answer='Ground', now=at('2026-10-21', 11))
    operations.give_opinion(request, green.land, user=green.land_reviewer, opinion='support', now=at('2026-10-21', 14))
    assert request.state == RequestState.in_review  # housing has not answered, but its deadline passed
    counts = operations.escalate(at('2026-10-22', 8, 40))
    assert counts['to_committee'] == 1
    request = reload(request)
    assert request.state == RequestState.in_committee and request.opinions_incomplete
    housing = request.review_of(green.housing)
    assert housing.state == ReviewState.lapsed
    assert request.stage(StageKind.department, housing).met is False
    assert EventKind.escalated in {event.kind for event in request.events}

    decision = decision_for('green_request', request.id)
    for member in (green.chair, green.voters[0]):
        committee_operations.record_opinion(decision, user=member, choice='for')
    operations.decide_request(request, user=green.chair, outcome='partly_approved', granted='200 m² for a year',
                              reasons='Housing did not answer', now=at('2026-10-23'))
    request = reload(request)
    assert request.outcome == Outcome.partly_approved and request.state == RequestState.in_notice
    whole = request.whole_stage
    # 15 working days from 30 September, plus the 2 paused: 29 October; decided on the 23rd.
    assert whole.due_at == at('2026-10-29') and whole.met is True


def test_the_job_is_registered_and_does_nothing_twice(green):
    request = green.routed(now=at('2026-09-01'))
    job = get_job('greenchannel.escalate')
    first = job.func(None, at('2026-12-01', 8, 40))
    assert first['to_committee'] == 1  # both departments silent past their deadlines
    assert reload(request).state == RequestState.in_committee
    again = job.func(None, at('2026-12-01', 9))
    assert again == {'to_committee': 0, 'reminders': 0, 'escalations': 0}


def test_no_reminders_on_a_day_off(green):
    # Routed on Thursday 24 September: the 25th is Mid-autumn, 1-7 October National Day, so five working days
    # end on Friday 9 October.
    request = green.routed(now=at('2026-09-24'))
    assert {stage.due_at for stage in request.stages if stage.kind == StageKind.department} == {at('2026-10-09')}
    assert operations.escalate(at('2026-09-30', 8, 40))['reminders'] == 0
    assert operations.escalate(at('2026-10-04', 8, 40))['reminders'] == 0
    assert operations.escalate(at('2026-10-08', 8, 40))['reminders'] == 2
