import datetime

import pytest
from django.utils import timezone

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, PersonFactory, UserFactory
from members.models import SchoolRating
from programs.tests.factories import ProgramFactory, SessionFactory


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def institute(cluster):
    return OrganizationFactory(cluster=cluster, kind="iro", name="Tashkent Regional IRO", short_name="IRO")


@pytest.fixture
def institute_admin(institute):
    return OrganizationRoleFactory(organization=institute, user=UserFactory(username="iroadmin"), role="admin").user


@pytest.fixture
def program(cluster, institute, today):
    """Open, with one session, 3 places, starting in a month."""
    program = ProgramFactory(cluster=cluster, lead_organization=institute, title="Inclusive classroom practice",
                             capacity=3, start_date=today + datetime.timedelta(days=30),
                             end_date=today + datetime.timedelta(days=40), competences=["inclusive"])
    SessionFactory(program=program, date=program.start_date)
    return program


@pytest.fixture
def teachers(school):
    return [PersonFactory(organization=school, full_name=f"Teacher {n:02d}") for n in range(8)]


@pytest.fixture
def red_school(cluster):
    school = OrganizationFactory(cluster=cluster, name="School No. 44")
    rate(school, datetime.date(2025, 9, 1), "red")
    return school


@pytest.fixture
def red_admin(red_school):
    return OrganizationRoleFactory(organization=red_school, user=UserFactory(username="redadmin"), role="admin").user


def rate(school, period, colour):
    return SchoolRating.objects.create(cluster=school.cluster, organization=school, period=period, colour=colour,
                                       score=50)
