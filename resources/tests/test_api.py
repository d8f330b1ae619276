"""The resources REST API: /api/v1/c/<cluster_slug>/resources/ and .../bookings/.

Users as in the root and resources conftests: `uni_admin` and `uni_staff` of the university
that owns `lab` and `microscope`, `org_admin` (admin of `school`) and `school_staff`, a
coordinator, and `outsider`, a coordinator of another cluster. Every refused write also checks
that the data did not change.
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from resources import services
from resources.models import (
    BookedResource,
    Booking,
    ClosedDate,
    OpeningHours,
    Resource,
    ResourcePhoto,
    ResourceUserObjectPermission,
)
from resources.tests.conftest import at, next_weekday, with_weekday_hours
from resources.tests.factories import ClosedDateFactory, ResourceFactory
from resources.tests.test_photos import image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

TABLES = (Resource, OpeningHours, ClosedDate, ResourcePhoto, Booking, BookedResource)


def url(cluster, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/api/v1/c/{cluster.slug}/{tail}"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def tables(cluster) -> dict:
    """Every resources row of a cluster (and the manager grants), to assert nothing changed."""
    rows = {model.__name__: list(model.objects.for_cluster(cluster).order_by("pk").values()) for model in TABLES}
    rows["grants"] = list(ResourceUserObjectPermission.objects.filter(cluster=cluster).order_by("pk").values())
    return rows


def ids(response) -> list[int]:
    return [row["id"] for row in response.data["results"]]


def iso(moment: datetime.datetime) -> str:
    return moment.isoformat()


@pytest.fixture
def other_lab(other_cluster):
    return with_weekday_hours(ResourceFactory(owner=OrganizationFactory(cluster=other_cluster), name="Foreign lab"))


# --- Resources: reading ------------------------------------------------------------------------


def test_the_catalogue_lists_active_resources_with_hours_and_filters(cluster, school_staff, university, lab,
                                                                     microscope):
    paid = ResourceFactory(owner=OrganizationFactory(cluster=cluster), name="Sports hall", kind="hall",
                           terms="cost_recovery", price="50000.00", price_unit="per_hour",
                           description="Basketball and volleyball")
    archived = ResourceFactory(owner=university, name="Old workshop", is_active=False)
    client = client_for(school_staff)

    response = client.get(url(cluster, "resources"))
    assert response.status_code == 200
    assert ids(response) == [lab.pk, microscope.pk, paid.pk]
    row = response.data["results"][0]
    assert row["owner"] == university.pk and row["owner_name"] == university.name
    assert row["kind"] == "laboratory" and row["terms"] == "free"
    assert len(row["opening_hours"]) == 5 and row["opening_hours"][0] == {
        "weekday": 0, "opens": "09:00:00", "closes": "18:00:00"}

    assert ids(client.get(url(cluster, "resources"), {"kind": "equipment"})) == [microscope.pk]
    assert ids(client.get(url(cluster, "resources"), {"owner": university.pk})) == [lab.pk, microscope.pk]
    assert ids(client.get(url(cluster, "resources"), {"terms": "paid"})) == [paid.pk]
    assert ids(client.get(url(cluster, "resources"), {"terms": "free"})) == [lab.pk, microscope.pk]
    assert ids(client.get(url(cluster, "resources"), {"q": "volleyball"})) == [paid.pk]
    assert ids(client.get(url(cluster, "resources"), {"include_archived": "true"})) == [
        lab.pk, microscope.pk, archived.pk, paid.pk]
    assert ids(client.get(url(cluster, "resources"), {"ordering": "-capacity"}))[0] in (lab.pk, paid.pk)
    assert client.get(url(cluster, "resources"), {"kind": "spaceship"}).status_code == 400


def test_the_free_between_filter_leaves_out_booked_and_closed_resources(cluster, uni_admin, school_staff, lab,
                                                                        microscope, make_booking, monday):
    booking = make_booking(resources=[microscope], start=at(monday, "10:00"), end=at(monday, "12:00"), participants=10)
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    client = client_for(school_staff)
    free = client.get(url(cluster, "resources"), {"free_start": iso(at(monday, "11:00")),
                                                  "free_end": iso(at(monday, "13:00"))})
    assert free.status_code == 200 and ids(free) == [lab.pk]
    # Adjacent to the approved booking: both are free.
    assert ids(client.get(url(cluster, "resources"), {"free_start": iso(at(monday, "12:00")),
                                                      "free_end": iso(at(monday, "13:00"))})) == [lab.pk, microscope.pk]
    # Outside the opening hours: neither.
    assert ids(client.get(url(cluster, "resources"), {"free_start": iso(at(monday, "19:00")),
                                                      "free_end": iso(at(monday, "20:00"))})) == []


@pytest.mark.parametrize("params, field", [
    ({"free_start": "2030-01-07T09:00:00+05:00"}, "free_end"),
    ({"free_end": "2030-01-07T09:00:00+05:00"}, "free_start"),
    ({"free_start": "2030-01-07T10:00:00+05:00", "free_end": "2030-01-07T09:00:00+05:00"}, "free_end"),
    ({"free_start": "2030-01-01T10:00:00+05:00", "free_end": "2030-06-01T09:00:00+05:00"}, "free_end"),
    ({"free_start": "yesterday", "free_end": "2030-01-07T09:00:00+05:00"}, "free_start"),
    # Found by tests/test_api_fuzz.py: the day after it would be in year 10000.
    ({"free_start": "9999-12-31T20:00:00+05:00", "free_end": "9999-12-31T22:00:00+05:00"}, "free_start"),
])
def test_a_bad_free_range_is_400_naming_the_field(cluster, school_staff, lab, params, field):
    response = client_for(school_staff).get(url(cluster, "resources"), params)
    assert response.status_code == 400 and field in response.data


def test_the_detail_shows_hours_upcoming_closed_dates_photos_and_managers(cluster, uni_admin, uni_staff,
                                                                           school_staff, lab):
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    uni_staff.first_name, uni_staff.last_name = "Dilnoza", "Karimova"
    uni_staff.save()
    upcoming = ClosedDateFactory(resource=lab, date=timezone.localdate() + datetime.timedelta(days=3))
    ClosedDateFactory(resource=lab, date=timezone.localdate() - datetime.timedelta(days=3))
    photo = services.photo_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk, caption="Benches",
                               upload=_upload())

    response = client_for(school_staff).get(url(cluster, "resources", lab.pk))
    assert response.status_code == 200
    data = response.data
    assert [d["id"] for d in data["closed_dates"]] == [upcoming.pk]
    assert data["managers"] == [{"id": uni_staff.pk, "username": "unistaff", "full_name": "Dilnoza Karimova"}]
    assert data["photos"] == [{"id": photo.pk, "caption": "Benches", "width": 64, "height": 48,
                               "content_type": "image/png", "size": photo.size,
                               "url": f"/api/v1/c/{cluster.slug}/resources/{lab.pk}/photos/{photo.pk}/"}]
    assert len(data["opening_hours"]) == 5
    assert data["can_edit"] is False and data["can_manage"] is False
    mine = client_for(uni_admin).get(url(cluster, "resources", lab.pk)).data
    assert mine["can_edit"] is True and mine["can_manage"] is True


def test_an_archived_resource_still_answers_on_its_detail_route(cluster, uni_admin, lab):
    services.resource_archive(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    response = client_for(uni_admin).get(url(cluster, "resources", lab.pk), {"kind": "hall"})
    assert response.status_code == 200 and response.data["is_active"] is False


def _count_queries(client, path, params=None):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.data
    return len(captured), response.data["count"]


def test_the_catalogue_queries_do_not_grow_with_resources(cluster, school_staff, university):
    client = token_client(school_staff)
    counts = {}
    for rows, total in ((2, 2), (18, 20)):
        for _n in range(rows):
            resource = with_weekday_hours(ResourceFactory(owner=university))
            ResourcePhoto.objects.create(cluster=cluster, resource=resource, image="resources/x.png",
                                         content_type="image/png", size=1)
        counts[total] = (_count_queries(client, url(cluster, "resources")),
                         _count_queries(client, url(cluster, "resources"), {
                             "free_start": "2030-01-07T10:00:00+05:00", "free_end": "2030-01-07T11:00:00+05:00"}))
    assert counts[2][0][0] == counts[20][0][0] and counts[20][0][1] == 20
    assert counts[2][1][0] == counts[20][1][0] and counts[20][1][1] == 20
    assert counts[20][0][0] <= 8


# --- Resources: writing ------------------------------------------------------------------------


RESOURCE_BODY = {"name": "Physics laboratory", "kind": "laboratory", "description": "Optics benches",
                 "capacity": 16, "location": "Building 1, room 12", "terms": "cost_recovery", "price": "120000.00",
                 "price_unit": "per_booking", "access": "agreement", "always_open": False}


def test_an_owner_admin_registers_a_resource(cluster, university, uni_admin):
    response = client_for(uni_admin).post(url(cluster, "resources"), {"owner": university.pk, **RESOURCE_BODY},
                                          format="json")
    assert response.status_code == 201, response.data
    resource = Resource.objects.for_cluster(cluster).get(pk=response.data["id"])
    assert resource.owner == university and resource.price_unit == "per_booking" and resource.created_by == uni_admin
    assert response.data["terms"] == "cost_recovery" and response.data["price"] == "120000.00"


@pytest.mark.parametrize("body, field", [
    ({"terms": "cost_recovery", "price": None}, "price"),
    ({"terms": "cost_recovery", "price_unit": ""}, "price_unit"),
    ({"capacity": 0}, "capacity"),
    ({"kind": "spaceship"}, "kind"),
    ({"name": ""}, "name"),
    ({"is_active": False}, "is_active"),
    ({"cluster": 1}, "cluster"),
])
def test_an_invalid_resource_is_400_naming_the_field_and_nothing_is_saved(cluster, university, uni_admin, body,
                                                                          field):
    before = tables(cluster)
    response = client_for(uni_admin).post(url(cluster, "resources"),
                                          {"owner": university.pk, **RESOURCE_BODY, **body}, format="json")
    assert response.status_code == 400 and field in response.data, response.data
    assert tables(cluster) == before


def test_another_clusters_organization_cannot_own_a_resource(cluster, coordinator, other_school):
    before = tables(cluster)
    response = client_for(coordinator).post(url(cluster, "resources"), {"owner": other_school.pk, **RESOURCE_BODY},
                                            format="json")
    assert response.status_code == 400 and "owner" in response.data
    assert tables(cluster) == before


@pytest.mark.parametrize("who", ["school_staff", "uni_staff", "authority", "expert"])
def test_others_may_not_register_for_the_university_and_get_403(request, cluster, university, who):
    before = tables(cluster)
    response = client_for(request.getfixturevalue(who)).post(
        url(cluster, "resources"), {"owner": university.pk, **RESOURCE_BODY}, format="json")
    assert response.status_code == 403
    assert tables(cluster) == before


def test_an_owner_admin_changes_archives_and_restores_a_resource(cluster, uni_admin, lab):
    client = client_for(uni_admin)
    response = client.patch(url(cluster, "resources", lab.pk), {"capacity": 24, "location": "Room 301"},
                            format="json")
    assert response.status_code == 200 and response.data["capacity"] == 24
    lab.refresh_from_db()
    assert (lab.capacity, lab.location, lab.name) == (24, "Room 301", "Chemistry laboratory")
    assert client.post(url(cluster, "resources", lab.pk, "archive")).data["is_active"] is False
    assert ids(client.get(url(cluster, "resources"))) == []
    assert client.post(url(cluster, "resources", lab.pk, "restore")).data["is_active"] is True


def test_the_owner_of_a_resource_never_changes(cluster, uni_admin, school, lab):
    before = tables(cluster)
    response = client_for(uni_admin).patch(url(cluster, "resources", lab.pk), {"owner": school.pk}, format="json")
    assert response.status_code == 400 and "owner" in response.data
    assert tables(cluster) == before


@pytest.mark.parametrize("method, parts, body", [
    ("patch", (), {"capacity": 2}),
    ("post", ("archive",), {}),
    ("put", ("hours",), {"hours": []}),
    ("post", ("closed-dates",), {"date": "2031-01-01"}),
    ("post", ("managers",), {"user": 1}),
])
def test_people_who_do_not_manage_the_resource_get_403_and_nothing_changes(cluster, school_staff, org_admin, lab,
                                                                           method, parts, body):
    before = tables(cluster)
    for user in (school_staff, org_admin):
        response = getattr(client_for(user), method)(url(cluster, "resources", lab.pk, *parts), body, format="json")
        assert response.status_code == 403
    assert tables(cluster) == before


@pytest.mark.parametrize("method, parts", [
    ("get", ()), ("patch", ()), ("post", ("archive",)), ("post", ("restore",)), ("put", ("hours",)),
    ("post", ("closed-dates",)), ("post", ("managers",)), ("post", ("managers", "remove")),
    ("get", ("availability",)),
])
def test_another_clusters_resource_is_404_and_unchanged(cluster, other_cluster, coordinator, other_lab, method,
                                                       parts):
    before = tables(other_cluster)
    response = getattr(client_for(coordinator), method)(url(cluster, "resources", other_lab.pk, *parts),
                                                        {"capacity": 2, "hours": []}, format="json")
    assert response.status_code == 404
    assert tables(other_cluster) == before


def test_a_user_of_another_cluster_gets_404_for_the_whole_api(cluster, outsider, lab):
    client = client_for(outsider)
    assert client.get(url(cluster, "resources")).status_code == 404
    assert client.get(url(cluster, "bookings")).status_code == 404
    assert client.get(url(cluster, "resources", lab.pk)).status_code == 404


def test_managers_put_the_whole_week_of_hours(cluster, uni_admin, lab):
    client = client_for(uni_admin)
    response = client.put(url(cluster, "resources", lab.pk, "hours"), {"hours": [
        {"weekday": 0, "opens": "08:00", "closes": "12:00"}, {"weekday": 0, "opens": "13:00", "closes": "17:00"},
        {"weekday": 5, "opens": "10:00", "closes": "14:00"},
    ]}, format="json")
    assert response.status_code == 200
    assert [(h["weekday"], h["opens"], h["closes"]) for h in response.data["opening_hours"]] == [
        (0, "08:00:00", "12:00:00"), (0, "13:00:00", "17:00:00"), (5, "10:00:00", "14:00:00")]
    response = client.put(url(cluster, "resources", lab.pk, "hours"), {"hours": [], "always_open": True},
                          format="json")
    assert response.data["always_open"] is True and response.data["opening_hours"] == []


@pytest.mark.parametrize("hours, field", [
    ([{"weekday": 0, "opens": "12:00", "closes": "10:00"}], "hours"),
    ([{"weekday": 0, "opens": "09:00", "closes": "12:00"}, {"weekday": 0, "opens": "11:00", "closes": "13:00"}],
     "hours"),
    ([{"weekday": 7, "opens": "09:00", "closes": "12:00"}], "hours"),
    ([{"weekday": 1, "opens": "nine", "closes": "12:00"}], "hours"),
])
def test_bad_hours_are_400_and_the_week_is_unchanged(cluster, uni_admin, lab, hours, field):
    before = tables(cluster)
    response = client_for(uni_admin).put(url(cluster, "resources", lab.pk, "hours"), {"hours": hours},
                                         format="json")
    assert response.status_code == 400 and field in response.data, response.data
    assert tables(cluster) == before


def test_closed_dates_are_added_and_removed_under_their_own_resource(cluster, uni_admin, lab, microscope):
    client = client_for(uni_admin)
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(url(cluster, "resources", lab.pk, "closed-dates"),
                           {"date": day.isoformat(), "reason": "Repairs"}, format="json")
    assert response.status_code == 201 and response.data["reason"] == "Repairs"
    closed_id = response.data["id"]
    again = client.post(url(cluster, "resources", lab.pk, "closed-dates"), {"date": day.isoformat()}, format="json")
    assert again.status_code == 400 and "date" in again.data
    past = client.post(url(cluster, "resources", lab.pk, "closed-dates"), {"date": "2000-01-01"}, format="json")
    assert past.status_code == 400 and "date" in past.data
    # Under another resource the closed date is not found.
    assert client.delete(url(cluster, "resources", microscope.pk, "closed-dates", closed_id)).status_code == 404
    assert client.delete(url(cluster, "resources", lab.pk, "closed-dates", closed_id)).status_code == 204
    assert not ClosedDate.objects.for_cluster(cluster).filter(pk=closed_id).exists()


def test_managers_are_named_and_removed(cluster, uni_admin, uni_staff, school_staff, lab):
    client = client_for(uni_admin)
    response = client.post(url(cluster, "resources", lab.pk, "managers"), {"user": uni_staff.pk}, format="json")
    assert response.status_code == 200 and [m["id"] for m in response.data["managers"]] == [uni_staff.pk]
    refused = client.post(url(cluster, "resources", lab.pk, "managers"), {"user": school_staff.pk}, format="json")
    assert refused.status_code == 400 and "user" in refused.data
    response = client.post(url(cluster, "resources", lab.pk, "managers", "remove"), {"user": uni_staff.pk},
                           format="json")
    assert response.status_code == 200 and response.data["managers"] == []
    again = client.post(url(cluster, "resources", lab.pk, "managers", "remove"), {"user": uni_staff.pk},
                        format="json")
    assert again.status_code == 400 and "user" in again.data


def _upload(content=None, name="photo.png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content or image_bytes(), content_type="image/png")


def test_photos_are_uploaded_streamed_and_removed(cluster, uni_admin, school_staff, lab, media_root):
    client = client_for(uni_admin)
    response = client.post(url(cluster, "resources", lab.pk, "photos"),
                           {"image": _upload(), "caption": "The benches"}, format="multipart")
    assert response.status_code == 201, response.data
    assert response.data["width"] == 64 and response.data["caption"] == "The benches"
    photo_url = response.data["url"]

    streamed = client_for(school_staff).get(photo_url, HTTP_ACCEPT="image/png")
    assert streamed.status_code == 200
    assert streamed["Content-Type"] == "image/png" and streamed["X-Content-Type-Options"] == "nosniff"
    assert b"".join(streamed.streaming_content) == image_bytes()

    assert client_for(school_staff).delete(photo_url).status_code == 403
    assert client.delete(photo_url).status_code == 204
    assert client.get(photo_url).status_code == 404
    assert not ResourcePhoto.objects.for_cluster(cluster).exists()


def test_a_file_that_is_not_a_photo_is_400_naming_the_image(cluster, uni_admin, lab, media_root):
    response = client_for(uni_admin).post(url(cluster, "resources", lab.pk, "photos"),
                                          {"image": _upload(b"%PDF-1.4 not an image", "photo.png")},
                                          format="multipart")
    assert response.status_code == 400 and "image" in response.data
    assert not ResourcePhoto.objects.for_cluster(cluster).exists()


def test_a_photo_answers_only_under_its_own_resource(cluster, uni_admin, lab, microscope, media_root):
    photo = services.photo_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk, upload=_upload())
    client = client_for(uni_admin)
    assert client.get(url(cluster, "resources", microscope.pk, "photos", photo.pk)).status_code == 404
    assert client.delete(url(cluster, "resources", microscope.pk, "photos", photo.pk)).status_code == 404
    assert ResourcePhoto.objects.for_cluster(cluster).filter(pk=photo.pk).exists()


# --- Availability ----------------------------------------------------------------------------------


def test_availability_returns_the_free_slots_of_the_range(cluster, uni_admin, school_staff, lab, make_booking,
                                                          monday):
    booking = make_booking(start=at(monday, "10:00"), end=at(monday, "12:00"))
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    make_booking(start=at(monday, "14:00"), end=at(monday, "15:00"))  # requested: takes no time
    response = client_for(school_staff).get(url(cluster, "resources", lab.pk, "availability"), {
        "start": iso(at(monday, "08:00")), "end": iso(at(monday, "23:00"))})
    assert response.status_code == 200, response.data
    assert response.data["resource"] == lab.pk
    slots = [(datetime.datetime.fromisoformat(s["start"]), datetime.datetime.fromisoformat(s["end"]))
             for s in response.data["slots"]]
    assert slots == [(at(monday, "09:00"), at(monday, "10:00")), (at(monday, "12:00"), at(monday, "18:00"))]
    # Local opening hours: 09:00 in Tashkent is 04:00 UTC.
    assert response.data["slots"][0]["start"].endswith("+05:00")


@pytest.mark.parametrize("params, field", [
    ({"start": "2030-01-07T09:00:00", "end": "2030-01-07T12:00:00+05:00"}, "start"),
    ({"start": "2030-01-07T09:00:00+05:00"}, "end"),
    ({"start": "2030-01-07T09:00:00+05:00", "end": "2030-01-07T08:00:00+05:00"}, "end"),
    ({"start": "2030-01-01T00:00:00+05:00", "end": "2030-03-05T00:00:00+05:00"}, "end"),
    ({"start": "soon", "end": "2030-01-07T12:00:00+05:00"}, "start"),
    # Found by tests/test_api_fuzz.py: a time that does not exist, a day after the last one.
    ({"start": "2030-01-07T12:99:00+05:00", "end": "2030-01-07T13:00:00+05:00"}, "start"),
    ({"start": "9999-12-31T09:00:00+05:00", "end": "9999-12-31T12:00:00+05:00"}, "start"),
])
def test_a_bad_availability_range_is_400_naming_the_field(cluster, school_staff, lab, params, field):
    response = client_for(school_staff).get(url(cluster, "resources", lab.pk, "availability"), params)
    assert response.status_code == 400 and field in response.data, response.data


# --- Bookings ---------------------------------------------------------------------------------------


def booking_body(school, resources, start, end, **extra):
    return {"requester": school.pk, "resources": [r.pk for r in resources], "start": iso(start), "end": iso(end),
            "purpose": "Practical chemistry lesson", "participants": 10, **extra}


def test_a_booking_is_requested_approved_and_cancelled_through_the_api(cluster, org_admin, uni_admin, school,
                                                                      lab, microscope, monday):
    requester = client_for(org_admin)
    response = requester.post(url(cluster, "bookings"),
                              booking_body(school, [lab, microscope], at(monday, "09:00"), at(monday, "11:00")),
                              format="json")
    assert response.status_code == 201, response.data
    data = response.data
    assert data["status"] == "requested" and data["requester"] == school.pk
    assert [(i["id"], i["name"]) for i in data["items"]] == [(lab.pk, lab.name), (microscope.pk, microscope.name)]
    assert datetime.datetime.fromisoformat(data["start"]) == at(monday, "09:00")
    booking_id = data["id"]

    # The requester may not approve its own request for the university's lab.
    assert requester.post(url(cluster, "bookings", booking_id, "approve")).status_code == 403
    owner = client_for(uni_admin)
    approved = owner.post(url(cluster, "bookings", booking_id, "approve"))
    assert approved.status_code == 200 and approved.data["status"] == "approved"
    assert set(BookedResource.objects.for_cluster(cluster).filter(booking_id=booking_id)
               .values_list("status", flat=True)) == {"approved"}
    again = owner.post(url(cluster, "bookings", booking_id, "approve"))
    assert again.status_code == 400 and "status" in again.data
    declined = owner.post(url(cluster, "bookings", booking_id, "decline"), {"reason": "Changed my mind"},
                          format="json")
    assert declined.status_code == 400 and "status" in declined.data

    # The owner may not cancel the school's booking; the school may, before it begins.
    assert owner.post(url(cluster, "bookings", booking_id, "cancel")).status_code == 403
    cancelled = requester.post(url(cluster, "bookings", booking_id, "cancel"))
    assert cancelled.status_code == 200 and cancelled.data["status"] == "cancelled"
    again = requester.post(url(cluster, "bookings", booking_id, "cancel"))
    assert again.status_code == 400 and "status" in again.data


def test_a_declined_booking_carries_its_reason_and_the_reason_is_required(cluster, uni_admin, make_booking):
    booking = make_booking()
    client = client_for(uni_admin)
    before = tables(cluster)
    missing = client.post(url(cluster, "bookings", booking.pk, "decline"), {"reason": "  "}, format="json")
    assert missing.status_code == 400 and "reason" in missing.data
    assert tables(cluster) == before
    response = client.post(url(cluster, "bookings", booking.pk, "decline"), {"reason": "Lab closed for repairs"},
                           format="json")
    assert response.status_code == 200
    assert response.data["status"] == "declined" and response.data["decision_reason"] == "Lab closed for repairs"


@pytest.mark.parametrize("change, field", [
    ({"start": "19:00", "end": "20:00"}, "period"),
    ({"participants": 50}, "participants"),
    ({"participants": 0}, "participants"),
    ({"purpose": " "}, "purpose"),
    ({"resources": []}, "resources"),
    ({"start": "2030-01-07T09:00:00"}, "start"),
    ({"start": "2030-01-07T12:99:00+05:00"}, "start"),
    ({"end": "1547-09-23T03:37:51+20:52"}, "end"),
    ({"agreement": 999999}, "agreement"),
    ({"status": "approved"}, "status"),
])
def test_a_refused_request_is_400_naming_the_field_and_nothing_is_saved(cluster, org_admin, school, lab, monday,
                                                                       change, field):
    body = booking_body(school, [lab], at(monday, "10:00"), at(monday, "12:00"))
    for key in ("start", "end"):
        if key in change and len(change[key]) == 5:
            change = {**change, key: iso(at(monday, change[key]))}
    body.update(change)
    before = tables(cluster)
    response = client_for(org_admin).post(url(cluster, "bookings"), body, format="json")
    assert response.status_code == 400 and field in response.data, response.data
    assert tables(cluster) == before


def test_another_clusters_resource_cannot_be_requested(cluster, org_admin, school, other_lab, monday):
    before = tables(cluster)
    response = client_for(org_admin).post(
        url(cluster, "bookings"), booking_body(school, [other_lab], at(monday, "10:00"), at(monday, "12:00")),
        format="json")
    assert response.status_code == 400 and "resources" in response.data
    assert tables(cluster) == before


def test_a_request_for_an_organization_one_does_not_belong_to_is_403(cluster, uni_staff, school, lab, monday):
    before = tables(cluster)
    response = client_for(uni_staff).post(
        url(cluster, "bookings"), booking_body(school, [lab], at(monday, "10:00"), at(monday, "12:00")),
        format="json")
    assert response.status_code == 403
    assert tables(cluster) == before


def test_an_expert_without_an_organization_may_not_request(cluster, expert, school, lab, monday):
    response = client_for(expert).post(
        url(cluster, "bookings"), booking_body(school, [lab], at(monday, "10:00"), at(monday, "12:00")),
        format="json")
    assert response.status_code == 403


def test_an_overlapping_approval_is_refused_with_the_message(cluster, uni_admin, make_booking, monday):
    first = make_booking(start=at(monday, "10:00"), end=at(monday, "12:00"))
    second = make_booking(start=at(monday, "11:00"), end=at(monday, "13:00"))
    client = client_for(uni_admin)
    assert client.post(url(cluster, "bookings", first.pk, "approve")).status_code == 200
    response = client.post(url(cluster, "bookings", second.pk, "approve"))
    assert response.status_code == 400 and "overlaps" in response.data["period"][0]
    second.refresh_from_db()
    assert second.status == "requested"


@pytest.fixture
def college_admin(cluster):
    college = OrganizationFactory(cluster=cluster, kind="college", name="Chirchik College")
    return OrganizationRoleFactory(organization=college, user=UserFactory(username="collegeadmin"), role="admin").user


def test_bookings_are_visible_to_the_parties_only_and_another_clusters_are_404(
        cluster, other_cluster, coordinator, uni_staff, org_admin, college_admin, outsider, make_booking):
    booking = make_booking()
    for user in (coordinator, uni_staff, org_admin):
        client = client_for(user)
        assert ids(client.get(url(cluster, "bookings"))) == [booking.pk]
        assert client.get(url(cluster, "bookings", booking.pk)).status_code == 200
    college = client_for(college_admin)
    assert ids(college.get(url(cluster, "bookings"))) == []
    assert college.get(url(cluster, "bookings", booking.pk)).status_code == 404
    assert college.post(url(cluster, "bookings", booking.pk, "cancel")).status_code == 404
    # Under one's own cluster, another cluster's booking id is 404 as well.
    other = client_for(ClusterRoleCoordinator.of(other_cluster))
    before = tables(cluster)
    for action in ("approve", "cancel", "decline"):
        assert other.post(url(other_cluster, "bookings", booking.pk, action), {"reason": "x"},
                          format="json").status_code == 404
    assert tables(cluster) == before


class ClusterRoleCoordinator:
    @staticmethod
    def of(cluster):
        from members.tests.factories import ClusterRoleFactory

        return ClusterRoleFactory(cluster=cluster, user=UserFactory(), role="coordinator").user


def test_booking_filters(cluster, org_admin, uni_admin, school, lab, microscope, make_booking, monday):
    tuesday = monday + datetime.timedelta(days=1)
    first = make_booking(resources=[lab], start=at(monday, "10:00"), end=at(monday, "12:00"))
    second = make_booking(resources=[microscope], start=at(tuesday, "10:00"), end=at(tuesday, "12:00"),
                          participants=10)
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=second.pk)
    other_request = services.booking_request(
        cluster=cluster, actor=uni_admin, requester_id=lab.owner_id, resource_ids=[lab.pk],
        start=at(tuesday, "13:00"), end=at(tuesday, "14:00"), purpose="Own use", participants=3)

    owner = client_for(uni_admin)
    assert set(ids(owner.get(url(cluster, "bookings")))) == {first.pk, second.pk, other_request.pk}
    assert set(ids(owner.get(url(cluster, "bookings"), {"to_approve": "true"}))) == {first.pk, other_request.pk}
    assert ids(owner.get(url(cluster, "bookings"), {"mine": "true"})) == [other_request.pk]
    assert ids(owner.get(url(cluster, "bookings"), {"status": "approved"})) == [second.pk]
    assert set(ids(owner.get(url(cluster, "bookings"), {"resource": lab.pk}))) == {first.pk, other_request.pk}
    assert set(ids(owner.get(url(cluster, "bookings"), {"requester": school.pk}))) == {first.pk, second.pk}
    assert ids(owner.get(url(cluster, "bookings"), {"from": iso(at(monday, "12:00")),
                                                    "to": iso(at(tuesday, "12:00"))})) == [second.pk]
    assert ids(owner.get(url(cluster, "bookings"), {"from": iso(at(monday, "11:59"))}))[-1] == first.pk
    assert ids(owner.get(url(cluster, "bookings"), {"ordering": "period"})) == [first.pk, second.pk,
                                                                                  other_request.pk]
    bad = owner.get(url(cluster, "bookings"), {"from": iso(at(tuesday, "12:00")), "to": iso(at(monday, "12:00"))})
    assert bad.status_code == 400 and "to" in bad.data
    # Found by tests/test_api_fuzz.py: an offset beyond PostgreSQL's 15:59 hours is read as the
    # instant it names; year 1 is refused.
    assert owner.get(url(cluster, "bookings"), {"to": "2030-01-07T09:00:00-21:55"}).status_code == 200
    bad = owner.get(url(cluster, "bookings"), {"to": "0001-08-24T17:24:41-21:55"})
    assert bad.status_code == 400 and "to" in bad.data
    assert owner.get(url(cluster, "bookings"), {"status": "lost"}).status_code == 400
    school_client = client_for(org_admin)
    assert set(ids(school_client.get(url(cluster, "bookings"), {"mine": "true"}))) == {first.pk, second.pk}
    assert ids(school_client.get(url(cluster, "bookings"), {"to_approve": "true"})) == []


def test_the_booking_list_queries_do_not_grow_with_bookings(cluster, org_admin, uni_admin, lab, microscope,
                                                            make_booking):
    counts = {}
    made = 0
    for rows, total in ((2, 2), (10, 12)):
        for _n in range(rows):
            day = next_weekday(made % 5, weeks_ahead=1 + made // 5)
            make_booking(resources=[lab, microscope], start=at(day, "09:00"), end=at(day, "10:00"), participants=10)
            made += 1
        counts[total] = {who.username: _count_queries(token_client(who), url(cluster, "bookings"))
                         for who in (org_admin, uni_admin)}
        Token.objects.all().delete()
    for who in ("schooladmin", "uniadmin"):
        assert counts[2][who][0] == counts[12][who][0] and counts[12][who][1] == 12
    assert counts[12]["uniadmin"][0] <= 8
