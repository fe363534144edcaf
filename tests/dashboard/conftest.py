"""The booking world (two startups, their people, a manager) and the green-channel world, for the home pages."""
from tests.booking.conftest import world  # noqa: F401 (the fixture, for the tests of this package)
from tests.greenchannel.conftest import green  # noqa: F401 (the fixture)
