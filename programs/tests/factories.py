import datetime

import factory

from members.tests.factories import OrganizationFactory, PersonFactory
from programs.models import Attendance, EmployerNeed, Enrollment, Program, Session


class ProgramFactory(factory.django.DjangoModelFactory):
    """A programme row written directly (no rules checked): open, one month ahead, 10 places."""

    class Meta:
        model = Program

    lead_organization = factory.SubFactory(OrganizationFactory, kind="iro", name="Regional teacher-training institute")
    cluster = factory.SelfAttribute("lead_organization.cluster")
    title = factory.Sequence(lambda n: f"Digital tools in the classroom {n}")
    kind = Program.Kind.PROFESSIONAL_DEVELOPMENT
    competences = ["digital"]
    hours = 36
    start_date = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=30))
    end_date = factory.LazyAttribute(lambda p: p.start_date + datetime.timedelta(days=14))
    capacity = 10
    status = Program.Status.OPEN


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    program = factory.SubFactory(ProgramFactory)
    cluster = factory.SelfAttribute("program.cluster")
    date = factory.SelfAttribute("program.start_date")
    start_time = datetime.time(9, 0)
    end_time = datetime.time(12, 0)
    venue = "Room 12"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    program = factory.SubFactory(ProgramFactory)
    cluster = factory.SelfAttribute("program.cluster")
    person = factory.SubFactory(PersonFactory, organization=factory.SubFactory(
        OrganizationFactory, cluster=factory.SelfAttribute("...cluster")))
    organization = factory.SelfAttribute("person.organization")
    status = Enrollment.Status.CONFIRMED


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    enrollment = factory.SubFactory(EnrollmentFactory)
    session = factory.SubFactory(SessionFactory)
    cluster = factory.SelfAttribute("enrollment.cluster")
    present = True


class EmployerNeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EmployerNeed

    organization = factory.SubFactory(OrganizationFactory, kind="enterprise", name="Chirchik Chemical Plant")
    cluster = factory.SelfAttribute("organization.cluster")
    title = "Chemistry teachers for dual education"
    competences = ["stem"]
    people_needed = 2
    deadline = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=90))
