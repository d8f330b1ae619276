"""Browser pages of bookings: the request form with errors beside the fields, "my requests" and
"requests to approve" with htmx and plain approve / decline / cancel, the booking page, the
week and month calendars in local time, and query-count bounds."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.tests.factories import AgreementFactory, AgreementPartyFactory
from members.tests.factories import OrganizationFactory, OrganizationRoleFactory, UserFactory
from resources import services
from resources.models import BookedResource, Booking
from resources.tests.conftest import at, next_weekday
from resources.tests.factories import BookedResourceFactory, BookingFactory, ClosedDateFactory, ResourceFactory, period

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_CURRENT_URL": "http://testserver/c/tashkent-test/resources/bookings/to-approve/"}


def url(name, cluster, *args):
    return reverse(name, args=[cluster.slug, *args])


def body(response) -> str:
    return response.content.decode()


def counts(cluster):
    return Booking.objects.for_cluster(cluster).count(), BookedResource.objects.for_cluster(cluster).count()


@pytest.fixture
def manager(cluster, uni_admin, uni_staff, lab):
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    return uni_staff


@pytest.fixture
def booking(make_booking):
    return make_booking()


def request_data(day, start="10:00", end="12:00", **extra):
    data = {"start": f"{day.isoformat()}T{start}", "end": f"{day.isoformat()}T{end}",
            "purpose": "Practical chemistry lesson", "participants": "15"}
    data.update(extra)
    return data


# --- The request form ----------------------------------------------------------------------------

def test_a_school_admin_requests_a_booking(client, cluster, org_admin, school, lab, microscope, monday):
    client.force_login(org_admin)
    form = client.get(url("booking_request", cluster, lab.pk))
    assert form.status_code == 200
    page = body(form)
    assert form.context["form"].fields["requester"].initial == school.pk  # the only organization
    assert microscope.name in page  # booked together, if wanted
    assert "Free time in the next 7 days" in page and "09:00–18:00" in page
    response = client.post(url("booking_request", cluster, lab.pk),
                           request_data(monday, requester=school.pk, extra_resources=[microscope.pk], participants="10"))
    booking = Booking.objects.for_cluster(cluster).get()
    assert response.status_code == 302 and response["Location"] == url("booking_detail", cluster, booking.pk)
    assert booking.requester == school and booking.status == "requested"
    assert timezone.localtime(booking.period.lower) == at(monday, "10:00")
    assert {item.resource for item in booking.items.all()} == {lab, microscope}
    assert "was sent to its managers" in body(client.get(response["Location"]))


def test_a_free_slot_prefills_the_times(client, cluster, org_admin, lab, make_booking, uni_admin):
    today = timezone.localdate()
    day = next(today + datetime.timedelta(days=n) for n in range(1, 8)
               if (today + datetime.timedelta(days=n)).weekday() < 5)
    booking = make_booking(start=at(day, "10:00"), end=at(day, "12:00"))
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    client.force_login(org_admin)
    page = body(client.get(url("booking_request", cluster, lab.pk)))
    assert f"?start={day.isoformat()}T09%3A00&amp;end={day.isoformat()}T10%3A00" in page
    assert f"?start={day.isoformat()}T12%3A00&amp;end={day.isoformat()}T18%3A00" in page
    form = client.get(url("booking_request", cluster, lab.pk),
                      {"start": f"{day.isoformat()}T12:00", "end": "not a time"}).context["form"]
    assert form["start"].value() == f"{day.isoformat()}T12:00" and not form["end"].value()


def test_the_agreement_choice_lists_active_agreements_of_the_requester(client, cluster, org_admin, school,
                                                                       university, lab, monday):
    active = AgreementFactory(cluster=cluster, status="active", title="Chemistry for schools")
    AgreementPartyFactory(agreement=active, organization=school)
    AgreementPartyFactory(agreement=active, organization=university)
    draft = AgreementFactory(cluster=cluster, status="draft", title="Draft text")
    AgreementPartyFactory(agreement=draft, organization=school)
    others = AgreementFactory(cluster=cluster, status="active", title="Not ours")
    AgreementPartyFactory(agreement=others, organization=university)
    client.force_login(org_admin)
    choices = dict(client.get(url("booking_request", cluster, lab.pk)).context["form"].fields["agreement"].choices)
    assert active.pk in choices and draft.pk not in choices and others.pk not in choices
    response = client.post(url("booking_request", cluster, lab.pk),
                           request_data(monday, requester=school.pk, agreement=active.pk))
    assert response.status_code == 302
    assert Booking.objects.for_cluster(cluster).get().agreement == active


def test_a_coordinator_is_offered_the_agreements_of_the_requester_chosen(client, cluster, coordinator, school,
                                                                       university, other_school, lab):
    """A coordinator may request for any of a cluster's thousands of members: no agreement is
    listed until one is chosen, then (htmx) that organization's active agreements alone."""
    ours = AgreementFactory(cluster=cluster, status="active", title="Chemistry for schools")
    AgreementPartyFactory(agreement=ours, organization=school)
    theirs = AgreementFactory(cluster=cluster, status="active", title="University research")
    AgreementPartyFactory(agreement=theirs, organization=university)
    client.force_login(coordinator)
    page = client.get(url("booking_request", cluster, lab.pk))
    assert list(page.context["form"].fields["agreement"].choices) == [("", "None")]
    options = url("booking_request_agreements", cluster, lab.pk)
    assert f'hx-get="{options}"' in body(page) and 'hx-target="#id_agreement"' in body(page)
    listed = client.get(options, {"requester": school.pk}).content.decode()
    assert listed.startswith('<option value="">None</option>')
    assert "Chemistry for schools" in listed and "University research" not in listed
    assert client.get(options, {"requester": other_school.pk}).status_code == 404
    # Sent back with an error, the form lists the chosen requester's agreements.
    form = client.post(url("booking_request", cluster, lab.pk), {"requester": school.pk}).context["form"]
    assert dict(form.fields["agreement"].choices).keys() == {"", ours.pk}


@pytest.mark.parametrize("case, field, message", [
    ("past", "start", "is in the past"),
    ("outside_hours", "start", "The booking is outside the opening hours of Chemistry laboratory"),
    ("closed", "start", "Chemistry laboratory is closed on"),
    ("capacity", "participants", "Chemistry laboratory takes at most 20 people."),
    ("overlap", "start", "The booking overlaps an approved booking of Chemistry laboratory"),
    ("access", "requester", "Chemistry laboratory is open only to members with an active resource-sharing"),
    ("reversed", "end", "The end must be after the start."),
])
def test_refused_requests_say_why_beside_the_field_and_save_nothing(client, cluster, org_admin, school, uni_admin,
                                                                     lab, monday, make_booking, case, field, message):
    data = request_data(monday, requester=school.pk)
    if case == "past":
        day = timezone.localdate() - datetime.timedelta(days=7)
        data.update(start=f"{day.isoformat()}T10:00", end=f"{day.isoformat()}T11:00")
    elif case == "outside_hours":
        data.update(start=f"{monday.isoformat()}T17:00", end=f"{monday.isoformat()}T19:00")
    elif case == "closed":
        ClosedDateFactory(resource=lab, date=monday, reason="Disinfection")
    elif case == "capacity":
        data["participants"] = "21"
    elif case == "overlap":
        other = make_booking(start=at(monday, "11:00"), end=at(monday, "13:00"))
        services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=other.pk)
    elif case == "access":
        lab.access = "agreement"
        lab.save()
    elif case == "reversed":
        data.update(end=f"{monday.isoformat()}T09:00")
    before = counts(cluster)
    client.force_login(org_admin)
    response = client.post(url("booking_request", cluster, lab.pk), data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert any(message in error for error in errors[field]), errors
    assert message in body(response)
    assert counts(cluster) == before


def test_form_errors_are_named_before_the_service_is_asked(client, cluster, org_admin, lab):
    client.force_login(org_admin)
    response = client.post(url("booking_request", cluster, lab.pk), {"start": "soon", "participants": "0"})
    assert response.status_code == 422
    assert {"start", "end", "purpose", "participants", "requester"} <= set(response.context["form"].errors)
    assert not Booking.objects.for_cluster(cluster).exists()


def test_one_may_not_request_for_an_organization_of_someone_else(client, cluster, org_admin, university, lab, monday):
    client.force_login(org_admin)
    response = client.post(url("booking_request", cluster, lab.pk), request_data(monday, requester=university.pk))
    assert response.status_code == 422 and "requester" in response.context["form"].errors
    assert not Booking.objects.for_cluster(cluster).exists()


@pytest.mark.parametrize("who", ["authority", "expert"])
def test_readers_without_an_organization_may_not_request(client, request, cluster, lab, school, monday, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("booking_request", cluster, lab.pk)).status_code == 403
    assert client.post(url("booking_request", cluster, lab.pk),
                       request_data(monday, requester=school.pk)).status_code == 403
    assert not Booking.objects.for_cluster(cluster).exists()


def test_a_coordinator_chooses_the_requesting_organization(client, cluster, coordinator, school, university, lab,
                                                           monday):
    client.force_login(coordinator)
    choices = dict(client.get(url("booking_request", cluster, lab.pk)).context["form"].fields["requester"].choices)
    assert school.pk in choices and university.pk in choices
    response = client.post(url("booking_request", cluster, lab.pk), request_data(monday, requester=school.pk))
    assert response.status_code == 302


# --- The lists and the decisions -------------------------------------------------------------------

@pytest.mark.parametrize("who", ["org_admin", "school_staff"])
def test_my_requests_list_the_organizations_bookings(client, request, cluster, booking, who):
    client.force_login(request.getfixturevalue(who))
    page = body(client.get(url("booking_mine", cluster)))
    assert f'id="booking-{booking.pk}"' in page and "Chemistry laboratory" in page


@pytest.mark.parametrize("who, sees", [("uni_admin", True), ("manager", True), ("coordinator", True),
                                       ("uni_staff", False), ("org_admin", False), ("authority", False),
                                       ("expert", False)])
def test_requests_to_approve_are_for_the_managers(client, request, cluster, booking, who, sees):
    client.force_login(request.getfixturevalue(who))
    response = client.get(url("booking_to_approve", cluster))
    assert response.status_code == 200
    assert (f'id="booking-{booking.pk}"' in body(response)) is sees
    if not sees:
        assert "No request waits for your decision." in body(response)


def test_the_owner_approves_with_htmx_and_the_row_says_approved(client, cluster, uni_admin, booking):
    client.force_login(uni_admin)
    row = body(client.get(url("booking_to_approve", cluster)))
    assert 'hx-confirm="Approve the booking of School No. 1?"' in row
    response = client.post(url("booking_approve", cluster, booking.pk), **HTMX)
    assert response.status_code == 200
    page = body(response)
    # The new row takes the focus of the button it replaced (htmx focuses [autofocus]); the page
    # itself gives no row the focus.
    assert page.lstrip().startswith(f'<tr id="booking-{booking.pk}" tabindex="-1" autofocus>') and "Approved" in page
    assert "autofocus" not in row
    assert 'hx-swap-oob="innerHTML"' in page and "was approved" in page
    booking.refresh_from_db()
    assert booking.status == "approved" and booking.decided_by == uni_admin


def test_a_plain_approval_redirects_back(client, cluster, manager, booking):
    client.force_login(manager)
    back = url("booking_to_approve", cluster) + "?status=all"
    response = client.post(url("booking_approve", cluster, booking.pk), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    booking.refresh_from_db()
    assert booking.status == "approved"


def test_a_refused_approval_says_why_in_the_row(client, cluster, uni_admin, make_booking, monday):
    first, second = make_booking(), make_booking(start=at(monday, "11:00"), end=at(monday, "13:00"))
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=first.pk)
    client.force_login(uni_admin)
    response = client.post(url("booking_approve", cluster, second.pk), **HTMX)
    assert response.status_code == 422
    assert "The booking overlaps an approved booking of Chemistry laboratory" in body(response)
    response = client.post(url("booking_approve", cluster, second.pk))
    assert response.status_code == 422 and "overlaps an approved booking" in body(response)
    second.refresh_from_db()
    assert second.status == "requested"


def test_decline_needs_a_reason(client, cluster, uni_admin, booking):
    client.force_login(uni_admin)
    response = client.post(url("booking_decline", cluster, booking.pk), {"reason": " "}, **HTMX)
    assert response.status_code == 422
    page = body(response)
    assert "Give the reason for declining the booking." in page and " open>" in page
    booking.refresh_from_db()
    assert booking.status == "requested"
    response = client.post(url("booking_decline", cluster, booking.pk), {"reason": "Exams that day"}, **HTMX)
    assert response.status_code == 200 and "Declined" in body(response) and "Exams that day" in body(response)
    booking.refresh_from_db()
    assert (booking.status, booking.decision_reason) == ("declined", "Exams that day")


def test_a_plain_decline_without_reason_shows_the_booking_page_with_the_error(client, cluster, uni_admin, booking):
    client.force_login(uni_admin)
    response = client.post(url("booking_decline", cluster, booking.pk), {"reason": ""})
    assert response.status_code == 422
    assert "Give the reason for declining the booking." in body(response)
    response = client.post(url("booking_decline", cluster, booking.pk), {"reason": "Closed for repairs"})
    assert response.status_code == 302


@pytest.mark.parametrize("who", ["org_admin", "school_staff", "authority", "uni_staff", "expert"])
def test_others_may_not_decide(client, request, cluster, booking, who):
    client.force_login(request.getfixturevalue(who))
    for name in ("booking_approve", "booking_decline"):
        response = client.post(url(name, cluster, booking.pk), {"reason": "no"})
        assert response.status_code in (403, 404)
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_the_requester_cancels_after_confirmation(client, cluster, org_admin, booking):
    client.force_login(org_admin)
    page = body(client.get(url("booking_mine", cluster)))
    assert url("booking_cancel", cluster, booking.pk) in page and "hx-confirm=" in page
    confirm = client.get(url("booking_cancel", cluster, booking.pk))
    assert confirm.status_code == 200 and "Its time becomes free for others." in body(confirm)
    booking.refresh_from_db()
    assert booking.status == "requested"
    response = client.post(url("booking_cancel", cluster, booking.pk))
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled" and booking.cancelled_by == org_admin


def test_cancel_with_htmx_swaps_the_row(client, cluster, org_admin, uni_admin, booking):
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    client.force_login(org_admin)
    response = client.post(url("booking_cancel", cluster, booking.pk), **HTMX)
    assert response.status_code == 200 and "Cancelled" in body(response)
    assert "Cancel booking" not in body(response)


@pytest.mark.parametrize("who", ["uni_admin", "authority"])
def test_others_may_not_cancel(client, request, cluster, booking, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(url("booking_cancel", cluster, booking.pk)).status_code == 403
    assert client.post(url("booking_cancel", cluster, booking.pk)).status_code == 403
    booking.refresh_from_db()
    assert booking.status == "requested"


def test_the_status_filter(client, cluster, org_admin, uni_admin, make_booking, monday):
    approved = make_booking()
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=approved.pk)
    waiting = make_booking(start=at(monday, "13:00"), end=at(monday, "14:00"))
    client.force_login(uni_admin)
    page = body(client.get(url("booking_to_approve", cluster)))
    assert f'id="booking-{waiting.pk}"' in page and f'id="booking-{approved.pk}"' not in page
    page = body(client.get(url("booking_to_approve", cluster), {"status": "approved"}))
    assert f'id="booking-{waiting.pk}"' not in page and f'id="booking-{approved.pk}"' in page
    client.force_login(org_admin)
    page = body(client.get(url("booking_mine", cluster), {"status": "requested"}))
    assert f'id="booking-{waiting.pk}"' in page and f'id="booking-{approved.pk}"' not in page
    page = body(client.get(url("booking_mine", cluster), {"status": "nonsense"}))
    assert f'id="booking-{waiting.pk}"' in page and f'id="booking-{approved.pk}"' in page


@pytest.mark.parametrize("who, status", [("org_admin", 200), ("school_staff", 200), ("uni_admin", 200),
                                         ("uni_staff", 200), ("coordinator", 200), ("authority", 200),
                                         ("expert", 404), ("stranger", 404), ("outsider", 404)])
def test_the_booking_page_is_for_who_may_read_the_booking(client, request, cluster, booking, who, status):
    if who == "stranger":
        user = OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster), role="admin").user
    else:
        user = request.getfixturevalue(who)
    client.force_login(user)
    response = client.get(url("booking_detail", cluster, booking.pk))
    assert response.status_code == status
    if status == 200:
        assert "Practical chemistry lesson for grade 9" in body(response)


def test_the_coordinators_dashboard_counts_requests_to_approve(client, cluster, coordinator, org_admin, booking):
    client.force_login(coordinator)
    page = body(client.get(reverse("dashboard", args=[cluster.slug])))
    assert "1 booking request waits for your decision" in page
    assert url("booking_to_approve", cluster) in page
    client.force_login(org_admin)
    assert "waits for your decision" not in body(client.get(reverse("dashboard", args=[cluster.slug])))


def _bookings(cluster, school, lab, count, status="requested"):
    day = next_weekday(1, weeks_ahead=2)
    for number in range(count):
        start = at(day + datetime.timedelta(days=7 * number), "10:00")
        booking = BookingFactory(requester=school, status=status, period=period(start, start + datetime.timedelta(hours=1)))
        BookedResourceFactory(booking=booking, resource=lab)


@pytest.mark.parametrize("name, who", [("booking_mine", "org_admin"), ("booking_to_approve", "uni_admin"),
                                       ("booking_to_approve", "manager")])
def test_the_lists_query_count_does_not_grow(client, request, cluster, school, lab, microscope, name, who,
                                             django_assert_max_num_queries):
    client.force_login(request.getfixturevalue(who))
    sizes = []
    for count in (2, 12):
        _bookings(cluster, school, lab, count - len(sizes) * 2)
        with django_assert_max_num_queries(16) as captured:
            response = client.get(url(name, cluster))
        assert response.status_code == 200 and body(response).count('<tr id="booking-') == count
        sizes.append(len(captured.captured_queries))
    assert sizes[0] == sizes[1]


# --- The calendar ----------------------------------------------------------------------------------

def cell(page, day) -> str:
    """The week or month table cell of a day."""
    match = re.search(rf'<td data-date="{day.isoformat()}"[^>]*>(.*?)</td>', page, re.S)
    assert match, day
    return match.group(1)


def test_the_week_shows_approved_bookings_in_their_days_in_tashkent_time(client, cluster, expert, uni_admin,
                                                                         booking, monday, make_booking):
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    wednesday = monday + datetime.timedelta(days=2)
    utc = datetime.timezone.utc
    other = make_booking(start=datetime.datetime.combine(wednesday, datetime.time(9), tzinfo=utc),
                         end=datetime.datetime.combine(wednesday, datetime.time(10, 30), tzinfo=utc))
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=other.pk)
    client.force_login(expert)
    page = body(client.get(url("resource_detail", cluster, booking.items.get().resource_id),
                           {"view": "week", "date": (monday + datetime.timedelta(days=3)).isoformat()}))
    assert "10:00–12:00" in cell(page, monday) and "School No. 1" in cell(page, monday)
    assert "14:00–15:30" in cell(page, wednesday)  # 09:00 UTC is 14:00 in Tashkent
    assert "School No. 1" not in cell(page, monday + datetime.timedelta(days=1))
    assert "<caption>" in page and 'scope="col"' in page
    assert f'data-day="{monday.isoformat()}"' in page  # the list per day for phones


def test_a_booking_across_midnight_shows_on_both_days(client, cluster, coordinator, university, school):
    dorm = ResourceFactory(owner=university, name="Dormitory", kind="dormitory", always_open=True)
    day = next_weekday(4)  # a Friday
    start = at(day, "22:00")
    booking = BookingFactory(requester=school, status="approved", period=period(start, start + datetime.timedelta(hours=4)))
    BookedResourceFactory(booking=booking, resource=dorm)
    client.force_login(coordinator)
    page = body(client.get(url("resource_detail", cluster, dorm.pk), {"date": day.isoformat()}))
    saturday = day + datetime.timedelta(days=1)
    assert "22:00–24:00" in cell(page, day) and "00:00–02:00" in cell(page, saturday)
    assert "School No. 1" in cell(page, day) and "School No. 1" in cell(page, saturday)
    month = body(client.get(url("resource_detail", cluster, dorm.pk), {"view": "month", "date": day.isoformat()}))
    assert "22:00–24:00" in cell(month, day) and "00:00–02:00" in cell(month, saturday)


def test_the_month_view_with_previous_and_next_links(client, cluster, expert, uni_admin, booking, monday):
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
    client.force_login(expert)
    page = body(client.get(url("resource_detail", cluster, booking.items.get().resource_id),
                           {"view": "month", "date": monday.isoformat()}))
    assert "10:00–12:00" in cell(page, monday)
    assert f"Bookings of Chemistry laboratory, {monday:%B %Y}" in page
    first = monday.replace(day=1)
    previous = (first - datetime.timedelta(days=1)).replace(day=1)
    assert f"?view=month&amp;date={previous.isoformat()}#calendar" in page
    assert f"?view=week&amp;date={monday.isoformat()}#calendar" in page
    # A malformed date shows the current month instead of an error.
    assert client.get(url("resource_detail", cluster, booking.items.get().resource_id),
                      {"view": "month", "date": "2026-13-45"}).status_code == 200


def test_own_requests_show_as_pending_others_not_at_all(client, cluster, org_admin, expert, booking, monday):
    resource_url = url("resource_detail", cluster, booking.items.get().resource_id)
    client.force_login(org_admin)
    page = body(client.get(resource_url, {"date": monday.isoformat()}))
    assert "Pending" in cell(page, monday) and "10:00–12:00" in cell(page, monday)
    client.force_login(expert)
    page = body(client.get(resource_url, {"date": monday.isoformat()}))
    assert "10:00–12:00" not in cell(page, monday)


def test_declined_and_cancelled_bookings_are_not_in_the_calendar(client, cluster, coordinator, school, lab):
    day = next_weekday(2)
    for status in ("declined", "cancelled"):
        start = at(day, "10:00")
        booking = BookingFactory(requester=school, status=status, period=period(start, start + datetime.timedelta(hours=1)))
        BookedResourceFactory(booking=booking, resource=lab)
    client.force_login(coordinator)
    page = body(client.get(url("resource_detail", cluster, lab.pk), {"date": day.isoformat()}))
    assert "10:00–11:00" not in cell(page, day)


def test_a_user_with_two_organizations_chooses_the_requester(client, cluster, school, university, lab, monday):
    user = UserFactory(username="both")
    OrganizationRoleFactory(organization=school, user=user, role="staff")
    OrganizationRoleFactory(organization=university, user=user, role="staff")
    client.force_login(user)
    field = client.get(url("booking_request", cluster, lab.pk)).context["form"].fields["requester"]
    assert field.initial is None and {school.pk, university.pk} <= set(dict(field.choices))
