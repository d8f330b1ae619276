"""The demo programmes and employer needs that seed_demo writes into tashkent-region: enough of
every kind and status, and every row within the rules the services enforce."""

from collections import Counter
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import TestCase, override_settings
from django.utils import timezone

from cluster_platform.tenancy import roles_for
from members.models import Cluster
from programs import selectors
from programs.models import (
    Attendance,
    EmployerNeed,
    Enrollment,
    Program,
    ProgramNeed,
    ProgramPartner,
    ProgramTransition,
    Session,
)
from programs.services.records import _passes

User = get_user_model()
Status = Enrollment.Status

PROGRAM_MODELS = [Program, ProgramPartner, ProgramTransition, Session, Enrollment, Attendance, EmployerNeed,
                  ProgramNeed]


def _state() -> dict:
    state = {model.__name__: sorted(model.objects.unscoped().values_list("pk", flat=True))
             for model in PROGRAM_MODELS}
    state["enrollments"] = sorted(Enrollment.objects.unscoped().values_list(
        "pk", "status", "waitlist_position", "certificate_code", "updated_at"))
    state["programs"] = sorted(Program.objects.unscoped().values_list("pk", "status", "updated_at"))
    return state


@override_settings(DEMO_MODE=True)
class DemoProgramsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.output = StringIO()
        call_command("seed_demo", stdout=cls.output)
        cls.cluster = Cluster.objects.get(slug="tashkent-region")
        cls.institution = User.objects.get(username="institution")

    def programs(self):
        return Program.objects.for_cluster(self.cluster)

    def enrollments(self):
        return Enrollment.objects.for_cluster(self.cluster)

    def test_it_reports_the_programmes_it_created(self):
        self.assertRegex(self.output.getvalue(), r"tashkent-region: created \d+ programmes, \d+ sessions, "
                                                 r"\d+ enrolments, \d+ certificates, \d+ employer needs")

    def test_fifteen_programmes_or_more_of_every_kind_and_status(self):
        programs = self.programs()
        self.assertGreaterEqual(programs.count(), 15)
        self.assertEqual(set(programs.values_list("kind", flat=True)), set(Program.Kind.values))
        self.assertEqual(set(programs.values_list("status", flat=True)), set(Program.Status.values))
        self.assertFalse(programs.annotate(n=Count("sessions")).filter(n=0).exists())
        self.assertTrue(ProgramPartner.objects.for_cluster(self.cluster).exists())
        leads = set(programs.values_list("lead_organization__kind", flat=True))
        self.assertTrue({"pedagogical_university", "iro", "college"} <= leads, leads)
        cancelled = programs.get(status=Program.Status.CANCELLED)
        self.assertTrue(cancelled.cancellation_reason)

    def test_enrolments_waiting_list_priority_places_and_applications(self):
        statuses = Counter(self.enrollments().values_list("status", flat=True))
        self.assertGreaterEqual(sum(statuses.values()), 150)
        for status in (Status.CONFIRMED, Status.WAITLISTED, Status.APPLIED, Status.WITHDRAWN, Status.COMPLETED,
                       Status.NOT_COMPLETED):
            self.assertGreater(statuses[status], 0, status)
        full = self.programs().get(title="STEM and robotics for primary teachers")
        self.assertEqual(selectors.places_taken(cluster=self.cluster, program=full)["taken"], full.capacity)
        self.assertEqual(list(selectors.waitlist(cluster=self.cluster, program=full).values_list(
            "waitlist_position", flat=True)), [1, 2, 3, 4])
        self.assertTrue(self.enrollments().filter(priority=True).exists())
        # The priority flag is the latest rating's, as enroll sets it.
        for organization_id, priority in self.enrollments().values_list("organization_id", "priority").distinct():
            self.assertEqual(priority, selectors.is_priority_organization(cluster=self.cluster,
                                                                          organization_id=organization_id))

    def test_the_institution_has_teachers_enrolled_and_applications_to_confirm(self):
        school_ids = roles_for(self.institution, self.cluster).organizations_with("admin")
        mine = self.enrollments().filter(organization_id__in=school_ids)
        self.assertGreaterEqual(mine.exclude(status=Status.APPLIED).count(), 4)
        applications = mine.filter(status=Status.APPLIED, program__status=Program.Status.OPEN)
        self.assertGreaterEqual(applications.count(), 1)
        self.assertTrue(mine.filter(enrolled_by=self.institution).exists())

    def test_places_are_never_over_given_and_one_active_enrolment_a_person(self):
        for program in self.programs().annotate(taken=Count("enrollments", filter=Q(
                enrollments__status__in=Enrollment.PLACE_STATUSES))):
            self.assertLessEqual(program.taken, program.capacity, program.title)
            waiting = self.enrollments().filter(program=program, status=Status.WAITLISTED)
            if waiting.exists():
                self.assertEqual(program.taken, program.capacity, program.title)
                self.assertIn(program.status, (Program.Status.OPEN, Program.Status.RUNNING))
        active = self.enrollments().exclude(status=Status.WITHDRAWN).values("program", "person").annotate(
            n=Count("id")).filter(n__gt=1)
        self.assertFalse(active.exists())
        # No one holds a place or waits in a programme that is planned or cancelled.
        self.assertFalse(self.enrollments().filter(
            program__status__in=[Program.Status.PLANNED, Program.Status.CANCELLED]).exclude(
            status=Status.WITHDRAWN).exists())

    def test_attendance_and_scores_on_running_and_completed_programmes(self):
        today = timezone.localdate()
        self.assertFalse(Attendance.objects.for_cluster(self.cluster).filter(session__date__gt=today).exists())
        # Marks are of participants holding a place (or of one who withdrew after some sessions).
        self.assertFalse(Attendance.objects.for_cluster(self.cluster).exclude(
            enrollment__status__in=[*Enrollment.PLACE_STATUSES, Status.WITHDRAWN]).exists())
        for program in self.programs().filter(status__in=[Program.Status.RUNNING, Program.Status.COMPLETED]):
            held = program.sessions.filter(date__lte=today).count()
            participants = self.enrollments().filter(program=program, status__in=Enrollment.PLACE_STATUSES)
            self.assertGreater(held, 0, program.title)
            self.assertEqual(Attendance.objects.for_cluster(self.cluster).filter(
                session__program=program, enrollment__in=participants).count(), held * participants.count(),
                program.title)
            self.assertFalse(participants.filter(pre_score__isnull=True).exists(), program.title)
        for program in self.programs().filter(status=Program.Status.COMPLETED):
            figures = selectors.assessment_figures(cluster=self.cluster, program=program)
            self.assertGreater(figures["assessed"], 0)
            self.assertGreater(figures["mean_gain"], 0)

    def test_hours_and_completion_follow_the_rule_and_certificates_are_issued(self):
        completed = self.programs().filter(status=Program.Status.COMPLETED)
        self.assertGreaterEqual(completed.count(), 4)
        for program in completed:
            total = program.sessions.count()
            for enrollment in self.enrollments().filter(program=program, status__in=Enrollment.PLACE_STATUSES):
                marks = Attendance.objects.for_cluster(self.cluster).filter(enrollment=enrollment, present=True)
                attended = Session.objects.for_cluster(self.cluster).filter(attendance__in=marks)
                hours = sum((s.end_time.hour * 60 + s.end_time.minute - s.start_time.hour * 60
                             - s.start_time.minute) / 60 for s in attended)
                self.assertAlmostEqual(float(enrollment.hours_attended), hours, places=2)
                passes = _passes(program, enrollment, marks.count(), total)
                self.assertEqual(enrollment.status, Status.COMPLETED if passes else Status.NOT_COMPLETED)
                self.assertEqual(bool(enrollment.certificate_code), passes)
        self.assertFalse(self.enrollments().filter(program__status__in=[
            Program.Status.OPEN, Program.Status.RUNNING], status__in=[Status.COMPLETED, Status.NOT_COMPLETED]).exists())
        codes = list(self.enrollments().exclude(certificate_code=None).values_list("certificate_code", flat=True))
        self.assertGreaterEqual(len(codes), 30)
        self.assertEqual(len(codes), len(set(codes)))

    def test_a_seeded_certificate_verifies(self):
        enrollment = self.enrollments().filter(status=Status.COMPLETED).select_related("person", "program").first()
        facts = selectors.certificate_verify(enrollment.certificate_code.lower())
        self.assertEqual(facts["person_name"], enrollment.person.full_name)
        self.assertEqual(facts["program_title"], enrollment.program.title)
        self.assertEqual(facts["code"], selectors.format_code(enrollment.certificate_code))
        self.assertLessEqual(facts["completion_date"], timezone.localdate())

    def test_the_timeline_follows_the_life_cycle(self):
        for program in self.programs():
            moves = list(ProgramTransition.objects.for_cluster(self.cluster).filter(program=program)
                         .order_by("created_at", "id").values_list("to_status", flat=True))
            self.assertEqual(moves[0], Program.Status.PLANNED, program.title)
            self.assertEqual(moves[-1], program.status, program.title)

    def test_employer_needs_some_linked_and_met_one_closed(self):
        figures = selectors.needs_met(cluster=self.cluster)
        self.assertGreaterEqual(figures["needs"], 6)
        self.assertGreaterEqual(figures["answered"], 4)
        self.assertGreaterEqual(figures["met"], 1)
        needs = EmployerNeed.objects.for_cluster(self.cluster)
        self.assertEqual(set(needs.values_list("organization__kind", flat=True)), {"enterprise", "authority"})
        self.assertTrue(needs.filter(status=EmployerNeed.Status.CLOSED).exists())

    def test_sessions_of_an_open_programme_book_a_shared_resource(self):
        booked = Session.objects.for_cluster(self.cluster).filter(booking__isnull=False).select_related("booking")
        self.assertTrue(booked.exists())
        for session in booked:
            self.assertGreaterEqual(session.date, timezone.localdate())
            self.assertEqual(session.booking.requester_id, session.program.lead_organization_id)
            owners = set(session.booking.items.values_list("resource__owner_id", flat=True))
            self.assertNotIn(session.booking.requester_id, owners)

    def test_a_second_run_changes_nothing(self):
        before = _state()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        self.assertEqual(_state(), before)
        self.assertIn("tashkent-region: programmes already seeded, left unchanged.", out.getvalue())
