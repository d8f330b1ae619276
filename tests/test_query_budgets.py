"""Queries per page: the same with ten rows as with a hundred, and at most BUDGET on any page.

Every GET route under /c/<slug>/ and /api/v1/c/<slug>/ (tests/test_isolation.py enumerates
them from the URL configuration) is called at two densities by a coordinator, an organization
admin and an expert, in the browser with a session and in the API with a token. The lists hold
the rows of the synthetic data set (cluster_platform.scale) at a sparse and a dense scale; the
pages of one object show an object made here (`build_samples`) with 8 or 60 rows under it.
Each route that answers as it should at both densities must run the same number of statements
at both, and no more than BUDGET (OVER_BUDGET names the exceptions, with why). Lists are also
called under each of their filters (the browser's filter form, the API's FilterSet) and on a
keyset page (`?cursor=`). Every GET route must be measured by at least one of the users.

The data set is loaded by COPY on the owner's connection and committed, so this test commits
too (transaction=True); pytest-django empties the database after it.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, ContextList
from django.utils import timezone, translation
from rest_framework.authtoken.models import Token

from agreements.models import Agreement, AgreementDocument
from agreements.tests.factories import AgreementFactory, AgreementPartyFactory, ObligationFactory
from agreements.tests.test_documents import make_pdf
from cluster_platform import pagination
from cluster_platform.forms import FilterFormMixin
from cluster_platform.scale import Scale, seed, username
from innovations.models import Adoption, InnovationAttachment
from innovations.tests.factories import (
    AdoptionFactory,
    ExpertReviewFactory,
    InnovationFactory,
    PilotFactory,
    PilotMeasureFactory,
    add_authors,
    transition_at,
)
from members.models import Cluster, ClusterRole, Organization, OrganizationRole, Person, SchoolRating
from members.tests.factories import ApplicationFactory, ClusterRoleFactory, OrganizationRoleFactory
from programs.models import Attendance, Enrollment, Program, ProgramNeed, ProgramPartner
from programs.tests.factories import EmployerNeedFactory, EnrollmentFactory, ProgramFactory, SessionFactory
from reports import indicators, periods
from reports.models import Report
from resources.models import CalendarFeed, ClosedDate, OpeningHours, Resource, ResourcePhoto
from resources.tests.factories import BookedResourceFactory, BookingFactory, ResourceFactory, period
from tests import hostile_files
from tests.test_isolation import cluster_routes, fill, methods, report

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]

BUDGET = 15
# Pages allowed past the budget, each with its bound and why. Their count must still not grow
# with the rows.
OVER_BUDGET = {
    # The key figures of a period and of the one before: reports.indicators runs twenty
    # aggregate statements per period (two periods, and the page's own eight). That is what the
    # first view in REPORTS_DASHBOARD_CACHE_SECONDS (ten minutes) costs; the views after it read
    # the figures from the cache in fewer than ten queries
    # (reports/tests/test_views.py::test_the_dashboard_keeps_its_figures_for_the_time_it_says).
    # The test settings turn that cache off, so here every view computes.
    "report_dashboard": 48,
}
SLUG = "small-a"
USERS = ("coordinator", "admin", "expert")

# About ten rows in each list of the cluster...
SPARSE = dataclasses.replace(
    Scale.named("small"), name="sparse", clusters=1, slugs=(SLUG,), schools=3, universities=2, colleges=1,
    enterprises=2, preschools=1, authorities=1, ngos=1, people=11 * 12, agreements=10, bookings=12,
    innovations=12, enrolments=12, resources=6, programmes=6, sessions=12, applications=6, employer_needs=6,
    experts=3, rating_quarters=3,
)
# ... and about ten times as many: every list runs to two pages of 25 (browser) and 50 (API).
DENSE = dataclasses.replace(
    SPARSE, name="dense", schools=30, universities=8, colleges=8, enterprises=20, preschools=6, authorities=3,
    ngos=4, people=79 * 14, agreements=120, bookings=150, innovations=120, enrolments=150, resources=60,
    programmes=60, sessions=150, applications=60, employer_needs=60, experts=12, rating_quarters=8,
)
# The rows under each sample object (see `build_samples`), at each density.
EXTRA_ROWS = {"sparse": 8, "dense": 60}


# --- Data ----------------------------------------------------------------------------------------


def load(scale: Scale, rows: int, *, replace: bool) -> tuple[Cluster, dict, dict]:
    """The data set at this scale, and the sample objects with `rows` rows under each."""
    seed(scale, replace=replace)
    cluster = Cluster.objects.get(slug=SLUG)
    objects, overrides = build_samples(cluster, rows)
    objects["report"], failed = add_reports(cluster, rows)
    overrides["report_retry"] = {"report": failed}
    add_audit_events(cluster)
    return cluster, objects, overrides


def user(kind: str):
    return get_user_model().objects.get(username=username(kind, SLUG))


def _stored_pdf(cluster) -> tuple[str, bytes]:
    pdf = make_pdf()
    return default_storage.save(f"budget/{cluster.pk}/sample.pdf", ContentFile(pdf)), pdf


def _checksum(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def build_samples(cluster, rows: int) -> tuple[dict, dict]:
    """The objects whose ids fill the routes' addresses ({key of tests.test_isolation.SAMPLES:
    object}), made here in the state most pages serve, alike at both densities, with `rows`
    rows under each (parties, obligations, documents, photos, bookings, sessions, enrolments,
    attendance, reviews, pilots, measures, adoptions...); the scale's own rows fill the lists.
    The admin's school owns or takes part in each, so the admin reaches its pages too. And
    {route key: {sample key: object}} for the routes that serve an object in another state."""
    school = OrganizationRole.objects.for_cluster(cluster).get(user=user("admin"), role="admin").organization
    coordinator, admin, expert = (user(kind) for kind in USERS)
    others = list(Organization.objects.for_cluster(cluster).filter(status="active").exclude(pk=school.pk)
                  .order_by("pk")[:rows])
    people = list(Person.objects.for_cluster(cluster).filter(is_active=True).exclude(organization=school)
                  .order_by("pk")[:rows - 1])
    own_person = Person.objects.for_cluster(cluster).filter(organization=school, is_active=True).order_by("pk").first()
    stored, pdf = _stored_pdf(cluster)
    # The cluster's logo: every page's header links it (its address is public, not walked here),
    # and the page that removes it answers with one.
    cluster.logo.name = default_storage.save(f"budget/{cluster.pk}/logo.png", ContentFile(hostile_files.png()))
    cluster.save(update_fields=["logo"])
    today = timezone.localdate()
    objects = {
        "organization": school,
        "person": own_person,
        "rating": SchoolRating.objects.for_cluster(cluster).filter(organization=school).order_by("-period").first(),
        "application": ApplicationFactory(cluster=cluster),
        "cluster_role": ClusterRole.objects.for_cluster(cluster).filter(role="expert").exclude(user=expert)
        .order_by("pk").first(),
        "organization_role": OrganizationRoleFactory(organization=school, role="staff"),
    }

    # An agreement in negotiation with the school and `rows` other parties, obligations, documents.
    agreement = AgreementFactory(cluster=cluster, status="negotiation", created_by=coordinator,
                                 start_date=today, end_date=today + datetime.timedelta(days=365))
    party = AgreementPartyFactory(agreement=agreement, organization=school, role="initiator")
    for organization in others:
        AgreementPartyFactory(agreement=agreement, organization=organization)
    for n in range(rows):
        ObligationFactory(party=party, description=f"Obligation {n}", due_date=today + datetime.timedelta(days=n))
    AgreementDocument.objects.bulk_create(
        AgreementDocument(cluster=cluster, agreement=agreement, file=stored, kind="draft", display_name=f"Draft {n}.pdf",
                          content_type="application/pdf", size=len(pdf), sha256=_checksum(pdf), version=n + 1,
                          uploaded_by=coordinator)
        for n in range(rows))
    active = AgreementFactory(cluster=cluster, status="active", start_date=today - datetime.timedelta(days=300),
                              end_date=today + datetime.timedelta(days=30))
    AgreementPartyFactory(agreement=active, organization=school, role="initiator")
    for organization in others:
        AgreementPartyFactory(agreement=active, organization=organization)
    objects.update(agreement=agreement, party=party, obligation=party.obligations.order_by("pk").first(),
                   document=AgreementDocument.objects.for_cluster(cluster).filter(agreement=agreement)
                   .order_by("pk").first())

    # A resource of the school, open every day, with photos, closed dates, calendar links and
    # `rows` bookings this week, approved and requested.
    resource = ResourceFactory(owner=school, cluster=cluster)
    OpeningHours.objects.bulk_create(
        OpeningHours(cluster=cluster, resource=resource, weekday=day, opens=datetime.time(7), closes=datetime.time(22))
        for day in range(7))
    ResourcePhoto.objects.bulk_create(
        ResourcePhoto(cluster=cluster, resource=resource, image=stored, content_type="image/png", size=1,
                      position=n, uploaded_by=admin)
        for n in range(rows))
    ClosedDate.objects.bulk_create(
        ClosedDate(cluster=cluster, resource=resource, date=today + datetime.timedelta(days=30 + n), reason="Holiday")
        for n in range(rows))
    start = timezone.make_aware(datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time(7)))
    for n in range(rows):
        begins = start + datetime.timedelta(minutes=15 * n)
        booking = BookingFactory(requester=others[n % len(others)], cluster=cluster,
                                 status="approved" if n % 2 else "requested",
                                 period=period(begins, begins + datetime.timedelta(minutes=15)))
        BookedResourceFactory(booking=booking, resource=resource)
    begins = start + datetime.timedelta(days=2)
    booking = BookingFactory(requester=school, cluster=cluster, requested_by=admin,
                             period=period(begins, begins + datetime.timedelta(hours=2)))
    BookedResourceFactory(booking=booking, resource=resource)
    catalogue = [resource, *Resource.objects.for_cluster(cluster).exclude(pk=resource.pk).order_by("pk")[:rows - 1]]
    CalendarFeed.objects.bulk_create(
        CalendarFeed(cluster=cluster, resource=item, created_by=person,
                     token_hash=_checksum(f"{item.pk}:{person.pk}".encode()))
        for item in catalogue for person in (coordinator, admin, expert))
    objects.update(
        resource=resource, booking=booking,
        photo=ResourcePhoto.objects.for_cluster(cluster).filter(resource=resource).order_by("pk").first(),
        closed_date=ClosedDate.objects.for_cluster(cluster).filter(resource=resource).order_by("pk").first(),
        feed=CalendarFeed.objects.for_cluster(cluster).get(resource=resource, created_by=admin))

    # Programmes led by the school: a running one with partners, `rows` sessions and
    # enrolments and their attendance; an open one; a completed one with certificates.
    room = ResourceFactory(owner=school, cluster=cluster, name="Assembly hall")

    def programme(status, starts, enrolment_status, enrolments=rows, booked=False, **extra):
        program = ProgramFactory(lead_organization=school, cluster=cluster, status=status, start_date=starts,
                                 end_date=starts + datetime.timedelta(days=60), capacity=rows + 10)
        for organization in others:
            ProgramPartner.objects.create(cluster=cluster, program=program, organization=organization)
        for n in range(rows):
            day = starts + datetime.timedelta(days=n % 60)
            booking = None
            if booked and n % 2 == 0:  # every other session in the hall, booked for it
                begins = timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))
                booking = BookingFactory(requester=school, cluster=cluster, status="approved",
                                         period=period(begins, begins + datetime.timedelta(hours=3)))
                BookedResourceFactory(booking=booking, resource=room)
            SessionFactory(program=program, date=day, topic=f"Session {n}", booking=booking)
        for n, person in enumerate([own_person, *people][:enrolments]):
            code = f"BUDGET{program.pk:03d}{n:04d}" if enrolment_status == "completed" else None
            EnrollmentFactory(program=program, person=person, status=enrolment_status, pre_score=50, post_score=70,
                              certificate_code=code, certificate_issued_at=timezone.now() if code else None, **extra)
        return program

    running = programme("running", today - datetime.timedelta(days=30), "confirmed", booked=True)
    Attendance.objects.bulk_create(
        Attendance(cluster=cluster, session=session, enrollment=enrollment, present=(session.pk + enrollment.pk) % 3 > 0)
        for session in running.sessions.all() for enrollment in running.enrollments.all())
    open_programme = programme("open", today + datetime.timedelta(days=30), "applied")
    # Its certificates are rendered one PDF each by the archive page: a few, for the test's time.
    completed = programme("completed", today - datetime.timedelta(days=120), "completed", enrolments=rows // 4,
                          completed_at=timezone.now())
    enterprise = Organization.objects.for_cluster(cluster).filter(kind="enterprise").order_by("pk").first()
    need = EmployerNeedFactory(organization=enterprise, cluster=cluster, created_by=coordinator)
    for program in Program.objects.for_cluster(cluster).order_by("pk")[:rows]:
        ProgramNeed.objects.create(cluster=cluster, program=program, need=need)
    own = Enrollment.objects.for_cluster(cluster)
    objects.update(program=running, session=running.sessions.order_by("pk").first(), need=need,
                   enrollment=own.get(program=running, person=own_person))

    # An innovation of the school in review: authors, a timeline, attachments, `rows` reviews
    # (the scale expert's still to do), pilots with measures and adoptions.
    def innovation(stage):
        item = InnovationFactory(origin_organization=school, cluster=cluster, stage=stage, created_by=admin)
        add_authors(item, own_person)
        return item

    reviewed = innovation("in_review")
    for n in range(rows):
        transition_at(reviewed, "in_review" if n % 2 == 0 else "revision_requested",
                      timezone.now() - datetime.timedelta(days=rows - n),
                      from_stage="" if n == 0 else ("revision_requested" if n % 2 == 0 else "in_review"))
    InnovationAttachment.objects.bulk_create(
        InnovationAttachment(cluster=cluster, innovation=reviewed, file=stored, original_name=f"Handbook {n}.pdf",
                             content_type="application/pdf", size=len(pdf), sha256=_checksum(pdf), uploaded_by=admin)
        for n in range(rows))
    review = ExpertReviewFactory(innovation=reviewed, expert=expert)
    for n in range(rows - 1):
        reviewer = ClusterRoleFactory(cluster=cluster, role="expert").user
        ExpertReviewFactory(innovation=reviewed, expert=reviewer, scores=3 + n % 3)
    pilot = PilotFactory(innovation=reviewed, organization=school)
    for n in range(rows):
        PilotMeasureFactory(pilot=pilot, name=f"Measure {n}", result=60 + n % 30)
    for organization in others:
        PilotFactory(innovation=reviewed, organization=organization)
        AdoptionFactory(innovation=reviewed, organization=organization, status="in_progress")
    proposed = innovation("proposed")
    InnovationAttachment.objects.create(
        cluster=cluster, innovation=proposed, file=stored, original_name="Handbook.pdf", content_type="application/pdf",
        size=len(pdf), sha256=_checksum(pdf), uploaded_by=admin)
    objects.update(
        innovation=reviewed, review=review, pilot=pilot, measure=pilot.measures.order_by("pk").first(),
        adoption=Adoption.objects.for_cluster(cluster).filter(innovation=reviewed).order_by("pk").first(),
        attachment=reviewed.attachments.order_by("pk").first())

    overrides = {
        "agreement_renew": {"agreement": active},
        "program_enroll": {"program": open_programme},
        "program_apply": {"program": open_programme},
        "program_certificates_zip": {"program": completed},
        "enrollment_certificate": {"enrollment": own.get(program=completed, person=own_person)},
        "api-enrollment-certificate": {"enrollment": own.get(program=completed, person=own_person)},
        "innovation_edit": {"innovation": proposed},
        "innovation_attachments": {"innovation": proposed},
        "innovation_attachment_remove": {"attachment": proposed.attachments.get()},
        "pilot_create": {"innovation": innovation("approved_for_pilot")},
        "adoption_create": {"innovation": innovation("disseminating")},
    }
    return objects, overrides


def add_reports(cluster, rows: int) -> tuple[Report, Report]:
    """`rows` ready reports of the last quarter, each a version of the one before, and a failed
    one of the quarter before: the first ready one, and the failed one."""
    stored, pdf = _stored_pdf(cluster)
    quarter = periods.period_of(periods.QUARTER, timezone.localdate()).previous()
    start, end = quarter.start, quarter.end
    with translation.override("en"):
        data = indicators.snapshot(cluster, start, end)
    failed = Report.objects.create(cluster=cluster, kind="quarter", period_start=quarter.previous().start,
                                   period_end=quarter.previous().end, status="failed", language="en",
                                   error="The worker stopped.", requested_by=user("coordinator"))
    return Report.objects.bulk_create(
        Report(cluster=cluster, kind="quarter", period_start=start, period_end=end, version=n + 1, status="ready",
               language="en", data=data, pdf=stored, size=len(pdf), sha256=_checksum(pdf),
               requested_by=user("coordinator"))
        for n in range(rows))[0], failed


def add_audit_events(cluster) -> None:
    """Changes to rows of the data set (loaded with the history triggers off), three kinds of
    object interleaved: the audit trail lists updates with their changed fields beside the
    inserts of build_samples (more of them with more rows)."""
    changes = 20
    kinds = [(model, list(model.objects.for_cluster(cluster).order_by("pk")[:changes]), field)
             for model, field in ((Organization, "phone"), (Person, "phone"), (Agreement, "description"))]
    for n in range(changes):
        for model, items, field in kinds:
            if n < len(items):
                model.objects.for_cluster(cluster).filter(pk=items[n].pk).update(**{field: f"+998 71 000 {n:04d}"})


# --- Measuring -----------------------------------------------------------------------------------


@dataclass
class Measured:
    status: int
    queries: int
    rows: int | None  # on the page of a list (browser page_obj or API results), else None
    url: str = ""


class Meter:
    """Calls pages and counts their statements; remembers the keyset of the last list paged."""

    def __init__(self, monkeypatch):
        self.keysets = []
        original = pagination.Keyset.of.__func__

        def spy(cls, queryset):
            keyset = original(cls, queryset)
            self.keysets.append(keyset)
            return keyset

        monkeypatch.setattr(pagination.Keyset, "of", classmethod(spy))

    def get(self, client, url, token=None):
        self.keysets.clear()
        # The connection keeps the last 9,000 statements only: a full log would count none.
        reset_queries()
        headers = {"HTTP_AUTHORIZATION": f"Token {token}"} if token else {}
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, **headers)
            # A streamed body (a file, a CSV) may read as it is sent.
            content = b"".join(response.streaming_content) if response.streaming else response.content
        response.close()
        response.body = content
        return response, Measured(response.status_code, len(captured.captured_queries), _rows(response), url)


def _rows(response) -> int | None:
    """How many rows the page lists, when it is a list."""
    if response.get("Content-Type", "").startswith("application/json"):
        try:
            body = json.loads(response.body)
        except ValueError:
            return None
        return len(body["results"]) if isinstance(body, dict) and isinstance(body.get("results"), list) else None
    page = _context_values(response).get("page_obj")
    return len(page.object_list) if page is not None else None


def _context_values(response):
    """The template context of a rendered page, as one dict (the outermost template's values first)."""
    context = response.context
    if context is None:
        return {}
    values = {}
    for each in reversed(context if isinstance(context, ContextList) else [context]):
        values.update(each.flatten())
    return values


def _row_value(row, name):
    if row is None:
        return None
    value = row.get(name) if isinstance(row, dict) else getattr(row, name, None)
    return getattr(value, "pk", value)


def _late(name: str) -> bool:
    return any(word in name for word in ("to", "before", "until", "end"))


def _date_for(name: str) -> str:
    """A date that keeps most rows: long ago for a lower bound, next year for an upper one."""
    return (timezone.localdate() + datetime.timedelta(days=365 if _late(name) else -3 * 365)).isoformat()


def _datetime_for(name: str) -> str:
    """An hour tomorrow (a window to be free in): its start, or its end."""
    start = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0) + datetime.timedelta(days=1)
    return (start + datetime.timedelta(hours=1 if _late(name) else 0)).strftime("%Y-%m-%dT%H:%M")


# Filters given together or not at all: each variant sets both.
PAIRED = {"free_start": "free_end", "start": "end"}
# Filters whose value says which rows it wants in a form of its own.
FILTER_VALUES = {"period": lambda objects: objects["report"].period_start.isoformat()}


def _paired(values: dict) -> dict[str, str]:
    """{label: query string} of the filters' values, a pair of filters in one variant."""
    queries = {}
    for name, value in values.items():
        if name in PAIRED.values():
            continue
        given = {name: value}
        if name in PAIRED and PAIRED[name] in values:
            given[PAIRED[name]] = values[PAIRED[name]]
        queries[name] = urlencode(given, doseq=True)
    return queries


def form_variants(form, first_row, objects) -> dict[str, str]:
    """{field: query string}: each field of a browser filter form alone, with a value that
    matches rows where one can tell (the first row's own value)."""
    values = {}
    for name, field in form.fields.items():
        if isinstance(field, (forms.ChoiceField, forms.ModelChoiceField)):
            choices = [str(value.value if hasattr(value, "value") else value)
                       for value, _label in field.choices if value not in ("", None)]
            if not choices:
                continue
            own = _row_value(first_row, name)
            value = str(own) if own is not None and str(own) in choices else choices[0]
            if isinstance(field, forms.MultipleChoiceField):
                value = [value]
        elif isinstance(field, forms.DateTimeField):
            value = _datetime_for(name)
        elif isinstance(field, forms.DateField):
            value = _date_for(name)
        elif isinstance(field, forms.BooleanField):
            value = "on"
        elif isinstance(field, forms.IntegerField):
            value = str(objects["organization"].pk)
        else:
            value = "a"
        values[name] = value
    return _paired(values)


def api_filter_variants(view, first_row, objects) -> dict[str, str]:
    from django_filters import filters as f

    filterset_class = getattr(getattr(view, "cls", None), "filterset_class", None)
    # A viewset's FilterSet filters its list; its other actions that list (documents,
    # attachments) are paged but not filtered.
    if filterset_class is None or getattr(view, "actions", {}).get("get") != "list":
        return {}
    values = {}
    for name, item in filterset_class.base_filters.items():
        own = first_row.get(name) if first_row else None
        if name in FILTER_VALUES:
            value = FILTER_VALUES[name](objects)
        elif isinstance(item, f.ChoiceFilter):
            choices = [str(value) for value, _label in item.extra.get("choices", ())]
            value = str(own) if own is not None and str(own) in choices else (choices[0] if choices else None)
        elif isinstance(item, (f.IsoDateTimeFilter, f.DateTimeFilter)):
            value = _datetime_for(name)
        elif isinstance(item, f.DateFilter):
            value = _date_for(name)
        elif isinstance(item, f.BooleanFilter):
            value = "true"
        elif isinstance(item, f.NumberFilter):
            value = own if isinstance(own, int) else objects.get(name, objects["organization"]).pk
        else:
            value = "a"
        if value is not None:
            values[name] = value
    return _paired(values)


# Routes that need a query string to answer.
QUERIES = {
    "api-resource-availability": lambda: urlencode({
        "start": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
        "end": (timezone.now() + datetime.timedelta(days=8)).isoformat()}),
}
# Routes whose GET answers otherwise than 200 by design, with that answer.
ANSWERS = {
    "calendar_link_create": 302,  # the form is on the list of links; a GET goes back there
}


def answered(what: str, measured) -> bool:
    return measured.status == ANSWERS.get(what, 200)


def measure_all(meter, users, cluster, objects, overrides, only=None) -> dict:
    """{(user, what): Measured} over every GET route under the cluster and the variants of its
    list; `only` limits it to those keys."""
    results = {}
    for kind, (browser, api, token) in users.items():
        for route in cluster_routes():
            if "get" not in methods(route) or (only is not None and (kind, route.key) not in only):
                continue
            url = fill(route, cluster.slug, {**objects, **overrides.get(route.key, {})})
            if route.key in QUERIES:
                url += "?" + QUERIES[route.key]()
            client, key = (api, token) if route.is_api else (browser, None)
            response, results[kind, route.key] = meter.get(client, url, key)
            if results[kind, route.key].status != 200:
                continue
            # The expert's lists are the coordinator's, narrowed: the expert walks them unfiltered.
            for label, variant in variants(meter, route, url, response, objects, client, key,
                                           filters=kind != "expert").items():
                if only is None or (kind, f"{route.key} {label}") in only:
                    _, results[kind, f"{route.key} {label}"] = meter.get(client, variant, key)
    return results


def _api_cursor(meter, first: dict | None) -> str | None:
    """The cursor after the first row of an API page, from the keyset the page was read by and
    the row's own values; None when the row does not show them plainly."""
    keyset = next((keyset for keyset in reversed(meter.keysets) if keyset is not None), None)
    if keyset is None or first is None:
        return None
    values = {}
    for key in keyset.keys:
        value = first.get(key.name, first.get(key.attname))
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return None
        values[key.attname] = value
    return keyset.cursor(pagination.AFTER, values)


def variants(meter, route, url, response, objects, client, token, *, filters=True) -> dict[str, str]:
    """{label: url}: the list of `response` under each of its filters alone (unless not
    `filters`), and on a keyset page (after its first row, or the Next link's cursor)."""
    found = {}
    if route.is_api:
        try:
            body = json.loads(response.body)
        except ValueError:
            return found
        if not isinstance(body, dict) or not isinstance(body.get("results"), list):
            return found
        first = body["results"][0] if body["results"] else None
        if filters:
            for name, query in api_filter_variants(route.view, first, objects).items():
                found[f"?{name}="] = f"{url}?{query}"
        cursor = _api_cursor(meter, first)
        if cursor is None and first is not None:
            # The Next link of a page of one row carries the cursor after the first row.
            one, _ = meter.get(client, f"{url}?page_size=1", token)
            following = one.json().get("next") if one.status_code == 200 else None
            if following and "cursor=" in following:
                cursor = dict(part.split("=", 1) for part in urlsplit(following).query.split("&"))["cursor"]
        if cursor is not None:
            found["?cursor="] = f"{url}?cursor={cursor}"
        return found
    context = _context_values(response)
    page = context.get("page_obj")
    if page is None or not hasattr(page, "next_cursor"):
        return found
    rows = list(page.object_list)
    for value in context.values() if filters else ():
        if isinstance(value, FilterFormMixin):
            for name, query in form_variants(value, rows[0] if rows else None, objects).items():
                found[f"?{name}="] = f"{url}?{query}"
    keyset = next((keyset for keyset in reversed(meter.keysets) if keyset is not None), None)
    cursor = page.next_cursor or (keyset.cursor(pagination.AFTER, rows[0]) if keyset and rows else None)
    if cursor:
        found["?cursor="] = f"{url}?{urlencode({'cursor': cursor})}"
    return found


@pytest.fixture(autouse=True)
def quiet_refusals(caplog):
    """Hundreds of expected 403s and 404s would each be logged; errors (a 500) still are."""
    caplog.set_level(logging.ERROR, logger="django.request")


def signed_in() -> dict:
    """{user kind: (browser client with a session, API client, API token)}."""
    users = {}
    for kind in USERS:
        browser = Client()
        browser.force_login(user(kind))
        users[kind] = (browser, Client(), Token.objects.create(user=user(kind)).key)
    return users


def compare(sparse: dict, dense: dict) -> tuple[list[str], set]:
    """The failures, one line each, and the routes compared at both densities."""
    failures, compared = [], set()
    for key, few in sorted(sparse.items()):
        kind, what = key
        if not answered(what, few):
            continue
        many = dense.get(key)
        where = f"GET {few.url} ({what}, {kind})"
        if many is None:
            continue  # a variant the dense list does not offer (a filter choice no row has)
        if many.status != few.status:
            failures.append(f"{where}: answered {few.status} with few rows but {many.status} with many")
            continue
        compared.add(what)
        budget = OVER_BUDGET.get(what.split(" ")[0], BUDGET)
        if max(few.queries, many.queries) > budget:
            failures.append(f"{where}: {few.queries} queries with few rows, {many.queries} with many: over {budget}")
        elif few.queries != many.queries and few.rows != 0 and many.rows != 0:
            # An empty page skips its prefetches (Django runs none for no rows): compared with
            # a full one, it says nothing about the number of rows.
            failures.append(f"{where}: {few.queries} queries with few rows, {many.queries} with many")
    return failures, compared


def test_every_page_runs_the_same_few_queries_whatever_the_number_of_rows(monkeypatch):
    meter = Meter(monkeypatch)
    cluster, objects, overrides = load(SPARSE, EXTRA_ROWS["sparse"], replace=False)
    sparse = measure_all(meter, signed_in(), cluster, objects, overrides)
    cluster, objects, overrides = load(DENSE, EXTRA_ROWS["dense"], replace=True)
    dense = measure_all(meter, signed_in(), cluster, objects, overrides,
                        only={key for key, measured in sparse.items() if answered(key[1], measured)})

    failures, compared = compare(sparse, dense)
    assert not failures, report(failures, "pages whose queries grow with the rows or pass the budget")
    # Every GET route was measured at both densities by someone, and the lists with their
    # filters and on a keyset page.
    routes = {route.key for route in cluster_routes() if "get" in methods(route)}
    unmeasured = sorted(routes - compared)
    assert not unmeasured, "GET routes that answered 200 to no one at both densities:\n" + "\n".join(unmeasured)
    assert sum(what.endswith("?cursor=") for what in compared) >= 30
    assert sum(" ?" in what and not what.endswith("?cursor=") for what in compared) >= 100
