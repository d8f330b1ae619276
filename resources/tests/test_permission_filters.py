"""The booking lists narrowed to what a user may see: permissions.visible_bookings (who reads a
booking), permissions.managed_bookings_filter (whose requests a manager decides, by role or by a
django-guardian grant) and managed_resources.

Each list is checked as tests/query_shape.py says.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from guardian.shortcuts import assign_perm

from cluster_platform.tenancy import roles_for
from members.tests.factories import OrganizationFactory
from resources import permissions, selectors
from resources.models import MANAGE_PERMISSION, Booking
from resources.tests.factories import BookedResourceFactory, BookingFactory, ResourceFactory, period
from tests.query_shape import (
    api,
    api_ids,
    EXISTS,
    ANY_OF,
    assert_costs_like_the_coordinator,
    assert_one_statement_filter,
    captured,
)

START = timezone.make_aware(datetime.datetime(2031, 3, 3, 10, 0))


@pytest.fixture
def lyceum(cluster):
    return OrganizationFactory(cluster=cluster, name="Lyceum No. 3")


@pytest.fixture
def lab(university):
    return ResourceFactory(owner=university, name="Chemistry laboratory")


@pytest.fixture
def microscope(university):
    return ResourceFactory(owner=university, name="Microscope set", kind="equipment")


@pytest.fixture
def hall(lyceum):
    return ResourceFactory(owner=lyceum, name="Assembly hall", kind="hall")


@pytest.fixture
def lab_manager(uni_staff, lab):
    """Staff of the university who manages the lab (not the microscope) by a grant."""
    assign_perm(MANAGE_PERMISSION, uni_staff, lab)
    return uni_staff


def book(requester, *resources, status=Booking.Status.REQUESTED):
    # A day of its own for each booking: approved ones of one resource may not overlap.
    start = START + datetime.timedelta(days=Booking.objects.unscoped().count())
    booking = BookingFactory(requester=requester, period=period(start, start + datetime.timedelta(hours=2)),
                             status=status)
    for resource in resources:
        BookedResourceFactory(booking=booking, resource=resource)
    return booking


class Rows:
    """The school's requests for the lab (seen by the school, the university and the lab's
    managers), one request for the lab and the microscope together (not the lab manager's to
    decide alone), and the lyceum's bookings of its own hall (seen by none of them)."""

    def __init__(self, school, lyceum, lab, microscope, hall):
        self.school, self.lyceum, self.lab, self.microscope, self.hall = school, lyceum, lab, microscope, hall
        self.lab_requests, self.both, self.hidden = [], [], []

    def add(self, visible: int):
        self.lab_requests += [book(self.school, self.lab) for _ in range(visible)]
        self.both.append(book(self.school, self.lab, self.microscope))
        self.hidden += [book(self.lyceum, self.hall), book(self.lyceum, self.hall, status=Booking.Status.APPROVED)]


@pytest.fixture
def rows(school, lyceum, lab, microscope, hall):
    return Rows(school, lyceum, lab, microscope, hall)


def pks(objects) -> set[int]:
    return {obj.pk for obj in objects}


# --- (a) who sees what --------------------------------------------------------------------------

def test_each_reader_sees_the_bookings_of_their_requests_and_resources_and_no_others(
        cluster, rows, coordinator, org_admin, uni_admin, lyceum):
    rows.add(3)
    path = f"/api/v1/c/{cluster.slug}/bookings/"
    assert api_ids(org_admin, path) == pks(rows.lab_requests + rows.both)
    assert api_ids(uni_admin, path) == pks(rows.lab_requests + rows.both)
    assert api_ids(coordinator, path) == pks(rows.lab_requests + rows.both + rows.hidden)


def test_a_manager_by_grant_decides_the_requests_of_the_resources_granted_only(cluster, rows, lab_manager):
    rows.add(3)
    roles = roles_for(lab_manager, cluster)
    assert pks(selectors.bookings_to_approve(cluster, roles)) == pks(rows.lab_requests)
    assert api_ids(lab_manager, f"/api/v1/c/{cluster.slug}/bookings/", to_approve="true") == pks(rows.lab_requests)
    assert pks(permissions.managed_resources(cluster, roles)) == {rows.lab.pk}


def test_the_owners_admin_and_the_coordinator_decide_every_request_of_their_resources(
        cluster, rows, uni_admin, coordinator):
    rows.add(3)
    for user, expected in ((uni_admin, rows.lab_requests + rows.both),
                           (coordinator, rows.lab_requests + rows.both + rows.hidden[:1])):
        assert pks(selectors.bookings_to_approve(cluster, roles_for(user, cluster))) == pks(expected)
        decided = selectors.managed_booking_list(cluster=cluster, roles=roles_for(user, cluster))
        assert pks(decided) >= pks(expected)


def test_staff_without_a_grant_and_a_grant_without_a_role_decide_nothing(cluster, rows, uni_staff, lab, school_staff):
    rows.add(3)
    assert not selectors.bookings_to_approve(cluster, roles_for(uni_staff, cluster)).exists()
    # A grant on the university's lab held by someone of another organization gives nothing.
    assign_perm(MANAGE_PERMISSION, school_staff, lab)
    assert not selectors.bookings_to_approve(cluster, roles_for(school_staff, cluster)).exists()
    assert not permissions.managed_resources(cluster, roles_for(school_staff, cluster)).exists()


def test_the_managers_of_a_resource_are_read_in_one_statement(cluster, lab, lab_manager, uni_admin):
    managers, statements = captured(lambda: list(selectors.resource_managers(cluster=cluster, resource=lab)))
    assert managers == [lab_manager] and len(statements) == 1
    candidates = list(selectors.manager_candidates(cluster=cluster, resource=lab))
    assert lab_manager not in candidates and uni_admin in candidates


# --- (b) statements that do not grow, (c) the filter is a subquery of the list's statement ---

LISTS = {
    # name: (path, query, the non-coordinator reader, the subquery that narrows the list)
    "browser-to-approve": ("/c/{slug}/resources/bookings/to-approve/", {}, "lab_manager", EXISTS),
    # The bookings of the reader's resources are an arm of an OR with the reader's requests.
    "api-bookings": ("/api/v1/c/{slug}/bookings/", {}, "uni_admin", ANY_OF),
    "api-to-approve": ("/api/v1/c/{slug}/bookings/", {"to_approve": "true"}, "lab_manager", EXISTS),
}


@pytest.mark.parametrize("name", LISTS)
def test_the_filtered_list_costs_what_the_coordinators_costs(request, client, cluster, rows, coordinator, name):
    path, query, reader, subquery = LISTS[name]
    path = path.format(slug=cluster.slug)
    counts = {}
    for added in (3, 27):
        rows.add(added)
        for who in ("coordinator", reader):
            user = request.getfixturevalue(who)
            if name.startswith("browser"):
                client.force_login(user)
                response, statements = captured(lambda: client.get(path, query))
            else:
                api_client = api(user)
                response, statements = captured(lambda: api_client.get(path, query))
            assert response.status_code == 200
            counts["coordinator" if who == "coordinator" else "reader", len(rows.lab_requests)] = len(statements)
            if who != "coordinator":
                assert_one_statement_filter(statements, "resources_booking", subquery=subquery)
    assert_costs_like_the_coordinator(counts)


@pytest.mark.parametrize("path", ["/c/{slug}/resources/bookings/mine/", "/api/v1/c/{slug}/bookings/?mine=true"])
def test_my_requests_are_read_in_statements_that_do_not_grow(client, cluster, rows, org_admin, path):
    """"Mine" is the requests of the user's own organizations: a handful of ids from the roles,
    written out, with no statement more for more rows."""
    path = path.format(slug=cluster.slug)
    counts = set()
    for added in (3, 27):
        rows.add(added)
        if path.startswith("/api/"):
            api_client = api(org_admin)
            response, statements = captured(lambda: api_client.get(path))
        else:
            client.force_login(org_admin)
            response, statements = captured(lambda: client.get(path))
        assert response.status_code == 200
        assert_one_statement_filter(statements, "resources_booking", subquery=None)
        counts.add(len(statements))
    assert len(counts) == 1
