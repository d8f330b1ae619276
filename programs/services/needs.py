"""Employer demand: an enterprise or an education authority posts a need (competences, number
of people, deadline); coordinators link the programmes that answer it. Whether a need is met
(enough people completed a linked programme) is read, not stored: selectors.need_list."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cluster_platform.tenancy import roles_for
from members.models import Organization

from .. import permissions
from ..models import Competence, EmployerNeed, Program, ProgramNeed
from ._common import add_error, audit, is_int, raise_errors

NEED_KINDS = (Organization.Kind.ENTERPRISE, Organization.Kind.AUTHORITY)


@transaction.atomic
def need_create(*, cluster, actor, organization_id: int, title: str, competences: list[str], people_needed: int,
                deadline: datetime.date, description: str = "") -> EmployerNeed:
    permissions.require(actor, cluster, "post_need", None)
    errors: dict = {}
    organization = (Organization.objects.for_cluster(cluster).filter(pk=organization_id).first()
                    if is_int(organization_id) else None)
    if organization is None:
        add_error(errors, "organization", _("Choose an organization of this cluster."))
    elif organization.kind not in NEED_KINDS:
        add_error(errors, "organization", _("Needs are posted by an enterprise or an education authority."))
    elif not permissions.can_post_need(roles_for(actor, cluster), organization.pk):
        add_error(errors, "organization", _("Choose an organization you administer."))
    title = (title or "").strip()
    if not title:
        add_error(errors, "title", _("Give the title of the need."))
    competences = list(dict.fromkeys(competences or []))
    if not competences:
        add_error(errors, "competences", _("Choose at least one competence."))
    elif any(code not in Competence.values for code in competences):
        add_error(errors, "competences", _("Unknown competence: %(codes)s.") % {
            "codes": ", ".join(str(c) for c in competences if c not in Competence.values)})
    if not is_int(people_needed) or people_needed < 1:
        add_error(errors, "people_needed", _("Give the number of people needed, at least 1."))
    if not isinstance(deadline, datetime.date):
        add_error(errors, "deadline", _("Give the deadline."))
    elif deadline < timezone.localdate():
        add_error(errors, "deadline", _("The deadline cannot be in the past."))
    raise_errors(errors)
    with audit(actor, service="need_create"):
        return EmployerNeed.objects.create(
            cluster=cluster, organization=organization, title=title, competences=competences,
            people_needed=people_needed, deadline=deadline, description=(description or "").strip(), created_by=actor)


def _need_for_update(cluster, need_id) -> EmployerNeed:
    return EmployerNeed.objects.for_cluster(cluster).select_for_update().get(pk=need_id)


@transaction.atomic
def need_close(*, cluster, actor, need_id: int) -> EmployerNeed:
    """The posting organization's admin or a coordinator closes a need (filled or no longer needed)."""
    need = _need_for_update(cluster, need_id)
    permissions.require(actor, cluster, "post_need", need.organization_id)
    if need.status == EmployerNeed.Status.CLOSED:
        raise ValidationError({"status": _("The need is already closed.")})
    need.status = EmployerNeed.Status.CLOSED
    with audit(actor, service="need_close"):
        need.save(update_fields=["status"])
    return need


def _program_choice(cluster, program_id) -> Program:
    program = Program.objects.for_cluster(cluster).filter(pk=program_id).first() if is_int(program_id) else None
    if program is None:
        raise ValidationError({"program": _("Choose a programme of this cluster.")})
    return program


@transaction.atomic
def need_link(*, cluster, actor, need_id: int, program_id: int) -> ProgramNeed:
    """A coordinator states that a programme answers the need."""
    permissions.require(actor, cluster, "link_needs", None)
    need = _need_for_update(cluster, need_id)
    program = _program_choice(cluster, program_id)
    if program.status == Program.Status.CANCELLED:
        raise ValidationError({"program": _("%(title)s was cancelled: it answers no need.") % {"title": program}})
    if ProgramNeed.objects.for_cluster(cluster).filter(need=need, program=program).exists():
        raise ValidationError({"program": _("%(title)s is already linked to this need.") % {"title": program}})
    with audit(actor, service="need_link"):
        return ProgramNeed.objects.create(cluster=cluster, need=need, program=program, linked_by=actor)


@transaction.atomic
def need_unlink(*, cluster, actor, need_id: int, program_id: int) -> None:
    permissions.require(actor, cluster, "link_needs", None)
    need = _need_for_update(cluster, need_id)
    link = (ProgramNeed.objects.for_cluster(cluster).filter(need=need, program_id=program_id).first()
            if is_int(program_id) else None)
    if link is None:
        raise ValidationError({"program": _("This programme is not linked to the need.")})
    with audit(actor, service="need_unlink"):
        link.delete()
