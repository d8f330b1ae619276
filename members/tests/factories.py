import datetime

import factory
from django.contrib.auth import get_user_model

from members.models import Cluster, ClusterRole, MembershipApplication, Organization, OrganizationRole, Person


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ClusterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cluster

    name = factory.Sequence(lambda n: f"Region {n} cluster")
    slug = factory.Sequence(lambda n: f"region-{n}")
    region = factory.Sequence(lambda n: f"Region {n}")
    languages = ["uz", "ru", "en"]


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    cluster = factory.SubFactory(ClusterFactory)
    kind = Organization.Kind.SCHOOL
    name = factory.Sequence(lambda n: f"School No. {n}")
    district = "Chirchik"
    status = Organization.Status.ACTIVE
    joined_on = datetime.date(2024, 9, 1)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    organization = factory.SubFactory(OrganizationFactory)
    cluster = factory.SelfAttribute("organization.cluster")
    full_name = factory.Sequence(lambda n: f"Teacher {n}")
    position = "Teacher"


class ClusterRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClusterRole

    cluster = factory.SubFactory(ClusterFactory)
    user = factory.SubFactory(UserFactory)
    role = ClusterRole.Role.COORDINATOR


class OrganizationRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationRole

    organization = factory.SubFactory(OrganizationFactory)
    cluster = factory.SelfAttribute("organization.cluster")
    user = factory.SubFactory(UserFactory)
    role = OrganizationRole.Role.ADMIN


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MembershipApplication

    cluster = factory.SubFactory(ClusterFactory)
    organization_name = factory.Sequence(lambda n: f"Applicant school {n}")
    kind = Organization.Kind.SCHOOL
    district = "Yangiyul"
    contact_name = "Dilnoza Karimova"
    contact_email = factory.Sequence(lambda n: f"contact{n}@school.example.org")
