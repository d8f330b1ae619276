"""Bookings: requests, decisions, cancellation and completion.

Approval copies the status onto the booking's BookedResource rows, where the exclusion
constraint "booked_resource_no_overlap" keeps two approved bookings of one resource from
overlapping even when approvals race: the loser's violation becomes the same message the
checks before it give."""

from __future__ import annotations

import datetime

import pghistory
import psycopg.errors
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.backends.postgresql.psycopg_any import DateTimeTZRange
from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from agreements.models import Agreement, AgreementParty
from members.models import Organization

from .. import availability, permissions
from ..models import BOOKED_STATUSES, BookedResource, Booking, ClosedDate, OpeningHours, Resource
from ._common import add_error, audit, raise_errors

Status = Booking.Status
OVERLAP_CONSTRAINT = "booked_resource_no_overlap"


def _clean_times(start, end, now) -> tuple[datetime.datetime, datetime.datetime]:
    errors: dict = {}
    start, end = availability.aware(start), availability.aware(end)
    if not isinstance(start, datetime.datetime):
        add_error(errors, "start", _("Give the start of the booking."))
    if not isinstance(end, datetime.datetime):
        add_error(errors, "end", _("Give the end of the booking."))
    raise_errors(errors)
    if end <= start:
        add_error(errors, "end", _("The end must be after the start."))
    if start < now:
        add_error(errors, "start", _("The start (%(start)s) is in the past.") % {
            "start": availability.format_moment(start)})
    raise_errors(errors)
    return start, end


def _has_sharing_agreement(cluster, requester_id, owner_id) -> bool:
    """An active resource-sharing agreement with both organizations among its parties."""
    parties = AgreementParty.objects.for_cluster(cluster)
    return Agreement.objects.for_cluster(cluster).filter(
        kind=Agreement.Kind.RESOURCE_SHARING, status=Agreement.Status.ACTIVE,
        pk__in=parties.filter(organization_id=requester_id).values("agreement_id"),
    ).filter(pk__in=parties.filter(organization_id=owner_id).values("agreement_id")).exists()


def _check_booking(cluster, *, requester, resources: list[Resource], start, end, participants: int,
                   booking_id=None) -> None:
    """Every rule a booking must meet, at request and again at approval. Raises one
    ValidationError naming each field and saying which rule refused, with the resource's name."""
    errors: dict = {}
    owners = {resource.owner_id for resource in resources}
    if len(owners) > 1:
        raise ValidationError({"resources": _("Resources booked together must belong to one organization.")})
    owner = resources[0].owner
    if requester.pk != owner.pk and any(r.access == Resource.Access.AGREEMENT for r in resources):
        if not _has_sharing_agreement(cluster, requester.pk, owner.pk):
            for resource in resources:
                if resource.access == Resource.Access.AGREEMENT:
                    add_error(errors, "requester", _(
                        "%(resource)s is open only to members with an active resource-sharing agreement "
                        "with %(owner)s.") % {"resource": resource, "owner": owner})

    dates = availability.local_dates(start, end)
    closed = {}
    for item in ClosedDate.objects.for_cluster(cluster).filter(
            resource__in=resources, date__gte=dates[0], date__lte=dates[-1]).order_by("date"):
        closed.setdefault(item.resource_id, []).append(item)
    period = DateTimeTZRange(start, end, "[)")
    conflicts = {}
    overlapping = BookedResource.objects.for_cluster(cluster).filter(
        resource__in=resources, status__in=BOOKED_STATUSES, period__overlap=period)
    if booking_id is not None:
        overlapping = overlapping.exclude(booking_id=booking_id)
    for item in overlapping.order_by("period"):
        conflicts.setdefault(item.resource_id, item)

    for resource in resources:
        if not resource.is_active:
            add_error(errors, "resources", _("%(resource)s is archived and cannot be booked.") % {"resource": resource})
            continue
        if not resource.always_open:
            # opening_hours.all() reads the prefetch the caller made.
            hours = [(h.weekday, h.opens, h.closes) for h in resource.opening_hours.all()]
            if not hours:
                add_error(errors, "resources", _("%(resource)s has no opening hours yet, so it cannot be booked.") % {
                    "resource": resource})
            elif not availability.within_one_day(start, end):
                add_error(errors, "period", _(
                    "%(resource)s can be booked within one day's opening hours only; bookings over several "
                    "days are for resources open round the clock.") % {"resource": resource})
            else:
                weekday = availability.local(start).weekday()
                that_day = [(opens, closes) for day, opens, closes in hours if day == weekday]
                if not that_day:
                    add_error(errors, "period", _("%(resource)s is not open on %(day)s.") % {
                        "resource": resource, "day": availability.weekday_name(weekday)})
                elif not availability.covered_by_hours(start, end, that_day):
                    add_error(errors, "period", _(
                        "The booking is outside the opening hours of %(resource)s: on %(day)s it is open "
                        "%(hours)s.") % {"resource": resource, "day": availability.weekday_name(weekday),
                                         "hours": availability.format_intervals(that_day)})
        for day in closed.get(resource.pk, ()):
            if day.reason:
                message = _("%(resource)s is closed on %(date)s: %(reason)s.") % {
                    "resource": resource, "date": day.date.isoformat(), "reason": day.reason}
            else:
                message = _("%(resource)s is closed on %(date)s.") % {
                    "resource": resource, "date": day.date.isoformat()}
            add_error(errors, "period", message)
        if participants > resource.capacity:
            add_error(errors, "participants", ngettext(
                "%(resource)s takes at most %(capacity)s person.", "%(resource)s takes at most %(capacity)s people.",
                resource.capacity) % {"resource": resource, "capacity": resource.capacity})
        if resource.pk in conflicts:
            add_error(errors, "period", _overlap_message(resource, conflicts[resource.pk]))
    raise_errors(errors)


def _overlap_message(resource, item: BookedResource) -> str:
    return _("The booking overlaps an approved booking of %(resource)s at %(period)s.") % {
        "resource": resource, "period": availability.format_period(item.period.lower, item.period.upper)}


def _hours_prefetch(cluster) -> Prefetch:
    return Prefetch("opening_hours", queryset=OpeningHours.objects.for_cluster(cluster))


def _resources_for_booking(cluster, resource_ids) -> list[Resource]:
    return list(
        Resource.objects.for_cluster(cluster).filter(pk__in=resource_ids).select_related("owner")
        .prefetch_related(_hours_prefetch(cluster)).order_by("pk")
    )


def _clean_request(cluster, *, requester_id, resource_ids, purpose, participants, agreement_id):
    errors: dict = {}
    requester = Organization.objects.for_cluster(cluster).filter(pk=requester_id).first() if requester_id else None
    if requester is None:
        add_error(errors, "requester", _("Choose an organization of this cluster."))
    elif requester.status != Organization.Status.ACTIVE:
        add_error(errors, "requester", _("%(name)s is not an active member of the cluster.") % {"name": requester})
    ids = list(dict.fromkeys(resource_ids or []))
    resources = _resources_for_booking(cluster, ids) if ids else []
    if not ids:
        add_error(errors, "resources", _("Choose at least one resource."))
    elif len(resources) != len(ids):
        add_error(errors, "resources", _("Choose resources of this cluster."))
    purpose = (purpose or "").strip()
    if not purpose:
        add_error(errors, "purpose", _("Say what the booking is for."))
    if isinstance(participants, bool) or not isinstance(participants, int) or participants < 1:
        add_error(errors, "participants", _("Give the number of participants, at least 1."))
    agreement = None
    if agreement_id is not None and requester is not None:
        agreement = Agreement.objects.for_cluster(cluster).filter(
            pk=agreement_id,
            pk__in=AgreementParty.objects.for_cluster(cluster).filter(organization=requester).values("agreement_id"),
        ).first()
        if agreement is None:
            add_error(errors, "agreement", _("Choose an agreement of this cluster that %(name)s is party to.") % {
                "name": requester})
    raise_errors(errors)
    return requester, resources, purpose, agreement


@transaction.atomic
def booking_request(*, cluster, actor, requester_id: int, resource_ids: list[int], start: datetime.datetime,
                    end: datetime.datetime, purpose: str, participants: int,
                    agreement_id: int | None = None) -> Booking:
    """A request for one or more resources of one owner over [start, end), for the requesting
    organization; the owner's managers approve or decline it as a whole."""
    permissions.require(actor, cluster, "request", None)
    start, end = _clean_times(start, end, timezone.now())
    requester, resources, purpose, agreement = _clean_request(
        cluster, requester_id=requester_id, resource_ids=resource_ids, purpose=purpose,
        participants=participants, agreement_id=agreement_id)
    permissions.require(actor, cluster, "request", requester.pk)
    _check_booking(cluster, requester=requester, resources=resources, start=start, end=end,
                   participants=participants)
    period = DateTimeTZRange(start, end, "[)")
    with audit(actor, service="booking_request"):
        booking = Booking.objects.create(
            cluster=cluster, requester=requester, requested_by=actor, purpose=purpose,
            participants=participants, agreement=agreement, period=period, status=Status.REQUESTED,
        )
        BookedResource.objects.bulk_create([
            BookedResource(cluster=cluster, booking=booking, resource=resource, period=period,
                           status=Status.REQUESTED)
            for resource in resources
        ])
    return booking


def _booking_for_update(cluster, actor, booking_id) -> Booking:
    """The booking row locked until the transaction ends (decisions on it are serialized), with
    its items and their resources; DoesNotExist alike for another cluster's booking and one the
    actor may not read."""
    items = BookedResource.objects.for_cluster(cluster).select_related("resource__owner").order_by("resource_id")
    booking = (
        Booking.objects.for_cluster(cluster).select_for_update(of=("self",))
        .select_related("requester").prefetch_related(Prefetch("items", queryset=items)).get(pk=booking_id)
    )
    permissions.require_visible_booking(actor, cluster, booking)
    return booking


def _set_items_status(cluster, booking, status: str) -> None:
    # One row at a time in resource order: concurrent approvals wait for each other in the same
    # order, so two multi-resource approvals cannot deadlock.
    items = BookedResource.objects.for_cluster(cluster)
    for item in booking.items.all():
        items.filter(pk=item.pk).update(status=status)
        item.status = status


def _overlap_refusal(cluster, booking) -> ValidationError:
    """The message for a booking the exclusion constraint refused: which resource, which time.
    Read after the savepoint rolled back; the winner has committed (the constraint waited for
    it), so it is visible, unless a deadlock refused this one first (then it is waited for)."""
    errors: dict = {}
    for item in booking.items.all():
        overlapping = (BookedResource.objects.for_cluster(cluster)
                       .filter(resource_id=item.resource_id, period__overlap=booking.period)
                       .exclude(booking_id=booking.pk))
        conflict = overlapping.filter(status__in=BOOKED_STATUSES).order_by("period").first()
        if conflict is None:
            # Refused by a deadlock: the approval that holds the time may not have committed yet.
            # Locking the overlapping rows waits for the transactions that changed them (in one
            # order, the rows' keys, so two refused approvals cannot wait on each other); read
            # again, the winner's approval is there.
            list(overlapping.select_for_update().order_by("pk").values_list("pk", flat=True))
            conflict = overlapping.filter(status__in=BOOKED_STATUSES).order_by("period").first()
        if conflict is not None:
            add_error(errors, "period", _overlap_message(item.resource, conflict))
    if not errors:
        add_error(errors, "period", _("The booking overlaps an approved booking of the same resource."))
    return ValidationError(errors)


def _is_overlap_violation(error: IntegrityError | OperationalError) -> bool:
    """The exclusion constraint refused the booking; or, when several approvals of overlapping
    bookings wait on one another's constraint checks, PostgreSQL broke the cycle by refusing this
    one (a deadlock inside the savepoint): the same outcome, another approval holds the time."""
    cause = error.__cause__
    if isinstance(cause, psycopg.errors.DeadlockDetected):
        return True
    return isinstance(cause, psycopg.errors.ExclusionViolation) and (
        getattr(cause.diag, "constraint_name", None) == OVERLAP_CONSTRAINT)


@transaction.atomic
def booking_approve(*, cluster, actor, booking_id: int) -> Booking:
    """Approve a requested booking as a whole: every rule is checked again (hours, closed
    dates, capacity or access may have changed since the request), then the booking and all its
    resources become approved in one transaction, or nothing changes."""
    booking = _booking_for_update(cluster, actor, booking_id)
    permissions.require(actor, cluster, "decide", booking)
    if booking.status != Status.REQUESTED:
        raise ValidationError({"status": _("Only a requested booking can be approved; this one is %(status)s.") % {
            "status": Status(booking.status).label.lower()}})
    start, end = booking.period.lower, booking.period.upper
    if start < timezone.now():
        raise ValidationError({"start": _("The booking has already begun (%(start)s): it can no longer be approved.")
                               % {"start": availability.format_moment(start)}})
    resources = [item.resource for item in booking.items.all()]
    prefetch_related_objects(resources, _hours_prefetch(cluster))
    _check_booking(cluster, requester=booking.requester, resources=resources, start=start, end=end,
                   participants=booking.participants, booking_id=booking.pk)
    booking.status = Status.APPROVED
    booking.decided_by, booking.decided_at = actor, timezone.now()
    with audit(actor, service="booking_approve"):
        try:
            with transaction.atomic():
                _set_items_status(cluster, booking, Status.APPROVED)
        except (IntegrityError, OperationalError) as error:
            if not _is_overlap_violation(error):
                raise
            raise _overlap_refusal(cluster, booking) from None
        booking.save(update_fields=["status", "decided_by", "decided_at", "updated_at"])
    return booking


@transaction.atomic
def booking_decline(*, cluster, actor, booking_id: int, reason: str) -> Booking:
    booking = _booking_for_update(cluster, actor, booking_id)
    permissions.require(actor, cluster, "decide", booking)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for declining the booking.")})
    if booking.status != Status.REQUESTED:
        raise ValidationError({"status": _("Only a requested booking can be declined; this one is %(status)s.") % {
            "status": Status(booking.status).label.lower()}})
    booking.status = Status.DECLINED
    booking.decided_by, booking.decided_at, booking.decision_reason = actor, timezone.now(), reason
    with audit(actor, service="booking_decline"):
        _set_items_status(cluster, booking, Status.DECLINED)
        booking.save(update_fields=["status", "decided_by", "decided_at", "decision_reason", "updated_at"])
    return booking


@transaction.atomic
def booking_cancel(*, cluster, actor, booking_id: int) -> Booking:
    """The requester withdraws a request, or an approved booking before it begins; its time is
    free again at once."""
    booking = _booking_for_update(cluster, actor, booking_id)
    permissions.require(actor, cluster, "cancel", booking)
    now = timezone.now()
    if not permissions.is_cancellable(booking, now):
        if booking.status == Status.APPROVED:
            raise ValidationError({"status": _("An approved booking can be cancelled only before it begins.")})
        raise ValidationError({"status": _("A booking that is %(status)s cannot be cancelled.") % {
            "status": Status(booking.status).label.lower()}})
    booking.status = Status.CANCELLED
    booking.cancelled_by, booking.cancelled_at = actor, now
    with audit(actor, service="booking_cancel"):
        _set_items_status(cluster, booking, Status.CANCELLED)
        booking.save(update_fields=["status", "cancelled_by", "cancelled_at", "updated_at"])
    return booking


@transaction.atomic
def bookings_complete(*, cluster, now: datetime.datetime) -> int:
    """Approved bookings whose period has ended by `now` become completed, with their items. A
    second run finds nothing left to do. Returns the number completed."""
    booking_ids = list(
        Booking.objects.for_cluster(cluster).select_for_update()
        .filter(status=Status.APPROVED, period__endswith__lte=now).order_by("pk").values_list("pk", flat=True)
    )
    if not booking_ids:
        return 0
    with pghistory.context(user=None, service="bookings_complete"):
        BookedResource.objects.for_cluster(cluster).filter(
            booking_id__in=booking_ids, status=Status.APPROVED).update(status=Status.COMPLETED)
        return Booking.objects.for_cluster(cluster).filter(pk__in=booking_ids).update(
            status=Status.COMPLETED, updated_at=timezone.now())
