import datetime

import pytest
from django.utils import timezone

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from resources import services
from resources.tests.factories import OpeningHoursFactory, ResourceFactory

WEEKDAYS = range(0, 5)


def next_weekday(weekday: int, weeks_ahead: int = 1) -> datetime.date:
    """A local date on that weekday, at least a week ahead, so "in the past" never bites."""
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def at(day: datetime.date, hhmm: str) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.fromisoformat(hhmm)))


@pytest.fixture
def monday():
    return next_weekday(0)


@pytest.fixture
def university(cluster):
    return OrganizationFactory(cluster=cluster, kind="pedagogical_university",
                               name="Tashkent State Pedagogical University", short_name="TSPU")


@pytest.fixture
def uni_admin(university):
    return OrganizationRoleFactory(organization=university, user=UserFactory(username="uniadmin"), role="admin").user


@pytest.fixture
def uni_staff(university):
    return OrganizationRoleFactory(organization=university, user=UserFactory(username="unistaff"), role="staff").user


@pytest.fixture
def school_staff(school):
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schoolstaff"), role="staff").user


def with_weekday_hours(resource, opens="09:00", closes="18:00"):
    for weekday in WEEKDAYS:
        OpeningHoursFactory(resource=resource, weekday=weekday, opens=datetime.time.fromisoformat(opens),
                            closes=datetime.time.fromisoformat(closes))
    return resource


@pytest.fixture
def lab(university):
    """Open Monday to Friday 09:00-18:00, for 20 people, to the whole cluster."""
    return with_weekday_hours(ResourceFactory(owner=university, name="Chemistry laboratory", capacity=20))


@pytest.fixture
def microscope(university):
    return with_weekday_hours(ResourceFactory(owner=university, name="Microscope set", kind="equipment", capacity=12))


@pytest.fixture
def make_booking(cluster, org_admin, school, lab, monday):
    """A request through the service: by the school's admin for the school, the lab, Monday 10-12."""
    def make(actor=None, resources=None, start=None, end=None, **kwargs):
        data = {
            "requester_id": school.pk,
            "resource_ids": [r.pk for r in (resources or [lab])],
            "start": start or at(monday, "10:00"),
            "end": end or at(monday, "12:00"),
            "purpose": "Practical chemistry lesson for grade 9",
            "participants": 15,
        }
        data.update(kwargs)
        return services.booking_request(cluster=cluster, actor=actor or org_admin, **data)

    return make
