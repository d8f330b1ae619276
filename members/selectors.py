"""Read queries for the members app. Every one takes the cluster."""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (CharField, Count, Expression, Func, IntegerField, Prefetch, Q, QuerySet, Value,
                              prefetch_related_objects)
from django.db.models.expressions import RawSQL

from cluster_platform import names
from cluster_platform.tenancy import Roles

from .models import (
    ClusterRole,
    Invitation,
    MembershipApplication,
    MembershipStatusChange,
    Organization,
    OrganizationRole,
    Person,
    SchoolRating,
)


# Members whose people keep their access; a withdrawn member's roles give none.
ACCESS_STATUSES = (Organization.Status.ACTIVE, Organization.Status.SUSPENDED)


def coordinator_ids(cluster) -> QuerySet:
    """The user ids of the cluster's coordinators, as a subquery."""
    return ClusterRole.objects.for_cluster(cluster).filter(role=ClusterRole.Role.COORDINATOR).values("user_id")


def user_roles(*, user, cluster) -> Roles:
    """The user's roles in the cluster, read by every page: one statement, the cluster roles
    (no organization) and the roles in organizations that keep access, as a UNION ALL."""
    in_cluster = (ClusterRole.objects.for_cluster(cluster).filter(user=user)
                  .values_list(Value(None, output_field=IntegerField()), "role").order_by())
    in_organizations = (OrganizationRole.objects.for_cluster(cluster)
                        .filter(user=user, organization__status__in=ACCESS_STATUSES)
                        .values_list("organization_id", "role").order_by())
    return roles_from_rows(in_cluster.union(in_organizations, all=True), user_id=user.pk)


def roles_from_rows(rows, *, user_id) -> Roles:
    """Roles from (organization id, role) rows, the organization empty for a cluster role: as
    user_roles reads them, or the cluster's query with `user_roles_sql` (tenancy.find_cluster)."""
    cluster_roles: set = set()
    organization_roles: dict[int, set] = {}
    for org_id, role in rows:
        if org_id is None:
            cluster_roles.add(role)
        else:
            organization_roles.setdefault(org_id, set()).add(role)
    return Roles(
        cluster_roles=frozenset(cluster_roles),
        organization_roles={k: frozenset(v) for k, v in organization_roles.items()},
        user_id=user_id,
    )


def user_roles_sql(*, user_id: int, cluster_column: str) -> tuple[str, list]:
    """SQL for the user's roles in the cluster whose id is `cluster_column`, as one JSON text of
    [organization id, role] pairs (NULL for none): the rows of user_roles, read by the database
    function of members/migrations/0008_user_roles_function.py inside the cluster's own query."""
    return (
        "(SELECT json_agg(json_build_array(r.organization_id, r.role))::text "
        f"FROM members_user_roles(%s, {cluster_column}, %s) r)",
        [user_id, [str(s) for s in ACCESS_STATUSES]],
    )


def user_cluster_ids(*, user_id: int) -> RawSQL:
    """The ids of the clusters in which the user has any role, as a subquery. Across clusters,
    before one is chosen: the one database function that reads the roles past row-level
    security (members/migrations/0004_user_cluster_ids.py)."""
    return RawSQL("SELECT members_user_cluster_ids(%s, %s)", [user_id, [str(s) for s in ACCESS_STATUSES]])


def user_clusters(*, user):
    """The clusters in which the user has any role (for the switcher and the home page; a page
    under a cluster has them already, read with it: tenancy.find_cluster)."""
    from .models import Cluster

    if not user.is_authenticated:
        return Cluster.objects.none()
    return Cluster.objects.filter(is_active=True, pk__in=user_cluster_ids(user_id=user.pk)).order_by("name")


def organization_list(*, cluster, filters: dict | None = None) -> QuerySet[Organization]:
    filters = filters or {}
    qs = Organization.objects.for_cluster(cluster)
    if filters.get("q"):
        qs = organization_search(qs, filters["q"])
    for field in ("kind", "district", "status"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("rating"):
        qs = qs.filter(current_rating=filters["rating"])
    return qs


def organization_choices(*, cluster, active_only: bool = False) -> QuerySet[Organization]:
    """The organizations a select offers (only the active ones with `active_only`): their keys and
    their names in every language, which names.choices shows and sorts in the reader's language."""
    filters = {"status": Organization.Status.ACTIVE} if active_only else None
    return organization_list(cluster=cluster, filters=filters).only("pk", *Organization.NAME_FIELDS).order_by(
        "name", "pk")


def invitable_organizations(*, cluster) -> QuerySet[Organization]:
    """The organizations whose people may be given new access: the members whose people keep
    theirs (ACCESS_STATUSES), as organization_choices gives them."""
    return organization_choices(cluster=cluster).filter(status__in=ACCESS_STATUSES)


def organization_tax_id_taken(*, cluster, tax_id: str, exclude_pk=None) -> bool:
    qs = Organization.objects.for_cluster(cluster).filter(tax_id=tax_id)
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return bool(tax_id) and qs.exists()


def organization_get(*, cluster, pk) -> Organization:
    return Organization.objects.for_cluster(cluster).get(pk=pk)


def organization_detail(*, cluster, pk, with_people: bool = True) -> Organization:
    """The organization with what its page shows. Its people and accounts only `with_people`:
    a page that may not show them (permissions.can_view_people) passes False and does not
    load them; see organization_prefetch_people."""
    organization = (
        Organization.objects.for_cluster(cluster)
        .prefetch_related(
            Prefetch("ratings", queryset=SchoolRating.objects.for_cluster(cluster).order_by("-period")),
            Prefetch(
                "status_changes",
                queryset=MembershipStatusChange.objects.for_cluster(cluster).select_related("actor"),
            ),
        )
        .get(pk=pk)
    )
    if with_people:
        organization_prefetch_people(cluster=cluster, organization=organization)
    return organization


def organization_districts(*, cluster) -> list[str]:
    return list(
        Organization.objects.for_cluster(cluster)
        .exclude(district="")
        .order_by("district")
        .values_list("district", flat=True)
        .distinct()
    )


def members_by_kind_and_status(*, cluster) -> list[dict]:
    return list(
        Organization.objects.for_cluster(cluster)
        .values("kind", "status")
        .annotate(count=Count("id"))
        .order_by("kind", "status")
    )


def rating_counts(*, cluster) -> dict[str, int]:
    rows = (
        Organization.objects.for_cluster(cluster)
        .filter(kind=Organization.Kind.SCHOOL)
        .exclude(current_rating="")
        .values("current_rating")
        .annotate(count=Count("id"))
    )
    return {row["current_rating"]: row["count"] for row in rows}


def application_list(*, cluster, status: str | None = None) -> QuerySet[MembershipApplication]:
    qs = MembershipApplication.objects.for_cluster(cluster).select_related("decided_by", "organization")
    if status:
        qs = qs.filter(status=status)
    return qs


def application_get(*, cluster, pk) -> MembershipApplication:
    return MembershipApplication.objects.for_cluster(cluster).get(pk=pk)


def person_list(*, cluster, organization=None) -> QuerySet[Person]:
    qs = Person.objects.for_cluster(cluster).select_related("organization", "user")
    if organization is not None:
        qs = qs.filter(organization=organization)
    return qs


def person_get(*, cluster, pk) -> Person:
    return Person.objects.for_cluster(cluster).select_related("organization", "user").get(pk=pk)


def school_rating_list(*, cluster) -> QuerySet[SchoolRating]:
    return SchoolRating.objects.for_cluster(cluster).select_related("organization")


def cluster_role_list(*, cluster) -> QuerySet[ClusterRole]:
    return ClusterRole.objects.for_cluster(cluster).select_related("user").order_by("role", "user__username")


def invitation_list(*, cluster) -> QuerySet[Invitation]:
    return Invitation.objects.for_cluster(cluster).select_related("organization", "invited_by")


def person_list_visible(*, cluster, roles: Roles) -> QuerySet[Person]:
    """The people whose details a holder of `roles` may read (see permissions.can_view_people)."""
    from .permissions import people_scope

    qs = person_list(cluster=cluster)
    scope = people_scope(roles)
    if scope is None:
        return qs
    return qs.filter(organization_id__in=sorted(scope))


def organization_search(queryset: QuerySet[Organization], term: str) -> QuerySet[Organization]:
    """Organizations matching a search term, for the registry page and the API alike: the name
    in any of its languages, the short name, the district. A tax id is searched by prefix:
    people type the first digits of an INN."""
    term = (term or "").strip()
    if not term:
        return queryset
    return queryset.filter(
        names.matching("name", term) | Q(short_name__icontains=term) | Q(tax_id__startswith=term)
        | Q(district__icontains=term)
    )


class _RowAddress(Expression):
    """`<the query's table>.ctid`: where a row is, good for the statement that read it."""

    output_field = CharField()  # compared in SQL only, never read

    def as_sql(self, compiler, connection):
        return f'{compiler.quote_name_unless_alias(compiler.query.get_initial_alias())}."ctid"', []


def person_search(queryset: QuerySet[Person], term: str) -> QuerySet[Person]:
    """People matching a search term, for the people page and the API alike: the term anywhere
    in the name, position, subject or email, or in the organization's name (in any of its
    languages), in any case.

    The database function of migration 0015 finds them: it reads a trigram index past row-level
    security (under the policy LIKE may not use an index) for the queryset's cluster, with the
    people of the organizations whose names match (their ids, from a scan of the cluster's
    organizations), and returns where those rows are; the page's query reads them from there
    (`ctid = ANY(ARRAY(...))`, a TID scan) and counts them too (TenantQuerySet.counted_with_page):
    the function runs once per request. A queryset without a cluster filter scans (the
    platform's own reads)."""
    from cluster_platform.permission_filters import equals_any_expression
    from cluster_platform.tenancy import cluster_filter_value

    term = (term or "").strip()
    if not term:
        return queryset
    cluster_id = cluster_filter_value(queryset.query.where)
    if cluster_id is None:
        return queryset.filter(
            Q(full_name__icontains=term) | Q(position__icontains=term) | Q(subject__icontains=term)
            | Q(email__icontains=term) | names.matching("name", term, prefix="organization__")
        )
    pattern = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    organizations = Organization.objects.for_cluster(cluster_id).filter(names.matching("name", term)).values("pk")
    matches = Func(Value(cluster_id), Value(pattern), ArraySubquery(organizations.order_by()),
                   function="members_person_match_tids", output_field=CharField())
    rows = Func(matches, template="ARRAY(SELECT %(expressions)s)", output_field=CharField())
    # The matches are all collected before they are sorted: counted in the page's query too.
    return queryset.filter(equals_any_expression(_RowAddress(), rows)).counted_with_page()


def organization_role_get(*, cluster, organization, pk) -> OrganizationRole:
    """A role in this organization: a role of another organization is "does not exist" too."""
    return (
        OrganizationRole.objects.for_cluster(cluster).select_related("user")
        .get(organization=organization, pk=pk)
    )


def organization_prefetch_people(*, cluster, organization: Organization) -> Organization:
    """Load an organization's people and accounts (two queries), once the caller knows the
    reader may see them."""
    prefetch_related_objects(
        [organization],
        Prefetch("people", queryset=Person.objects.for_cluster(cluster).select_related("user")),
        Prefetch("roles", queryset=OrganizationRole.objects.for_cluster(cluster).select_related("user")),
    )
    return organization
