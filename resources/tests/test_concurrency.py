"""Approvals racing from several database connections at once: exactly one wins.

Every thread approves a different requested booking of the same resource, all for the same
time. The checks before the write cannot see each other's uncommitted approvals, so it is the
exclusion constraint that decides: the first to write wins, the others wait for it, then fail
and get the overlap message (or, if they start after the winner committed, the checks refuse
them with the same message)."""

import threading

import pytest
from django.core.exceptions import ValidationError

from resources import services
from resources.services import bookings as booking_services
from resources.models import BookedResource, Booking
from resources.tests.conftest import at
from tests.concurrency import race as run_together

THREADS = 6


def race(cluster, actor, bookings) -> dict:
    """Approve each booking in its own thread and connection, all released at once."""

    def approve(booking_id):
        services.booking_approve(cluster=cluster, actor=actor, booking_id=booking_id)
        return "approved"

    results = run_together([lambda booking_id=booking.pk: approve(booking_id) for booking in bookings])
    return {booking.pk: result for booking, result in zip(bookings, results)}


def assert_exactly_one_won(cluster, lab, bookings, outcomes):
    winners = [pk for pk, outcome in outcomes.items() if outcome == "approved"]
    assert len(winners) == 1, outcomes
    for pk, error in outcomes.items():
        if pk in winners:
            continue
        assert isinstance(error, ValidationError), repr(error)
        assert list(error.message_dict) == ["period"]
        assert error.message_dict["period"][0].startswith(
            "The booking overlaps an approved booking of Chemistry laboratory at ")
    statuses = dict(Booking.objects.for_cluster(cluster).values_list("pk", "status"))
    assert statuses == {b.pk: ("approved" if b.pk == winners[0] else "requested") for b in bookings}
    approved_items = BookedResource.objects.for_cluster(cluster).filter(resource=lab, status="approved")
    assert list(approved_items.values_list("booking_id", flat=True)) == winners
    assert BookedResource.objects.for_cluster(cluster).filter(resource=lab).exclude(
        booking_id__in=winners).filter(status="requested").count() == len(bookings) - 1


def overlapping_requests(make_booking, monday):
    # Alternately 10-12 and 11-13: every pair overlaps at 11-12.
    return [make_booking(start=at(monday, f"{10 + n % 2}:00"), end=at(monday, f"{12 + n % 2}:00"))
            for n in range(THREADS)]


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_overlapping_bookings_let_exactly_one_win(
        cluster, uni_admin, lab, monday, make_booking):
    bookings = overlapping_requests(make_booking, monday)
    assert_exactly_one_won(cluster, lab, bookings, race(cluster, uni_admin, bookings))


@pytest.mark.django_db(transaction=True)
def test_when_every_check_passed_the_constraint_alone_picks_one(
        cluster, uni_admin, lab, monday, make_booking, monkeypatch):
    """The worst interleaving, forced: every thread passes the checks (none sees another's
    uncommitted approval) before any writes. Then only PostgreSQL stands between them, and
    every loser's refusal comes from the exclusion constraint."""
    bookings = overlapping_requests(make_booking, monday)
    checked = threading.Barrier(THREADS)
    refused_by_constraint = []
    check, refusal = booking_services._check_booking, booking_services._overlap_refusal

    def check_then_wait(*args, **kwargs):
        check(*args, **kwargs)
        checked.wait(timeout=30)

    def counted_refusal(*args, **kwargs):
        refused_by_constraint.append(1)
        return refusal(*args, **kwargs)

    monkeypatch.setattr(booking_services, "_check_booking", check_then_wait)
    monkeypatch.setattr(booking_services, "_overlap_refusal", counted_refusal)
    outcomes = race(cluster, uni_admin, bookings)
    assert_exactly_one_won(cluster, lab, bookings, outcomes)
    assert len(refused_by_constraint) == THREADS - 1
