"""Adoptions: a member organization takes an innovation up, reports its status and feedback,
and names the member it learned it from. Those names are the edges of the spread graph
(innovations.spread).

Who and when (permissions.can_record_adoption): while the innovation is implementing or
disseminating; a coordinator for any member, an organization admin for their own.

The adopter: an active member of the cluster other than the origin, adopting the innovation
once (a pilot site may adopt it too: trying it and taking it up for good are two facts).

Where it was learned (`learned_from`), checked at recording and whenever the start date changes:
- the origin organization;
- a pilot site: an organization with a pilot of this innovation that is not stopped;
- an earlier adopter: an organization whose adoption of this innovation started on or before
  this one's start and is not abandoned.
Anything else is refused, naming the field. The source of an adoption does not change
afterwards (so the graph stays acyclic: each adopter learned from someone recorded before it);
a start date moved later than the start of an adopter who learned from this one is refused.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cluster_platform.services import add_error, audit, is_int, raise_errors
from cluster_platform.tenancy import roles_for
from members.models import Organization

from .. import permissions, selectors
from ..models import Adoption, Innovation, Pilot
from .pilots import _date

__all__ = ["adoption_record", "adoption_update", "learning_sources"]

FEEDBACK_LIMIT = 5000


def learning_sources(cluster, innovation: Innovation, *, started_on: datetime.date | None = None) -> dict[int, str]:
    """The organizations an adopter starting on `started_on` may name as its source, with the
    kind of each ("origin", "pilot" or "adopter"); any start date when it is None (for choices)."""
    sources = {innovation.origin_organization_id: "origin"}
    pilot_sites = Pilot.objects.for_cluster(cluster).filter(innovation=innovation).exclude(
        status=Pilot.Status.STOPPED).values_list("organization_id", flat=True)
    for organization_id in pilot_sites:
        sources.setdefault(organization_id, "pilot")
    adopters = Adoption.objects.for_cluster(cluster).filter(innovation=innovation).exclude(
        status=Adoption.Status.ABANDONED)
    if started_on is not None:
        adopters = adopters.filter(started_on__lte=started_on)
    for organization_id in adopters.values_list("organization_id", flat=True):
        sources.setdefault(organization_id, "adopter")
    return sources


def _check_source(cluster, innovation, learned_from_id, started_on, organization_id, errors: dict) -> None:
    if not is_int(learned_from_id):
        add_error(errors, "learned_from", _("Name the member you learned it from."))
        return
    if learned_from_id == organization_id:
        add_error(errors, "learned_from", _("An organization does not learn an innovation from itself."))
        return
    if learned_from_id in learning_sources(cluster, innovation, started_on=started_on):
        return
    add_error(errors, "learned_from", _(
        "Name the origin, a pilot site of this innovation, or a member that adopted it on or before this "
        "adoption's start (and did not abandon it)."))


def _status(value, errors: dict) -> str:
    if value not in Adoption.Status.values:
        add_error(errors, "status", _("Choose one of the offered values."))
    return value


def _feedback(value, errors: dict) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        add_error(errors, "feedback", _("Write the feedback as text."))
        return ""
    value = value.strip()
    if len(value) > FEEDBACK_LIMIT:
        add_error(errors, "feedback", _("Use at most %(limit)s characters.") % {"limit": FEEDBACK_LIMIT})
    return value


def _start(value, innovation, errors: dict):
    started_on = _date(value, errors, "started_on")
    if started_on is not None and started_on < innovation.created_at.date():
        add_error(errors, "started_on", _("The adoption cannot start before the innovation was proposed."))
    return started_on


@transaction.atomic
def adoption_record(*, cluster, actor, innovation_id: int, organization_id: int, learned_from_id: int,
                    started_on, status: str = Adoption.Status.PLANNED, feedback: str = "") -> Adoption:
    """An organization takes the innovation up, naming the member it learned it from."""
    if not is_int(innovation_id):
        raise ValidationError({"innovation": _("Choose an innovation of this cluster.")})
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    permissions.require_visible(actor, cluster, innovation)
    roles = roles_for(actor, cluster)
    if not permissions.can_record_adoption(roles, innovation, organization_id if is_int(organization_id) else None):
        # Someone who could record it at another stage hears why not now; anyone else is refused.
        if innovation.stage not in permissions.ADOPTION_STAGES and (
                roles.is_coordinator or (is_int(organization_id) and roles.is_org_admin(organization_id)
                                         and organization_id != innovation.origin_organization_id)):
            raise ValidationError({"stage": _(
                "Adoptions are recorded while the innovation is implementing or disseminating; it is "
                "%(stage)s.") % {"stage": innovation.get_stage_display().lower()}})
        permissions.deny()
    errors: dict = {}
    organization = (Organization.objects.for_cluster(cluster).filter(pk=organization_id).first()
                    if is_int(organization_id) else None)
    if organization is None:
        add_error(errors, "organization", _("Choose an organization of this cluster."))
    elif organization.pk == innovation.origin_organization_id:
        add_error(errors, "organization", _("The origin does not adopt its own innovation."))
    elif organization.status != Organization.Status.ACTIVE:
        add_error(errors, "organization", _("%(organization)s is not an active member of the cluster.") % {
            "organization": organization})
    elif Adoption.objects.for_cluster(cluster).filter(innovation=innovation, organization=organization).exists():
        add_error(errors, "organization", _("%(organization)s already adopts this innovation.") % {
            "organization": organization})
    start = _start(started_on, innovation, errors)
    status = _status(status, errors)
    feedback = _feedback(feedback, errors)
    if start is not None:
        _check_source(cluster, innovation, learned_from_id, start, organization_id, errors)
    raise_errors(errors)
    with audit(actor, service="adoption_record"):
        return Adoption.objects.create(
            cluster=cluster, innovation=innovation, organization=organization, learned_from_id=learned_from_id,
            started_on=start, status=status, feedback=feedback, reported_by=actor,
        )


@transaction.atomic
def adoption_update(*, cluster, actor, adoption_id: int, **changes) -> Adoption:
    """Report an adoption's status and feedback, or correct its start date."""
    if not is_int(adoption_id):
        raise Adoption.DoesNotExist
    innovation_id = Adoption.objects.for_cluster(cluster).filter(pk=adoption_id).values_list(
        "innovation_id", flat=True).first()
    if innovation_id is None:
        raise Adoption.DoesNotExist
    innovation = selectors.innovation_get_for_update(cluster=cluster, pk=innovation_id)
    permissions.require_visible(actor, cluster, innovation)
    adoption = Adoption.objects.for_cluster(cluster).select_for_update().get(pk=adoption_id)
    roles = roles_for(actor, cluster)
    if not permissions.can_record_adoption(roles, innovation, adoption.organization_id):
        if innovation.stage not in permissions.ADOPTION_STAGES and (
                roles.is_coordinator or roles.is_org_admin(adoption.organization_id)):
            raise ValidationError({"stage": _(
                "Adoptions are reported while the innovation is implementing or disseminating; it is "
                "%(stage)s.") % {"stage": innovation.get_stage_display().lower()}})
        permissions.deny()
    unknown = set(changes) - {"status", "feedback", "started_on"}
    if unknown:
        raise ValidationError({field: _("This field cannot be changed here.") for field in sorted(unknown)})
    errors: dict = {}
    status = _status(changes["status"], errors) if "status" in changes else adoption.status
    feedback = _feedback(changes["feedback"], errors) if "feedback" in changes else adoption.feedback
    start = adoption.started_on
    if "started_on" in changes:
        start = _start(changes["started_on"], innovation, errors)
        if start is not None and start != adoption.started_on:
            _check_source(cluster, innovation, adoption.learned_from_id, start, adoption.organization_id, errors)
            # Who learned it from this adopter before the new date must have learned it from its pilot.
            is_pilot_site = Pilot.objects.for_cluster(cluster).filter(
                innovation=innovation, organization_id=adoption.organization_id).exclude(
                status=Pilot.Status.STOPPED).exists()
            learners = () if is_pilot_site else Adoption.objects.for_cluster(cluster).filter(
                innovation=innovation, learned_from_id=adoption.organization_id, started_on__lt=start,
            ).select_related("organization")
            for learner in learners:
                add_error(errors, "started_on", _(
                    "%(organization)s learned it from this adopter and started on %(date)s: this adoption cannot "
                    "start later.") % {"organization": learner.organization, "date": learner.started_on})
    raise_errors(errors)
    with audit(actor, service="adoption_update"):
        adoption.status, adoption.feedback, adoption.started_on = status, feedback, start
        adoption.save(update_fields=["status", "feedback", "started_on", "updated_at"])
    return adoption
