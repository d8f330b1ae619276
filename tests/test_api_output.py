"""The API's lean list output (cluster_platform.api_output) against DRF's own rendering.

Every list endpoint of the API is read twice over the synthetic data set with sample objects
(tests/test_query_budgets.py's `load`): once as served (a page PostgreSQL writes, or rows by
plan), once with both switched off so DRF renders every row itself. The two answers must be the
same JSON. The data set is loaded by COPY
on the owner's connection and committed, so this test commits too (transaction=True).
"""

from __future__ import annotations

import datetime
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils import timezone
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from cluster_platform import api_output
from agreements import selectors as agreement_selectors
from agreements.api.serializers import AgreementOut, AgreementPartyOut
from agreements.models import Agreement
from cluster_platform.api_output import LeanListSerializer, json_rows, output_plan
from members.api.serializers import OrganizationOut, PersonOut
from members.models import Person
from members.tests.factories import OrganizationFactory, PersonFactory, UserFactory
from tests.test_isolation import cluster_routes, fill, methods
from tests.test_query_budgets import EXTRA_ROWS, SPARSE, load, user


@pytest.mark.django_db(transaction=True)
def test_every_api_list_answers_as_drf_would(monkeypatch):
    cluster, objects, overrides = load(SPARSE, EXTRA_ROWS["sparse"], replace=False)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user('coordinator')).key}")
    planned, written = [], []
    for route in cluster_routes():
        if not route.is_api or "get" not in methods(route):
            continue
        url = fill(route, cluster.slug, {**objects, **overrides.get(route.key, {})})
        lean = client.get(url)
        body = lean.json() if lean.status_code == 200 and lean["Content-Type"] == "application/json" else None
        if not isinstance(body, dict) or not body.get("results"):
            continue
        with monkeypatch.context() as drf_only:
            drf_only.setattr(api_output, "output_plan", lambda serializer_class: None)
            drf_only.setattr(api_output, "row_json", lambda serializer_class: None)
            assert client.get(url).json() == body, f"GET {url}: the lean rows differ from DRF's"
        serializer_class = getattr(route.view, "cls", None) and route.view.cls.serializer_class
        if serializer_class and output_plan(serializer_class):
            planned.append(route.key)
        if serializer_class and api_output.row_json(serializer_class) is not None:
            written.append(route.key)
    # The long lists are among those rendered by plan, and written by PostgreSQL (and so compared).
    for key in ("person-list", "organization-list", "agreement-list"):
        assert any(key in name for name in written), (key, written)
    for key in ("person-list", "organization-list", "agreement-list", "enrollment-list"):
        assert any(key in name for name in planned), (key, planned)


class PersonAccount(serializers.ModelSerializer):
    """`user.username` read through a foreign key that may be empty, with no default: DRF leaves
    the key out for such a row."""

    username = serializers.CharField(source="user.username", read_only=True)
    organization_kind = serializers.CharField(source="organization.kind", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "organization", "username", "organization_kind", "is_active", "created_at"]


class PersonWithMethod(serializers.ModelSerializer):
    initials = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = ["id", "initials"]

    def get_initials(self, person):
        return person.full_name[:1]


@pytest.mark.django_db
class TestPlans:
    def rows(self, cluster):
        school = OrganizationFactory(cluster=cluster)
        PersonFactory(cluster=cluster, organization=school, user=None)
        PersonFactory(cluster=cluster, organization=school, user=UserFactory(username="karimova"))
        return Person.objects.for_cluster(cluster).select_related("organization", "user").order_by("pk")

    def test_an_empty_key_on_the_way_is_rendered_as_drf_renders_it(self, cluster):
        people = self.rows(cluster)
        lean = LeanListSerializer(people, child=PersonAccount()).data
        assert lean == PersonAccount(people, many=True).data
        assert "username" not in lean[0] and lean[1]["username"] == "karimova"
        assert lean[0]["organization"] == people[0].organization_id

    @pytest.mark.parametrize("zone", ["UTC", "Asia/Tashkent"])
    def test_times_are_written_in_the_current_time_zone_as_drf_writes_them(self, cluster, zone):
        people = self.rows(cluster)
        with timezone.override(zone):
            lean = LeanListSerializer(people, child=PersonOut()).data
            assert lean == PersonOut(people, many=True).data
        assert lean[0]["created_at"].endswith("Z" if zone == "UTC" else "+05:00")

    def test_the_platforms_output_serializers_have_plans(self):
        assert output_plan(PersonOut) and output_plan(OrganizationOut) and output_plan(PersonAccount)

    def test_a_serializer_with_a_method_field_is_left_to_drf(self, cluster):
        people = self.rows(cluster)
        assert output_plan(PersonWithMethod) is None
        assert LeanListSerializer(people, child=PersonWithMethod()).data == PersonWithMethod(people, many=True).data


class PersonStamped(serializers.ModelSerializer):
    class Meta:
        model = Person
        fields = ["id", "created_at"]


class PersonDated(serializers.ModelSerializer):
    created_at = serializers.DateTimeField(format="%d.%m.%Y", read_only=True)

    class Meta:
        model = Person
        fields = ["id", "created_at"]


@pytest.mark.django_db
class TestRowsRenderedByTheDatabase:
    """json_rows and RowsFromQuery: a nested list built by PostgreSQL, as DRF would build it."""

    def agreements(self, cluster):
        from agreements.tests.factories import AgreementFactory, AgreementPartyFactory

        signed = AgreementFactory(cluster=cluster)
        AgreementPartyFactory(agreement=signed, role="lead", signed_on=datetime.date(2026, 3, 4),
                              signed_by_name="Dilnoza Rahimova",
                              signatory=PersonFactory(cluster=cluster, full_name="Dilnoza Rahimova"))
        AgreementPartyFactory(agreement=signed)  # no signatory: its name is null, as DRF's default
        AgreementFactory(cluster=cluster)  # no parties: an empty list
        return Agreement.objects.for_cluster(cluster).order_by("pk")

    def test_the_rows_are_the_serializers_own(self, cluster):
        agreements = self.agreements(cluster)
        annotated = agreements.annotate(
            party_rows=json_rows(AgreementPartyOut, agreement_selectors.parties_of_each(cluster)))
        from_sql = [agreement.party_rows for agreement in annotated]
        from_drf = [AgreementPartyOut(agreement.parties.order_by("pk"), many=True).data for agreement in agreements]
        assert from_sql == from_drf
        assert from_sql[0][0]["signed_on"] == "2026-03-04" and from_sql[0][1]["signatory_name"] is None
        assert from_sql[1] == []
        # The keys in the serializer's order (json, not jsonb).
        assert list(from_sql[0][0]) == list(AgreementPartyOut().fields)

    def test_an_object_read_without_the_rows_is_rendered_by_the_serializer(self, cluster):
        agreements = self.agreements(cluster)
        annotated = agreements.annotate(
            party_rows=json_rows(AgreementPartyOut, agreement_selectors.parties_of_each(cluster)))
        plain = AgreementOut(agreements, many=True).data
        assert plain == AgreementOut(annotated, many=True).data
        assert plain == LeanListSerializer(annotated, child=AgreementOut()).data
        assert len(plain[0]["parties"]) == 2

    @pytest.mark.parametrize("zone", ["UTC", "Asia/Tashkent", "America/New_York"])
    def test_times_are_written_as_drf_writes_them(self, cluster, zone):
        school = OrganizationFactory(cluster=cluster)
        moments = [
            datetime.datetime(2026, 7, 1, 9, 30, tzinfo=datetime.UTC),  # no microseconds: none written
            datetime.datetime(2026, 1, 15, 23, 59, 59, 120, tzinfo=datetime.UTC),  # a few: all six digits
            datetime.datetime(1900, 1, 1, 12, tzinfo=datetime.UTC),  # local mean time: an offset in seconds
        ]
        for moment in moments:
            Person.objects.for_cluster(cluster).filter(pk=PersonFactory(cluster=cluster, organization=school).pk).update(
                created_at=moment)
        people = Person.objects.for_cluster(cluster).order_by("pk")
        with timezone.override(zone):
            from_sql = [json.loads(text) for text in people.values_list(
                api_output.row_json(PersonStamped), flat=True)]
            assert from_sql == PersonStamped(people, many=True).data
        if zone == "Asia/Tashkent":
            assert [row["created_at"] for row in from_sql] == [
                "2026-07-01T14:30:00+05:00", "2026-01-16T04:59:59.000120+05:00", "1900-01-01T16:37:11+04:37:11"]

    def test_a_page_is_written_into_the_answer_as_it_is(self, cluster):
        renderer = api_output.JSONRenderer()
        rows = api_output.RawRows(['{"id" : 1, "name" : "Maktab \\"1\\""}', '{"id" : 2, "name" : null}'])
        body = renderer.render({"count": 2, "results": rows, "next": None})
        assert json.loads(body) == {"count": 2, "results": [{"id": 1, "name": 'Maktab "1"'}, {"id": 2, "name": None}],
                                    "next": None}
        indented = renderer.render({"count": 2, "results": rows}, "application/json; indent=2")
        assert json.loads(indented)["results"] == rows and b"\n  " in indented

    @pytest.mark.parametrize("serializer_class, field", [(PersonDated, "created_at"), (PersonWithMethod, "initials")])
    def test_a_field_postgresql_would_write_otherwise_is_refused_by_name(self, serializer_class, field):
        with pytest.raises(ImproperlyConfigured, match=rf"{serializer_class.__name__}\.{field}: "):
            json_rows(serializer_class, Person.objects.none())
