"""Startup A with an owner and a member, startup B with its owner, one user per staff role, and a project of A
with a milestone carrying a revenue and a hires target."""
from dataclasses import dataclass
from datetime import date

import pytest

from incubator.extensions import db
from incubator.projects import operations
from incubator.projects.models import KpiKind, Milestone, Project, ProjectField, ReviewCadence
from incubator.startups.models import MembershipRole, Startup, StartupMembership
from tests.factories import SiteFactory, StartupFactory, UserFactory

EN = {'Accept-Language': 'en'}
#: "Today" of most tests: the project runs through 2026.
TODAY = date(2026, 7, 1)


@dataclass
class ProjectWorld:
    a: Startup
    b: Startup
    owner: object
    member: object
    other_owner: object
    manager: object
    admin: object
    committee: object
    nobody: object
    project: Project
    milestone: Milestone

    def user(self, role):
        """The user acting as ``role``: owner, member, other_startup, manager, admin, committee, nobody."""
        return {'owner': self.owner, 'member': self.member, 'other_startup': self.other_owner,
                'manager': self.manager, 'admin': self.admin, 'committee': self.committee,
                'nobody': self.nobody}[role]


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
    admin = UserFactory(name='Ada Admin', roles=['admin'])
    committee = UserFactory(name='Cai Committee', roles=['committee'])
    nobody = UserFactory(name='Nora Nobody')
    db.session.commit()
    project = operations.create_project(
        manager, a, title='Service robot', field=ProjectField.advanced_manufacturing, lead_name='Dr Li',
        start_date=date(2026, 1, 1), planned_end_date=date(2026, 12, 31), review_cadence=ReviewCadence.quarterly,
        manager=manager)
    milestone = operations.add_milestone(
        owner, project, title='Prototype', due_date=date(2026, 6, 30), description='A working prototype',
        targets=[(KpiKind.revenue, 10_000_000, None, None), (KpiKind.hires, 10, None, None)])
    db.session.commit()
    return ProjectWorld(a=a, b=b, owner=owner, member=member, other_owner=other_owner, manager=manager, admin=admin,
                        committee=committee, nobody=nobody, project=project, milestone=milestone)


def figures_for(milestone, *values):
    return {target.id: value for target, value in zip(milestone.kpi_targets, values, strict=True)}
