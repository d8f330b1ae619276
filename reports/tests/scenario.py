"""A hand-made cluster history around the first quarter of 2026 (the report period) and the last
quarter of 2025 (the previous one), built with each app's factories. The expected figures are
worked out by hand in test_indicators.py; every row is there for a reason, named beside it.

`build(cluster)` can run more than once in one cluster (every run makes its own organizations),
so the same history three times is a data set three times larger with the same shape.
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from agreements.models import Agreement, AgreementTransition
from agreements.tests.factories import AgreementFactory, AgreementPartyFactory, ObligationFactory
from innovations.models import Adoption, Pilot, Stage
from innovations.tests.factories import AdoptionFactory, InnovationFactory, PilotFactory, transition_at
from members.models import MembershipStatusChange, Organization, SchoolRating
from members.tests.factories import OrganizationFactory, PersonFactory
from programs.models import Enrollment, Program, ProgramPartner
from programs.tests.factories import EnrollmentFactory, ProgramFactory
from reports.models import new_verification_code
from resources.models import Booking
from resources.tests.factories import BookedResourceFactory, BookingFactory, OpeningHoursFactory, ResourceFactory
from resources.tests.factories import period as time_range

D = datetime.date
START, END = D(2026, 1, 1), D(2026, 3, 31)
PREVIOUS = (D(2025, 10, 1), D(2025, 12, 31))


def at(day: datetime.date, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def _organizations(cluster) -> dict:
    def org(key, kind=Organization.Kind.SCHOOL, district="Chirchik", joined=D(2024, 9, 1), status="active"):
        return OrganizationFactory(cluster=cluster, kind=kind, district=district, joined_on=joined, status=status,
                                   name=f"{key} {cluster.slug} {Organization.objects.for_cluster(cluster).count()}")

    return {
        "uni": org("University", Organization.Kind.PEDAGOGICAL_UNIVERSITY, joined=D(2020, 9, 1)),
        "iro": org("IRO", Organization.Kind.IRO, joined=D(2020, 9, 1)),
        "s1": org("School 1"),
        "s2": org("School 2"),
        "s3": org("School 3", district="Yangiyul"),
        "s4": org("School 4", district="Yangiyul", joined=D(2026, 2, 10)),  # joined in the period
        "ent": org("Plant", Organization.Kind.ENTERPRISE, district="", joined=D(2026, 1, 15)),  # joined in it
        "col": org("College", Organization.Kind.COLLEGE, status="suspended"),
        "s5": org("School 5", status="withdrawn"),
        "s6": org("School 6", status="withdrawn"),
        "s7": org("School 7"),
        "s8": org("School 8", status="suspended"),
        "late": org("School 9", joined=D(2026, 4, 10)),  # joined after the period: not there at its end
    }


def _status_changes(cluster, o):
    def change(org, from_status, to_status, day):
        MembershipStatusChange.objects.create(cluster=cluster, organization=org, from_status=from_status,
                                              to_status=to_status, effective_on=day, reason="test")

    change(o["col"], "active", "suspended", D(2026, 3, 1))     # suspended in the period
    change(o["s5"], "active", "withdrawn", D(2025, 11, 10))    # withdrawn before it
    change(o["s6"], "active", "suspended", D(2026, 2, 1))      # suspended, then
    change(o["s6"], "suspended", "withdrawn", D(2026, 3, 15))  # withdrawn: one exit
    change(o["s7"], "active", "suspended", D(2025, 12, 1))     # suspended before,
    change(o["s7"], "suspended", "active", D(2026, 1, 20))     # reinstated in the period
    change(o["s8"], "active", "suspended", D(2026, 5, 1))      # after: active at the end


def _ratings(cluster, o):
    rows = [
        # the rating period before the latest one
        ("s1", D(2025, 9, 1), "red"), ("s2", D(2025, 9, 1), "yellow"), ("s3", D(2025, 9, 1), "red"),
        ("s7", D(2025, 9, 1), "green"), ("s8", D(2025, 9, 1), "yellow"),
        # the latest rating period within the report's period
        ("s1", D(2026, 1, 1), "yellow"), ("s2", D(2026, 1, 1), "green"), ("s3", D(2026, 1, 1), "red"),
        ("s7", D(2026, 1, 1), "yellow"), ("s4", D(2026, 1, 1), "red"), ("s8", D(2026, 1, 1), "yellow"),
        # outside: after the period, and older than the period before
        ("s1", D(2026, 4, 1), "green"), ("s1", D(2025, 1, 1), "red"),
    ]
    SchoolRating.objects.bulk_create([
        SchoolRating(cluster=cluster, organization=o[key], period=period, colour=colour, score=Decimal("50"))
        for key, period, colour in rows
    ])


def _agreement(cluster, kind, start, end, parties, history):
    agreement = AgreementFactory(cluster=cluster, kind=kind, start_date=start, end_date=end, status=history[-1][0])
    for organization in parties:
        AgreementPartyFactory(agreement=agreement, organization=organization)
    previous = ""
    for status, day in history:
        transition = AgreementTransition.objects.create(cluster=cluster, agreement=agreement,
                                                        from_status=previous, to_status=status)
        # created_at is auto_now_add: the moment is written afterwards.
        AgreementTransition.objects.for_cluster(cluster).filter(pk=transition.pk).update(created_at=at(day))
        previous = status
    return agreement


def _agreements(cluster, o):
    K = Agreement.Kind
    a1 = _agreement(cluster, K.MEMORANDUM, D(2025, 6, 1), D(2026, 5, 31), [o["uni"], o["s1"], o["s2"]], [
        ("draft", D(2025, 5, 1)), ("negotiation", D(2025, 5, 5)), ("signed", D(2025, 5, 20)),
        ("active", D(2025, 6, 1))])                                   # active, expiring
    a2 = _agreement(cluster, K.DUAL_EDUCATION, D(2026, 2, 1), D(2027, 1, 31), [o["col"], o["ent"]], [
        ("draft", D(2026, 1, 5)), ("negotiation", D(2026, 1, 10)), ("signed", D(2026, 1, 25)),
        ("active", D(2026, 2, 1)), ("terminated", D(2026, 4, 10))])   # new, active (terminated only after)
    _agreement(cluster, K.RESOURCE_SHARING, D(2026, 4, 1), D(2027, 3, 31), [o["uni"], o["s3"]], [
        ("draft", D(2026, 3, 1)), ("negotiation", D(2026, 3, 5)), ("signed", D(2026, 3, 20))])  # new, not yet in force
    _agreement(cluster, K.RESEARCH, D(2025, 1, 1), D(2025, 12, 31), [o["uni"], o["iro"]], [
        ("draft", D(2024, 12, 1)), ("signed", D(2024, 12, 10)), ("active", D(2025, 1, 1)),
        ("expired", D(2026, 1, 1))])                                  # ended before the period
    a5 = _agreement(cluster, K.INTERNSHIP, D(2025, 9, 1), D(2026, 8, 31), [o["iro"], o["s3"]], [
        ("draft", D(2025, 8, 1)), ("signed", D(2025, 8, 15)), ("active", D(2025, 9, 1)),
        ("terminated", D(2026, 2, 15))])                              # terminated in the period
    _agreement(cluster, K.MEMORANDUM, D(2025, 3, 1), D(2026, 3, 15), [o["iro"], o["s2"]], [
        ("draft", D(2025, 2, 1)), ("signed", D(2025, 2, 20)), ("active", D(2025, 3, 1)),
        ("expired", D(2026, 3, 16))])                                 # expired in the period
    _agreement(cluster, K.NETWORK_PROGRAMME, D(2026, 3, 1), D(2026, 12, 31), [o["uni"], o["s4"]], [
        ("draft", D(2026, 2, 1)), ("negotiation", D(2026, 2, 10))])   # never signed: nowhere
    _agreement(cluster, K.MEMORANDUM, D(2025, 10, 1), D(2026, 6, 30), [o["uni"], o["ent"]], [
        ("draft", D(2025, 9, 1)), ("signed", D(2025, 9, 20)), ("active", D(2025, 10, 1)),
        ("suspended", D(2026, 3, 10))])                               # suspended at the end
    a9 = _agreement(cluster, K.MEMORANDUM, D(2026, 1, 1), D(2026, 4, 30), [o["s1"], o["s2"]], [
        ("draft", D(2025, 12, 1)), ("signed", D(2025, 12, 20)), ("active", D(2026, 1, 1))])  # active, expiring

    def party(agreement, organization):
        return agreement.parties.get(organization=organization)

    def obligation(agreement, organization, due, status="open", completed=None):
        ObligationFactory(party=party(agreement, organization), due_date=due, status=status,
                          completed_at=at(completed) if completed else None)

    obligation(a1, o["uni"], D(2026, 3, 1))                                 # overdue
    obligation(a1, o["s1"], D(2026, 2, 1), "done", D(2026, 2, 20))          # done in time
    obligation(a2, o["ent"], D(2026, 3, 20), "done", D(2026, 4, 5))         # done after the end: overdue then
    obligation(a2, o["col"], D(2026, 3, 31))                                # due on the last day: overdue
    obligation(a9, o["s2"], D(2026, 4, 15))                                 # not yet due
    obligation(a9, o["s1"], D(2026, 2, 10), "cancelled")                    # cancelled: never
    obligation(a5, o["s3"], D(2026, 1, 10), "overdue")                      # agreement terminated
    obligation(a1, o["s2"], D(2026, 3, 10), "overdue")                      # overdue


def _resources(cluster, o):
    lab = ResourceFactory(cluster=cluster, owner=o["uni"])
    OpeningHoursFactory(resource=lab, weekday=0)  # Mondays 9:00-18:00: 13 Mondays in the quarter, 117 hours
    room = ResourceFactory(cluster=cluster, owner=o["col"], kind="classroom")  # no opening hours

    def booking(requester, resource, day, hours, status, requested_on, first_hour=10):
        item = BookedResourceFactory(
            booking=BookingFactory(requester=requester, status=status,
                                   period=time_range(at(day, first_hour), at(day, first_hour + hours))),
            resource=resource,
        )
        Booking.objects.for_cluster(cluster).filter(pk=item.booking_id).update(created_at=at(requested_on))

    booking(o["s1"], lab, D(2026, 2, 2), 3, "approved", D(2026, 1, 25))
    booking(o["s3"], lab, D(2026, 3, 9), 2, "completed", D(2026, 3, 1), first_hour=9)
    booking(o["ent"], room, D(2026, 1, 20), 2, "approved", D(2026, 1, 10), first_hour=14)
    booking(o["s2"], lab, D(2026, 2, 9), 2, "declined", D(2026, 2, 1))
    booking(o["uni"], lab, D(2026, 3, 16), 2, "approved", D(2026, 3, 10))       # its own resource: no pair
    booking(o["s2"], lab, D(2025, 12, 1), 2, "completed", D(2025, 11, 20))      # the previous quarter
    booking(o["s4"], lab, D(2026, 4, 6), 2, "approved", D(2026, 3, 25))         # requested now, held after


def _programmes(cluster, o):
    t = {n: PersonFactory(organization=o[key], full_name=f"Teacher {n}") for n, key in
         [(1, "s1"), (2, "s1"), (3, "s3"), (4, "s2"), (5, "s4"), (6, "col"), (7, "s2"), (8, "s5")]}

    def programme(lead, kind, start, end, status, competences=("digital",), partners=()):
        program = ProgramFactory(cluster=cluster, lead_organization=lead, kind=kind, start_date=start,
                                 end_date=end, status=status, competences=list(competences))
        for partner in partners:
            ProgramPartner.objects.create(cluster=cluster, program=program, organization=partner)
        return program

    def enrol(program, n, status, hours=0, pre=None, post=None, completed=None, certificate=None, priority=False):
        EnrollmentFactory(
            program=program, person=t[n], organization=t[n].organization, status=status, priority=priority,
            hours_attended=Decimal(hours), pre_score=pre, post_score=post,
            completed_at=at(completed) if completed else None,
            certificate_code=new_verification_code() if certificate else None,
            certificate_issued_at=at(certificate) if certificate else None,
        )

    K, S, E = Program.Kind, Program.Status, Enrollment.Status
    p1 = programme(o["iro"], K.PROFESSIONAL_DEVELOPMENT, D(2026, 1, 10), D(2026, 3, 20), S.COMPLETED,
                   partners=[o["uni"]])
    enrol(p1, 1, E.COMPLETED, 30, 50, 70, D(2026, 3, 20), certificate=D(2026, 3, 21), priority=True)
    enrol(p1, 2, E.COMPLETED, 34, 60, 55, D(2026, 3, 20), certificate=D(2026, 4, 2))
    enrol(p1, 3, E.NOT_COMPLETED, 10)
    enrol(p1, 4, E.WITHDRAWN)
    p2 = programme(o["uni"], K.INTERNSHIP, D(2025, 11, 1), D(2026, 2, 28), S.COMPLETED,
                   competences=("stem", "digital"), partners=[o["ent"]])
    enrol(p2, 1, E.COMPLETED, 60, 40, 65)                     # dated by the programme's end: 28 February
    enrol(p2, 5, E.COMPLETED, 20, 30, 50, D(2025, 12, 20))     # completed in the previous quarter
    enrol(p2, 6, E.CONFIRMED)
    p3 = programme(o["iro"], K.SEMINAR, D(2026, 2, 1), D(2026, 2, 2), S.CANCELLED, partners=[o["s4"]])
    enrol(p3, 7, E.CONFIRMED)
    programme(o["iro"], K.SEMINAR, D(2026, 5, 1), D(2026, 5, 2), S.OPEN)
    p5 = programme(o["uni"], K.OLYMPIAD, D(2026, 3, 15), D(2026, 6, 30), S.RUNNING, partners=[o["iro"]])
    enrol(p5, 7, E.CONFIRMED)
    p6 = programme(o["iro"], K.SEMINAR, D(2025, 10, 1), D(2025, 10, 5), S.COMPLETED, partners=[o["s3"]])
    enrol(p6, 8, E.COMPLETED, 8, completed=D(2025, 10, 5), certificate=D(2025, 10, 6))


def _innovations(cluster, o):
    def innovation(origin, created, history):
        item = InnovationFactory(cluster=cluster, origin_organization=origin, created_at=at(created),
                                 stage=history[-1][0], stage_changed_at=at(history[-1][1]))
        previous = ""
        for stage, day in history:
            transition_at(item, stage, at(day), from_stage=previous)
            previous = stage
        return item

    i1 = innovation(o["s1"], D(2025, 10, 1), [
        (Stage.PROPOSED, D(2025, 10, 1)), (Stage.IN_REVIEW, D(2025, 10, 10)),
        (Stage.APPROVED_FOR_PILOT, D(2025, 11, 1)), (Stage.PILOTING, D(2025, 12, 1)),
        (Stage.EVALUATED, D(2026, 2, 1)), (Stage.DISSEMINATING, D(2026, 3, 1))])
    i2 = innovation(o["uni"], D(2026, 1, 15), [(Stage.PROPOSED, D(2026, 1, 15)), (Stage.IN_REVIEW, D(2026, 2, 1))])
    innovation(o["s3"], D(2026, 3, 1), [(Stage.PROPOSED, D(2026, 3, 1))])
    innovation(o["iro"], D(2025, 6, 1), [(Stage.PROPOSED, D(2025, 6, 1)), (Stage.REJECTED, D(2025, 7, 1))])
    innovation(o["s2"], D(2026, 4, 5), [(Stage.PROPOSED, D(2026, 4, 5))])  # after the period

    P = Pilot.Status
    PilotFactory(innovation=i1, organization=o["s2"], start_date=D(2025, 12, 1), end_date=D(2026, 1, 31),
                 status=P.COMPLETED)                          # running in the period, started before
    PilotFactory(innovation=i1, organization=o["s4"], start_date=D(2026, 2, 15), end_date=D(2026, 5, 31),
                 status=P.RUNNING)                            # started and running
    PilotFactory(innovation=i2, organization=o["s3"], start_date=D(2026, 3, 1), end_date=D(2026, 4, 30),
                 status=P.STOPPED)                            # stopped: never counted
    PilotFactory(innovation=i1, organization=o["s7"], start_date=D(2026, 4, 10), end_date=D(2026, 6, 1),
                 status=P.PLANNED)                            # after

    A = Adoption.Status
    AdoptionFactory(innovation=i1, organization=o["s7"], learned_from=o["s1"], started_on=D(2026, 2, 10),
                    status=A.ADOPTED)
    AdoptionFactory(innovation=i1, organization=o["s8"], learned_from=o["s7"], started_on=D(2026, 3, 5),
                    status=A.IN_PROGRESS)
    AdoptionFactory(innovation=i1, organization=o["s2"], learned_from=o["s1"], started_on=D(2026, 3, 20),
                    status=A.ABANDONED)
    AdoptionFactory(innovation=i1, organization=o["s3"], learned_from=o["s1"], started_on=D(2025, 12, 15),
                    status=A.ADOPTED)                         # the previous quarter
    AdoptionFactory(innovation=i1, organization=o["uni"], learned_from=o["s1"], started_on=D(2026, 4, 2),
                    status=A.PLANNED)                         # after


def build(cluster) -> dict:
    organizations = _organizations(cluster)
    _status_changes(cluster, organizations)
    _ratings(cluster, organizations)
    _agreements(cluster, organizations)
    _resources(cluster, organizations)
    _programmes(cluster, organizations)
    _innovations(cluster, organizations)
    return organizations
