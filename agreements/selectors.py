"""Reads of the agreements app. Every query names the cluster; what a user may see is the
rule in permissions.visible_agreements."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import JSONObject
from django.utils import timezone

from cluster_platform import names
from cluster_platform.tenancy import Roles
from members.languages import email_recipients
from members.models import Organization, OrganizationRole, Person
from members.selectors import ACCESS_STATUSES, coordinator_ids

from .models import (
    Agreement,
    AgreementDocument,
    AgreementParty,
    AgreementPartyUserGrant,
    AgreementTransition,
    Obligation,
)
from .permissions import REPRESENT, visible_agreement_filter, visible_agreements


def _parties(cluster):
    return AgreementParty.objects.for_cluster(cluster).select_related("organization", "signatory")


# What a list shows of each party (AgreementPartyOut, the organization and dashboard pages;
# the names Organization.NAME_FIELDS: its name in the reader's language, the short name for
# str(organization)): an organization row carries a dozen columns more, read for every party of
# every row.
LIST_PARTY_FIELDS = (
    "id", "cluster_id", "agreement_id", "organization_id", "role", "signatory_id", "signed_on", "signed_by_name",
    "organization__id", *(f"organization__{field}" for field in Organization.NAME_FIELDS),
    "signatory__id", "signatory__full_name",
)


def _list_parties(cluster):
    return _parties(cluster).only(*LIST_PARTY_FIELDS)


def filter_agreements(agreements, *, cluster, filters: dict):
    """The list's filters on a queryset of agreements: kind, status, organization (a party's
    organization id), party_name (part of a party organization's name or short name, in any
    case), expiring_within_days (active and ending between today and then). Each is a
    condition of the same query (the party ones an EXISTS), so the API's FilterSet applies
    them to its queryset without reading the visible agreements a second time."""
    if filters.get("kind"):
        agreements = agreements.filter(kind=filters["kind"])
    if filters.get("status"):
        agreements = agreements.filter(status=filters["status"])
    if filters.get("organization"):
        agreements = agreements.filter(Exists(
            AgreementParty.objects.for_cluster(cluster)
            .filter(agreement_id=OuterRef("pk"), organization_id=filters["organization"])
        ))
    name = (filters.get("party_name") or "").strip()
    if name:
        agreements = agreements.filter(Exists(
            AgreementParty.objects.for_cluster(cluster)
            .filter(names.matching("name", name, prefix="organization__")
                    | Q(organization__short_name__icontains=name),
                    organization__cluster=cluster, agreement_id=OuterRef("pk"))
        ))
    days = filters.get("expiring_within_days")
    if days not in (None, ""):
        today = filters.get("today") or timezone.localdate()
        agreements = agreements.filter(
            status=Agreement.Status.ACTIVE,
            end_date__gte=today,
            end_date__lte=today + datetime.timedelta(days=int(days)),
        )
    return agreements


def agreement_list(*, cluster, roles: Roles, filters: dict | None = None, with_parties: bool = True):
    """Visible agreements, filtered as filter_agreements says, with their parties prefetched
    (unless the caller reads them another way: `parties_of_each`)."""
    agreements = filter_agreements(visible_agreements(cluster, roles), cluster=cluster, filters=filters or {})
    if not with_parties:
        return agreements
    return agreements.prefetch_related(Prefetch("parties", queryset=_list_parties(cluster)))


def parties_of_each(cluster):
    """The parties of the agreement of the outer query (OuterRef), in the order they were
    added: for a subquery that reads each row's parties in the row's own query."""
    return AgreementParty.objects.for_cluster(cluster).filter(agreement_id=OuterRef("pk")).order_by("pk")


# The columns of the list page: what a row shows and what it may be sorted (and paged) by.
ROW_FIELDS = ("id", "number", "title", "kind", "status", "start_date", "end_date", "created_at")


def agreement_rows(*, cluster, roles: Roles, filters: dict | None = None):
    """The rows of the agreements page: agreement_list's agreements with the columns the page
    shows and `party_rows`, the names of the party organizations in the order they were added
    ({"name", "name_translations"}: party_names() gives them in the reader's language), read in
    the same query (a subquery that PostgreSQL evaluates for the rows of the page only, after
    the sort and the LIMIT)."""
    rows = (
        AgreementParty.objects.for_cluster(cluster).filter(agreement_id=OuterRef("pk"))
        .order_by("pk").values(row=JSONObject(name="organization__name",
                                              name_translations="organization__name_translations"))
    )
    return (
        filter_agreements(visible_agreements(cluster, roles), cluster=cluster, filters=filters or {})
        .only(*ROW_FIELDS).annotate(party_rows=ArraySubquery(rows))
    )


def party_names(row: Agreement) -> list[str]:
    """The party names of a row of agreement_rows, in the reader's language."""
    return [names.localized(party, "name") for party in row.party_rows]


def party_name_suggestions(*, cluster, limit: int) -> list[str]:
    """The names the party filter suggests: every organization's, in the reader's language (the
    filter finds a name in any of its languages), when there are `limit` or fewer to choose
    from (one query that stops after one name more than that)."""
    from members.selectors import organization_list

    rows = list(organization_list(cluster=cluster).order_by("name", "pk")
                .values("name", "name_translations")[:limit + 1])
    if len(rows) > limit:
        return []
    return sorted((names.localized(row, "name") for row in rows), key=str.casefold)


def signatories_by_organization(*, cluster, organization_ids) -> dict[int, list]:
    """The active people of each of these organizations ({id: people by name}), who may sign for
    it: one query, none without an organization."""
    people = {}
    if organization_ids:
        for person in (Person.objects.for_cluster(cluster).filter(organization_id__in=sorted(organization_ids),
                                                                   is_active=True)
                       .only("pk", "full_name", "organization_id").order_by("full_name", "pk")):
            people.setdefault(person.organization_id, []).append(person)
    return people


def agreement_get(*, cluster, roles: Roles, pk) -> Agreement:
    """One visible agreement with its parties, obligations and timeline; DoesNotExist alike
    for another cluster's agreement and for one the roles may not read."""
    return (
        visible_agreements(cluster, roles)
        .select_related("renewal_of", "created_by")
        .prefetch_related(
            Prefetch("parties", queryset=_parties(cluster).prefetch_related(
                Prefetch("user_grants", queryset=_representative_grants(cluster).select_related("user"),
                         to_attr="representative_grants"))),
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


def _representative_grants(cluster):
    return AgreementPartyUserGrant.objects.filter(cluster=cluster, permission__codename=REPRESENT).order_by("pk")


def representative_ids(*, cluster, party: AgreementParty) -> set[int]:
    """The users named to represent this party (whether or not they still hold a role)."""
    return set(_representative_grants(cluster).filter(content_object=party).values_list("user_id", flat=True))


def representative_users(*, cluster, party: AgreementParty):
    return get_user_model().objects.filter(
        pk__in=_representative_grants(cluster).filter(content_object=party).values("user_id"))


def representative_candidates(*, cluster, party: AgreementParty):
    """The people who could be named for a party: active users with a role in its
    organization, not yet representing it."""
    has_role = OrganizationRole.objects.for_cluster(cluster).filter(organization_id=party.organization_id)
    return (
        get_user_model().objects.filter(is_active=True, pk__in=has_role.values("user_id"))
        .exclude(pk__in=_representative_grants(cluster).filter(content_object=party).values("user_id"))
        .order_by("last_name", "first_name", "username")
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
        .filter(visible_agreement_filter(cluster, roles, "agreement_id"), agreement_id=agreement_id)
        .select_related("uploaded_by")
    )


def document_get(*, cluster, roles: Roles, agreement_id, pk):
    """One document of a visible agreement; AgreementDocument.DoesNotExist alike for another
    cluster's document, another agreement's, and one of an agreement the roles may not read.
    The download view streams `document.file` with documents.content_disposition(display_name)."""
    return (
        AgreementDocument.objects.for_cluster(cluster)
        .filter(visible_agreement_filter(cluster, roles, "agreement_id"), agreement_id=agreement_id)
        .select_related("agreement", "uploaded_by")
        .get(pk=pk)
    )


# --- Reminders -------------------------------------------------------------------------------

def reminder_recipient_languages(*, cluster, agreement: Agreement) -> list[tuple[str, str]]:
    """(email address, language) of each person an agreement's reminders go to: the admins of
    every party organization and the parties' representatives who still hold a role there
    (while the organization keeps access, as in members.selectors.user_roles), and the
    cluster's coordinators; active users with an address, each address once. The language is
    the one their profile remembers, else the platform's default, read in the same query."""
    party_roles = OrganizationRole.objects.for_cluster(cluster).filter(
        organization__status__in=ACCESS_STATUSES,
        organization_id__in=AgreementParty.objects.for_cluster(cluster)
        .filter(agreement=agreement).values("organization_id"),
    )
    representatives = _representative_grants(cluster).filter(content_object__agreement=agreement)
    party_admins = party_roles.filter(
        Q(role=OrganizationRole.Role.ADMIN)
        | Q(user_id__in=representatives.filter(
            content_object__organization_id=OuterRef("organization_id")).values("user_id"))
    ).values("user_id")
    return email_recipients(
        get_user_model().objects.filter(Q(pk__in=party_admins) | Q(pk__in=coordinator_ids(cluster))))
