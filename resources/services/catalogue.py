"""The catalogue: resources, their opening hours, closed dates, photos and managers."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from cluster_platform.tenancy import roles_for
from members.models import Organization

from .. import availability, permissions, photos
from ..models import MANAGE_PERMISSION, ClosedDate, OpeningHours, Resource, ResourcePhoto
from ._common import add_error, audit, raise_errors

MAX_PRICE = Decimal("999999999999.99")


def _resource_for_update(cluster, pk) -> Resource:
    return Resource.objects.for_cluster(cluster).select_for_update().get(pk=pk)


def _clean_price(price, errors) -> Decimal | None:
    if price in (None, ""):
        add_error(errors, "price", _("Give the price for cost recovery."))
        return None
    try:
        value = Decimal(str(price))
    except (InvalidOperation, ValueError):
        add_error(errors, "price", _("Give the price as a number."))
        return None
    if not value.is_finite() or value <= 0:
        add_error(errors, "price", _("The price for cost recovery must be above zero."))
        return None
    if value > MAX_PRICE:
        add_error(errors, "price", _("The price is too large."))
        return None
    return value.quantize(Decimal("0.01"))


def _clean_resource(data: dict) -> dict:
    """The resource's fields checked and normalised; a ValidationError names every bad field."""
    errors: dict = {}
    cleaned = dict(data)
    cleaned["name"] = (data.get("name") or "").strip()
    if not cleaned["name"]:
        add_error(errors, "name", _("Give the name of the resource."))
    elif len(cleaned["name"]) > 200:
        add_error(errors, "name", _("The name can have at most 200 characters."))
    if data.get("kind") not in Resource.Kind.values:
        add_error(errors, "kind", _("Choose the kind of resource."))
    cleaned["description"] = (data.get("description") or "").strip()
    cleaned["location"] = (data.get("location") or "").strip()
    if len(cleaned["location"]) > 255:
        add_error(errors, "location", _("The location can have at most 255 characters."))
    capacity = data.get("capacity")
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        add_error(errors, "capacity", _("Give the capacity as a whole number of people, at least 1."))
    terms = data.get("terms")
    if terms == Resource.Terms.FREE:
        cleaned["price"], cleaned["price_unit"] = None, ""
    elif terms == Resource.Terms.COST_RECOVERY:
        cleaned["price"] = _clean_price(data.get("price"), errors)
        if data.get("price_unit") not in Resource.PriceUnit.values:
            add_error(errors, "price_unit", _("Choose what the price is for: an hour, a day or a booking."))
    else:
        add_error(errors, "terms", _("Choose the terms: free or cost recovery."))
    if data.get("access") not in Resource.Access.values:
        add_error(errors, "access", _("Choose who may book the resource."))
    raise_errors(errors)
    return cleaned


RESOURCE_FIELDS = ("name", "kind", "description", "capacity", "location", "terms", "price", "price_unit", "access")


@transaction.atomic
def resource_create(*, cluster, actor, owner_id: int, name: str, kind: str, capacity: int,
                    description: str = "", location: str = "", terms: str = Resource.Terms.FREE,
                    price=None, price_unit: str = "", access: str = Resource.Access.CLUSTER,
                    always_open: bool = False) -> Resource:
    """A resource of an organization, open to bookings once it has opening hours (or is open
    round the clock)."""
    permissions.require(actor, cluster, "register", None)
    owner = Organization.objects.for_cluster(cluster).filter(pk=owner_id).first()
    if owner is None:
        raise ValidationError({"owner": _("Choose an organization of this cluster.")})
    permissions.require(actor, cluster, "register", owner.pk)
    if owner.status != Organization.Status.ACTIVE:
        raise ValidationError({"owner": _("%(name)s is not an active member of the cluster.") % {"name": owner}})
    cleaned = _clean_resource({
        "name": name, "kind": kind, "description": description, "capacity": capacity, "location": location,
        "terms": terms, "price": price, "price_unit": price_unit, "access": access,
    })
    with audit(actor, service="resource_create"):
        return Resource.objects.create(
            cluster=cluster, owner=owner, always_open=bool(always_open), created_by=actor, **cleaned)


@transaction.atomic
def resource_update(*, cluster, actor, resource_id: int, **changes) -> Resource:
    """Change any of RESOURCE_FIELDS; the owner never changes. Switching to free terms clears
    the price."""
    unknown = set(changes) - set(RESOURCE_FIELDS)
    if unknown:
        raise TypeError(f"resource_update() cannot change {sorted(unknown)}")
    resource = _resource_for_update(cluster, resource_id)
    permissions.require(actor, cluster, "edit", resource)
    merged = {field: getattr(resource, field) for field in RESOURCE_FIELDS}
    merged.update(changes)
    cleaned = _clean_resource(merged)
    for field in RESOURCE_FIELDS:
        setattr(resource, field, cleaned[field])
    with audit(actor, service="resource_update"):
        resource.save(update_fields=[*RESOURCE_FIELDS, "updated_at"])
    return resource


def _set_active(cluster, actor, resource_id, active: bool, service: str) -> Resource:
    resource = _resource_for_update(cluster, resource_id)
    permissions.require(actor, cluster, "edit", resource)
    if resource.is_active != active:
        resource.is_active = active
        with audit(actor, service=service):
            resource.save(update_fields=["is_active", "updated_at"])
    return resource


@transaction.atomic
def resource_archive(*, cluster, actor, resource_id: int) -> Resource:
    """An archived resource leaves the catalogue and cannot be booked; the bookings it has keep
    their status (requested ones can no longer be approved: approval checks again)."""
    return _set_active(cluster, actor, resource_id, False, "resource_archive")


@transaction.atomic
def resource_restore(*, cluster, actor, resource_id: int) -> Resource:
    return _set_active(cluster, actor, resource_id, True, "resource_restore")


def _time(value, errors, message) -> datetime.time | None:
    if isinstance(value, datetime.time):
        return value
    if isinstance(value, str):
        try:
            return datetime.time.fromisoformat(value.strip())
        except ValueError:
            pass
    add_error(errors, "hours", message)
    return None


def _clean_hours(hours) -> list[tuple[int, datetime.time, datetime.time]]:
    errors: dict = {}
    intervals = []
    for entry in hours or []:
        weekday = entry.get("weekday")
        if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
            add_error(errors, "hours", _("Choose a weekday (0 is Monday, 6 is Sunday)."))
            continue
        opens = _time(entry.get("opens"), errors, _("Give the opening time as HH:MM."))
        closes = _time(entry.get("closes"), errors, _("Give the closing time as HH:MM."))
        if opens is None or closes is None:
            continue
        if closes <= opens:
            message = _("On %(day)s the closing time %(closes)s is not after the opening time %(opens)s.")
            add_error(errors, "hours", message % {
                "day": availability.weekday_name(weekday), "closes": availability.hhmm(closes),
                "opens": availability.hhmm(opens)})
            continue
        intervals.append((weekday, opens, closes))
    intervals.sort()
    for (day_a, opens_a, closes_a), (day_b, opens_b, closes_b) in zip(intervals, intervals[1:]):
        if day_a == day_b and opens_b < closes_a:
            add_error(errors, "hours", _("On %(day)s the intervals %(first)s and %(second)s overlap.") % {
                "day": availability.weekday_name(day_a),
                "first": availability.format_intervals([(opens_a, closes_a)]),
                "second": availability.format_intervals([(opens_b, closes_b)])})
    raise_errors(errors)
    return intervals


@transaction.atomic
def opening_hours_set(*, cluster, actor, resource_id: int, hours: list[dict],
                      always_open: bool | None = None) -> list[OpeningHours]:
    """Replace the whole week at once. `hours`: dicts of weekday (0 = Monday), opens and closes
    (times or "HH:MM", local time); several intervals a day, not overlapping. `always_open`, when
    given, sets whether the resource is open round the clock (then the hours are not used)."""
    resource = _resource_for_update(cluster, resource_id)
    permissions.require(actor, cluster, "manage", resource)
    intervals = _clean_hours(hours)
    with audit(actor, service="opening_hours_set"):
        OpeningHours.objects.for_cluster(cluster).filter(resource=resource).delete()
        created = OpeningHours.objects.bulk_create([
            OpeningHours(cluster=cluster, resource=resource, weekday=weekday, opens=opens, closes=closes)
            for weekday, opens, closes in intervals
        ])
        if always_open is not None and resource.always_open != bool(always_open):
            resource.always_open = bool(always_open)
            resource.save(update_fields=["always_open", "updated_at"])
    return created


@transaction.atomic
def closed_date_add(*, cluster, actor, resource_id: int, date: datetime.date, reason: str = "") -> ClosedDate:
    """A day the resource is closed (a holiday, repairs). Bookings already approved for that day
    stay; new requests and approvals for it are refused."""
    resource = _resource_for_update(cluster, resource_id)
    permissions.require(actor, cluster, "manage", resource)
    reason = (reason or "").strip()
    if not isinstance(date, datetime.date) or isinstance(date, datetime.datetime):
        raise ValidationError({"date": _("Give the date.")})
    if date < timezone.localdate():
        raise ValidationError({"date": _("The date cannot be in the past.")})
    if len(reason) > 255:
        raise ValidationError({"reason": _("The reason can have at most 255 characters.")})
    closed = ClosedDate.objects.for_cluster(cluster)
    if closed.filter(resource=resource, date=date).exists():
        raise ValidationError({"date": _("The resource is already closed on %(date)s.") % {"date": date.isoformat()}})
    with audit(actor, service="closed_date_add"):
        return closed.create(cluster=cluster, resource=resource, date=date, reason=reason)


@transaction.atomic
def closed_date_remove(*, cluster, actor, closed_date_id: int) -> None:
    closed = ClosedDate.objects.for_cluster(cluster).select_related("resource").get(pk=closed_date_id)
    permissions.require(actor, cluster, "manage", closed.resource)
    with audit(actor, service="closed_date_remove"):
        closed.delete()


def photo_add(*, cluster, actor, resource_id: int, upload, caption: str = "") -> ResourcePhoto:
    """A photo of the resource, checked by its content (photos.inspect_photo) and stored under a
    generated name. Permission first, then the content, then, under the resource row lock, the
    file is stored and the row written; if anything fails after the file was stored, the file is
    deleted, so a refused or failed upload leaves neither row nor file. (Callers run this
    outside their own atomic blocks, as agreements.services.document_upload.)"""
    resource = Resource.objects.for_cluster(cluster).get(pk=resource_id)
    permissions.require(actor, cluster, "manage", resource)
    caption = (caption or "").strip()
    if len(caption) > 255:
        raise ValidationError({"caption": _("The caption can have at most 255 characters.")})
    if upload is None:
        raise ValidationError({"image": _("Choose a photo to upload.")})
    inspected = photos.inspect_photo(upload)
    name = photos.storage_name(cluster_id=cluster.pk, resource_id=resource.pk, inspected=inspected)
    stored = None
    try:
        with transaction.atomic():
            resource = _resource_for_update(cluster, resource.pk)
            last = ResourcePhoto.objects.for_cluster(cluster).filter(resource=resource).aggregate(
                last=Max("position"))["last"]
            stored = default_storage.save(name, upload)
            if stored != name:
                raise RuntimeError(f"Storage renamed the resource photo {name!r} to {stored!r}.")
            photo = ResourcePhoto(
                cluster=cluster, resource=resource, caption=caption, position=(last or 0) + 1,
                width=inspected.width, height=inspected.height, content_type=inspected.content_type,
                size=inspected.size, uploaded_by=actor,
            )
            photo.image.name = stored
            with audit(actor, service="photo_add"):
                photo.save()
    except BaseException:
        if stored is not None:
            default_storage.delete(stored)
        raise
    return photo


@transaction.atomic
def photo_remove(*, cluster, actor, photo_id: int) -> None:
    """The row goes now, the file once the transaction has committed."""
    photo = ResourcePhoto.objects.for_cluster(cluster).select_related("resource").get(pk=photo_id)
    permissions.require(actor, cluster, "manage", photo.resource)
    name = photo.image.name
    with audit(actor, service="photo_remove"):
        photo.delete()
    transaction.on_commit(lambda: default_storage.delete(name))


def _manager_candidate(cluster, resource, user_id):
    """A manager is a person of the owner organization with an account and a role there."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None or not roles_for(user, cluster).organization_roles.get(resource.owner_id):
        raise ValidationError({"user": _("A manager must be a person of %(owner)s with an account there.") % {
            "owner": resource.owner}})
    return user


@transaction.atomic
def manager_grant(*, cluster, actor, resource_id: int, user_id: int):
    """Name a person of the owner organization to manage the resource (a django-guardian
    per-object grant). Granting twice changes nothing."""
    resource = Resource.objects.for_cluster(cluster).select_for_update(of=("self",)).select_related(
        "owner").get(pk=resource_id)
    permissions.require(actor, cluster, "edit", resource)
    user = _manager_candidate(cluster, resource, user_id)
    with audit(actor, service="manager_grant"):
        return assign_perm(MANAGE_PERMISSION, user, resource)


@transaction.atomic
def manager_revoke(*, cluster, actor, resource_id: int, user_id: int) -> None:
    resource = Resource.objects.for_cluster(cluster).select_for_update(of=("self",)).select_related(
        "owner").get(pk=resource_id)
    permissions.require(actor, cluster, "edit", resource)
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    if user is None or user.pk not in permissions.manager_user_ids(cluster, resource, effective=False):
        raise ValidationError({"user": _("This person does not manage %(resource)s.") % {"resource": resource}})
    with audit(actor, service="manager_revoke"):
        remove_perm(MANAGE_PERMISSION, user, resource)
