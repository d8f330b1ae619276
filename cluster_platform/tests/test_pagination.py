"""Keyset pages and bounded counts (cluster_platform.pagination), through the API and the
browser pages that use them."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cluster_platform import pagination
from cluster_platform.pagination import AFTER, Keyset, count_rows, decode_cursor, encode_cursor
from members.models import Person, SchoolRating
from members.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def people(cluster, school, count, *, name="Person"):
    return Person.objects.bulk_create(
        Person(cluster=cluster, organization=school, full_name=f"{name} {n % 7:02}") for n in range(count)
    )


def walk(client, url, **params):
    """Follow `next` links from the first page; the ids in the order they came."""
    seen, pages = [], 0
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        seen += [row["id"] for row in response.data["results"]]
        pages += 1
        if response.data["next"] is None:
            return seen, pages
        response = client.get(response.data["next"])


def people_url(cluster):
    return f"/api/v1/c/{cluster.slug}/people/"


class TestApiKeysetPages:
    def test_next_links_walk_every_row_once_in_the_list_order(self, cluster, coordinator, school):
        made = people(cluster, school, 23)
        seen, pages = walk(api(coordinator), people_url(cluster), page_size=5)
        expected = [p.pk for p in sorted(made, key=lambda p: (p.full_name, p.pk))]
        assert seen == expected and pages == 5

    def test_next_is_a_cursor_and_previous_goes_back_to_the_same_rows(self, cluster, coordinator, school):
        people(cluster, school, 12)
        client = api(coordinator)
        first = client.get(people_url(cluster), {"page_size": 4})
        assert "cursor=" in first.data["next"] and "page=" not in first.data["next"]
        second = client.get(first.data["next"])
        third = client.get(second.data["next"])
        back = client.get(third.data["previous"])
        assert [r["id"] for r in back.data["results"]] == [r["id"] for r in second.data["results"]]
        assert client.get(back.data["previous"]).data["previous"] is None

    def test_a_mixed_direction_ordering_pages_by_cursor_too(self, cluster, coordinator, school):
        # "-period" then the colour ascending: the condition is spelled out, not a row
        # comparison, and still gives every row once.
        schools = [OrganizationFactory(cluster=cluster, kind="school") for _ in range(4)]
        periods = [datetime.date(2025, month, 1) for month in (1, 4, 7)]
        SchoolRating.objects.bulk_create(
            SchoolRating(cluster=cluster, organization=s, period=p, colour="green", score=80)
            for s in schools for p in periods
        )
        SchoolRating.objects.for_cluster(cluster).filter(organization=schools[0]).update(colour="red")
        seen, _pages = walk(api(coordinator), f"/api/v1/c/{cluster.slug}/school-ratings/", page_size=5,
                            ordering="-period,colour")
        expected = list(SchoolRating.objects.for_cluster(cluster).order_by("-period", "colour", "pk")
                        .values_list("pk", flat=True))
        assert seen == expected

    def test_a_cursor_page_costs_the_queries_of_the_first_page_and_reads_no_offset(
            self, cluster, coordinator, school):
        people(cluster, school, 30)
        client = api(coordinator)
        client.get(people_url(cluster))  # warm the token and the caches
        with CaptureQueriesContext(connection) as first_queries:
            first = client.get(people_url(cluster), {"page_size": 5})
        with CaptureQueriesContext(connection) as deep_queries:
            deep = client.get(first.data["next"])
        assert deep.status_code == 200 and len(deep.data["results"]) == 5
        assert len(deep_queries) == len(first_queries)
        page_sql = [q["sql"] for q in deep_queries if "LIMIT 6" in q["sql"]]
        assert page_sql and "OFFSET" not in page_sql[0]
        assert re.search(r'\("members_person"\."full_name", "members_person"\."id"\) >', page_sql[0])

    @pytest.mark.parametrize("cursor", ["nonsense", encode_cursor("x", [1]), encode_cursor(AFTER, ["a"]),
                                        encode_cursor(AFTER, ["a", "not-a-number"]), encode_cursor(AFTER, [None, 1])])
    def test_a_broken_cursor_is_400_naming_the_parameter(self, cluster, coordinator, school, cursor):
        people(cluster, school, 3)
        response = api(coordinator).get(people_url(cluster), {"cursor": cursor})
        assert response.status_code == 400 and "cursor" in response.data

    def test_a_list_whose_ordering_has_no_keyset_pages_by_number(self, cluster, coordinator):
        # joined_on may be empty: no keyset; the links are numbered pages.
        for n in range(6):
            OrganizationFactory(cluster=cluster, name=f"School {n}")
        client = api(coordinator)
        url = f"/api/v1/c/{cluster.slug}/organizations/"
        first = client.get(url, {"ordering": "joined_on", "page_size": 4})
        assert "page=2" in first.data["next"]
        assert client.get(url, {"ordering": "joined_on", "cursor": encode_cursor(AFTER, [1])}).status_code == 400


class TestCounts:
    def test_exact_up_to_the_cap_then_the_planners_estimate(self, cluster, school, monkeypatch):
        people(cluster, school, 12)
        queryset = Person.objects.for_cluster(cluster)
        assert count_rows(queryset) == (12, True)
        monkeypatch.setattr(pagination, "COUNT_CAP", 10)
        count, exact = count_rows(queryset)
        assert not exact and count >= 11

    def test_the_api_says_when_its_count_is_an_estimate(self, cluster, coordinator, school, monkeypatch):
        people(cluster, school, 12)
        monkeypatch.setattr(pagination, "COUNT_CAP", 10)
        data = api(coordinator).get(people_url(cluster)).data
        assert data["count_is_estimate"] is True and data["count"] >= 11
        with CaptureQueriesContext(connection) as queries:
            api(coordinator).get(people_url(cluster))
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        assert counts and all("LIMIT 11" in sql for sql in counts)

    def test_a_list_that_can_match_nothing_counts_nothing(self, cluster):
        with CaptureQueriesContext(connection) as queries:
            assert count_rows(Person.objects.for_cluster(cluster).filter(pk__in=[])) == (0, True)
        assert not [q for q in queries if q["sql"].startswith("EXPLAIN")]

    def test_a_list_found_too_long_to_count_is_not_counted_again_for_a_while(self, cluster, school, settings,
                                                                             monkeypatch):
        people(cluster, school, 12)
        queryset = Person.objects.for_cluster(cluster)
        monkeypatch.setattr(pagination, "COUNT_CAP", 10)
        settings.LIST_ESTIMATE_CACHE_SECONDS = 60
        pagination._ESTIMATES.clear()
        first = count_rows(queryset)
        with CaptureQueriesContext(connection) as queries:
            assert count_rows(queryset) == first and not first[1]
        assert not queries
        # Kept no longer than the settings say; a list within the cap is counted every time.
        settings.LIST_ESTIMATE_CACHE_SECONDS = 0
        with CaptureQueriesContext(connection) as queries:
            count_rows(queryset)
        assert [q for q in queries if "COUNT(" in q["sql"].upper()]
        settings.LIST_ESTIMATE_CACHE_SECONDS = 60
        short = queryset.filter(pk=queryset[0].pk)
        count_rows(short)
        with CaptureQueriesContext(connection) as queries:
            assert count_rows(short) == (1, True)
        assert queries

    def test_no_count_of_a_whole_table(self, cluster, coordinator, school):
        people(cluster, school, 3)
        with CaptureQueriesContext(connection) as queries:
            api(coordinator).get(people_url(cluster))
        counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
        assert counts and all(f"LIMIT {pagination.COUNT_CAP + 1}" in sql for sql in counts)


    def test_a_page_counts_its_list_in_its_own_query(self, cluster, coordinator, school, settings, monkeypatch):
        """One round trip for the page and its count; beyond the cap the estimate, then kept: later
        pages carry no count at all."""
        people(cluster, school, 12)
        with CaptureQueriesContext(connection) as queries:
            data = api(coordinator).get(people_url(cluster), {"page_size": 5}).data
        assert (data["count"], data["count_is_estimate"], len(data["results"])) == (12, False, 5)
        pages = [q["sql"] for q in queries if "members_person" in q["sql"]]
        assert len(pages) == 1 and "COUNT(*)" in pages[0] and "LIMIT 10001" in pages[0]
        # A cursor page counts in its query too.
        data = api(coordinator).get(data["next"]).data
        assert (data["count"], data["count_is_estimate"], len(data["results"])) == (12, False, 5)

        monkeypatch.setattr(pagination, "COUNT_CAP", 10)
        settings.LIST_ESTIMATE_CACHE_SECONDS = 60
        pagination._ESTIMATES.clear()
        data = api(coordinator).get(people_url(cluster)).data
        assert data["count_is_estimate"] is True and data["count"] >= 11
        with CaptureQueriesContext(connection) as queries:
            again = api(coordinator).get(people_url(cluster)).data
        assert again["count"] == data["count"] and again["count_is_estimate"] is True
        assert not [q for q in queries if "COUNT(" in q["sql"].upper() or q["sql"].startswith("EXPLAIN")]

    def test_the_browser_page_counts_its_list_in_its_own_query(self, client, cluster, coordinator, school):
        people(cluster, school, 30)
        client.force_login(coordinator)
        url = f"/c/{cluster.slug}/people/"
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url, {"page": 2}).context["page_obj"]
        assert (page.number, page.count, len(page.object_list)) == (2, 30, 5)
        assert not [q for q in queries if q["sql"].startswith("SELECT COUNT(")]
        # A page past the end of a counted list gives its last page; an empty list, an empty page.
        page = client.get(url, {"page": 9}).context["page_obj"]
        assert (page.number, len(page.object_list)) == (2, 5)
        Person.objects.for_cluster(cluster).delete()
        page = client.get(url, {"page": 3}).context["page_obj"]
        assert (page.number, page.count, list(page.object_list)) == (1, 0, [])


    def test_a_page_number_too_large_for_an_offset(self, client, cluster, coordinator, school):
        people(cluster, school, 3)
        huge = "100000000000000000000"
        assert api(coordinator).get(people_url(cluster), {"page": huge}).status_code == 404
        client.force_login(coordinator)
        page = client.get(f"/c/{cluster.slug}/people/", {"page": huge}).context["page_obj"]
        assert (page.number, len(page.object_list)) == (1, 3)

class TestKeyset:
    def test_cursors_round_trip_typed_values(self, cluster, school):
        person = people(cluster, school, 1)[0]
        keyset = Keyset.of(Person.objects.for_cluster(cluster).order_by("-created_at", "full_name"))
        direction, values = keyset.decode(keyset.cursor(AFTER, person))
        assert direction == AFTER and values == [person.created_at, person.full_name, person.pk]
        assert decode_cursor(keyset.cursor(AFTER, person))[0] == AFTER

    @pytest.mark.parametrize("ordering", [("organization__name",), ("user",), ("?",)])
    def test_no_keyset_for_related_or_random_orderings(self, cluster, ordering):
        assert Keyset.of(Person.objects.for_cluster(cluster).order_by(*ordering)) is None

    def test_the_primary_key_ends_every_keyset(self, cluster):
        keyset = Keyset.of(Person.objects.for_cluster(cluster).order_by("-full_name"))
        assert keyset.ordering() == ["-full_name", "-id"]


class TestBrowserPages:
    def page(self, client, cluster, **params):
        return client.get(f"/c/{cluster.slug}/people/", params)

    def test_numbered_pages_while_the_list_is_counted(self, client, cluster, coordinator, school):
        people(cluster, school, 30)
        client.force_login(coordinator)
        response = self.page(client, cluster, page=2)
        page = response.context["page_obj"]
        assert page.number == 2 and page.next_cursor is None and page.elided_range
        assert "Showing 26–30 of 30" in response.content.decode()
        # A page past the end gives the last page.
        assert self.page(client, cluster, page=99).context["page_obj"].number == 2

    def test_a_list_too_long_to_count_goes_on_by_cursor(self, client, cluster, coordinator, school, monkeypatch):
        made = people(cluster, school, 60)
        monkeypatch.setattr(pagination, "COUNT_CAP", 10)
        client.force_login(coordinator)
        seen = []
        response = self.page(client, cluster)
        while True:
            page = response.context["page_obj"]
            assert page.count_is_estimate and not page.elided_range
            seen += [row["person"].pk for row in response.context["people"]]
            if not page.next_cursor:
                break
            assert "of about" in response.content.decode()
            response = self.page(client, cluster, cursor=page.next_cursor)
        assert seen == [p.pk for p in sorted(made, key=lambda p: (p.full_name, p.pk))]
        previous = self.page(client, cluster, cursor=page.previous_cursor).context["page_obj"]
        assert previous.has_next() and previous.number is None

    def test_a_stale_cursor_gives_the_first_page(self, client, cluster, coordinator, school):
        people(cluster, school, 3)
        client.force_login(coordinator)
        response = self.page(client, cluster, cursor="garbage")
        assert response.status_code == 200 and response.context["page_obj"].number == 1


@pytest.mark.django_db(transaction=True)
def test_the_estimate_divides_out_the_policys_second_look_at_the_cluster(cluster, other_cluster, monkeypatch):
    """Under row-level security the planner sees the cluster twice (the ORM's filter and the
    policy) and multiplies: its estimate falls short by the cluster's share of the table.
    estimate_rows() corrects for that share."""
    from cluster_platform import rls

    big = OrganizationFactory(cluster=cluster)
    small = OrganizationFactory(cluster=other_cluster)
    people(cluster, big, 3000)
    people(other_cluster, small, 1000)
    with rls.as_owner(), connection.cursor() as cursor:
        cursor.execute("ANALYZE members_person")
    pagination._SHARES.clear()
    monkeypatch.setattr(pagination, "COUNT_CAP", 100)
    with rls.cluster_scope(cluster.pk):
        count, exact = count_rows(Person.objects.for_cluster(cluster))
        naive = pagination._plan_rows(connection, *Person.objects.for_cluster(cluster).values("pk").query.sql_with_params())
    assert not exact
    assert 2400 <= count <= 3600, count
    assert naive < count * 0.9  # what the planner alone would have said


class TestSearchCountedWithItsPage:
    """A people search (TenantQuerySet.counted_with_page): the matches are found once, by the
    page's own query, which counts them too (pagination.page_and_total)."""

    def matching(self, cluster, school):
        people(cluster, school, 30, name="Dilnoza")
        people(cluster, school, 5, name="Bobur")

    def test_the_api_counts_the_matches_in_the_pages_query(self, cluster, coordinator, school):
        self.matching(cluster, school)
        with CaptureQueriesContext(connection) as queries:
            response = api(coordinator).get(people_url(cluster), {"q": "dilnoza", "page_size": 20})
        assert response.data["count"] == 30 and not response.data["count_is_estimate"]
        assert len(response.data["results"]) == 20 and response.data["next"]
        searches = [q["sql"] for q in queries if "members_person_match_tids" in q["sql"]]
        assert len(searches) == 1 and "COUNT(*) OVER ()" in searches[0]
        assert not [q["sql"] for q in queries if "COUNT(*) FROM" in q["sql"]]
        # The next page (by cursor) counts as any list does, and agrees.
        following = api(coordinator).get(response.data["next"])
        assert following.data["count"] == 30 and len(following.data["results"]) == 10

    def test_a_page_past_the_end_of_a_search(self, client, cluster, coordinator, school):
        self.matching(cluster, school)
        assert api(coordinator).get(people_url(cluster), {"q": "bobur", "page": 3}).status_code == 404
        client.force_login(coordinator)
        response = client.get(f"/c/{cluster.slug}/people/", {"q": "dilnoza", "page": 2})
        page = response.context["page_obj"]
        assert (page.number, page.count, page.count_is_estimate) == (2, 30, False)
        assert "Showing 26–30 of 30" in response.content.decode()
        # Past the end: counted as usual, and the last page shown.
        assert client.get(f"/c/{cluster.slug}/people/", {"q": "dilnoza", "page": 9}).context["page_obj"].number == 2
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/c/{cluster.slug}/people/", {"q": "zzz"}).context["page_obj"].count == 0
        assert len([q for q in queries if "members_person_match_tids" in q["sql"]]) == 1  # no second look
