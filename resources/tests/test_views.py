"""Browser pages of resources: the catalogue, the resource page, registering and keeping a
resource, for every role; errors beside the fields with nothing saved; photos served through
the cluster; query-count bounds."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from resources import services
from resources.models import ClosedDate, OpeningHours, Resource, ResourcePhoto
from resources.tests.conftest import at, next_weekday
from resources.tests.factories import (
    BookedResourceFactory,
    BookingFactory,
    ClosedDateFactory,
    ResourceFactory,
    period,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

READERS = ["coordinator", "authority", "expert", "org_admin", "school_staff", "uni_admin", "uni_staff"]


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


def body(response) -> str:
    return response.content.decode()


def image_bytes(fmt="PNG", size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def manager(cluster, uni_admin, uni_staff, lab):
    """The university's staff member, named to manage the laboratory."""
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    return uni_staff


# --- The catalogue ------------------------------------------------------------------------------

@pytest.mark.parametrize("who", READERS)
def test_everyone_with_a_role_reads_the_catalogue_and_the_resource(client, request, cluster, lab, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(url("resource_list", cluster))
    assert response.status_code == 200
    assert lab.name in body(response) and "Tashkent State Pedagogical University" in body(response)
    response = client.get(url("resource_detail", cluster, lab.pk))
    assert response.status_code == 200 and lab.name in body(response)
    assert 'aria-current="page">Resources' in body(response)  # the navbar entry


def test_an_outsider_gets_404(client, cluster, outsider, lab):
    client.force_login(outsider)
    assert client.get(url("resource_list", cluster)).status_code == 404
    assert client.get(url("resource_detail", cluster, lab.pk)).status_code == 404


@pytest.mark.parametrize("who, sees", [("coordinator", True), ("uni_admin", True), ("org_admin", True),
                                       ("uni_staff", False), ("authority", False), ("expert", False)])
def test_the_register_button_is_for_who_may_register(client, request, cluster, lab, who, sees):
    client.force_login(request.getfixturevalue(who))
    assert ("Register a resource" in body(client.get(url("resource_list", cluster)))) is sees


def test_a_card_shows_kind_owner_capacity_terms_access_and_photo(client, cluster, coordinator, uni_admin, lab):
    paid = ResourceFactory(owner=lab.owner, name="Robotics kit", kind="equipment", capacity=8, terms="cost_recovery",
                           price="150000", price_unit="per_hour", access="agreement")
    photo = services.photo_add(cluster=cluster, actor=uni_admin, resource_id=paid.pk,
                               upload=SimpleUploadedFile("kit.png", image_bytes(), content_type="image/png"),
                               caption="The kit")
    client.force_login(coordinator)
    page = body(client.get(url("resource_list", cluster)))
    card = page[page.index(f'id="resource-{paid.pk}"'):]
    card = card[:card.index("</li>")]
    for text in ("Robotics kit", "Equipment", "Tashkent State Pedagogical University", "8 people",
                 "Cost recovery: 150,000 UZS per hour", "Agreement members only",
                 url("resource_photo", cluster, paid.pk, photo.pk), 'alt="The kit"'):
        assert text in card, text
    free_card = page[page.index(f'id="resource-{lab.pk}"'):]
    assert "Free" in free_card and "Open to the whole cluster" in free_card


def test_the_catalogue_searches_and_filters(client, cluster, coordinator, lab, microscope, school):
    hall = ResourceFactory(owner=school, name="Assembly hall", kind="hall", terms="cost_recovery", price="1000",
                           price_unit="per_day", description="Stage and 200 seats")
    client.force_login(coordinator)

    def names(**params):
        page = body(client.get(url("resource_list", cluster), params))
        return {r.name for r in (lab, microscope, hall) if f'id="resource-{r.pk}"' in page}

    assert names() == {lab.name, microscope.name, hall.name}
    assert names(kind="equipment") == {microscope.name}
    assert names(owner=school.pk) == {hall.name}
    assert names(terms="paid") == {hall.name}
    assert names(terms="free") == {lab.name, microscope.name}
    assert names(q="200 seats") == {hall.name}
    assert names(q="nothing like this") == set()
    assert "No resource matches these filters." in body(client.get(url("resource_list", cluster), {"q": "zzz"}))


def test_free_between_leaves_out_booked_and_closed_resources(client, cluster, coordinator, lab, microscope, monday,
                                                            make_booking, uni_admin):
    booking = make_booking()  # the lab, Monday 10-12
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    client.force_login(coordinator)
    page = body(client.get(url("resource_list", cluster), {
        "start": f"{monday.isoformat()}T11:00", "end": f"{monday.isoformat()}T12:00"}))
    assert f'id="resource-{microscope.pk}"' in page and f'id="resource-{lab.pk}"' not in page
    assert "1 resource matches the filters" in page
    page = body(client.get(url("resource_list", cluster), {
        "start": f"{monday.isoformat()}T12:00", "end": f"{monday.isoformat()}T13:00"}))
    assert f'id="resource-{lab.pk}"' in page  # adjacent to the booking: free


@pytest.mark.parametrize("params, field, message", [
    ({"start": "2030-01-07T12:00", "end": "2030-01-07T10:00"}, "end", "The end must be after the start."),
    ({"start": "2030-01-07T12:00"}, "end", "Give the end of the time as well."),
    ({"end": "2030-01-07T12:00"}, "start", "Give the start of the time as well."),
    ({"start": "yesterday", "end": "2030-01-07T12:00"}, "start", "Enter a valid date/time."),
])
def test_bad_free_between_times_are_field_errors(client, cluster, coordinator, lab, params, field, message):
    client.force_login(coordinator)
    response = client.get(url("resource_list", cluster), params)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in body(response)


def test_htmx_updates_only_the_results(client, cluster, coordinator, lab):
    client.force_login(coordinator)
    response = client.get(url("resource_list", cluster), {"q": "Chemistry"},
                          HTTP_HX_REQUEST="true", HTTP_HX_TARGET="resource-results")
    assert response.status_code == 200
    assert "<html" not in body(response) and lab.name in body(response)


def test_the_catalogue_sorts_and_paginates(client, cluster, coordinator, university):
    for number in range(30):
        ResourceFactory(owner=university, name=f"Room {number:02d}", capacity=number + 1)
    client.force_login(coordinator)
    page = body(client.get(url("resource_list", cluster), {"sort": "-capacity"}))
    assert page.index("Room 29") < page.index("Room 28")
    assert "Room 05" not in page  # page 2
    assert "Room 05" in body(client.get(url("resource_list", cluster), {"sort": "-capacity", "page": 2}))


def test_an_empty_catalogue_invites_registration(client, cluster, coordinator):
    client.force_login(coordinator)
    assert "Register the first resource" in body(client.get(url("resource_list", cluster)))


def test_archived_resources_leave_the_catalogue(client, cluster, coordinator, lab):
    services.resource_archive(cluster=cluster, actor=coordinator, resource_id=lab.pk)
    client.force_login(coordinator)
    assert f'id="resource-{lab.pk}"' not in body(client.get(url("resource_list", cluster)))
    page = body(client.get(url("resource_detail", cluster, lab.pk)))
    assert "Archived" in page and "Request a booking" not in page and "Restore…" in page


def test_the_catalogue_query_count_does_not_grow(client, cluster, coordinator, university,
                                                 django_assert_max_num_queries):
    client.force_login(coordinator)
    sizes = []
    for count in (2, 15):
        for number in range(count - len(sizes) * 2):
            resource = ResourceFactory(owner=university, name=f"Room {len(sizes)}-{number}")
            OpeningHours.objects.create(cluster=cluster, resource=resource, weekday=0,
                                        opens=datetime.time(9), closes=datetime.time(17))
            ResourcePhoto.objects.create(cluster=cluster, resource=resource, image=f"resources/x{number}.png",
                                         content_type="image/png", size=1)
        with django_assert_max_num_queries(12) as plain:
            response = client.get(url("resource_list", cluster))
        assert response.status_code == 200 and body(response).count('<article class="card') == count
        with django_assert_max_num_queries(12) as filtered:
            assert client.get(url("resource_list", cluster), {
                "start": "2030-01-07T10:00", "end": "2030-01-07T11:00", "terms": "free"}).status_code == 200
        sizes.append((len(plain.captured_queries), len(filtered.captured_queries)))
    assert sizes[0] == sizes[1]


# --- The resource page --------------------------------------------------------------------------

@pytest.mark.parametrize("who, request_link, manage_links, edit_links", [
    ("coordinator", True, True, True),
    ("uni_admin", True, True, True),
    ("manager", True, True, False),
    ("org_admin", True, False, False),
    ("school_staff", True, False, False),
    ("authority", False, False, False),
    ("expert", False, False, False),
])
def test_the_resource_page_offers_what_each_role_may_do(client, request, cluster, lab, who, request_link,
                                                         manage_links, edit_links):
    client.force_login(request.getfixturevalue(who))
    page = body(client.get(url("resource_detail", cluster, lab.pk)))
    assert (url("booking_request", cluster, lab.pk) in page) is request_link
    assert (url("resource_hours", cluster, lab.pk) in page) is manage_links
    assert (url("resource_photo_upload", cluster, lab.pk) in page) is manage_links
    assert (url("resource_edit", cluster, lab.pk) in page) is edit_links
    assert (url("resource_managers", cluster, lab.pk) in page) is edit_links


def test_the_resource_page_shows_hours_closed_dates_and_managers(client, cluster, coordinator, lab, manager):
    ClosedDateFactory(resource=lab, date=timezone.localdate() + datetime.timedelta(days=3), reason="Repairs")
    ClosedDateFactory(resource=lab, date=timezone.localdate() - datetime.timedelta(days=3), reason="Old holiday")
    services.opening_hours_set(cluster=cluster, actor=coordinator, resource_id=lab.pk, hours=[
        {"weekday": 0, "opens": "09:00", "closes": "13:00"}, {"weekday": 0, "opens": "14:00", "closes": "18:00"}])
    client.force_login(coordinator)
    page = body(client.get(url("resource_detail", cluster, lab.pk)))
    assert "09:00–13:00, 14:00–18:00" in page
    assert "Repairs" in page and "Old holiday" not in page
    assert manager.username in page or manager.get_full_name() in page


def test_the_resource_page_query_count_does_not_grow_with_bookings(client, cluster, coordinator, lab, school,
                                                                   django_assert_max_num_queries):
    monday = next_weekday(0)
    client.force_login(coordinator)
    counts = []
    for hours in (range(10, 11), range(11, 18)):
        for hour in hours:
            start = at(monday, f"{hour:02d}:00")
            booking = BookingFactory(requester=school, status="approved",
                                     period=period(start, start + datetime.timedelta(minutes=50)))
            BookedResourceFactory(booking=booking, resource=lab)
        with django_assert_max_num_queries(16) as captured:
            response = client.get(url("resource_detail", cluster, lab.pk), {"date": monday.isoformat()})
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


# --- Photos ---------------------------------------------------------------------------------------

def test_a_manager_uploads_a_photo_that_is_served_through_the_cluster(client, cluster, manager, lab, microscope):
    client.force_login(manager)
    form = body(client.get(url("resource_photo_upload", cluster, lab.pk)))
    assert 'accept="image/jpeg,image/png,image/webp"' in form and "at most 5 MB" in form
    response = client.post(url("resource_photo_upload", cluster, lab.pk), {
        "image": SimpleUploadedFile("bench.png", image_bytes(), content_type="image/png"), "caption": "Benches"})
    assert response.status_code == 302
    photo = ResourcePhoto.objects.for_cluster(cluster).get(resource=lab)
    served = client.get(url("resource_photo", cluster, lab.pk, photo.pk))
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png" and served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content) == image_bytes()
    # Under another resource, the photo is not found.
    assert client.get(url("resource_photo", cluster, microscope.pk, photo.pk)).status_code == 404


def test_a_bad_photo_is_refused_beside_the_field(client, cluster, uni_admin, lab):
    client.force_login(uni_admin)
    response = client.post(url("resource_photo_upload", cluster, lab.pk), {
        "image": SimpleUploadedFile("notes.png", b"not an image at all", content_type="image/png")})
    assert response.status_code == 422
    assert response.context["form"].errors["image"]
    assert not ResourcePhoto.objects.for_cluster(cluster).exists()


def test_a_photo_is_removed_after_confirmation(client, cluster, uni_admin, lab):
    photo = services.photo_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk,
                               upload=SimpleUploadedFile("a.png", image_bytes(), content_type="image/png"))
    client.force_login(uni_admin)
    delete = url("resource_photo_delete", cluster, lab.pk, photo.pk)
    assert "Remove the photo" in body(client.get(delete))
    assert ResourcePhoto.objects.for_cluster(cluster).exists()
    assert client.post(delete).status_code == 302
    assert not ResourcePhoto.objects.for_cluster(cluster).exists()


@pytest.mark.parametrize("who", ["org_admin", "authority", "expert", "uni_staff"])
def test_others_may_not_add_or_remove_photos(client, request, cluster, uni_admin, lab, who):
    photo = services.photo_add(cluster=cluster, actor=uni_admin, resource_id=lab.pk,
                               upload=SimpleUploadedFile("a.png", image_bytes(), content_type="image/png"))
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("resource_photo", cluster, lab.pk, photo.pk)).status_code == 200  # but may see it
    assert client.get(url("resource_photo_upload", cluster, lab.pk)).status_code == 403
    assert client.post(url("resource_photo_delete", cluster, lab.pk, photo.pk)).status_code == 403
    assert ResourcePhoto.objects.for_cluster(cluster).count() == 1


# --- Register and edit ----------------------------------------------------------------------------

def test_an_owner_admin_registers_a_resource_and_is_sent_to_its_hours(client, cluster, uni_admin, university):
    client.force_login(uni_admin)
    form = client.get(url("resource_create", cluster))
    assert form.status_code == 200
    assert list(form.context["form"].fields["owner"].choices)[1:] == [(university.pk, university.name)]
    response = client.post(url("resource_create", cluster), {
        "owner": university.pk, "name": "Physics laboratory", "kind": "laboratory", "capacity": "24",
        "location": "Building 1", "terms": "cost_recovery", "price": "50000", "price_unit": "per_hour",
        "access": "agreement"})
    resource = Resource.objects.for_cluster(cluster).get(name="Physics laboratory")
    assert response.status_code == 302 and response["Location"] == url("resource_hours", cluster, resource.pk)
    assert (resource.owner, resource.capacity, resource.price, resource.access) == (
        university, 24, 50000, "agreement")


def test_create_errors_are_shown_beside_the_fields_and_nothing_is_saved(client, cluster, coordinator, university):
    client.force_login(coordinator)
    response = client.post(url("resource_create", cluster), {
        "owner": university.pk, "name": "Physics laboratory", "kind": "laboratory", "capacity": "24",
        "terms": "cost_recovery", "price": "", "price_unit": "", "access": "cluster"})
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["price"] == ["Give the price for cost recovery."]
    assert errors["price_unit"] == ["Choose what the price is for: an hour, a day or a booking."]
    assert 'id="id_price_error"' in body(response)
    response = client.post(url("resource_create", cluster), {"owner": university.pk, "name": "", "kind": "",
                                                             "capacity": "0", "terms": "free", "access": "cluster"})
    assert response.status_code == 422
    assert set(response.context["form"].errors) == {"name", "kind", "capacity"}
    assert not Resource.objects.for_cluster(cluster).exists()


def test_an_org_admin_registers_only_for_its_own_organization(client, cluster, org_admin, university):
    client.force_login(org_admin)
    response = client.post(url("resource_create", cluster), {
        "owner": university.pk, "name": "Taken", "kind": "hall", "capacity": "5", "terms": "free",
        "access": "cluster"})
    assert response.status_code == 422 and "owner" in response.context["form"].errors
    assert not Resource.objects.for_cluster(cluster).exists()


@pytest.mark.parametrize("who", ["uni_staff", "school_staff", "authority", "expert"])
def test_others_may_not_register(client, request, cluster, university, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("resource_create", cluster)).status_code == 403
    assert client.post(url("resource_create", cluster), {
        "owner": university.pk, "name": "X", "kind": "hall", "capacity": "5", "terms": "free",
        "access": "cluster"}).status_code == 403
    assert not Resource.objects.for_cluster(cluster).exists()


def test_the_owner_admin_edits_and_free_terms_clear_the_price(client, cluster, uni_admin, university):
    resource = ResourceFactory(owner=university, terms="cost_recovery", price="1000", price_unit="per_day")
    client.force_login(uni_admin)
    form = client.get(url("resource_edit", cluster, resource.pk))
    assert form.status_code == 200 and 'value="1000.00"' in body(form)
    response = client.post(url("resource_edit", cluster, resource.pk), {
        "name": "Renamed hall", "kind": "hall", "capacity": "150", "terms": "free", "price": "1000",
        "price_unit": "per_day", "access": "cluster"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.name, resource.capacity, resource.terms, resource.price, resource.price_unit) == (
        "Renamed hall", 150, "free", None, "")


@pytest.mark.parametrize("who", ["manager", "org_admin", "authority"])
def test_managers_and_others_may_not_edit_the_details(client, request, cluster, lab, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("resource_edit", cluster, lab.pk)).status_code == 403
    assert client.post(url("resource_edit", cluster, lab.pk), {
        "name": "Taken over", "kind": "hall", "capacity": "5", "terms": "free", "access": "cluster"}).status_code == 403
    lab.refresh_from_db()
    assert lab.name == "Chemistry laboratory"


# --- Opening hours, closed dates, managers, archive -------------------------------------------------

def hours_post(**days):
    data = {f"day{n}_closed": "on" for n in range(7)}
    for weekday, intervals in days.items():
        n = int(weekday[1:])
        data.pop(f"day{n}_closed")
        for number, (opens, closes) in enumerate(intervals, start=1):
            data[f"day{n}_opens{number}"], data[f"day{n}_closes{number}"] = opens, closes
    return data


def test_a_manager_sets_the_week_of_opening_hours(client, cluster, manager, lab):
    client.force_login(manager)
    page = body(client.get(url("resource_hours", cluster, lab.pk)))
    assert 'value="09:00"' in page and "Monday: interval 1 opens" in page
    response = client.post(url("resource_hours", cluster, lab.pk),
                           hours_post(d0=[("08:00", "12:00"), ("13:00", "17:00")], d5=[("10:00", "14:00")]))
    assert response.status_code == 302
    hours = [(h.weekday, h.opens.strftime("%H:%M"), h.closes.strftime("%H:%M"))
             for h in OpeningHours.objects.for_cluster(cluster).filter(resource=lab).order_by("weekday", "opens")]
    assert hours == [(0, "08:00", "12:00"), (0, "13:00", "17:00"), (5, "10:00", "14:00")]


def test_round_the_clock_is_set_on_the_hours_page(client, cluster, uni_admin, lab):
    client.force_login(uni_admin)
    data = hours_post()
    data["always_open"] = "on"
    assert client.post(url("resource_hours", cluster, lab.pk), data).status_code == 302
    lab.refresh_from_db()
    assert lab.always_open and not OpeningHours.objects.for_cluster(cluster).filter(resource=lab).exists()


@pytest.mark.parametrize("data, message", [
    (hours_post(d0=[("12:00", "09:00")]), "On Monday the closing time 09:00 is not after the opening time 12:00."),
    (hours_post(d1=[("09:00", "13:00"), ("12:00", "15:00")]), "On Tuesday the intervals 09:00–13:00 and 12:00–15:00 overlap."),
    ({**hours_post(), "day2_closed": "", "day2_opens1": "09:00"}, "Give the closing time too."),
])
def test_bad_hours_are_refused_and_nothing_changes(client, cluster, uni_admin, lab, data, message):
    client.force_login(uni_admin)
    response = client.post(url("resource_hours", cluster, lab.pk), data)
    assert response.status_code == 422 and message in body(response)
    assert OpeningHours.objects.for_cluster(cluster).filter(resource=lab).count() == 5


def test_closed_dates_are_added_and_removed_after_confirmation(client, cluster, manager, lab):
    client.force_login(manager)
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(url("resource_closed_dates", cluster, lab.pk), {"date": day.isoformat(), "reason": "Exams"})
    assert response.status_code == 302
    closed = ClosedDate.objects.for_cluster(cluster).get(resource=lab)
    page = body(client.get(url("resource_closed_dates", cluster, lab.pk)))
    assert "Exams" in page
    delete = url("resource_closed_date_delete", cluster, lab.pk, closed.pk)
    assert delete in page
    assert "It can then be booked that day." in body(client.get(delete))
    assert ClosedDate.objects.for_cluster(cluster).exists()
    assert client.post(delete).status_code == 302
    assert not ClosedDate.objects.for_cluster(cluster).exists()


def test_a_past_or_repeated_closed_date_is_refused_beside_the_field(client, cluster, uni_admin, lab):
    client.force_login(uni_admin)
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(url("resource_closed_dates", cluster, lab.pk), {"date": past})
    assert response.status_code == 422
    assert response.context["form"].errors["date"] == ["The date cannot be in the past."]
    day = timezone.localdate() + datetime.timedelta(days=2)
    ClosedDateFactory(resource=lab, date=day)
    response = client.post(url("resource_closed_dates", cluster, lab.pk), {"date": day.isoformat()})
    assert response.status_code == 422 and "already closed" in body(response)
    assert ClosedDate.objects.for_cluster(cluster).count() == 1


def test_a_closed_date_of_another_resource_is_404_here(client, cluster, uni_admin, lab, microscope):
    closed = ClosedDateFactory(resource=microscope, date=timezone.localdate() + datetime.timedelta(days=4))
    client.force_login(uni_admin)
    assert client.post(url("resource_closed_date_delete", cluster, lab.pk, closed.pk)).status_code == 404
    assert ClosedDate.objects.for_cluster(cluster).exists()


def test_the_owner_admin_names_and_removes_a_manager(client, cluster, uni_admin, uni_staff, lab):
    client.force_login(uni_admin)
    page = client.get(url("resource_managers", cluster, lab.pk))
    assert set(page.context["form"].fields["user"].queryset) == {uni_admin, uni_staff}
    response = client.post(url("resource_managers", cluster, lab.pk), {"action": "add", "user": uni_staff.pk})
    assert response.status_code == 302
    assert "now manages Chemistry laboratory" in body(client.get(response["Location"]))
    from resources import permissions
    assert permissions.manager_user_ids(cluster, lab) == {uni_staff.pk}
    response = client.post(url("resource_managers", cluster, lab.pk), {"action": "remove", "user": uni_staff.pk})
    assert response.status_code == 302
    assert permissions.manager_user_ids(cluster, lab) == set()


def test_only_people_of_the_owner_can_be_named(client, cluster, uni_admin, org_admin, lab):
    client.force_login(uni_admin)
    response = client.post(url("resource_managers", cluster, lab.pk), {"action": "add", "user": org_admin.pk})
    assert response.status_code == 422 and "user" in response.context["form"].errors


@pytest.mark.parametrize("who", ["manager", "org_admin", "authority"])
def test_only_editors_name_managers_or_archive(client, request, cluster, lab, uni_staff, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("resource_managers", cluster, lab.pk)).status_code == 403
    assert client.post(url("resource_managers", cluster, lab.pk), {"action": "add", "user": uni_staff.pk}
                       ).status_code == 403
    assert client.post(url("resource_archive", cluster, lab.pk)).status_code == 403
    lab.refresh_from_db()
    assert lab.is_active


def test_archive_and_restore_after_confirmation(client, cluster, uni_admin, lab):
    client.force_login(uni_admin)
    assert "It leaves the catalogue" in body(client.get(url("resource_archive", cluster, lab.pk)))
    lab.refresh_from_db()
    assert lab.is_active
    assert client.post(url("resource_archive", cluster, lab.pk)).status_code == 302
    lab.refresh_from_db()
    assert not lab.is_active
    assert client.post(url("resource_restore", cluster, lab.pk)).status_code == 302
    lab.refresh_from_db()
    assert lab.is_active


@pytest.mark.parametrize("who", ["authority", "expert", "org_admin"])
def test_readers_may_not_keep_hours_or_closed_dates(client, request, cluster, lab, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("resource_hours", cluster, lab.pk)).status_code == 403
    assert client.post(url("resource_hours", cluster, lab.pk), hours_post()).status_code == 403
    assert client.post(url("resource_closed_dates", cluster, lab.pk), {"date": "2031-01-01"}).status_code == 403
    assert OpeningHours.objects.for_cluster(cluster).filter(resource=lab).count() == 5
    assert not ClosedDate.objects.for_cluster(cluster).exists()


def test_a_manager_whose_role_went_keeps_nothing(client, cluster, uni_admin, lab):
    leaver = OrganizationRoleFactory(organization=lab.owner, user=UserFactory(username="leaver"), role="staff")
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=leaver.user_id)
    OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster), user=leaver.user, role="staff")
    leaver.delete()
    client.force_login(leaver.user)
    assert client.get(url("resource_hours", cluster, lab.pk)).status_code == 403



def test_managers_find_the_calendar_links_from_the_resource_page(client, cluster, uni_admin, lab):
    client.force_login(uni_admin)
    page = body(client.get(url("resource_detail", cluster, lab.pk)))
    links = url("calendar_links", cluster)
    assert f'href="{links}"' in page
    assert lab.name in body(client.get(links))
