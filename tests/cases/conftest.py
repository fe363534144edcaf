"""Startup A (an owner, a plain member) with a funded project, startup B's owner, two managers (one to assess), an
administrator, a cases committee of four (the chair first) and a committee member not on it, a user with no role,
and the checklists; helpers that walk a case through its steps."""
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from incubator.auth.models import MembershipRole
from incubator.cases import operations
from incubator.cases.models import Case, ChecklistKind
from incubator.committees import operations as committees
from incubator.committees.models import Committee, OpinionChoice
from incubator.committees.queries import decision_for
from incubator.extensions import db
from incubator.projects import operations as projects
from incubator.projects.models import FundingKind, Project, ProjectField, ReviewCadence
from incubator.startups.models import Startup, StartupMembership
from tests.factories import SiteFactory, StartupFactory, UserFactory

EN = {'Accept-Language': 'en'}
#: Roles of the matrices: what each user is to the world's case.
ROLES = ('owner', 'member', 'other_startup', 'manager', 'assessor', 'committee', 'chair', 'recused', 'outsider',
         'admin', 'nobody')
FACTS = {'what_happened': 'The prototype line failed its safety test; the pilot customer withdrew.',
         'happened_on': date(2026, 5, 10), 'losses_fen': 120_000_00, 'rules_in_force': 'Municipal rules of 2025',
         'parties': [('Dr Li', 'Project lead'), ('Wang Wei', 'Engineer')]}
FINDINGS = {'exploration': 'exploration', 'exploration_evidence': 'First product of its kind.',
            'rule': 'no_rule_yet', 'rule_evidence': 'No standard existed.',
            'purpose': 'for_development', 'purpose_evidence': 'No personal gain found.',
            'diligence': 'Board minutes and expert review.', 'remedies': 'Recall and refund within a week.'}


@dataclass
class CaseWorld:
    a: Startup
    b: Startup
    owner: object
    member: object
    other_owner: object
    manager: object
    assessor: object
    admin: object
    chair: object
    members: list
    outsider: object
    nobody: object
    project: Project
    funding: object
    committee: Committee
    items: list

    def user(self, role):
        return {'owner': self.owner, 'member': self.member, 'other_startup': self.other_owner,
                'manager': self.manager, 'assessor': self.assessor, 'committee': self.members[1],
                'chair': self.chair, 'recused': self.members[3], 'outsider': self.outsider, 'admin': self.admin,
                'nobody': self.nobody}[role]

    # --- the steps -----------------------------------------------------------------------------

    def draft(self, by=None, **facts):
        case = operations.create_case(self.project, user=by or self.owner, subsidies={self.funding.id: 300_000_00},
                                      **{**FACTS, **facts})
        db.session.commit()
        return case

    def filed(self, **kwargs):
        case = self.draft(**kwargs)
        operations.file_case(case, user=case.filer)
        db.session.commit()
        return case

    def under_assessment(self, **kwargs):
        case = self.filed(**kwargs)
        operations.accept_case(case, user=self.manager)
        operations.assign_assessor(case, user=self.manager, assessor=self.assessor)
        db.session.commit()
        return case

    def before_committee(self, **kwargs):
        case = self.under_assessment(**kwargs)
        operations.submit_assessment(case, user=self.assessor, item_ids=[self.items[0].id], **FINDINGS)
        db.session.commit()
        return case

    def vote(self, case, choices=(OpinionChoice.for_, OpinionChoice.for_), recuse=True):
        """Member 3 declares a conflict; members 1 and 2 vote (3 eligible: a quorum of 2 of them)."""
        decision = decision_for('case', case.id, case.round)
        if recuse and decision.recusal_of(self.members[3]) is None:
            committees.declare_conflict(decision, user=self.members[3], reason='Former adviser of the startup')
        for member, choice in zip(self.members[1:3], choices, strict=False):
            committees.record_opinion(decision, user=member, choice=choice, comment='Reasons')
        db.session.commit()
        return decision

    def decided(self, outcome='exempt', **kwargs):
        case = self.before_committee(**kwargs)
        self.vote(case)
        operations.decide_case(case, user=self.chair, outcome=outcome, consequences='A written warning.',
                               legal_basis='Article 5 of the municipal rules')
        db.session.commit()
        return case

    def recorded(self, outcome='exempt', **kwargs):
        case = self.decided(outcome, **kwargs)
        operations.record_case(case, user=self.manager, filed_with_body_on=date(2026, 7, 2), filing_reference='SB-1')
        db.session.commit()
        return case


@pytest.fixture
def world(app):
    site = SiteFactory()
    a, b = StartupFactory(site=site, name='Alpha Robotics'), StartupFactory(site=site, name='Beta Biotech')
    owner, member, other_owner = (UserFactory(name='Olivia Owner'), UserFactory(name='Mark Member'),
                                  UserFactory(name='Bob Owner'))
    db.session.add_all([StartupMembership(startup=a, user=owner, role=MembershipRole.owner),
                        StartupMembership(startup=a, user=member, role=MembershipRole.member),
                        StartupMembership(startup=b, user=other_owner, role=MembershipRole.owner)])
    manager = UserFactory(name='Mia Manager', roles=['manager'])
    assessor = UserFactory(name='Sam Assessor', roles=['manager'])
    admin = UserFactory(name='Ada Admin', roles=['admin'])
    chair = UserFactory(name='Chen Chair', roles=['committee'])
    members = [chair] + [UserFactory(name=f'Member {n}', roles=['committee']) for n in (1, 2, 3)]
    outsider = UserFactory(name='Otto Outsider', roles=['committee'])
    nobody = UserFactory(name='Nora Nobody')
    db.session.commit()
    project = projects.create_project(
        manager, a, title='Service robot', field=ProjectField.advanced_manufacturing, lead_name='Dr Li',
        start_date=date(2026, 1, 1), planned_end_date=date(2026, 12, 31), review_cadence=ReviewCadence.quarterly,
        manager=manager)
    funding = projects.record_funding(manager, project, kind=FundingKind.subsidy, amount_fen=500_000_00,
                                      granted_on=date(2026, 2, 1))
    committee = committees.create_committee(user=admin, name='Case committee', purpose='cases', chair=chair,
                                            members=members)
    items = [operations.save_checklist_item(None, user=admin, kind=kind, label_zh=zh, label_en=en, position=n)
             for n, (kind, zh, en) in enumerate([
                 (ChecklistKind.diligence_condition, '决策程序合规', 'The decision process was followed'),
                 (ChecklistKind.diligence_condition, '未谋取私利', 'No personal gain'),
                 (ChecklistKind.exempt_situation, '高风险项目失败', 'A failed high-risk funded project')])]
    db.session.commit()
    return CaseWorld(a=a, b=b, owner=owner, member=member, other_owner=other_owner, manager=manager,
                     assessor=assessor, admin=admin, chair=chair, members=members, outsider=outsider, nobody=nobody,
                     project=project, funding=funding, committee=committee, items=items)


def after_deadline(case):
    return case.appeal_deadline_at + timedelta(seconds=1)


def reload(case):
    db.session.expire_all()
    return db.session.get(Case, case.id)

