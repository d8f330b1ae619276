"""PreparedQuery (cluster_platform/prepared.py): built once per shape, run raw with the real
arguments where the stand-ins were."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cluster_platform.prepared import PreparedQuery
from members.models import Organization
from members.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def _in_district(active_only: bool, *, cluster_id: int, district: str):
    organizations = Organization.objects.for_cluster(cluster_id).filter(district=district).order_by("name")
    return organizations.filter(status=Organization.Status.ACTIVE) if active_only else organizations


def _named_like(*, cluster_id: int, name: str):
    return Organization.objects.for_cluster(cluster_id).filter(name__startswith=name)


def test_each_call_gets_its_own_rows_from_the_sql_built_once(cluster, other_cluster):
    OrganizationFactory(cluster=cluster, name="School 1", district="Chust")
    OrganizationFactory(cluster=cluster, name="School 2", district="Chust", status=Organization.Status.SUSPENDED)
    OrganizationFactory(cluster=other_cluster, name="School 3", district="Chust")
    query = PreparedQuery(_in_district)
    names = [o.name for o in query.rows(shape=(False,), cluster_id=cluster.pk, district="Chust")]
    assert names == ["School 1", "School 2"]
    with CaptureQueriesContext(connection) as queries:
        assert [o.name for o in query.rows(shape=(False,), cluster_id=other_cluster.pk, district="Chust")] == [
            "School 3"]
        assert [o.name for o in query.rows(shape=(True,), cluster_id=cluster.pk, district="Chust")] == ["School 1"]
    assert len(queries) == 2 and len(query._compiled) == 2
    # The real values are parameters, never spliced into the SQL.
    assert query.rows(shape=(False,), cluster_id=cluster.pk, district="x' OR '1'='1") == []
    assert isinstance(query.rows(shape=(False,), cluster_id=cluster.pk, district="Chust")[0], Organization)


def test_only_ints_and_strings_that_reach_the_sql_as_they_are(cluster):
    with pytest.raises(TypeError, match="cluster_id must be an int or a str"):
        PreparedQuery(_in_district).rows(shape=(False,), cluster_id=[cluster.pk], district="Chust")
    with pytest.raises(TypeError, match="name does not reach the SQL as it is"):
        PreparedQuery(_named_like).rows(cluster_id=cluster.pk, name="School")
