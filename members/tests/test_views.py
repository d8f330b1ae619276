"""Browser views of the members app: access by role, isolation between clusters, the pages'
behaviour (forms, htmx, import, export, public pages) and query-count bounds."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from members import services
from members.models import (
    ClusterRole,
    Invitation,
    MembershipApplication,
    MembershipStatusChange,
    Organization,
    OrganizationRole,
    Person,
    SchoolRating,
)
from members.tests.factories import (
    ApplicationFactory,
    ClusterFactory,
    ClusterRoleFactory,
    OrganizationFactory,
    OrganizationRoleFactory,
    PersonFactory,
    UserFactory,
)

HTMX = {"HTTP_HX_REQUEST": "true"}


def as_user(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff(school):
    """A staff member (not an admin) of the school."""
    return OrganizationRoleFactory(organization=school, user=UserFactory(username="schoolstaff"), role="staff").user


@pytest.fixture
def world(cluster, coordinator, authority, expert, school, org_admin):
    """One cluster with every kind of user and one object of each kind the pages show."""
    return {
        "cluster": cluster,
        "school": school,
        "person": PersonFactory(organization=school, full_name="Aziza Rakhimova"),
        "application": ApplicationFactory(cluster=cluster, organization_name="School No. 44"),
        "cluster_role": ClusterRole.objects.for_cluster(cluster).get(user=authority),
        "organization_role": OrganizationRole.objects.for_cluster(cluster).get(user=org_admin),
    }


@pytest.fixture
def foreign(other_cluster, other_school):
    """Objects of the other cluster, to request through cluster A's URLs."""
    return {
        "school": other_school,
        "person": PersonFactory(organization=other_school, full_name="Foreign Teacher"),
        "application": ApplicationFactory(cluster=other_cluster, organization_name="Foreign applicant"),
        "cluster_role": ClusterRoleFactory(cluster=other_cluster, role="expert"),
        "organization_role": OrganizationRoleFactory(organization=other_school, role="staff"),
    }


# Every GET page under /c/<slug>/ with the roles that may open it.
PAGES = [
    ("dashboard", lambda w: [], {"coordinator", "authority", "expert", "org_admin"}),
    ("organization_list", lambda w: [], {"coordinator", "authority", "expert", "org_admin"}),
    ("organization_detail", lambda w: [w["school"].pk], {"coordinator", "authority", "expert", "org_admin"}),
    ("organization_create", lambda w: [], {"coordinator"}),
    ("organization_edit", lambda w: [w["school"].pk], {"coordinator", "org_admin"}),
    ("organization_status", lambda w: [w["school"].pk], {"coordinator"}),
    ("rating_create", lambda w: [w["school"].pk], {"coordinator"}),
    ("person_create", lambda w: [w["school"].pk], {"coordinator", "org_admin"}),
    ("person_edit", lambda w: [w["person"].pk], {"coordinator", "org_admin"}),
    ("organization_invite", lambda w: [w["school"].pk], {"coordinator", "org_admin"}),
    ("organization_role_revoke", lambda w: [w["school"].pk, w["organization_role"].pk], {"coordinator", "org_admin"}),
    ("organization_import", lambda w: [], {"coordinator"}),
    ("organization_export_csv", lambda w: [], {"coordinator", "authority"}),
    ("organization_export_xlsx", lambda w: [], {"coordinator", "authority"}),
    ("person_list", lambda w: [], {"coordinator", "authority", "org_admin"}),
    ("application_list", lambda w: [], {"coordinator"}),
    ("application_detail", lambda w: [w["application"].pk], {"coordinator"}),
    ("role_list", lambda w: [], {"coordinator"}),
    ("role_revoke", lambda w: [w["cluster_role"].pk], {"coordinator"}),
]
ROLES = ["coordinator", "authority", "expert", "org_admin"]


def page_url(world, name, args):
    return reverse(name, args=[world["cluster"].slug, *args(world)])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name,args,allowed", PAGES, ids=[page[0] for page in PAGES])
def test_each_page_opens_for_allowed_roles_and_is_forbidden_to_others(client, request, world, role, name, args,
                                                                      allowed):
    as_user(client, request.getfixturevalue(role))
    response = client.get(page_url(world, name, args))
    assert response.status_code == (200 if role in allowed else 403)


@pytest.mark.parametrize("name,args,allowed", PAGES, ids=[page[0] for page in PAGES])
def test_outsider_gets_404_on_every_cluster_page(client, world, outsider, name, args, allowed):
    as_user(client, outsider)
    response = client.get(page_url(world, name, args))
    assert response.status_code == 404
    assert world["cluster"].name.encode() not in response.content


@pytest.mark.parametrize("name", ["dashboard", "organization_list", "application_list", "role_list"])
def test_unknown_cluster_answers_404_like_a_foreign_one(client, coordinator, name):
    as_user(client, coordinator)
    assert client.get(reverse(name, args=["no-such-cluster"])).status_code == 404


def test_anonymous_user_is_sent_to_sign_in(client, world):
    response = client.get(reverse("organization_list", args=[world["cluster"].slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# Objects of cluster B requested through cluster A's URLs by A's coordinator.
FOREIGN_PAGES = [
    ("organization_detail", lambda f: [f["school"].pk]),
    ("organization_edit", lambda f: [f["school"].pk]),
    ("organization_status", lambda f: [f["school"].pk]),
    ("rating_create", lambda f: [f["school"].pk]),
    ("person_create", lambda f: [f["school"].pk]),
    ("person_edit", lambda f: [f["person"].pk]),
    ("organization_invite", lambda f: [f["school"].pk]),
    ("organization_role_revoke", lambda f: [f["school"].pk, f["organization_role"].pk]),
    ("application_detail", lambda f: [f["application"].pk]),
    ("role_revoke", lambda f: [f["cluster_role"].pk]),
]


@pytest.mark.parametrize("name,args", FOREIGN_PAGES, ids=[page[0] for page in FOREIGN_PAGES])
def test_coordinator_gets_404_on_objects_of_another_cluster(client, world, foreign, coordinator, name, args):
    as_user(client, coordinator)
    response = client.get(reverse(name, args=[world["cluster"].slug, *args(foreign)]))
    assert response.status_code == 404


def test_coordinator_cannot_change_objects_of_another_cluster_through_own_urls(client, world, foreign, coordinator):
    as_user(client, coordinator)
    slug = world["cluster"].slug
    school, application = foreign["school"], foreign["application"]
    posts = [
        (reverse("organization_edit", args=[slug, school.pk]), {"name": "Taken over", "kind": "school"}),
        (reverse("organization_status", args=[slug, school.pk]), {"to_status": "suspended", "reason": "x"}),
        (reverse("application_approve", args=[slug, application.pk]), {}),
        (reverse("application_reject", args=[slug, application.pk]), {"reason": "no"}),
        (reverse("person_edit", args=[slug, foreign["person"].pk]), {"full_name": "Renamed"}),
        (reverse("role_revoke", args=[slug, foreign["cluster_role"].pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    school.refresh_from_db()
    application.refresh_from_db()
    foreign["person"].refresh_from_db()
    assert school.name == "Samarkand School No. 7" and school.status == Organization.Status.ACTIVE
    assert application.status == MembershipApplication.Status.SUBMITTED
    assert foreign["person"].full_name == "Foreign Teacher"
    other_roles = ClusterRole.objects.for_cluster(foreign["cluster_role"].cluster)
    assert other_roles.filter(pk=foreign["cluster_role"].pk).exists()


def test_outsider_posts_change_nothing(client, world, outsider):
    as_user(client, outsider)
    slug = world["cluster"].slug
    school, application, person = world["school"], world["application"], world["person"]
    posts = [
        (reverse("organization_create", args=[slug]), {"name": "Intruder school", "kind": "school",
                                                       "cluster_role": "member"}),
        (reverse("organization_edit", args=[slug, school.pk]), {"name": "Taken over", "kind": "school"}),
        (reverse("organization_status", args=[slug, school.pk]), {"to_status": "withdrawn", "reason": "x"}),
        (reverse("rating_create", args=[slug, school.pk]), {"period": "2025-01-01", "colour": "red", "score": "1"}),
        (reverse("person_create", args=[slug, school.pk]), {"full_name": "Intruder", "is_active": "on"}),
        (reverse("person_edit", args=[slug, person.pk]), {"full_name": "Renamed", "is_active": "on"}),
        (reverse("application_approve", args=[slug, application.pk]), {}),
        (reverse("application_reject", args=[slug, application.pk]), {"reason": "no"}),
        (reverse("invitation_create", args=[slug]), {"email": "x@example.org", "cluster_role": "coordinator"}),
        (reverse("role_revoke", args=[slug, world["cluster_role"].pk]), {}),
        (reverse("organization_role_revoke", args=[slug, school.pk, world["organization_role"].pk]), {}),
        (reverse("organization_invite", args=[slug, school.pk]), {"email": "x@example.org",
                                                                   "organization_role": "admin"}),
        (reverse("organization_import_confirm", args=[slug]), {"import_id": "x"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    cluster = world["cluster"]
    school.refresh_from_db()
    application.refresh_from_db()
    person.refresh_from_db()
    assert school.name == "School No. 1" and school.status == Organization.Status.ACTIVE
    assert application.status == MembershipApplication.Status.SUBMITTED
    assert person.full_name == "Aziza Rakhimova"
    assert Organization.objects.for_cluster(cluster).count() == 1
    assert Person.objects.for_cluster(cluster).count() == 1
    assert SchoolRating.objects.for_cluster(cluster).count() == 0
    assert Invitation.objects.for_cluster(cluster).count() == 0
    assert ClusterRole.objects.for_cluster(cluster).count() == 3
    assert OrganizationRole.objects.for_cluster(cluster).count() == 1


def test_read_only_roles_posts_are_refused_and_change_nothing(client, world, authority, expert):
    slug = world["cluster"].slug
    school, application = world["school"], world["application"]
    for user in (authority, expert):
        as_user(client, user)
        assert client.post(reverse("organization_edit", args=[slug, school.pk]),
                           {"name": "Changed", "kind": "school"}).status_code == 403
        assert client.post(reverse("application_approve", args=[slug, application.pk]), **HTMX).status_code == 403
        assert client.post(reverse("organization_status", args=[slug, school.pk]),
                           {"to_status": "suspended", "reason": "x"}).status_code == 403
    school.refresh_from_db()
    application.refresh_from_db()
    assert school.name == "School No. 1" and school.status == Organization.Status.ACTIVE
    assert application.status == MembershipApplication.Status.SUBMITTED


def test_org_admin_cannot_edit_another_member_of_the_same_cluster(client, world, org_admin):
    neighbour = OrganizationFactory(cluster=world["cluster"], name="Neighbour school")
    neighbour_person = PersonFactory(organization=neighbour, full_name="Neighbour teacher")
    as_user(client, org_admin)
    slug = world["cluster"].slug
    assert client.post(reverse("organization_edit", args=[slug, neighbour.pk]),
                       {"name": "Mine now"}).status_code == 403
    assert client.post(reverse("person_edit", args=[slug, neighbour_person.pk]),
                       {"full_name": "Renamed", "is_active": "on"}).status_code == 403
    neighbour.refresh_from_db()
    neighbour_person.refresh_from_db()
    assert neighbour.name == "Neighbour school" and neighbour_person.full_name == "Neighbour teacher"


# --- Home, sign-in, navigation ------------------------------------------------------------------

def test_home_sends_anonymous_users_to_sign_in(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_home_goes_straight_to_the_only_cluster(client, cluster, coordinator):
    as_user(client, coordinator)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard", args=[cluster.slug])


def test_home_lists_clusters_and_the_navbar_switches_between_them(client, cluster, other_cluster, coordinator):
    ClusterRoleFactory(cluster=other_cluster, user=coordinator, role="expert")
    as_user(client, coordinator)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    for each in (cluster, other_cluster):
        assert reverse("dashboard", args=[each.slug]) in response.content.decode()
    dashboard = client.get(reverse("dashboard", args=[cluster.slug])).content.decode()
    assert 'id="cluster-switcher"' in dashboard
    assert reverse("dashboard", args=[other_cluster.slug]) in dashboard


def test_user_without_any_role_is_told_how_to_get_one(client, db):
    as_user(client, UserFactory(username="newcomer"))
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"no role in any cluster" in response.content


def test_login_page_signs_in_and_logout_is_a_post(client, cluster, coordinator):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and b'name="username"' in page.content and b"form-control" in page.content
    response = client.post(reverse("login"), {"username": "coord", "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard", args=[cluster.slug])).status_code == 200
    assert client.get(reverse("logout")).status_code == 405
    client.post(reverse("logout"))
    assert client.get(reverse("dashboard", args=[cluster.slug])).status_code == 302


def test_password_reset_emails_a_link_that_sets_a_new_password(client, coordinator):
    response = client.post(reverse("password_reset"), {"email": coordinator.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200 and b'name="new_password1"' in form_page.content
    done = client.post(form_page.redirect_chain[-1][0], {"new_password1": "fresh-pass-phrase-7",
                                                         "new_password2": "fresh-pass-phrase-7"}, follow=True)
    assert b"Your new password is saved" in done.content
    coordinator.refresh_from_db()
    assert coordinator.check_password("fresh-pass-phrase-7")


def test_password_change_page_renders_for_signed_in_users(client, coordinator):
    as_user(client, coordinator)
    response = client.get(reverse("password_change"))
    assert response.status_code == 200 and b'name="new_password1"' in response.content


def test_pages_use_local_assets_and_no_inline_scripts(client, world, coordinator):
    as_user(client, coordinator)
    html = client.get(reverse("organization_list", args=[world["cluster"].slug])).content.decode()
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts and all('src="/static/' in tag for tag in scripts)
    assert "htmx-2.min.js" in html and "bootstrap/css/bootstrap.min.css" in html
    assert "cdn" not in html.lower()
    assert 'name="htmx-config"' in html and 'hx-headers=\'{"X-CSRFToken": "' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert 'action="/i18n/setlang/"' in html


def test_language_switcher_changes_the_language(client, world, coordinator):
    as_user(client, coordinator)
    url = reverse("dashboard", args=[world["cluster"].slug])
    response = client.post(reverse("set_language"), {"language": "ru", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    assert client.cookies["django_language"].value == "ru"


@pytest.mark.parametrize("role,shown,hidden", [
    ("coordinator", ["Members", "Applications", "People", "Roles"], ["My organization"]),
    ("authority", ["Members", "People"], ["Applications", "Roles"]),
    ("expert", ["Members"], ["Applications", "People", "Roles"]),
    ("org_admin", ["My organization", "People"], ["Applications", "Roles", ">Members<"]),
    ("staff", ["Members", "People"], ["My organization", "Applications", "Roles"]),
])
def test_navigation_shows_the_links_of_the_role(client, request, world, role, shown, hidden):
    as_user(client, request.getfixturevalue(role))
    html = client.get(reverse("dashboard", args=[world["cluster"].slug])).content.decode()
    nav = html.split('id="main-nav"')[1].split("</nav>")[0]
    for label in shown:
        assert label in nav, label
    for label in hidden:
        assert label not in nav, label


# --- Dashboard -----------------------------------------------------------------------------------

def test_dashboard_shows_members_by_kind_and_status_ratings_and_the_queue(client, world, coordinator):
    cluster = world["cluster"]
    OrganizationFactory(cluster=cluster, kind="college", status="suspended")
    rated = OrganizationFactory(cluster=cluster)
    services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=rated.pk,
                                  period="2025-01-01", colour="red", score=30)
    as_user(client, coordinator)
    response = client.get(reverse("dashboard", args=[cluster.slug]))
    members = response.context["members"]
    assert members["total"] == 3
    college = next(line for line in members["lines"] if line["kind"] == "college")
    assert {c["status"]: c["count"] for c in college["cells"]}["suspended"] == 1
    assert {r["colour"]: r["count"] for r in response.context["ratings"]}["red"] == 1
    assert response.context["pending_count"] == 1
    assert b"School No. 44" in response.content


def test_dashboard_hides_the_application_queue_from_other_roles(client, world, authority):
    as_user(client, authority)
    response = client.get(reverse("dashboard", args=[world["cluster"].slug]))
    assert "pending_applications" not in response.context
    assert b"School No. 44" not in response.content


# --- Organization list, filters, sorting, exports -------------------------------------------------

def test_organization_list_searches_filters_and_sorts(client, world, coordinator):
    cluster = world["cluster"]
    OrganizationFactory(cluster=cluster, name="Alpha lyceum", kind="college", district="Yunusabad")
    OrganizationFactory(cluster=cluster, name="Zeta school", district="Yunusabad", current_rating="green")
    OrganizationFactory(cluster=cluster, name="Beta enterprise", kind="enterprise", district="Chilanzar",
                        status="suspended")
    as_user(client, coordinator)
    url = reverse("organization_list", args=[cluster.slug])

    def names(**params):
        return [o.name for o in client.get(url, params).context["organizations"]]

    assert names(q="lyceum") == ["Alpha lyceum"]
    assert names(district="Yunusabad") == ["Alpha lyceum", "Zeta school"]
    assert names(kind="enterprise") == ["Beta enterprise"]
    assert names(status="suspended") == ["Beta enterprise"]
    assert names(rating="green") == ["Zeta school"]
    assert names(sort="-name")[0] == "Zeta school"
    assert names(sort="district")[0] == "Beta enterprise"
    assert names(kind="not-a-kind") == names()  # an unknown value is ignored and reported
    assert names(q="no such thing") == []


def test_organization_list_paginates_by_25_and_keeps_filters_in_page_links(client, world, coordinator):
    cluster = world["cluster"]
    OrganizationFactory.create_batch(30, cluster=cluster, district="Sergeli")
    as_user(client, coordinator)
    url = reverse("organization_list", args=[cluster.slug])
    first = client.get(url, {"district": "Sergeli"})
    assert len(first.context["organizations"]) == 25
    assert "?district=Sergeli&amp;page=2" in first.content.decode()
    second = client.get(url, {"district": "Sergeli", "page": 2})
    assert len(second.context["organizations"]) == 5
    assert client.get(url, {"page": "999"}).status_code == 200


def test_organization_list_shows_an_empty_state(client, cluster, coordinator):
    as_user(client, coordinator)
    response = client.get(reverse("organization_list", args=[cluster.slug]))
    assert b"The cluster has no members yet." in response.content
    filtered = client.get(reverse("organization_list", args=[cluster.slug]), {"q": "zzz"})
    assert b"No member matches these filters." in filtered.content


def test_organization_list_answers_htmx_search_with_the_results_partial(client, world, coordinator):
    as_user(client, coordinator)
    response = client.get(reverse("organization_list", args=[world["cluster"].slug]), {"q": "School No. 1"},
                          HTTP_HX_TARGET="organization-results", **HTMX)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert "School No. 1" in html and 'id="results-announcement" hx-swap-oob="innerHTML"' in html


def test_export_csv_contains_only_the_filtered_members_of_the_cluster(client, world, foreign, coordinator):
    cluster = world["cluster"]
    OrganizationFactory(cluster=cluster, name="=HYPERLINK(\"x\")", district="Yunusabad")
    OrganizationFactory(cluster=cluster, name="Outside the filter", district="Chilanzar")
    as_user(client, coordinator)
    response = client.get(reverse("organization_export_csv", args=[cluster.slug]), {"district": "Yunusabad"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert re.fullmatch(r'attachment; filename="organizations-tashkent-test-\d{4}-\d{2}-\d{2}\.csv"',
                        response["Content-Disposition"])
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["name", "short_name", "kind"]
    assert [row[0] for row in rows[1:]] == ["'=HYPERLINK(\"x\")"]  # formula neutralised


def test_export_xlsx_contains_the_filtered_members(client, world, coordinator, authority):
    cluster = world["cluster"]
    OrganizationFactory(cluster=cluster, name="Exported college", kind="college")
    as_user(client, authority)
    response = client.get(reverse("organization_export_xlsx", args=[cluster.slug]), {"kind": "college"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "name"
    assert [row[0] for row in rows[1:]] == ["Exported college"]


def test_export_links_carry_the_current_filters(client, world, coordinator):
    as_user(client, coordinator)
    html = client.get(reverse("organization_list", args=[world["cluster"].slug]),
                      {"district": "Chirchik", "page": 1}).content.decode()
    assert "export.csv?district=Chirchik\"" in html and "export.xlsx?district=Chirchik\"" in html


# --- Organization pages ---------------------------------------------------------------------------

def test_organization_detail_shows_people_roles_ratings_newest_first_and_status_history(
        client, world, coordinator, django_capture_on_commit_callbacks):
    cluster, school = world["cluster"], world["school"]
    for period, colour in [("2024-01-01", "red"), ("2025-01-01", "green"), ("2024-06-01", "yellow")]:
        services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                      period=period, colour=colour, score=50)
    services.organization_suspend(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                  reason="Missed two network meetings")
    as_user(client, coordinator)
    response = client.get(reverse("organization_detail", args=[cluster.slug, school.pk]))
    html = response.content.decode()
    assert "Aziza Rakhimova" in html and "schooladmin" in html
    assert html.index("January 2025") < html.index("June 2024") < html.index("January 2024")
    assert "Missed two network meetings" in html


def test_coordinator_creates_an_organization(client, cluster, coordinator):
    as_user(client, coordinator)
    response = client.post(reverse("organization_create", args=[cluster.slug]), {
        "name": "School No. 12", "kind": "school", "cluster_role": "member", "tax_id": "123456789",
        "district": "Yakkasaray", "website": "school12.uz",
    })
    organization = Organization.objects.for_cluster(cluster).get(name="School No. 12")
    assert response.status_code == 302
    assert response["Location"] == reverse("organization_detail", args=[cluster.slug, organization.pk])
    assert organization.status == Organization.Status.ACTIVE and organization.website == "https://school12.uz"


def test_invalid_organization_form_shows_the_error_beside_the_field_and_saves_nothing(client, cluster,
                                                                                         coordinator):
    as_user(client, coordinator)
    response = client.post(reverse("organization_create", args=[cluster.slug]), {
        "name": "Bad tax id school", "kind": "school", "cluster_role": "member", "tax_id": "12ab",
    })
    assert response.status_code == 422
    html = response.content.decode()
    error_block = re.search(r'<div id="id_tax_id_error"[^>]*>(.*?)</div>', html, re.S)
    assert error_block and "9 digits" in error_block.group(1)
    assert 'aria-describedby="id_tax_id_error"' in html and "is-invalid" in html
    assert Organization.objects.for_cluster(cluster).count() == 0


def test_service_errors_on_a_form_field_are_shown_beside_it(client, world, coordinator):
    as_user(client, coordinator)
    response = client.post(reverse("organization_create", args=[world["cluster"].slug]), {
        "name": "Duplicate", "kind": "school", "cluster_role": "member", "tax_id": world["school"].tax_id,
    })
    assert response.status_code == 422
    assert "already in the cluster" in response.context["form"].errors["tax_id"][0]
    assert Organization.objects.for_cluster(world["cluster"]).count() == 1


def test_service_errors_without_a_form_field_are_shown_above_the_form(client, world, coordinator):
    college = OrganizationFactory(cluster=world["cluster"], kind="college")
    as_user(client, coordinator)
    response = client.post(reverse("rating_create", args=[world["cluster"].slug, college.pk]),
                           {"period": "2025-01-01", "colour": "green", "score": "90"})
    assert response.status_code == 422
    assert "schools only" in str(response.context["form"].non_field_errors())
    assert b"schools only" in response.content
    assert SchoolRating.objects.for_cluster(world["cluster"]).count() == 0


def _form_fields(service_fields) -> set[str]:
    """The service's fields as the form offers them: the name in other languages one input a language."""
    return set(service_fields) - {"name_translations"} | {"name_en", "name_ru", "name_uz"}


def test_org_admin_edits_only_profile_fields_of_own_organization(client, world, org_admin):
    school = world["school"]
    as_user(client, org_admin)
    url = reverse("organization_edit", args=[world["cluster"].slug, school.pk])
    form = client.get(url).context["form"]
    assert set(form.fields) == _form_fields(services.PROFILE_FIELDS)
    response = client.post(url, {"name": "School No. 1 named after Navoi", "district": "Chirchik",
                                 "kind": "university", "cluster_role": "centre"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.name == "School No. 1 named after Navoi"
    assert school.kind == "school" and school.cluster_role == "member"


def test_coordinator_form_has_coordinator_fields(client, world, coordinator):
    as_user(client, coordinator)
    form = client.get(reverse("organization_edit", args=[world["cluster"].slug, world["school"].pk])).context["form"]
    assert set(form.fields) == _form_fields(services.COORDINATOR_FIELDS)


def test_status_page_explains_first_and_only_a_post_changes_the_status(client, world, coordinator):
    school = world["school"]
    as_user(client, coordinator)
    url = reverse("organization_status", args=[world["cluster"].slug, school.pk])
    choose = client.get(url)
    assert [a["status"] for a in choose.context["actions"]] == ["suspended", "withdrawn"]
    confirm = client.get(url, {"to": "suspended"})
    assert b"Its administrators keep" in confirm.content
    school.refresh_from_db()
    assert school.status == Organization.Status.ACTIVE
    missing_reason = client.post(url, {"to_status": "suspended", "reason": ""})
    assert missing_reason.status_code == 422 and "reason" in missing_reason.context["form"].errors
    response = client.post(url, {"to_status": "suspended", "reason": "No report for 2024"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert school.status == Organization.Status.SUSPENDED and school.status_reason == "No report for 2024"
    change = MembershipStatusChange.objects.for_cluster(world["cluster"]).get(organization=school)
    assert change.actor == coordinator and change.to_status == "suspended"


def test_status_page_refuses_a_move_that_is_not_offered(client, world, coordinator):
    as_user(client, coordinator)
    url = reverse("organization_status", args=[world["cluster"].slug, world["school"].pk])
    response = client.post(url, {"to_status": "active", "reason": "x"})
    assert response.status_code == 422
    world["school"].refresh_from_db()
    assert world["school"].status == Organization.Status.ACTIVE


def test_coordinator_records_a_school_rating(client, world, coordinator):
    as_user(client, coordinator)
    url = reverse("rating_create", args=[world["cluster"].slug, world["school"].pk])
    response = client.post(url, {"period": "2025-03-01", "colour": "yellow", "score": "61.5", "note": "Q1"})
    assert response.status_code == 302
    world["school"].refresh_from_db()
    assert world["school"].current_rating == "yellow"
    duplicate = client.post(url, {"period": "2025-03-01", "colour": "green", "score": "70"})
    assert duplicate.status_code == 422
    assert "already has a rating" in str(duplicate.context["form"].errors["period"])
    assert SchoolRating.objects.for_cluster(world["cluster"]).count() == 1


# --- People ---------------------------------------------------------------------------------------

def test_org_admin_adds_and_edits_staff_of_own_organization(client, world, org_admin):
    slug, school = world["cluster"].slug, world["school"]
    as_user(client, org_admin)
    response = client.post(reverse("person_create", args=[slug, school.pk]), {
        "full_name": "Bekzod Tursunov", "position": "Teacher", "subject": "Physics", "is_active": "on",
    })
    assert response.status_code == 302
    person = Person.objects.for_cluster(world["cluster"]).get(full_name="Bekzod Tursunov")
    assert person.organization == school
    client.post(reverse("person_edit", args=[slug, person.pk]), {"full_name": "Bekzod Tursunov",
                                                                  "subject": "Astronomy", "is_active": "on"})
    person.refresh_from_db()
    assert person.subject == "Astronomy"
    invalid = client.post(reverse("person_edit", args=[slug, person.pk]), {"full_name": "", "email": "not-mail"})
    assert invalid.status_code == 422 and {"full_name", "email"} <= set(invalid.context["form"].errors)


def test_people_list_searches_and_org_admins_see_only_their_organizations(client, world, coordinator,
                                                                         org_admin):
    other = OrganizationFactory(cluster=world["cluster"], name="Other school")
    PersonFactory(organization=other, full_name="Other teacher", subject="Chemistry")
    url = reverse("person_list", args=[world["cluster"].slug])
    as_user(client, coordinator)
    assert {i["person"].full_name for i in client.get(url).context["people"]} == {"Aziza Rakhimova", "Other teacher"}
    assert [i["person"].full_name for i in client.get(url, {"q": "chem"}).context["people"]] == ["Other teacher"]
    as_user(client, org_admin)
    people = client.get(url).context["people"]
    assert [i["person"].full_name for i in people] == ["Aziza Rakhimova"] and people[0]["can_edit"]


def _people_seen(client, world):
    """The names on the People page and on the school's and another member's pages."""
    cluster = world["cluster"]
    listed = client.get(reverse("person_list", args=[cluster.slug]))
    on_page = {}
    for key in ("school", "other"):
        html = client.get(reverse("organization_detail", args=[cluster.slug, world[key].pk])).content.decode()
        on_page[key] = {name for name in ("Aziza Rakhimova", "Other teacher") if name in html}
    names = {i["person"].full_name for i in listed.context["people"]} if listed.status_code == 200 else None
    return listed.status_code, names, on_page


@pytest.fixture
def other_member(world):
    other = OrganizationFactory(cluster=world["cluster"], name="Other school")
    PersonFactory(organization=other, full_name="Other teacher")
    return {**world, "other": other}


def test_expert_sees_no_people_anywhere(client, other_member, expert):
    as_user(client, expert)
    status, names, on_page = _people_seen(client, other_member)
    assert status == 403 and names is None
    assert on_page == {"school": set(), "other": set()}
    html = client.get(reverse("organization_detail", args=[other_member["cluster"].slug,
                                                           other_member["school"].pk])).content.decode()
    assert 'id="people-heading"' not in html and 'id="roles-heading"' not in html
    assert "schooladmin" not in html  # nor who has an account


def test_staff_see_their_own_colleagues_but_not_another_members(client, other_member, staff):
    as_user(client, staff)
    status, names, on_page = _people_seen(client, other_member)
    assert status == 200 and names == {"Aziza Rakhimova"}
    assert on_page == {"school": {"Aziza Rakhimova"}, "other": set()}


def test_authority_sees_everyones_people(client, other_member, authority):
    as_user(client, authority)
    status, names, on_page = _people_seen(client, other_member)
    assert status == 200 and names == {"Aziza Rakhimova", "Other teacher"}
    assert on_page == {"school": {"Aziza Rakhimova"}, "other": {"Other teacher"}}


def test_organization_page_does_not_load_people_it_may_not_show(client, world, expert, org_admin):
    url = reverse("organization_detail", args=[world["cluster"].slug, world["school"].pk])
    as_user(client, org_admin)
    with CaptureQueriesContext(connection) as shown:
        client.get(url)
    as_user(client, expert)
    with CaptureQueriesContext(connection) as hidden:
        client.get(url)
    # The people and the accounts are two prefetch queries the expert's page skips (and the
    # agreements section: an expert reads no agreement, so that query is not even run).
    assert len(hidden.captured_queries) == len(shown.captured_queries) - 3
    assert not any('FROM "members_person"' in q["sql"] for q in hidden.captured_queries)


# --- Applications ----------------------------------------------------------------------------------

def test_htmx_approve_returns_the_replaced_row(client, world, coordinator, django_capture_on_commit_callbacks):
    application = world["application"]
    as_user(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_approve", args=[world["cluster"].slug, application.pk]),
                               **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    # The new row takes the focus of the button it replaced (htmx focuses [autofocus]).
    assert html.startswith(f'<tr id="application-{application.pk}" tabindex="-1" autofocus>') and "<html" not in html
    assert "Open the member" in html and 'hx-swap-oob="innerHTML"' in html
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.APPROVED
    assert application.organization.name == "School No. 44"
    assert len(mail.outbox) == 1  # the contact is invited as the new member's admin


def test_approve_without_javascript_redirects_back_to_the_queue(client, world, coordinator):
    as_user(client, coordinator)
    slug = world["cluster"].slug
    response = client.post(reverse("application_approve", args=[slug, world["application"].pk]),
                           {"next": reverse("application_list", args=[slug]) + "?status=submitted"})
    assert response.status_code == 302
    assert response["Location"] == reverse("application_list", args=[slug]) + "?status=submitted"
    second = ApplicationFactory(cluster=world["cluster"])
    unsafe = client.post(reverse("application_approve", args=[slug, second.pk]), {"next": "https://evil.example/"})
    assert unsafe["Location"] == reverse("application_list", args=[slug])


def test_approve_and_reject_refuse_get(client, world, coordinator):
    as_user(client, coordinator)
    slug = world["cluster"].slug
    for name in ("application_approve", "application_reject"):
        assert client.get(reverse(name, args=[slug, world["application"].pk])).status_code == 405
    world["application"].refresh_from_db()
    assert world["application"].status == MembershipApplication.Status.SUBMITTED


def test_htmx_reject_needs_a_reason(client, world, coordinator, django_capture_on_commit_callbacks):
    application = world["application"]
    as_user(client, coordinator)
    url = reverse("application_reject", args=[world["cluster"].slug, application.pk])
    refused = client.post(url, {"reason": " "}, **HTMX)
    assert refused.status_code == 422 and b"Give the reason" in refused.content
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.SUBMITTED
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "Not in the region"}, **HTMX)
    assert response.status_code == 200 and b"Not in the region" in response.content
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.REJECTED
    assert mail.outbox[-1].to == [application.contact_email]


def test_deciding_twice_shows_the_error_instead_of_changing_anything(client, world, coordinator):
    application = world["application"]
    as_user(client, coordinator)
    slug = world["cluster"].slug
    client.post(reverse("application_reject", args=[slug, application.pk]), {"reason": "Duplicate"})
    response = client.post(reverse("application_approve", args=[slug, application.pk]))
    assert response.status_code == 422 and b"already decided" in response.content
    application.refresh_from_db()
    assert application.status == MembershipApplication.Status.REJECTED


def test_application_queue_filters_by_status_submitted_by_default(client, world, coordinator):
    cluster = world["cluster"]
    ApplicationFactory(cluster=cluster, organization_name="Rejected one", status="rejected")
    as_user(client, coordinator)
    url = reverse("application_list", args=[cluster.slug])
    assert [a.organization_name for a in client.get(url).context["applications"]] == ["School No. 44"]
    assert [a.organization_name for a in client.get(url, {"status": "rejected"}).context["applications"]] == [
        "Rejected one"]
    assert len(client.get(url, {"status": "all"}).context["applications"]) == 2


# --- Public application form -----------------------------------------------------------------------

APPLICATION = {
    "organization_name": "Lyceum No. 3", "kind": "college", "tax_id": "300000003", "district": "Bektemir",
    "contact_name": "Malika Yusupova", "contact_email": "malika@lyceum3.example.org",
}


def test_anonymous_visitor_applies_and_sees_the_reference(client, cluster):
    url = reverse("application_apply", args=[cluster.slug])
    assert client.get(url).status_code == 200
    response = client.post(url, APPLICATION)
    assert response.status_code == 200
    application = MembershipApplication.objects.for_cluster(cluster).get()
    assert application.reference in response.content.decode()
    assert application.organization_name == "Lyceum No. 3"


def test_invalid_application_saves_nothing(client, cluster, school):
    url = reverse("application_apply", args=[cluster.slug])
    response = client.post(url, {**APPLICATION, "contact_email": "not-an-email", "tax_id": "12"})
    assert response.status_code == 422
    assert {"contact_email", "tax_id"} <= set(response.context["form"].errors)
    duplicate = client.post(url, {**APPLICATION, "tax_id": school.tax_id})
    assert duplicate.status_code == 422 and "already in the cluster" in duplicate.context["form"].errors["tax_id"][0]
    assert MembershipApplication.objects.for_cluster(cluster).count() == 0


def test_application_rate_limit_kicks_in(client, cluster, settings):
    settings.APPLICATION_RATE_LIMIT = 2
    url = reverse("application_apply", args=[cluster.slug])
    for number in range(2):
        assert client.post(url, {**APPLICATION, "tax_id": f"40000000{number}"}).status_code == 200
    response = client.post(url, {**APPLICATION, "tax_id": "400000009"})
    assert response.status_code == 429
    assert b"Too many applications" in response.content
    assert MembershipApplication.objects.for_cluster(cluster).count() == 2


def test_apply_page_is_404_for_unknown_or_inactive_clusters(client, db):
    inactive = ClusterFactory(is_active=False)
    assert client.get(reverse("application_apply", args=[inactive.slug])).status_code == 404
    assert client.get(reverse("application_apply", args=["nowhere"])).status_code == 404


# --- Invitations ------------------------------------------------------------------------------------

def _invite(cluster, actor, capture, **kwargs) -> str:
    with capture(execute=True):
        services.invitation_send(cluster=cluster, actor=actor, **kwargs)
    return re.search(r"/invitations/([^/\s]+)/", mail.outbox[-1].body).group(1)


def test_invitation_creates_the_account_signs_in_and_opens_the_dashboard(
        client, cluster, coordinator, django_capture_on_commit_callbacks):
    token = _invite(cluster, coordinator, django_capture_on_commit_callbacks, email="new@example.org",
                    cluster_role="expert")
    url = reverse("invitation_accept", args=[token])
    assert cluster.name.encode() in client.get(url).content
    response = client.post(url, {"username": "newexpert", "password": "a-long-pass-phrase",
                                 "password_confirm": "a-long-pass-phrase"})
    assert response.status_code == 302 and response["Location"] == reverse("dashboard", args=[cluster.slug])
    assert client.get(response["Location"]).status_code == 200
    assert ClusterRole.objects.for_cluster(cluster).filter(user__username="newexpert", role="expert").exists()
    assert client.get(url).status_code == 404  # used once


def test_invitation_form_errors_create_no_account(client, cluster, coordinator, django_capture_on_commit_callbacks):
    token = _invite(cluster, coordinator, django_capture_on_commit_callbacks, email="new@example.org",
                    cluster_role="expert")
    url = reverse("invitation_accept", args=[token])
    mismatch = client.post(url, {"username": "newexpert", "password": "a-long-pass-phrase",
                                 "password_confirm": "another-pass-phrase"})
    assert mismatch.status_code == 422 and "password_confirm" in mismatch.context["form"].errors
    weak = client.post(url, {"username": "newexpert", "password": "123", "password_confirm": "123"})
    assert weak.status_code == 422 and "password" in weak.context["form"].errors
    taken = client.post(url, {"username": "coord", "password": "a-long-pass-phrase",
                              "password_confirm": "a-long-pass-phrase"})
    assert taken.status_code == 422 and "username" in taken.context["form"].errors
    assert not ClusterRole.objects.for_cluster(cluster).filter(role="expert").exists()


def test_signed_in_user_accepts_an_invitation_for_the_own_account(
        client, cluster, other_cluster, coordinator, outsider, django_capture_on_commit_callbacks):
    token = _invite(cluster, coordinator, django_capture_on_commit_callbacks, email=outsider.email,
                    cluster_role="authority")
    as_user(client, outsider)
    assert b"Accept as outsider" in client.get(reverse("invitation_accept", args=[token])).content
    response = client.post(reverse("invitation_accept", args=[token]), {"as_current_user": "1"})
    assert response.status_code == 302
    assert client.get(reverse("dashboard", args=[cluster.slug])).status_code == 200


def test_unknown_invitation_token_shows_a_clear_page(client, db):
    response = client.get(reverse("invitation_accept", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert b"This invitation link is not valid" in response.content


# --- Roles and invitations pages ---------------------------------------------------------------------

def test_coordinator_invites_from_the_roles_page(client, world, coordinator, django_capture_on_commit_callbacks):
    as_user(client, coordinator)
    url = reverse("invitation_create", args=[world["cluster"].slug])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "Head@School1.example.org", "organization": world["school"].pk,
                                     "organization_role": "admin"})
    assert response.status_code == 302
    invitation = Invitation.objects.for_cluster(world["cluster"]).get()
    assert invitation.email == "head@school1.example.org" and invitation.organization == world["school"]
    assert mail.outbox[-1].to == ["head@school1.example.org"]
    roles_page = client.get(reverse("role_list", args=[world["cluster"].slug])).content.decode()
    assert "head@school1.example.org" in roles_page
    empty = client.post(url, {"email": "x@example.org"})
    assert empty.status_code == 422 and "cluster_role" in empty.context["form"].errors


def test_invitation_form_offers_only_organizations_of_the_cluster(client, world, foreign, coordinator):
    as_user(client, coordinator)
    response = client.post(reverse("invitation_create", args=[world["cluster"].slug]), {
        "email": "x@example.org", "organization": foreign["school"].pk, "organization_role": "admin"})
    assert response.status_code == 422 and "organization" in response.context["form"].errors
    assert Invitation.objects.for_cluster(world["cluster"]).count() == 0


def test_org_admin_invites_staff_to_own_organization(client, world, org_admin, django_capture_on_commit_callbacks):
    as_user(client, org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("organization_invite", args=[world["cluster"].slug, world["school"].pk]), {
            "email": "aziza@example.org", "organization_role": "staff", "person": world["person"].pk})
    assert response.status_code == 302
    invitation = Invitation.objects.for_cluster(world["cluster"]).get()
    assert (invitation.organization, invitation.organization_role, invitation.person) == (
        world["school"], "staff", world["person"])


def test_the_invitation_forms_offer_its_language_the_clusters_first_by_default(client, world, coordinator):
    cluster = world["cluster"]
    assert cluster.languages[0] == "uz"
    as_user(client, coordinator)
    for url in (reverse("role_list", args=[cluster.slug]),
                reverse("organization_invite", args=[cluster.slug, world["school"].pk])):
        form = client.get(url).context["form"]
        assert form["language"].value() == "uz"
        assert [code for code, _name in form.fields["language"].choices] == ["en", "ru", "uz", "uz-cyrl"]


def test_without_cluster_languages_the_invitation_is_in_the_inviters_language(client, world, coordinator):
    cluster = world["cluster"]
    cluster.languages = []
    cluster.save(update_fields=["languages"])
    as_user(client, coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    assert client.get(reverse("role_list", args=[cluster.slug])).context["form"]["language"].value() == "ru"


def test_the_invitation_is_sent_in_the_language_chosen_on_the_form(
        client, world, coordinator, org_admin, django_capture_on_commit_callbacks):
    cluster = world["cluster"]
    as_user(client, coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation_create", args=[cluster.slug]), {
            "email": "head@school1.example.org", "organization": world["school"].pk, "organization_role": "admin",
            "language": "ru"})
    assert response.status_code == 302
    assert "Перейдите по этой ссылке" in mail.outbox[-1].body  # "Open this link" in Russian
    as_user(client, org_admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("organization_invite", args=[cluster.slug, world["school"].pk]), {
            "email": "aziza@example.org", "organization_role": "staff", "language": "uz-cyrl"})
    assert dict(Invitation.objects.for_cluster(cluster).values_list("email", "language")) == {
        "head@school1.example.org": "ru", "aziza@example.org": "uz-cyrl"}
    refused = client.post(reverse("organization_invite", args=[cluster.slug, world["school"].pk]), {
        "email": "x@example.org", "organization_role": "staff", "language": "de"})
    assert refused.status_code == 422 and "language" in refused.context["form"].errors
    assert Invitation.objects.for_cluster(cluster).count() == 2


def test_revoking_a_cluster_role_asks_first_and_keeps_the_last_coordinator(client, world, coordinator):
    cluster = world["cluster"]
    as_user(client, coordinator)
    url = reverse("role_revoke", args=[cluster.slug, world["cluster_role"].pk])
    assert b"will no longer be" in client.get(url).content
    assert ClusterRole.objects.for_cluster(cluster).filter(pk=world["cluster_role"].pk).exists()
    assert client.post(url).status_code == 302
    assert not ClusterRole.objects.for_cluster(cluster).filter(pk=world["cluster_role"].pk).exists()
    own = ClusterRole.objects.for_cluster(cluster).get(user=coordinator)
    refused = client.post(reverse("role_revoke", args=[cluster.slug, own.pk]))
    assert refused.status_code == 422 and b"at least one coordinator" in refused.content
    assert ClusterRole.objects.for_cluster(cluster).filter(pk=own.pk).exists()


def test_coordinator_removes_an_organization_role(client, world, coordinator):
    as_user(client, coordinator)
    grant = world["organization_role"]
    response = client.post(reverse("organization_role_revoke", args=[world["cluster"].slug, world["school"].pk,
                                                                     grant.pk]))
    assert response.status_code == 302
    assert not OrganizationRole.objects.for_cluster(world["cluster"]).filter(pk=grant.pk).exists()


def test_organization_role_of_another_organization_is_not_found_through_this_one(client, world, coordinator):
    other = OrganizationFactory(cluster=world["cluster"])
    as_user(client, coordinator)
    url = reverse("organization_role_revoke", args=[world["cluster"].slug, other.pk, world["organization_role"].pk])
    assert client.post(url).status_code == 404
    assert OrganizationRole.objects.for_cluster(world["cluster"]).filter(pk=world["organization_role"].pk).exists()


# --- Import ----------------------------------------------------------------------------------------

def _csv_upload(text: str, name: str = "members.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _xlsx_upload(rows):
    from django.core.files.uploadedfile import SimpleUploadedFile

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("members.xlsx", buffer.getvalue(),
                              content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def test_import_preview_lists_every_bad_row_and_saves_nothing(client, world, coordinator):
    as_user(client, coordinator)
    text = (
        "name,kind,tax_id,district\n"
        "Good school,school,500000001,Chirchik\n"
        ",school,500000002,Chirchik\n"
        "Bad kind,spaceport,500000003,Chirchik\n"
        f"Duplicate,school,{world['school'].tax_id},Chirchik\n"
    )
    response = client.post(reverse("organization_import", args=[world["cluster"].slug]), {"file": _csv_upload(text)})
    assert response.status_code == 422
    errors = {(e["row"], e["field"]) for e in response.context["row_errors"]}
    assert errors == {(3, "name"), (4, "kind"), (5, "tax_id")}
    html = response.content.decode()
    assert "Nothing was imported" in html and "<code>kind</code>" in html
    assert "organization_import_confirm" not in html and "import_id" not in html
    assert Organization.objects.for_cluster(world["cluster"]).count() == 1


def test_import_of_a_good_csv_is_saved_only_after_confirmation(client, world, coordinator):
    cluster = world["cluster"]
    as_user(client, coordinator)
    text = "name;kind;tax_id;cluster_role\nSchool No. 70;School;500000070;member\nCollege 5;college;500000005;\n"
    preview = client.post(reverse("organization_import", args=[cluster.slug]), {"file": _csv_upload(text)})
    assert preview.status_code == 200
    assert b"Import 2 organizations" in preview.content
    assert Organization.objects.for_cluster(cluster).count() == 1
    response = client.post(reverse("organization_import_confirm", args=[cluster.slug]),
                           {"import_id": preview.context["import_id"]})
    assert response.status_code == 302
    names = set(Organization.objects.for_cluster(cluster).values_list("name", flat=True))
    assert {"School No. 70", "College 5"} <= names
    again = client.post(reverse("organization_import_confirm", args=[cluster.slug]),
                        {"import_id": preview.context["import_id"]})
    assert again.status_code == 302 and Organization.objects.for_cluster(cluster).count() == 3


def test_import_of_a_good_xlsx_is_saved_after_confirmation(client, world, coordinator):
    cluster = world["cluster"]
    as_user(client, coordinator)
    upload = _xlsx_upload([["Name", "Kind", "District"], ["Enterprise One", "enterprise", "Sergeli"]])
    preview = client.post(reverse("organization_import", args=[cluster.slug]), {"file": upload})
    assert preview.status_code == 200 and b"Import 1 organization" in preview.content
    client.post(reverse("organization_import_confirm", args=[cluster.slug]),
                {"import_id": preview.context["import_id"]})
    assert Organization.objects.for_cluster(cluster).filter(name="Enterprise One", kind="enterprise").exists()


def test_import_refuses_a_binary_file_that_is_neither_csv_nor_xlsx(client, world, coordinator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    as_user(client, coordinator)
    png = SimpleUploadedFile("members.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", content_type="text/csv")
    response = client.post(reverse("organization_import", args=[world["cluster"].slug]), {"file": png})
    assert response.status_code == 422
    assert "neither an XLSX workbook nor a UTF-8 CSV" in response.context["form"].errors["file"][0]
    assert Organization.objects.for_cluster(world["cluster"]).count() == 1


def test_import_confirmation_without_a_matching_preview_saves_nothing(client, world, coordinator):
    as_user(client, coordinator)
    response = client.post(reverse("organization_import_confirm", args=[world["cluster"].slug]),
                           {"import_id": "forged"})
    assert response.status_code == 302
    assert response["Location"] == reverse("organization_import", args=[world["cluster"].slug])
    assert Organization.objects.for_cluster(world["cluster"]).count() == 1


# --- Query counts: list pages do not issue more queries as rows grow -----------------------------

def _add_organizations(cluster, count):
    for number in range(count):
        organization = OrganizationFactory(cluster=cluster, kind=["school", "college", "university"][number % 3],
                                           district=f"District {number % 4}", current_rating="red")
        PersonFactory(organization=organization, user=UserFactory())


def _add_applications(cluster, count, decided_by):
    for number in range(count):
        ApplicationFactory(cluster=cluster)
        ApplicationFactory(cluster=cluster, status="rejected", decided_by=decided_by, rejection_reason="Late")


def _add_roles(cluster, count, actor, capture):
    for number in range(count):
        ClusterRoleFactory(cluster=cluster, role="expert")
        organization = OrganizationFactory(cluster=cluster)
        with capture():
            services.invitation_send(cluster=cluster, actor=actor, email=f"invitee{number}@example.org",
                                     organization_id=organization.pk, organization_role="staff")


# The bounds are the counts measured with 5 rows: session, user, cluster, roles (2), the
# navbar's cluster switcher, then the page's own queries (count, page, filter choices...);
# the dashboard's two more are the coordinator's expiring agreements and their parties.
LIST_PAGES = [
    # url name, rows to add, query bound, extra query parameters
    ("organization_list", lambda w, n, c: _add_organizations(w["cluster"], n), 9, {}),
    ("organization_list", lambda w, n, c: _add_organizations(w["cluster"], n), 9, {"status": "active",
                                                                                  "sort": "-district"}),
    ("person_list", lambda w, n, c: _add_organizations(w["cluster"], n), 8, {}),
    ("application_list", lambda w, n, c: _add_applications(w["cluster"], n, w["coordinator"]), 8,
     {"status": "all"}),
    ("role_list", lambda w, n, c: _add_roles(w["cluster"], n, w["coordinator"], c), 10, {}),
    ("dashboard", lambda w, n, c: (_add_organizations(w["cluster"], n),
                                   _add_applications(w["cluster"], n, w["coordinator"])), 12, {}),
]


@pytest.mark.parametrize("name,add_rows,bound,params", LIST_PAGES, ids=[
    "organizations", "organizations-filtered", "people", "applications", "roles", "dashboard"])
def test_list_page_query_count_does_not_grow_with_rows(client, world, coordinator, name, add_rows, bound, params,
                                                       django_assert_max_num_queries,
                                                       django_capture_on_commit_callbacks):
    world = {**world, "coordinator": coordinator}
    as_user(client, coordinator)
    url = reverse(name, args=[world["cluster"].slug])
    add_rows(world, 5, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(bound):
        assert client.get(url, params).status_code == 200
    add_rows(world, 30, django_capture_on_commit_callbacks)
    with django_assert_max_num_queries(bound):
        response = client.get(url, params)
    assert response.status_code == 200


def test_organization_page_query_count_does_not_grow_with_people_and_ratings(
        client, world, coordinator, django_assert_max_num_queries):
    cluster, school = world["cluster"], world["school"]
    url = reverse("organization_detail", args=[cluster.slug, school.pk])
    as_user(client, coordinator)

    def add(count, start):
        for number in range(start, start + count):
            PersonFactory(organization=school, user=UserFactory())
            services.school_rating_record(cluster=cluster, actor=coordinator, organization_id=school.pk,
                                          period=f"{2000 + number}-01-01", colour="green", score=80)

    # 11, plus the agreements section: the agreements and their parties.
    add(5, 0)
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200
    add(30, 5)
    with django_assert_max_num_queries(13):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["organization_export_csv", "organization_export_xlsx"])
def test_export_query_count_does_not_grow_with_rows(client, world, coordinator, name,
                                                    django_assert_max_num_queries):
    url = reverse(name, args=[world["cluster"].slug])
    as_user(client, coordinator)
    _add_organizations(world["cluster"], 5)
    # session, user, cluster, roles (2), district choices, the rows
    with django_assert_max_num_queries(7):
        assert client.get(url).status_code == 200
    _add_organizations(world["cluster"], 35)
    with django_assert_max_num_queries(7):
        response = client.get(url, {"sort": "-district"})
    assert response.status_code == 200


def test_people_list_seen_by_an_organization_admin_query_count_does_not_grow(
        client, world, org_admin, django_assert_max_num_queries):
    cluster, school = world["cluster"], world["school"]
    url = reverse("person_list", args=[cluster.slug])
    as_user(client, org_admin)

    def add(count):
        for _number in range(count):
            PersonFactory(organization=school, user=UserFactory())
        _add_organizations(cluster, count)  # people the admin does not see

    add(5)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert len(response.context["people"]) == 6
    add(30)
    with django_assert_max_num_queries(8):
        response = client.get(url)
    assert len(response.context["people"]) == 25  # one page of its own school's 36


def test_navigation_of_an_admin_of_several_organizations_costs_one_query(
        client, world, org_admin, django_assert_max_num_queries):
    cluster = world["cluster"]
    url = reverse("dashboard", args=[cluster.slug])
    as_user(client, org_admin)

    def administer(count):
        for _number in range(count):
            OrganizationRoleFactory(organization=OrganizationFactory(cluster=cluster), user=org_admin, role="admin")

    administer(2)
    # session, user, cluster, roles (2), the switcher's clusters, the dashboard's two
    # queries, and one for the "My organizations" menu however many it lists.
    with django_assert_max_num_queries(9):
        html = client.get(url).content.decode()
    assert "My organizations" in html
    administer(20)
    with django_assert_max_num_queries(9):
        html = client.get(url).content.decode()
    menu = html.split('aria-labelledby="my-organizations"')[1].split("</div>")[0]
    assert menu.count('class="dropdown-item"') == 23
