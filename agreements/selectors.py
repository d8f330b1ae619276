"""Reads of the agreements app. Every query names the cluster; what a user may see is the
rule in permissions.visible_agreements."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Prefetch, Q
from django.utils import timezone

from cluster_platform.tenancy import Roles
from members.models import ClusterRole, OrganizationRole
from members.selectors import ACCESS_STATUSES

from .models import Agreement, AgreementDocument, AgreementParty, AgreementTransition, Obligation
from .permissions import visible_agreements


def _parties(cluster):
    return AgreementParty.objects.for_cluster(cluster).select_related("organization", "signatory")


def agreement_list(*, cluster, roles: Roles, filters: dict | None = None):
    """Visible agreements with their parties; filters: kind, status, organization (a party's
    organization id), expiring_within_days (active and ending between today and then)."""
    filters = filters or {}
    agreements = visible_agreements(cluster, roles)
    if filters.get("kind"):
        agreements = agreements.filter(kind=filters["kind"])
    if filters.get("status"):
        agreements = agreements.filter(status=filters["status"])
    if filters.get("organization"):
        agreements = agreements.filter(
            pk__in=AgreementParty.objects.for_cluster(cluster)
            .filter(organization_id=filters["organization"])
            .values("agreement_id")
        )
    days = filters.get("expiring_within_days")
    if days not in (None, ""):
        today = filters.get("today") or timezone.localdate()
        agreements = agreements.filter(
            status=Agreement.Status.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=int(days)),
        )
    return agreements.prefetch_related(Prefetch("parties", queryset=_parties(cluster)))


def agreement_get(*, cluster, roles: Roles, pk) -> Agreement:
    """One visible agreement with its parties, obligations and timeline; DoesNotExist alike
    for another cluster's agreement and for one the roles may not read."""
    return (
        visible_agreements(cluster, roles)
        .select_related("renewal_of", "created_by")
        .prefetch_related(
            Prefetch("parties", queryset=_parties(cluster)),
            Prefetch(
                "obligations",
                queryset=Obligation.objects.for_cluster(cluster).select_related(
                    "party__organization", "completed_by"
                ),
            ),
            Prefetch(
                "transitions", queryset=AgreementTransition.objects.for_cluster(cluster).select_related("actor")
            ),
        )
        .get(pk=pk)
    )


def agreement_get_for_update(*, cluster, pk) -> Agreement:
    """The agreement row locked until the transaction ends: status moves are serialized."""
    return Agreement.objects.for_cluster(cluster).select_for_update().get(pk=pk)


# --- Documents -------------------------------------------------------------------------------

def document_list(*, cluster, roles: Roles, agreement_id):
    """The documents of one visible agreement, newest version of each kind first; empty alike
    for another cluster's agreement and for one the roles may not read."""
    return (
        AgreementDocument.objects.for_cluster(cluster)
        .filter(agreement_id=agreement_id, agreement__in=visible_agreements(cluster, roles))
        .select_related("uploaded_by")
    )


def document_get(*, cluster, roles: Roles, agreement_id, pk):
    """One document of a visible agreement; AgreementDocument.DoesNotExist alike for another
    cluster's document, another agreement's, and one of an agreement the roles may not read.
    The download view streams `document.file` with documents.content_disposition(display_name)."""
    return (
        AgreementDocument.objects.for_cluster(cluster)
        .filter(agreement_id=agreement_id, agreement__in=visible_agreements(cluster, roles))
        .select_related("agreement", "uploaded_by")
        .get(pk=pk)
    )


# --- Reminders -------------------------------------------------------------------------------

def reminder_recipients(*, cluster, agreement: Agreement) -> list[str]:
    """Email addresses for an agreement's reminders: the admins of every party organization
    (while the organization keeps access, as in members.selectors.user_roles) and the
    cluster's coordinators; active users with an address, each address once."""
    party_admins = OrganizationRole.objects.for_cluster(cluster).filter(
        role=OrganizationRole.Role.ADMIN,
        organization__status__in=ACCESS_STATUSES,
        organization_id__in=AgreementParty.objects.for_cluster(cluster)
        .filter(agreement=agreement).values("organization_id"),
    ).values("user_id")
    coordinators = ClusterRole.objects.for_cluster(cluster).filter(
        role=ClusterRole.Role.COORDINATOR).values("user_id")
    users = (
        get_user_model().objects.filter(is_active=True)
        .filter(Q(pk__in=party_admins) | Q(pk__in=coordinators))
        .exclude(email="")
        .order_by("pk")
    )
    seen, emails = set(), []
    for email in users.values_list("email", flat=True):
        if email.lower() not in seen:
            seen.add(email.lower())
            emails.append(email)
    return emails
