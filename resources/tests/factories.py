import datetime

import factory
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange

from members.tests.factories import OrganizationFactory
from resources.models import BookedResource, Booking, ClosedDate, OpeningHours, Resource


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    owner = factory.SubFactory(OrganizationFactory, kind="pedagogical_university")
    cluster = factory.SelfAttribute("owner.cluster")
    name = factory.Sequence(lambda n: f"Chemistry laboratory {n}")
    kind = Resource.Kind.LABORATORY
    capacity = 20
    location = "Building 2, room 214"


class OpeningHoursFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OpeningHours

    resource = factory.SubFactory(ResourceFactory)
    cluster = factory.SelfAttribute("resource.cluster")
    weekday = 0
    opens = datetime.time(9, 0)
    closes = datetime.time(18, 0)


class ClosedDateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ClosedDate

    resource = factory.SubFactory(ResourceFactory)
    cluster = factory.SelfAttribute("resource.cluster")
    date = datetime.date(2030, 1, 1)
    reason = "Holiday"


class BookingFactory(factory.django.DjangoModelFactory):
    """A booking row written directly (no rules checked): for tests of the constraint, the
    lists and the task. Give `period` as a DateTimeTZRange."""

    class Meta:
        model = Booking

    requester = factory.SubFactory(OrganizationFactory)
    cluster = factory.SelfAttribute("requester.cluster")
    purpose = "Practical lesson"
    participants = 10
    status = Booking.Status.REQUESTED


class BookedResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BookedResource

    booking = factory.SubFactory(BookingFactory)
    cluster = factory.SelfAttribute("booking.cluster")
    resource = factory.SubFactory(ResourceFactory)
    period = factory.SelfAttribute("booking.period")
    status = factory.SelfAttribute("booking.status")


def period(start: datetime.datetime, end: datetime.datetime) -> DateTimeTZRange:
    return DateTimeTZRange(start, end, "[)")
