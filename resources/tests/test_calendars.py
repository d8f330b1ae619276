"""Calendar links: the iCalendar writer, the feed_create/feed_revoke services, the public feed
by secret token and the pages that manage the links.

Users as in the root and resources conftests: `uni_admin` and `uni_staff` of the university
that owns `lab`, `org_admin` and `school_staff` of `school`, a coordinator and `outsider`.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import OrganizationRole
from members.tests.factories import OrganizationFactory
from resources import ical, services
from resources.models import CalendarFeed
from resources.services.calendars import token_hash
from resources.tests.conftest import at, with_weekday_hours
from resources.tests.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def parse(body: bytes) -> list[dict]:
    """The components of an iCalendar text as dicts of property name -> value (after checking
    the line endings and the folding), in order; a stand-in for a full parser."""
    text = body.decode("utf-8")
    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")
    physical = text.split("\r\n")[:-1]
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, line
    unfolded = []
    for line in physical:
        if line.startswith(" "):
            unfolded[-1] += line[1:]
        else:
            unfolded.append(line)
    components, stack = [], []
    for line in unfolded:
        name, _, value = line.partition(":")
        if name == "BEGIN":
            stack.append({"BEGIN": value})
        elif name == "END":
            assert stack[-1]["BEGIN"] == value
            components.append(stack.pop())
        else:
            stack[-1][name.split(";")[0]] = value
    assert not stack
    return components


def events(body: bytes) -> list[dict]:
    return [c for c in parse(body) if c["BEGIN"] == "VEVENT"]


def feed_path(token: str) -> str:
    return f"/calendars/{token}.ics"


# --- The writer ------------------------------------------------------------------------------------


def test_text_is_escaped_per_rfc_5545():
    assert ical.escape_text('Lab; room 2, "north"\\south\nline\r\nthree') == (
        'Lab\\; room 2\\, "north"\\\\south\\nline\\nthree')


def test_long_lines_are_folded_at_75_octets_without_splitting_characters():
    line = "SUMMARY:" + "Кимё лабораторияси — " * 10
    folded = ical.fold(line)
    parts = folded.split("\r\n")
    assert len(parts) > 1
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert parts[0] + "".join(part[1:] for part in parts[1:]) == line
    assert ical.fold("SHORT:line") == "SHORT:line"


def test_a_calendar_has_the_required_properties_and_crlf_endings():
    start = datetime.datetime(2030, 1, 7, 4, tzinfo=datetime.timezone.utc)
    body = ical.render_calendar(name="Bookings: Lab, main", events=[ical.Event(
        uid="booking-1-2@x", start=start, end=start + datetime.timedelta(hours=2), stamp=start,
        summary="Lab — School; one", status="CONFIRMED", location="Room 2", description="Line 1\nLine 2")])
    calendar, event = parse(body.encode())[1], parse(body.encode())[0]
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:")
    assert calendar["X-WR-CALNAME"] == "Bookings: Lab\\, main"
    assert event["DTSTART"] == "20300107T040000Z" and event["DTEND"] == "20300107T060000Z"
    assert event["SUMMARY"] == "Lab — School\\; one" and event["DESCRIPTION"] == "Line 1\\nLine 2"


# --- Services: who may create and revoke -------------------------------------------------------------


def test_a_manager_creates_a_resource_link_and_only_the_hash_is_stored(cluster, uni_admin, lab):
    feed, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    assert len(token) >= 43
    assert feed.token_hash == token_hash(token) and token not in str(CalendarFeed.objects.for_cluster(cluster)
                                                                    .values_list("token_hash", flat=True)[0])
    assert feed.resource == lab and feed.organization is None and feed.created_by == uni_admin


def test_a_new_link_revokes_the_creators_previous_one_only(cluster, uni_admin, coordinator, lab):
    first, _ = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    coordinators, _ = services.feed_create(cluster=cluster, actor=coordinator, resource_id=lab.pk)
    second, _ = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    first.refresh_from_db()
    coordinators.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None and coordinators.revoked_at is None


@pytest.mark.parametrize("who", ["school_staff", "org_admin", "authority", "expert"])
def test_people_who_do_not_manage_a_resource_may_not_have_its_link(request, cluster, lab, who):
    with pytest.raises(PermissionDenied):
        services.feed_create(cluster=cluster, actor=request.getfixturevalue(who), resource_id=lab.pk)
    assert not CalendarFeed.objects.for_cluster(cluster).exists()


def test_organization_links_are_for_its_people_and_coordinators(cluster, school, university, school_staff,
                                                                uni_staff, coordinator, expert):
    services.feed_create(cluster=cluster, actor=school_staff, organization_id=school.pk)
    services.feed_create(cluster=cluster, actor=coordinator, organization_id=school.pk)
    for actor in (uni_staff, expert):
        with pytest.raises(PermissionDenied):
            services.feed_create(cluster=cluster, actor=actor, organization_id=school.pk)
    assert CalendarFeed.objects.for_cluster(cluster).count() == 2


def test_a_link_names_one_target_of_this_cluster(cluster, coordinator, lab, school, other_school, other_cluster):
    other_lab = ResourceFactory(owner=other_school)
    for kwargs, field in (({}, "resource"), ({"resource_id": lab.pk, "organization_id": school.pk}, "resource"),
                          ({"resource_id": other_lab.pk}, "resource"), ({"organization_id": other_school.pk},
                                                                         "organization")):
        with pytest.raises(ValidationError) as error:
            services.feed_create(cluster=cluster, actor=coordinator, **kwargs)
        assert field in error.value.message_dict
    assert not CalendarFeed.objects.for_cluster(cluster).exists()


def test_who_may_revoke_a_link(cluster, uni_admin, uni_staff, school_staff, coordinator, lab):
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    feed, _ = services.feed_create(cluster=cluster, actor=uni_staff, resource_id=lab.pk)
    with pytest.raises(PermissionDenied):
        services.feed_revoke(cluster=cluster, actor=school_staff, feed_id=feed.pk)
    feed.refresh_from_db()
    assert feed.revoked_at is None
    # The owner's admin may revoke a manager's link; so may its creator and a coordinator.
    for actor in (uni_admin, uni_staff, coordinator):
        feed, _ = services.feed_create(cluster=cluster, actor=uni_staff, resource_id=lab.pk)
        assert services.feed_revoke(cluster=cluster, actor=actor, feed_id=feed.pk).revoked_at is not None


def test_another_clusters_link_cannot_be_revoked(cluster, other_cluster, uni_admin, outsider, lab):
    feed, _ = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    with pytest.raises(CalendarFeed.DoesNotExist):
        services.feed_revoke(cluster=other_cluster, actor=outsider, feed_id=feed.pk)
    feed.refresh_from_db()
    assert feed.revoked_at is None


# --- The public feed ----------------------------------------------------------------------------------


@pytest.fixture
def bookings(cluster, uni_admin, school, lab, make_booking, monday):
    """Monday 09:00-11:00 approved, 14:00-15:00 requested, 16:00-17:00 declined, all by the school."""
    approved = make_booking(start=at(monday, "09:00"), end=at(monday, "11:00"))
    services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=approved.pk)
    requested = make_booking(start=at(monday, "14:00"), end=at(monday, "15:00"))
    declined = make_booking(start=at(monday, "16:00"), end=at(monday, "17:00"))
    services.booking_decline(cluster=cluster, actor=uni_admin, booking_id=declined.pk, reason="No staff")
    return {"approved": approved, "requested": requested, "declined": declined}


def test_a_resource_feed_shows_its_approved_bookings_in_utc(client, cluster, uni_admin, school, lab, bookings):
    lab.location = "Building 2, room 214; north wing"
    lab.save()
    _, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    response = client.get(feed_path(token))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == f'inline; filename="bookings-resource-{lab.pk}.ics"'
    assert response["Cache-Control"] == "private, max-age=300"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content
    calendar = parse(body)[-1]
    assert calendar["BEGIN"] == "VCALENDAR" and calendar["VERSION"] == "2.0" and calendar["PRODID"]
    [event] = events(body)
    approved = bookings["approved"]
    assert event["UID"] == f"booking-{approved.pk}-{lab.pk}@{cluster.slug}"
    # 09:00-11:00 in Asia/Tashkent (UTC+5) is 04:00Z-06:00Z.
    assert (event["DTSTART"], event["DTEND"]) == (
        f"{at(bookings['approved'].period.lower.date(), '00:00'):%Y%m%d}T040000Z",
        f"{at(bookings['approved'].period.lower.date(), '00:00'):%Y%m%d}T060000Z")
    assert event["STATUS"] == "CONFIRMED"
    assert event["SUMMARY"] == f"{lab.name} — {school.short_name or school.name}"
    assert event["LOCATION"] == "Building 2\\, room 214\\; north wing"


def test_the_requesters_feed_shows_its_requests_as_tentative(client, cluster, org_admin, school, lab, bookings):
    _, token = services.feed_create(cluster=cluster, actor=org_admin, organization_id=school.pk)
    found = {e["UID"]: e["STATUS"] for e in events(client.get(feed_path(token)).content)}
    assert found == {f"booking-{bookings['approved'].pk}-{lab.pk}@{cluster.slug}": "CONFIRMED",
                     f"booking-{bookings['requested'].pk}-{lab.pk}@{cluster.slug}": "TENTATIVE"}


def test_the_owners_feed_shows_the_approved_bookings_of_its_resources(client, cluster, uni_admin, university, lab,
                                                                      bookings):
    _, token = services.feed_create(cluster=cluster, actor=uni_admin, organization_id=university.pk)
    assert [e["UID"] for e in events(client.get(feed_path(token)).content)] == [
        f"booking-{bookings['approved'].pk}-{lab.pk}@{cluster.slug}"]


def test_bookings_outside_the_window_are_left_out(client, cluster, uni_admin, lab, bookings):
    _, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    later = timezone.now() + datetime.timedelta(days=400)
    assert ical.feed_items(CalendarFeed.objects.for_cluster(cluster).get(), later).count() == 0
    assert len(events(client.get(feed_path(token)).content)) == 1


def test_unknown_revoked_and_inactive_links_answer_alike(client, cluster, uni_admin, lab):
    feed, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    assert client.get(feed_path(token)).status_code == 200
    unknown = client.get(feed_path("x" * 43))
    services.feed_revoke(cluster=cluster, actor=uni_admin, feed_id=feed.pk)
    revoked = client.get(feed_path(token))
    assert unknown.status_code == revoked.status_code == 404
    # The same not-found page (it carries per-request tokens, so compare what it says).
    assert unknown["Content-Type"] == revoked["Content-Type"]
    assert lab.name.encode() not in revoked.content and b"revoked" not in revoked.content.lower()
    assert client.get("/calendars/short.ics").status_code == 404

    _, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    cluster.is_active = False
    cluster.save()
    assert client.get(feed_path(token)).status_code == 404


def test_a_link_stops_working_when_its_creator_loses_the_right(client, cluster, uni_admin, university, lab):
    _, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    OrganizationRole.objects.for_cluster(cluster).filter(user=uni_admin, organization=university).delete()
    assert client.get(feed_path(token)).status_code == 404


def test_last_used_is_recorded_at_most_once_an_hour(client, cluster, uni_admin, lab):
    feed, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    client.get(feed_path(token))
    feed.refresh_from_db()
    first = feed.last_used_at
    assert first is not None
    client.get(feed_path(token))
    feed.refresh_from_db()
    assert feed.last_used_at == first
    CalendarFeed.objects.for_cluster(cluster).filter(pk=feed.pk).update(
        last_used_at=first - datetime.timedelta(hours=2))
    client.get(feed_path(token))
    feed.refresh_from_db()
    assert feed.last_used_at > first - datetime.timedelta(hours=2)


def test_the_feed_queries_do_not_grow_with_bookings(client, cluster, uni_admin, school, university, make_booking):
    lab = with_weekday_hours(ResourceFactory(owner=university, name="Counted lab"))
    _, resource_token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    _, org_token = services.feed_create(cluster=cluster, actor=uni_admin, organization_id=university.pk)
    counts = {}
    made = 0
    for rows, total in ((1, 1), (7, 8)):
        for _n in range(rows):
            day = timezone.localdate() + datetime.timedelta(days=7 + made)
            while day.weekday() > 4:
                made += 1
                day = timezone.localdate() + datetime.timedelta(days=7 + made)
            booking = make_booking(resources=[lab], start=at(day, "10:00"), end=at(day, "11:00"))
            services.booking_approve(cluster=cluster, actor=uni_admin, booking_id=booking.pk)
            made += 1
        counts[total] = []
        for token in (resource_token, org_token):
            CalendarFeed.objects.for_cluster(cluster).update(last_used_at=None)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(feed_path(token))
            counts[total].append((len(captured), len(events(response.content))))
    assert [n for n, _ in counts[1]] == [n for n, _ in counts[8]]
    assert [e for _, e in counts[8]] == [8, 8]
    assert max(n for n, _ in counts[8]) <= 8


def test_the_feed_is_rate_limited_per_address(client, settings, cluster, uni_admin, lab):
    settings.CALENDAR_FEED_RATE_LIMIT = "2/h"
    _, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    assert [client.get(feed_path(token)).status_code for _ in range(3)] == [200, 200, 429]


def test_a_feed_needs_no_login_but_only_reads(client, cluster, uni_admin, lab):
    _, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    assert client.post(feed_path(token)).status_code == 405
    assert client.head(feed_path(token)).status_code == 200


# --- The pages ------------------------------------------------------------------------------------


def pages(cluster, *parts) -> str:
    tail = "".join(f"{part}/" for part in parts)
    return f"/c/{cluster.slug}/calendars/{tail}"


def test_the_links_page_lists_managed_resources_and_own_organizations(client, cluster, uni_admin, university, lab,
                                                                      microscope):
    services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    client.force_login(uni_admin)
    response = client.get(pages(cluster))
    assert response.status_code == 200
    html = response.content.decode()
    assert lab.name in html and microscope.name in html and university.name in html
    assert [row["feed"] is not None for row in response.context["resource_rows"]] == [True, False]
    assert html.count("Revoke") >= 1


def test_the_links_page_is_403_for_someone_without_an_organization(client, cluster, expert):
    client.force_login(expert)
    assert client.get(pages(cluster)).status_code == 403


def test_the_links_page_queries_do_not_grow_with_resources(client, cluster, uni_admin, university):
    client.force_login(uni_admin)
    counts = []
    for rows in (2, 12):
        for _n in range(rows):
            resource = ResourceFactory(owner=university)
            services.feed_create(cluster=cluster, actor=uni_admin, resource_id=resource.pk)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(pages(cluster)).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]



def test_the_links_page_shows_the_managed_resources_a_page_at_a_time(client, cluster, coordinator, university):
    """A coordinator manages every resource of the cluster: thousands at national scale."""
    for n in range(30):
        ResourceFactory(owner=university, name=f"Room {n:02}")
    client.force_login(coordinator)
    first = client.get(pages(cluster))
    names = [row["name"] for row in first.context["resource_rows"]]
    assert names == [f"Room {n:02}" for n in range(25)]
    assert first.context["page_obj"].count == 30 and 'rel="next"' in first.content.decode()
    second = client.get(pages(cluster), {"page": 2})
    assert [row["name"] for row in second.context["resource_rows"]] == [f"Room {n:02}" for n in range(25, 30)]

def test_creating_a_link_shows_it_once(client, cluster, org_admin, school):
    client.force_login(org_admin)
    response = client.post(pages(cluster, "new"), {"organization": school.pk})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    link = response.context["feed_url"]
    assert link.startswith("http://testserver/calendars/") and link.endswith(".ics")
    assert f'value="{link}"' in response.content.decode() and "readonly" in response.content.decode()
    feed = CalendarFeed.objects.for_cluster(cluster).get()
    assert feed.token_hash == token_hash(link.rsplit("/", 1)[1][:-4])
    # The list page never shows the secret again.
    assert link not in client.get(pages(cluster)).content.decode()
    assert client.get(link.replace("http://testserver", "")).status_code == 200


def test_a_bad_or_refused_creation_changes_nothing(client, cluster, school_staff, university, lab, school):
    client.force_login(school_staff)
    response = client.post(pages(cluster, "new"), {"resource": lab.pk})
    assert response.status_code == 403
    response = client.post(pages(cluster, "new"), {"resource": lab.pk, "organization": school.pk}, follow=True)
    assert "Choose a resource or an organization" in response.content.decode()
    response = client.post(pages(cluster, "new"), {"organization": 999999}, follow=True)
    assert "Choose an organization of this cluster" in response.content.decode()
    assert client.get(pages(cluster, "new")).status_code == 302
    assert not CalendarFeed.objects.for_cluster(cluster).exists()


def test_revoking_asks_first(client, cluster, uni_admin, lab):
    feed, token = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    client.force_login(uni_admin)
    confirm = client.get(pages(cluster, feed.pk, "revoke"))
    assert confirm.status_code == 200 and lab.name in confirm.content.decode()
    feed.refresh_from_db()
    assert feed.revoked_at is None
    response = client.post(pages(cluster, feed.pk, "revoke"))
    assert response.status_code == 302 and response["Location"] == pages(cluster)
    feed.refresh_from_db()
    assert feed.revoked_at is not None
    assert client.get(feed_path(token)).status_code == 404
    assert client.get(pages(cluster, feed.pk, "revoke")).status_code == 404


def test_revoking_someone_elses_link_is_403_unless_admin(client, cluster, uni_admin, uni_staff, school_staff, lab,
                                                         school):
    services.manager_grant(cluster=cluster, actor=uni_admin, resource_id=lab.pk, user_id=uni_staff.pk)
    feed, _ = services.feed_create(cluster=cluster, actor=uni_admin, resource_id=lab.pk)
    client.force_login(uni_staff)
    assert client.post(pages(cluster, feed.pk, "revoke")).status_code == 403
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_another_clusters_link_is_404_on_the_pages(client, cluster, other_cluster, coordinator, other_school):
    other_lab = ResourceFactory(owner=other_school)
    from members.tests.factories import ClusterRoleFactory

    other_coordinator = ClusterRoleFactory(cluster=other_cluster, role="coordinator").user
    feed, _ = services.feed_create(cluster=other_cluster, actor=other_coordinator, resource_id=other_lab.pk)
    client.force_login(coordinator)
    assert client.get(pages(cluster, feed.pk, "revoke")).status_code == 404
    assert client.post(pages(cluster, feed.pk, "revoke")).status_code == 404
    response = client.post(pages(cluster, "new"), {"resource": other_lab.pk}, follow=True)
    assert "Choose a resource of this cluster" in response.content.decode()
    feed.refresh_from_db()
    assert feed.revoked_at is None
    assert CalendarFeed.objects.for_cluster(cluster).count() == 0


def test_another_organizations_resources_stay_out_of_an_organization_feed(client, cluster, uni_admin, university):
    neighbour = OrganizationFactory(cluster=cluster, name="Neighbour college")
    their_lab = with_weekday_hours(ResourceFactory(owner=neighbour))
    _, token = services.feed_create(cluster=cluster, actor=uni_admin, organization_id=university.pk)
    assert their_lab.name not in client.get(feed_path(token)).content.decode()
