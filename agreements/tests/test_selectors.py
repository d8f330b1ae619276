import datetime

import pytest
from django.utils import translation

from agreements import selectors
from agreements.models import Agreement
from agreements.tests.factories import AgreementFactory, AgreementPartyFactory, ObligationFactory
from cluster_platform.tenancy import roles_for
from members.models import Organization
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory


def make(cluster, organization=None, n=1, **kwargs):
    made = []
    for _ in range(n):
        agreement = AgreementFactory(cluster=cluster, **kwargs)
        AgreementPartyFactory(agreement=agreement, organization=organization or OrganizationFactory(cluster=cluster))
        AgreementPartyFactory(agreement=agreement)
        made.append(agreement)
    return made


def listed(cluster, user, **filters):
    return set(selectors.agreement_list(cluster=cluster, roles=roles_for(user, cluster), filters=filters))


def test_coordinators_and_authorities_see_all_party_members_their_own(
        cluster, coordinator, authority, expert, org_admin, school):
    [own] = make(cluster, organization=school)
    [other] = make(cluster)
    staff = OrganizationRoleFactory(organization=school, user=UserFactory(username="teacher"), role="staff").user
    assert listed(cluster, coordinator) == listed(cluster, authority) == {own, other}
    assert listed(cluster, org_admin) == listed(cluster, staff) == {own}
    assert listed(cluster, expert) == set()


def test_another_clusters_agreements_are_not_listed_nor_found(cluster, other_cluster, coordinator, outsider):
    [mine] = make(cluster)
    [theirs] = make(other_cluster)
    assert listed(cluster, coordinator) == {mine}
    assert listed(other_cluster, outsider) == {theirs}
    with pytest.raises(Agreement.DoesNotExist):
        selectors.agreement_get(cluster=other_cluster, roles=roles_for(outsider, other_cluster), pk=mine.pk)
    with pytest.raises(Agreement.DoesNotExist):
        selectors.agreement_get(cluster=cluster, roles=roles_for(outsider, cluster), pk=mine.pk)


def test_a_non_party_cannot_get_the_agreement(cluster, org_admin):
    [agreement] = make(cluster)
    with pytest.raises(Agreement.DoesNotExist):
        selectors.agreement_get(cluster=cluster, roles=roles_for(org_admin, cluster), pk=agreement.pk)


def test_filters(cluster, coordinator, school):
    today = datetime.date(2026, 5, 1)
    [research] = make(cluster, kind="research", organization=school)
    [ending] = make(cluster, status="active", end_date=datetime.date(2026, 5, 20))
    [later] = make(cluster, status="active", end_date=datetime.date(2026, 9, 1))
    [ended] = make(cluster, status="active", start_date=datetime.date(2025, 1, 1), end_date=datetime.date(2026, 4, 1))
    assert listed(cluster, coordinator, kind="research") == {research}
    assert listed(cluster, coordinator, status="active") == {ending, later, ended}
    assert listed(cluster, coordinator, organization=school.pk) == {research}
    assert listed(cluster, coordinator, expiring_within_days=30, today=today) == {ending}


def test_a_party_is_found_by_part_of_its_name_or_short_name_in_any_case(cluster, coordinator, school):
    college = OrganizationFactory(cluster=cluster, name="Chirchik Pedagogical College", short_name="CPC",
                                  name_translations={"ru": "Чирчикский педагогический колледж",
                                                     "uz": "Chirchiq pedagogika kolleji"})
    [at_school] = make(cluster, organization=school)
    [at_college] = make(cluster, organization=college)
    assert listed(cluster, coordinator, party_name="pedagogical col") == {at_college}
    assert listed(cluster, coordinator, party_name="cpc") == {at_college}
    # In any of the languages its name was given in.
    assert listed(cluster, coordinator, party_name="ПЕДАГОГИЧЕСКИЙ") == {at_college}
    assert listed(cluster, coordinator, party_name="pedagogika kol") == {at_college}
    assert listed(cluster, coordinator, party_name="SCHOOL NO. 1") >= {at_school}
    assert listed(cluster, coordinator, party_name="nobody of that name") == set()
    assert listed(cluster, coordinator, party_name="  ") == {at_school, at_college}


def test_the_party_name_matches_only_this_clusters_organizations(cluster, other_cluster, coordinator, outsider):
    theirs = OrganizationFactory(cluster=other_cluster, name="Samarkand Lyceum")
    [their_agreement] = make(other_cluster, organization=theirs)
    [mine] = make(cluster)
    assert listed(cluster, coordinator, party_name="Samarkand Lyceum") == set()
    assert listed(other_cluster, outsider, party_name="Samarkand Lyceum") == {their_agreement}
    assert mine not in listed(other_cluster, outsider, party_name="School")


def test_the_rows_of_the_page_carry_the_party_names_in_the_order_of_the_parties(cluster, coordinator, org_admin,
                                                                                 school):
    [shared] = make(cluster, organization=school)
    [other] = make(cluster)
    first, second = shared.parties.order_by("pk")
    Organization.objects.for_cluster(cluster).filter(pk=second.organization_id).update(
        name_translations={"ru": "Школа-партнёр"})
    rows = {row.pk: row for row in selectors.agreement_rows(cluster=cluster, roles=roles_for(coordinator, cluster))}
    assert set(rows) == {shared.pk, other.pk}
    assert selectors.party_names(rows[shared.pk]) == [first.organization.name, second.organization.name]
    with translation.override("ru"):  # each in the reader's language, where it was given
        assert selectors.party_names(rows[shared.pk]) == [first.organization.name, "Школа-партнёр"]
    # The same visibility as the list: an organization admin sees its own organization's only.
    assert [row.pk for row in selectors.agreement_rows(cluster=cluster, roles=roles_for(org_admin, cluster),
                                                       filters={"party_name": "School"})] == [shared.pk]


@pytest.mark.parametrize("rows", [2, 12])
def test_the_rows_of_the_page_take_one_query(cluster, coordinator, django_assert_num_queries, rows):
    make(cluster, n=rows)
    roles = roles_for(coordinator, cluster)
    with django_assert_num_queries(1):
        for agreement in selectors.agreement_rows(cluster=cluster, roles=roles):
            assert len(selectors.party_names(agreement)) == 2 and agreement.number and agreement.get_kind_display()


@pytest.mark.parametrize("rows", [2, 12])
def test_the_list_query_count_does_not_grow(cluster, coordinator, django_assert_max_num_queries, rows):
    make(cluster, n=rows)
    roles = roles_for(coordinator, cluster)
    with django_assert_max_num_queries(2):
        for agreement in selectors.agreement_list(cluster=cluster, roles=roles):
            [str(party.organization) for party in agreement.parties.all()]


@pytest.mark.parametrize("rows", [1, 10])
def test_the_detail_query_count_does_not_grow(cluster, coordinator, django_assert_max_num_queries, rows):
    [agreement] = make(cluster)
    for _ in range(rows):
        ObligationFactory(party=agreement.parties.first())
    roles = roles_for(coordinator, cluster)
    # The agreement, its parties (with their representatives), obligations and timeline.
    with django_assert_max_num_queries(5):
        found = selectors.agreement_get(cluster=cluster, roles=roles, pk=agreement.pk)
        [(str(o.party.organization), o.completed_by) for o in found.obligations.all()]
        [(str(p.organization), p.signatory) for p in found.parties.all()]
        [t.actor for t in found.transitions.all()]
    assert len(found.obligations.all()) == rows
