"""Startups stand in for the subjects committees decide on: a real table, a real permission rule and page."""
import pytest

from incubator.committees import operations, registry
from incubator.notifications.operations import link_to
from incubator.startups.models import Startup
from tests.factories import StartupFactory, UserFactory, member_of

KIND = 'test_startup'


@pytest.fixture
def subject_kind(app):
    registry.register_subject(KIND, model=Startup, view_permission='startup.view',
                              url=lambda startup: link_to('startups.show', startup_id=startup.id),
                              title=lambda startup: startup.name)
    yield KIND
    registry.unregister_subject(KIND)


class World:
    """A committee of five (the chair first), an admin, a manager, the startup under decision and its owner."""

    def __init__(self):
        self.admin = UserFactory(name='Admin', roles=['admin'])
        self.manager = UserFactory(name='Manager', roles=['manager'])
        self.chair = UserFactory(name='Chair', roles=['committee'])
        self.members = [self.chair] + [UserFactory(name=f'Member {n}', roles=['committee']) for n in range(1, 5)]
        self.outsider = UserFactory(name='Outsider', roles=['committee'])
        self.startup = StartupFactory(name='Lanting Robotics')
        self.owner = member_of(self.startup, role='owner', name='Owner')
        self.committee = operations.create_committee(user=self.admin, name='Case committee', purpose='cases',
                                                     chair=self.chair, members=self.members)

    def open(self, **kwargs):
        return operations.open_decision(self.committee, user=self.manager, subject_kind=KIND,
                                        subject_id=self.startup.id, **kwargs)


@pytest.fixture
def world(subject_kind):
    return World()
