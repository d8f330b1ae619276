"""The hourly task: approved bookings that have ended become completed, once."""

import pytest
from django_celery_beat.models import PeriodicTask

from resources import services
from resources.models import BookedResource, Booking
from resources.tasks import bookings_complete_all
from resources.tests.conftest import at
from resources.tests.factories import BookedResourceFactory, BookingFactory, ResourceFactory, period

pytestmark = pytest.mark.django_db


def booking(resource, start, end, status="approved", extra=()):
    made = BookingFactory(cluster=resource.cluster, requester__cluster=resource.cluster, period=period(start, end),
                          status=status)
    for item_resource in (resource, *extra):
        BookedResourceFactory(booking=made, resource=item_resource)
    return made


def statuses(cluster):
    return (dict(Booking.objects.for_cluster(cluster).values_list("pk", "status")),
            sorted(BookedResource.objects.for_cluster(cluster).values_list("booking_id", "resource_id", "status")))


def test_approved_bookings_that_have_ended_become_completed_with_their_items(cluster, lab, microscope, monday):
    ended = booking(lab, at(monday, "10:00"), at(monday, "12:00"), extra=[microscope])
    ends_now = booking(lab, at(monday, "12:00"), at(monday, "13:00"))
    running = booking(lab, at(monday, "13:00"), at(monday, "15:00"))
    unapproved = booking(lab, at(monday, "09:00"), at(monday, "10:00"), status="requested")
    cancelled = booking(lab, at(monday, "09:00"), at(monday, "10:00"), status="cancelled")
    assert services.bookings_complete(cluster=cluster, now=at(monday, "13:00")) == 2
    bookings, items = statuses(cluster)
    assert bookings == {ended.pk: "completed", ends_now.pk: "completed", running.pk: "approved",
                        unapproved.pk: "requested", cancelled.pk: "cancelled"}
    assert [status for booking_id, _, status in items if booking_id == ended.pk] == ["completed", "completed"]
    assert [status for booking_id, _, status in items if booking_id == running.pk] == ["approved"]


def test_a_second_run_changes_nothing(cluster, lab, monday):
    booking(lab, at(monday, "10:00"), at(monday, "12:00"))
    assert services.bookings_complete(cluster=cluster, now=at(monday, "18:00")) == 1
    before = statuses(cluster)
    assert services.bookings_complete(cluster=cluster, now=at(monday, "18:00")) == 0
    assert statuses(cluster) == before


def test_the_task_runs_every_active_cluster_alone(cluster, other_cluster, lab, monday):
    mine = booking(lab, at(monday, "10:00"), at(monday, "12:00"))
    theirs = booking(ResourceFactory(owner__cluster=other_cluster), at(monday, "10:00"), at(monday, "12:00"))
    other_cluster.is_active = False
    other_cluster.save()
    result = bookings_complete_all.delay(now=at(monday, "20:00").isoformat()).get()
    assert result == {cluster.slug: 1}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, theirs.status) == ("completed", "approved")
    assert bookings_complete_all(now=at(monday, "20:00").isoformat()) == {cluster.slug: 0}


def test_a_completed_booking_still_holds_its_time(cluster, uni_admin, make_booking, monday):
    from django.core.exceptions import ValidationError

    first = make_booking()
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=first.pk)
    services.bookings_complete(cluster=cluster, now=at(monday, "12:00"))
    first.refresh_from_db()
    assert first.status == "completed"
    with pytest.raises(ValidationError) as refused:
        make_booking(start=at(monday, "11:00"), end=at(monday, "12:00"))
    assert refused.value.message_dict == {"period": [
        f"The booking overlaps an approved booking of Chemistry laboratory at {monday.isoformat()} 10:00–12:00."]}


def test_the_task_is_in_the_beat_schedule_every_hour():
    task = PeriodicTask.objects.get(name="resources-bookings-complete")
    assert task.task == "resources.tasks.bookings_complete_all" and task.enabled
    assert (task.crontab.minute, task.crontab.hour, str(task.crontab.timezone)) == ("0", "*", "Asia/Tashkent")
