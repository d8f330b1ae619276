import datetime

import pytest

from agreements import services
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory


@pytest.fixture
def university(cluster):
    return OrganizationFactory(cluster=cluster, kind="pedagogical_university", name="Tashkent State Pedagogical University")


@pytest.fixture
def make_agreement(cluster, coordinator, school, university):
    def make(actor=None, **kwargs):
        data = {
            "title": "Teaching practice at School No. 1",
            "kind": "internship",
            "start_date": datetime.date(2026, 3, 1),
            "end_date": datetime.date(2027, 2, 28),
            "parties": [
                {"organization_id": university.pk, "role": "initiator"},
                {"organization_id": school.pk, "role": "partner"},
            ],
        }
        data.update(kwargs)
        return services.agreement_create(cluster=cluster, actor=actor or coordinator, **data)

    return make


@pytest.fixture
def staff(school):
    """Staff of the school: reads the school's agreements, acts on none of them by default."""
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schoolstaff"), role="staff").user


@pytest.fixture
def uni_admin(university):
    return OrganizationRoleFactory(organization=university, user=UserFactory(username="uniadmin"), role="admin").user
