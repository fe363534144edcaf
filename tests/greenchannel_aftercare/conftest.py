"""A startup (owner, member) with a project and its service contact; a green-channel committee of three; a lab
that asks for a certification; a category with a 7-day public notice and one without; and a request approved in
part just before the National Day holiday of 2026 (Oct 1-7 off), built directly in the state the committee's
decision leaves it in, since the steps before belong to the core of the domain."""
from dataclasses import dataclass

import pytest

from incubator.committees import operations as committee_operations
from incubator.committees import registry
from incubator.committees.models import Decision
from incubator.extensions import db
from incubator.greenchannel.models import GreenRequest, Outcome, RequestCategory, RequestState
from incubator.notifications.operations import link_to
from tests.factories import CertificationFactory, SpaceFactory
from tests.greenchannel.conftest import at, startups_people_and_projects

KIND = 'green_request'


@dataclass
class AfterWorld:
    startup: object
    other: object
    owner: object
    member: object
    other_owner: object
    contact: object
    manager: object
    admin: object
    chair: object
    voters: list
    nobody: object
    project: object
    other_project: object
    noticed: RequestCategory
    plain: RequestCategory
    lab: object
    certification: object
    committee: object

    def decided(self, category=None, outcome=Outcome.partly_approved, startup=None, decided_at=None):
        """A request the committee approved (in part) in its first round."""
        startup = startup or self.startup
        request = GreenRequest(startup=startup, project=self.project if startup is self.startup
                               else self.other_project, category=category or self.noticed,
                               filed_by=self.owner, service_contact=self.contact, state=RequestState.decided,
                               needed='A 300 m² lab and 500,000 yuan', justification='Pilot line',
                               amount_fen=50_000_000, outcome=outcome, granted='The lab for six months',
                               decision_reasons='Funding later', submitted_at=at('2026-09-21'),
                               decided_at=decided_at or at('2026-09-29'))
        db.session.add(request)
        db.session.flush()
        decision = committee_operations.open_decision(self.committee, user=self.manager, subject_kind=KIND,
                                                      subject_id=request.id)
        decision.outcome = outcome.value
        db.session.commit()
        return request


@pytest.fixture
def after(app):
    created = KIND not in registry._by_kind
    if created:
        registry.register_subject(KIND, model=GreenRequest, view_permission='green_aftercare.view',
                                  url=lambda request: link_to('green_aftercare.show', green_request_id=request.id))
    site, people = startups_people_and_projects()
    certification = CertificationFactory(name='Wet lab safety')
    lab = SpaceFactory(site=site, name='Wet lab', certification=certification)
    noticed = RequestCategory(name_zh='人才住房与场地', name_en='Talent housing and space', needs_notice=True,
                              notice_days=7, public_fields='startup,granted,notice_period')
    plain = RequestCategory(name_zh='实验室使用', name_en='Lab access', needs_notice=False)
    db.session.add_all([noticed, plain])
    committee = committee_operations.create_committee(
        user=people['admin'], name='Green-channel committee', purpose='greenchannel', chair=people['chair'],
        members=[people['chair'], *people['voters']])
    db.session.commit()
    yield AfterWorld(**people, noticed=noticed, plain=plain, lab=lab, certification=certification,
                     committee=committee)
    if created:
        registry.unregister_subject(KIND)


def rounds_of(request):
    return sorted(decision.round for decision in db.session.query(Decision).filter_by(
        subject_kind=KIND, subject_id=request.id))
