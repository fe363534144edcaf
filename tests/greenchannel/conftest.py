"""A startup with an owner, a member and a project; its service contact; two departments with a reviewer and a
head each; a green-channel committee of three; a category reviewed by both departments; another startup; and
the people with nothing to do with it. Dates sit around the National Day holiday of 2026 (Oct 1-7 off; Sep 20 and
Oct 10, a Saturday, are make-up working days)."""
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from incubator.committees import operations as committee_operations
from incubator.committees.queries import decision_for
from incubator.extensions import db
from incubator.greenchannel import operations
from incubator.greenchannel.models import Department, GreenRequest, RequestCategory
from incubator.projects import operations as project_operations
from incubator.projects.models import Project, ProjectField, ReviewCadence
from incubator.startups.models import MembershipRole, Startup, StartupMembership
from tests.factories import SiteFactory, StartupFactory, UserFactory

EN = {'Accept-Language': 'en'}
ZH = {'Accept-Language': 'zh-CN'}
SHANGHAI = ZoneInfo('Asia/Shanghai')


def at(day, hour=10, minute=0):
    """An aware instant at ``hour`` in Shanghai on ``day`` (a date or 'YYYY-MM-DD')."""
    day = date.fromisoformat(day) if isinstance(day, str) else day
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


@dataclass
class GreenWorld:
    startup: Startup
    other: Startup
    owner: object
    member: object
    other_owner: object
    contact: object
    manager: object
    admin: object
    chair: object
    voters: list
    outsider_committee: object
    land: Department
    housing: Department
    land_reviewer: object
    housing_reviewer: object
    land_head: object
    housing_head: object
    nobody: object
    project: Project
    other_project: Project
    category: RequestCategory

    def user(self, role):
        return {'owner': self.owner, 'member': self.member, 'other_owner': self.other_owner,
                'contact': self.contact, 'manager': self.manager, 'admin': self.admin, 'chair': self.chair,
                'voter': self.voters[0], 'land_reviewer': self.land_reviewer,
                'housing_reviewer': self.housing_reviewer, 'nobody': self.nobody,
                'outsider_committee': self.outsider_committee}[role]

    def draft(self, **fields):
        values = {'project': self.project, 'category': self.category, 'needed': 'A 300 m² lab for six months',
                  'justification': 'Our pilot line starts in November.', 'amount_fen': 50_000_000,
                  'area_m2': 300}
        values.update(fields)
        return operations.save_draft(None, user=self.owner, startup=self.startup, **values)

    def submitted(self, now=None):
        request = self.draft()
        return operations.submit_request(request, user=self.owner, now=now or at('2026-09-30'))

    def routed(self, now=None):
        request = self.submitted(now)
        return operations.accept_request(request, user=self.contact, departments=[self.land, self.housing],
                                         now=now or at('2026-09-30', 15))

    def opposed(self, request):
        """Both departments oppose ``request`` (routed to both): it goes to the committee."""
        for department, reviewer in ((self.land, self.land_reviewer), (self.housing, self.housing_reviewer)):
            operations.give_opinion(request, department, user=reviewer, opinion='oppose', comment='No space')
        return request

    def rejected(self, request):
        """``request``, before the committee, voted against by every member and rejected by the chair."""
        decision = decision_for('green_request', request.id)
        for member in (self.chair, *self.voters):
            committee_operations.record_opinion(decision, user=member, choice='against', comment='No')
        return operations.decide_request(request, user=self.chair, outcome='rejected', reasons='No space left')


def startups_people_and_projects():
    """What both green-channel test packages start from: a site; the startup (owner, member) and another one
    (its owner), a project each; the staff (service contact, manager, admin); a green-channel chair and two
    voters; and somebody with nothing to do with it. Committed."""
    site = SiteFactory()
    startup, other = StartupFactory(site=site, name='Lanting Robotics'), StartupFactory(site=site, name='Other Co')
    owner, member, other_owner = UserFactory(name='Olivia Owner'), UserFactory(name='Mark Member'), UserFactory()
    db.session.add_all([StartupMembership(startup=startup, user=owner, role=MembershipRole.owner),
                        StartupMembership(startup=startup, user=member, role=MembershipRole.member),
                        StartupMembership(startup=other, user=other_owner, role=MembershipRole.owner)])
    people = {'startup': startup, 'other': other, 'owner': owner, 'member': member, 'other_owner': other_owner,
              'contact': UserFactory(name='Sun Contact', roles=['manager']),
              'manager': UserFactory(name='Mia Manager', roles=['manager']),
              'admin': UserFactory(name='Ada Admin', roles=['admin']),
              'chair': UserFactory(name='Chen Chair', roles=['committee']),
              'voters': [UserFactory(name=f'Voter {n}', roles=['committee']) for n in (1, 2)],
              'nobody': UserFactory(name='Nora Nobody')}
    db.session.commit()
    manager = people['manager']
    people['project'] = project_operations.create_project(
        manager, startup, title='Service robot', field=ProjectField.advanced_manufacturing, lead_name='Dr Li',
        start_date=date(2026, 1, 1), planned_end_date=date(2026, 12, 31), review_cadence=ReviewCadence.quarterly,
        manager=manager)
    people['other_project'] = project_operations.create_project(
        manager, other, title='Other project', field=ProjectField.other, lead_name='Dr Wu',
        start_date=date(2026, 1, 1), planned_end_date=date(2026, 12, 31), review_cadence=ReviewCadence.quarterly,
        manager=manager)
    db.session.commit()
    return site, people


@pytest.fixture
def green(app):
    _site, people = startups_people_and_projects()
    admin, chair, voters = people['admin'], people['chair'], people['voters']
    outsider_committee = UserFactory(name='Case Committee Only', roles=['committee'])
    land_reviewer = UserFactory(name='Lin Land', roles=['department_reviewer'])
    housing_reviewer = UserFactory(name='Hu Housing', roles=['department_reviewer'])
    land_head, housing_head = UserFactory(name='Head Land', roles=['department_reviewer']), UserFactory(
        name='Head Housing', roles=['department_reviewer'])
    db.session.commit()
    operations.set_service_contact(people['startup'], user=admin, contact=people['contact'])
    land = operations.save_department(None, user=admin, name_zh='自然资源局', name_en='Natural resources',
                                      head=land_head, reviewers=[land_reviewer])
    housing = operations.save_department(None, user=admin, name_zh='住房和城乡建设局', name_en='Housing',
                                         head=housing_head, reviewers=[housing_reviewer])
    category = operations.save_category(None, user=admin, name_zh='人才住房与场地', name_en='Talent housing and space',
                                        departments=[land, housing], asks_amount=True, asks_area=True,
                                        promised_working_days=15, completeness_working_days=2,
                                        opinion_working_days=5, needs_notice=True, notice_days=7,
                                        public_fields=['startup', 'granted'])
    committee_operations.create_committee(user=admin, name='Green-channel committee', purpose='greenchannel',
                                          chair=chair, members=[chair, *voters])
    committee_operations.create_committee(user=admin, name='Case committee', purpose='cases',
                                          chair=outsider_committee, members=[outsider_committee])
    db.session.commit()
    return GreenWorld(**people, outsider_committee=outsider_committee, land=land, housing=housing,
                      land_reviewer=land_reviewer, housing_reviewer=housing_reviewer, land_head=land_head,
                      housing_head=housing_head, category=category)


def reload(request):
    db.session.expire_all()
    return db.session.get(GreenRequest, request.id)
