"""Reads of the programs app. Every query names the cluster, except certificate_verify: the
public verification page finds a certificate by its code alone, across clusters, and says so
with `.unscoped()` (see there)."""

from __future__ import annotations

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import (
    Avg,
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, JSONObject
from django.utils import timezone

from cluster_platform import names
from cluster_platform.tenancy import Roles
from members import branding
from members.models import Person, SchoolRating

from .models import Attendance, Competence, EmployerNeed, Enrollment, Program, ProgramNeed, ProgramPartner, Session
from .permissions import enrollment_scope

Status = Enrollment.Status


# --- Programmes ------------------------------------------------------------------------------

def _partners(cluster):
    return ProgramPartner.objects.for_cluster(cluster).select_related("organization")


def _enrolment_count(cluster, *statuses):
    """How many of each programme's enrolments have one of `statuses`: a subquery per programme
    shown, which PostgreSQL runs for the page's rows alone (after the sort and the limit). A join
    of every enrolment with a GROUP BY counted all of a cluster's before the page was cut: 1.5 s
    (and a sort spilled to disk) for 3,795 programmes with 380,000 enrolments."""
    counted = Enrollment.objects.for_cluster(cluster).filter(program=OuterRef("pk"), status__in=statuses)
    return Subquery(counted.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"),
                    output_field=IntegerField())


def program_list(*, cluster, filters: dict | None = None) -> QuerySet[Program]:
    """The catalogue, with the lead organization, the partners and the places taken
    (`places_taken`). Filters: kind, status, lead_organization (id), competence (a code), q (in
    the title in any of its languages, the description and the audience)."""
    filters = filters or {}
    programs = Program.objects.for_cluster(cluster)
    if filters.get("kind"):
        programs = programs.filter(kind=filters["kind"])
    if filters.get("status"):
        programs = programs.filter(status=filters["status"])
    if filters.get("lead_organization"):
        programs = programs.filter(lead_organization_id=filters["lead_organization"])
    if filters.get("competence"):
        programs = programs.filter(competences__contains=[filters["competence"]])
    term = (filters.get("q") or "").strip()
    if term:
        programs = programs.filter(
            names.matching("title", term) | Q(description__icontains=term) | Q(audience__icontains=term))
    return (
        programs.select_related("lead_organization")
        .prefetch_related(Prefetch("partner_links", queryset=_partners(cluster)))
        .annotate(places_taken=_enrolment_count(cluster, *Enrollment.PLACE_STATUSES))
    )


def program_get(*, cluster, pk) -> Program:
    """One programme with its lead, partners and sessions (with their bookings); DoesNotExist
    for another cluster's programme as for one that does not exist."""
    return (
        Program.objects.for_cluster(cluster).select_related("lead_organization")
        .prefetch_related(
            Prefetch("partner_links", queryset=_partners(cluster)),
            Prefetch("sessions", queryset=_sessions_with_resources(cluster)),
        )
        .annotate(places_taken=_enrolment_count(cluster, *Enrollment.PLACE_STATUSES))
        .get(pk=pk)
    )


def program_get_for_update(*, cluster, pk) -> Program:
    """The programme row locked until the transaction ends: enrolments, withdrawals and moves of
    one programme are serialized on it, which is what keeps its places from being over-given."""
    return (
        Program.objects.for_cluster(cluster).select_for_update(of=("self",))
        .select_related("lead_organization").get(pk=pk)
    )


def places_taken(*, cluster, program: Program) -> dict[str, int]:
    """Places held (`taken`) and those of them held by priority teachers (`priority`)."""
    return Enrollment.objects.for_cluster(cluster).filter(
        program=program, status__in=Enrollment.PLACE_STATUSES,
    ).aggregate(taken=Count("id"), priority=Count("id", filter=Q(priority=True)))


def program_figures(*, cluster, program: Program) -> dict[str, int]:
    """The figures of a programme's page in one query: the places held by priority teachers
    (`priority`), the waiting list (`waiting`) and the certificates issued (`certificates`)."""
    return Enrollment.objects.for_cluster(cluster).filter(program=program).aggregate(
        priority=Count("id", filter=Q(status__in=Enrollment.PLACE_STATUSES, priority=True)),
        waiting=Count("id", filter=Q(status=Status.WAITLISTED)),
        certificates=Count("id", filter=Q(status=Status.COMPLETED, certificate_code__isnull=False)),
    )


# --- Ratings ---------------------------------------------------------------------------------

def latest_rating_period(*, cluster) -> datetime.date | None:
    return SchoolRating.objects.for_cluster(cluster).order_by("-period").values_list("period", flat=True).first()


def is_priority_organization(*, cluster, organization_id: int) -> bool:
    """Rated red or yellow in the cluster's latest rating period (a school not rated in that
    period is not a priority, whatever it was rated before)."""
    period = latest_rating_period(cluster=cluster)
    if period is None:
        return False
    return SchoolRating.objects.for_cluster(cluster).filter(
        organization_id=organization_id, period=period,
        colour__in=[SchoolRating.Colour.RED, SchoolRating.Colour.YELLOW],
    ).exists()


# --- Enrolments ------------------------------------------------------------------------------

def _enrollments(cluster):
    return Enrollment.objects.for_cluster(cluster).select_related("person", "organization", "program")


def enrollment_list(*, cluster, roles: Roles, program: Program | None = None, organization_id=None,
                    status: str | None = None) -> QuerySet[Enrollment]:
    """The enrolments the roles may read, optionally of one programme, one organization, one status."""
    enrollments = enrollment_scope(cluster, roles).select_related("person", "organization", "program")
    if program is not None:
        enrollments = enrollments.filter(program=program)
    if organization_id:
        enrollments = enrollments.filter(organization_id=organization_id)
    if status:
        enrollments = enrollments.filter(status=status)
    return enrollments.order_by("program_id", "person__full_name", "id")


def enrollment_get(*, cluster, roles: Roles, pk) -> Enrollment:
    return enrollment_scope(cluster, roles).select_related("person", "organization", "program").get(pk=pk)


def with_certificate_details(enrollments, cluster) -> QuerySet[Enrollment]:
    """Enrolments with what their certificates show and are written in (programs.certificates):
    the person's language, the cluster, the lead and the partners; two queries for any number
    of certificates."""
    return enrollments.select_related("person__user__profile", "cluster", "program__lead_organization") \
        .prefetch_related(Prefetch("program__partner_links", queryset=ProgramPartner.objects.for_cluster(cluster)
                                   .select_related("organization")))


def enrollment_certificate_get(*, cluster, roles: Roles, pk) -> Enrollment:
    """One enrolment the roles may see, with what its certificate shows."""
    return with_certificate_details(enrollment_scope(cluster, roles), cluster).select_related("organization").get(pk=pk)


def my_enrollments(*, cluster, user) -> QuerySet[Enrollment]:
    """"My programmes": every enrolment of the person linked to the user in this cluster."""
    return (
        _enrollments(cluster).select_related("program__lead_organization")
        .filter(person__user=user).order_by("-program__start_date", "-id")
    )


def waitlist(*, cluster, program: Program) -> QuerySet[Enrollment]:
    return _enrollments(cluster).filter(program=program, status=Status.WAITLISTED).order_by(
        "waitlist_position", "id")


def person_for_user(*, cluster, user) -> Person | None:
    return Person.objects.for_cluster(cluster).filter(user=user, is_active=True).select_related(
        "organization").first()


# --- Attendance ------------------------------------------------------------------------------

def attendance_sheet(*, cluster, program: Program) -> dict:
    """The enrolments (holding a place) × the sessions matrix, in three queries whatever their
    number: {"sessions": [...], "rows": [{"enrollment": e, "marks": [True/False/None per session],
    "attended": n}]}; None is "not recorded"."""
    # With their bookings: the API's sheet gives each session's booking status.
    sessions = list(Session.objects.for_cluster(cluster).filter(program=program).select_related("booking").order_by(
        "date", "start_time", "id"))
    enrollments = list(
        _enrollments(cluster).filter(program=program, status__in=Enrollment.PLACE_STATUSES)
        .order_by("person__full_name", "id")
    )
    marks = {
        (enrollment_id, session_id): present
        for enrollment_id, session_id, present in Attendance.objects.for_cluster(cluster)
        .filter(session__program=program).values_list("enrollment_id", "session_id", "present")
    }
    rows = []
    for enrollment in enrollments:
        row = [marks.get((enrollment.pk, session.pk)) for session in sessions]
        rows.append({"enrollment": enrollment, "marks": row, "attended": sum(1 for m in row if m)})
    return {"sessions": sessions, "rows": rows}


def session_duration_of(prefix: str = ""):
    """A session's length as an interval, from the session itself (prefix "") or through a relation."""
    path = f"{prefix}__" if prefix else ""
    return ExpressionWrapper(F(f"{path}end_time") - F(f"{path}start_time"), output_field=DurationField())


# --- Figures for reports ---------------------------------------------------------------------

def assessment_figures(*, cluster, program: Program) -> dict:
    """Among the participants with both scores: how many (`assessed`), the mean gain (post −
    pre, `mean_gain`, None without any), and the share who improved (post > pre, 0–1,
    `improved_share`, None without any). One aggregate query."""
    row = Enrollment.objects.for_cluster(cluster).filter(
        program=program, status__in=Enrollment.PLACE_STATUSES, pre_score__isnull=False, post_score__isnull=False,
    ).aggregate(
        assessed=Count("id"),
        mean_gain=Avg(F("post_score") - F("pre_score")),
        improved=Count("id", filter=Q(post_score__gt=F("pre_score"))),
    )
    assessed = row["assessed"]
    return {
        "assessed": assessed,
        "mean_gain": None if row["mean_gain"] is None else Decimal(row["mean_gain"]).quantize(Decimal("0.01"), ROUND_HALF_UP),
        "improved_share": (Decimal(row["improved"]) / assessed).quantize(Decimal("0.0001"), ROUND_HALF_UP) if assessed else None,
    }


def trained_by_competence(*, cluster) -> dict[str, int]:
    """Completions of programmes, counted per competence of the programme (a person who
    completed two programmes of one competence counts twice: two trainings). One query."""
    counts = Enrollment.objects.for_cluster(cluster).filter(status=Status.COMPLETED).aggregate(**{
        code: Count("id", filter=Q(program__competences__contains=[code])) for code in Competence.values
    })
    return {code: count for code, count in counts.items() if count}


# --- Employer needs --------------------------------------------------------------------------

def need_list(*, cluster, filters: dict | None = None) -> QuerySet[EmployerNeed]:
    """Needs with their organization, linked programmes, and `people_trained`: the distinct people
    who completed any linked programme; `is_met` when that reaches the number needed.
    Filters: status, organization (id), competence (a code)."""
    filters = filters or {}
    needs = EmployerNeed.objects.for_cluster(cluster)
    if filters.get("status"):
        needs = needs.filter(status=filters["status"])
    if filters.get("organization"):
        needs = needs.filter(organization_id=filters["organization"])
    if filters.get("competence"):
        needs = needs.filter(competences__contains=[filters["competence"]])
    trained = (
        Enrollment.objects.for_cluster(cluster).filter(
            status=Status.COMPLETED,
            program_id__in=ProgramNeed.objects.for_cluster(cluster).filter(need=OuterRef(OuterRef("pk")))
            .values("program_id"),
        )
        .order_by().values("cluster").annotate(people=Count("person_id", distinct=True)).values("people")
    )
    return (
        needs.select_related("organization")
        .prefetch_related(Prefetch("program_links", queryset=ProgramNeed.objects.for_cluster(cluster)
                                   .select_related("program").order_by("program__title", "id")))
        .annotate(people_trained=Coalesce(Subquery(trained, output_field=IntegerField()), Value(0)))
        .annotate(is_met=Case(When(people_trained__gte=F("people_needed"), then=Value(True)), default=Value(False)))
    )


def needs_met(*, cluster) -> dict[str, int]:
    """For reports: how many needs, how many with a linked programme, how many met."""
    return need_list(cluster=cluster).aggregate(
        needs=Count("id"),
        answered=Count("id", filter=Q(pk__in=ProgramNeed.objects.for_cluster(cluster).values("need_id"))),
        met=Count("id", filter=Q(is_met=True)),
    )


def need_get(*, cluster, pk) -> EmployerNeed:
    return need_list(cluster=cluster).get(pk=pk)


# --- Certificates: the one unscoped read -------------------------------------------------------

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed without doubt
CODE_LENGTH = 12


def normalize_code(code: str) -> str:
    """As printed (XXXX-XXXX-XXXX) or typed (spaces, lower case): the stored 12 characters."""
    return re.sub(r"[\s\-]", "", code or "").upper()


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def completion_date(enrollment: Enrollment) -> datetime.date:
    moment = enrollment.completed_at or enrollment.certificate_issued_at
    return timezone.localdate(moment) if moment else enrollment.program.end_date


def certificate_verify(code: str) -> dict | None:
    """The facts a certificate states, for the public verification page, or None.

    This is the one read of tenant data without a cluster: the page is public and the code is
    the only thing it gets (a code is 12 characters from a 32-letter alphabet, 60 bits, not
    guessable). It says `.unscoped()` explicitly and returns only what the certificate itself
    prints, never the row."""
    code = normalize_code(code)
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    enrollment = (
        Enrollment.objects.unscoped()
        .filter(certificate_code=code, status=Status.COMPLETED, cluster__is_active=True)
        .select_related("person", "program__lead_organization", "cluster")
        .first()
    )
    if enrollment is None:
        return None
    return {
        "code": format_code(code),
        "person_name": enrollment.person.full_name,
        "program_title": enrollment.program.localized_title,
        "program_kind": enrollment.program.get_kind_display(),
        "hours": enrollment.hours_attended,
        "completion_date": completion_date(enrollment),
        "issued_at": enrollment.certificate_issued_at,
        "lead_organization": enrollment.program.lead_organization.localized_name,
        "cluster_name": enrollment.cluster.name,
        # The logo and colours the certificate carries, for the page (its public logo address).
        "brand": branding.public_context(enrollment.cluster),
    }


# --- Browser pages ---------------------------------------------------------------------------

def program_catalogue(*, cluster, filters: dict | None = None) -> QuerySet[Program]:
    """program_list with `waiting`, the length of each programme's waiting list (still one query
    for the page, whatever the number of programmes)."""
    return program_list(cluster=cluster, filters=filters).annotate(waiting=_enrolment_count(cluster, Status.WAITLISTED))


def enrolment_candidates(*, cluster, program: Program, organization_ids=None) -> QuerySet[Person]:
    """Active people of active member organizations (of `organization_ids` when given) who hold
    no enrolment in the programme other than a withdrawn one: whom an admin may enrol."""
    from members.models import Organization

    people = Person.objects.for_cluster(cluster).filter(
        is_active=True, organization__status=Organization.Status.ACTIVE)
    if organization_ids is not None:
        people = people.filter(organization_id__in=sorted(organization_ids))
    enrolled = Enrollment.objects.for_cluster(cluster).filter(program=program).exclude(
        status=Status.WITHDRAWN).values("person_id")
    return people.exclude(pk__in=enrolled).select_related("organization").order_by(
        "organization__name", "full_name", "pk")


def _sessions_with_resources(cluster):
    """Sessions with their bookings and, in the same query, the resources each booking holds
    (`booked_resources`: their ids and names, by name), for session_resources."""
    return Session.objects.for_cluster(cluster).select_related("booking").annotate(booked_resources=ArrayAgg(
        JSONObject(id="booking__items__resource_id", name="booking__items__resource__name"),
        filter=Q(booking__items__isnull=False), order_by=("booking__items__resource__name", "booking__items__id"),
        default=Value([]),
    ))


def session_resources(*, sessions) -> dict[int, list]:
    """{booking id: [resource, ...]} for the bookings the sessions hold, the sessions loaded by
    program_get (no query: the resources came with them)."""
    from resources.models import Resource

    return {session.booking_id: [Resource(pk=item["id"], name=item["name"]) for item in session.booked_resources]
            for session in sessions if session.booking_id}


def program_needs(*, cluster, program: Program) -> QuerySet[ProgramNeed]:
    """The employer needs a programme answers, with their organizations."""
    return ProgramNeed.objects.for_cluster(cluster).filter(program=program).select_related(
        "need__organization").order_by("need__deadline", "need_id")


def certificates_issued(*, cluster, program: Program) -> int:
    return Enrollment.objects.for_cluster(cluster).filter(
        program=program, status=Status.COMPLETED, certificate_code__isnull=False).count()


def program_timeline(*, cluster, program: Program):
    from .models import ProgramTransition

    return ProgramTransition.objects.for_cluster(cluster).filter(program=program).select_related("actor")
