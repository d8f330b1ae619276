"""The API's lean list output (cluster_platform.api_output) against DRF's own rendering.

Every list endpoint of the API is read twice over the synthetic data set with sample objects
(tests/test_query_budgets.py's `load`): once as served, once with the plans switched off so DRF
renders every row itself. The two answers must be the same JSON. The data set is loaded by COPY
on the owner's connection and committed, so this test commits too (transaction=True).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework import serializers
from rest_framework.authtoken.models import Token

from cluster_platform import api_output
from cluster_platform.api_output import LeanListSerializer, output_plan
from members.api.serializers import OrganizationOut, PersonOut
from members.models import Person
from members.tests.factories import OrganizationFactory, PersonFactory, UserFactory
from tests.test_isolation import cluster_routes, fill, methods
from tests.test_query_budgets import EXTRA_ROWS, SPARSE, load, user


@pytest.mark.django_db(transaction=True)
def test_every_api_list_answers_as_drf_would(monkeypatch):
    cluster, objects, overrides = load(SPARSE, EXTRA_ROWS["sparse"], replace=False)
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user('coordinator')).key}")
    planned = []
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
            assert client.get(url).json() == body, f"GET {url}: the lean rows differ from DRF's"
        serializer_class = getattr(route.view, "cls", None) and route.view.cls.serializer_class
        if serializer_class and output_plan(serializer_class):
            planned.append(route.key)
    # The long lists are among those rendered by plan (and so compared).
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
