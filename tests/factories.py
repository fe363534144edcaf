"""factory_boy factories for the models; each commits, so HTTP requests see the data."""
from datetime import date

import factory
from factory.alchemy import SQLAlchemyModelFactory

from incubator.auth.models import Role, User
from incubator.extensions import db
from incubator.sites.models import Site
from incubator.spaces.models import Certification, Space, SpaceKind
from incubator.startups.credit_code import check_character
from incubator.startups.models import MembershipRole, Startup, StartupMembership, StartupStatus, Tier

PASSWORD = 'correct horse battery'


def make_credit_code(n):
    first = f'91440300{n:08d}X'
    return first + check_character(first)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = 'commit'


class SiteFactory(BaseFactory):
    class Meta:
        model = Site

    name = factory.Sequence(lambda n: f'Site {n}')
    address = factory.Sequence(lambda n: f'{n} Wutong Road')
    timezone = 'Asia/Shanghai'


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f'user{n}@example.com')
    name = factory.Sequence(lambda n: f'User {n}')
    password_hash = ''

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(extracted or PASSWORD)

    @factory.post_generation
    def roles(user, create, extracted, **kwargs):
        if extracted:
            user.set_roles({Role(role) for role in extracted})
        if create:
            db.session.commit()


class StartupFactory(BaseFactory):
    class Meta:
        model = Startup

    name = factory.Sequence(lambda n: f'Startup {n}')
    credit_code = factory.Sequence(make_credit_code)
    tier = Tier.incubator
    site = factory.SubFactory(SiteFactory)
    admitted_on = date(2026, 1, 15)
    status = StartupStatus.incubating
    contact_name = 'Contact'
    contact_phone = '0755-1234 5678'


class MembershipFactory(BaseFactory):
    class Meta:
        model = StartupMembership

    startup = factory.SubFactory(StartupFactory)
    user = factory.SubFactory(UserFactory)
    role = MembershipRole.member


def member_of(startup, role=MembershipRole.member, **user_fields):
    return MembershipFactory(startup=startup, role=role, user=UserFactory(**user_fields)).user


class SpaceFactory(BaseFactory):
    class Meta:
        model = Space

    site = factory.SubFactory(SiteFactory)
    name = factory.Sequence(lambda n: f'Space {n}')
    kind = SpaceKind.meeting_room
    capacity = 8
    hourly_price_fen = 5000
    daily_price_fen = 30000
    min_booking_minutes = 30
    max_booking_minutes = 480
    booking_horizon_days = 30
    cancellation_cutoff_hours = 24


class CertificationFactory(BaseFactory):
    class Meta:
        model = Certification

    name = factory.Sequence(lambda n: f'Certification {n}')
