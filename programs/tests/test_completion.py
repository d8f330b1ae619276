import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from members.tests.factories import PersonFactory
from programs import selectors, services
from programs.certificates import certificate_html, certificate_pdf, certificates_zip
from programs.models import Enrollment, Program, ProgramPartner
from programs.tests.factories import EnrollmentFactory, ProgramFactory, SessionFactory

pytestmark = pytest.mark.django_db

PAST = datetime.date.today() - datetime.timedelta(days=20)


@pytest.fixture
def course(cluster, institute):
    """Running, ended yesterday; four 3-hour sessions; 75 % attendance and a post score of 60 needed."""
    program = ProgramFactory(cluster=cluster, lead_organization=institute, title="STEM laboratory methods",
                             status="running", start_date=PAST, end_date=datetime.date.today() - datetime.timedelta(1),
                             min_attendance_percent=75, requires_post_assessment=True, pass_score=60, capacity=10)
    for day in range(4):
        SessionFactory(program=program, date=PAST + datetime.timedelta(days=day))
    return program


def sheet(cluster, actor, course, marks_per_session):
    sessions = list(course.sessions.order_by("date"))
    for session, marks in zip(sessions, marks_per_session):
        services.attendance_record(cluster=cluster, actor=actor, session_id=session.pk, marks=marks)


def test_completion_rule_hours_and_certificates(cluster, institute_admin, course, school):
    full, three, two, failed = (EnrollmentFactory(program=course, person=PersonFactory(
        organization=school, full_name=name), organization=school) for name in (
        "Dilnoza Rahimova", "Bekzod Tursunov", "Sardor Aliev", "Nodira Qodirova"))
    sheet(cluster, institute_admin, course, [
        {full.pk: True, three.pk: True, two.pk: True, failed.pk: True},
        {full.pk: True, three.pk: True, two.pk: True, failed.pk: True},
        {full.pk: True, three.pk: True, two.pk: False, failed.pk: True},
        {full.pk: True, three.pk: False, two.pk: False, failed.pk: True},
    ])
    for enrollment, pre, post in ((full, 40, 80), (three, 50, 60), (two, 55, 90), (failed, 70, 59.5)):
        services.assessment_record(cluster=cluster, actor=institute_admin, enrollment_id=enrollment.pk,
                                   pre_score=pre, post_score=post)
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=course.pk, to_status="completed")
    got = {e.person.full_name: (e.status, e.hours_attended, bool(e.certificate_code))
           for e in Enrollment.objects.for_cluster(cluster).filter(program=course).select_related("person")}
    assert got == {
        "Dilnoza Rahimova": ("completed", Decimal("12.00"), True),
        "Bekzod Tursunov": ("completed", Decimal("9.00"), True),  # 75 % and exactly the pass score
        "Sardor Aliev": ("not_completed", Decimal("6.00"), False),  # 50 % attendance
        "Nodira Qodirova": ("not_completed", Decimal("12.00"), False),  # 59.5 < 60
    }
    # Figures: gains 40, 10, 35, -10.5 -> mean 18.625 -> 18.63 (rounded); 3 of 4 improved.
    figures = selectors.assessment_figures(cluster=cluster, program=course)
    assert figures == {"assessed": 4, "mean_gain": Decimal("18.63"), "improved_share": Decimal("0.7500")}

    # A late post-assessment: evaluated again, Nodira completes; nobody completed is taken back.
    services.assessment_record(cluster=cluster, actor=institute_admin, enrollment_id=failed.pk, post_score=61)
    assert services.completion_evaluate(cluster=cluster, actor=institute_admin, program_id=course.pk) == {
        "completed": 1, "not_completed": 1}

    dilnoza = Enrollment.objects.for_cluster(cluster).select_related(
        "person__user", "cluster", "program__lead_organization").get(pk=full.pk)
    code = dilnoza.certificate_code
    assert len(code) == 12 and set(code) <= set(selectors.CODE_ALPHABET)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(certificate_pdf(dilnoza))).pages)
    assert "Dilnoza Rahimova" in text
    assert "STEM laboratory methods" in text
    assert "12" in text and "Tashkent Regional IRO" in text
    assert selectors.format_code(code) in text
    assert "/verify/" in text and code in text.replace("\n", "")

    archive = zipfile.ZipFile(io.BytesIO(certificates_zip(course)))
    names = archive.namelist()
    assert len(names) == 3 and len(set(names)) == 3
    assert f"Dilnoza-Rahimova-{code}.pdf" in names

    facts = selectors.certificate_verify(selectors.format_code(code).lower())
    assert facts["person_name"] == "Dilnoza Rahimova" and facts["program_title"] == "STEM laboratory methods"
    assert facts["hours"] == Decimal("12.00") and facts["cluster_name"] == cluster.name
    assert facts["lead_organization"] == "Tashkent Regional IRO"
    assert set(facts) == {"code", "person_name", "program_title", "program_kind", "hours", "completion_date",
                          "issued_at", "lead_organization", "cluster_name", "brand"}
    assert set(facts["brand"]) == {"cluster_theme_css", "cluster_logo_url"}  # the cluster's look, nothing more
    assert selectors.certificate_verify("ABCDEFGHJKLM") is None
    assert selectors.certificate_verify("../../etc") is None


def test_certificate_in_the_clusters_language(cluster, institute_admin, course, school):
    cluster.languages = ["ru"]
    cluster.save()
    enrollment = EnrollmentFactory(program=course, organization=school,
                                   person=PersonFactory(organization=school, full_name="Olga Kim"))
    sheet(cluster, institute_admin, course, [{enrollment.pk: True}] * 4)
    services.assessment_record(cluster=cluster, actor=institute_admin, enrollment_id=enrollment.pk, post_score=90)
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=course.pk, to_status="completed")
    enrollment = Enrollment.objects.for_cluster(cluster).select_related("cluster", "person__user").get(pk=enrollment.pk)
    from programs.certificates import certificate_language

    assert certificate_language(enrollment) == "ru"
    assert "Olga Kim" in PdfReader(io.BytesIO(certificate_pdf(enrollment))).pages[0].extract_text()


@pytest.mark.parametrize("language", ["ru", "uz-cyrl"])
def test_the_certificate_names_the_programme_and_its_organizations_in_its_language(
        cluster, course, institute, school, language):
    cluster.languages = [language]
    cluster.save()
    Program.objects.for_cluster(cluster).filter(pk=course.pk).update(
        title_translations={"ru": "Методы STEM-лаборатории", "uz": "STEM laboratoriya usullari"})
    type(institute).objects.for_cluster(cluster).filter(pk=institute.pk).update(
        name_translations={"ru": "Ташкентский областной ИРО", "uz": "Toshkent viloyati XTXQTMOI"})
    ProgramPartner.objects.create(cluster=cluster, program=course, organization=school)
    type(school).objects.for_cluster(cluster).filter(pk=school.pk).update(name_translations={"uz": "1-sonli maktab"})
    issued = EnrollmentFactory(program=course, organization=school, person=PersonFactory(organization=school),
                               status="completed", certificate_code="ABCDEFGHJKLM",
                               certificate_issued_at=timezone.now(), hours_attended=12)
    enrollment = Enrollment.objects.for_cluster(cluster).select_related(
        "cluster", "person__user", "program__lead_organization").get(pk=issued.pk)

    html = certificate_html(enrollment, logo_data_uri="")
    text = PdfReader(io.BytesIO(certificate_pdf(enrollment))).pages[0].extract_text()
    if language == "ru":
        expected = ["Методы STEM-лаборатории", "Ташкентский областной ИРО", "School No. 1"]
    else:  # the Uzbek names, in Cyrillic
        expected = ["STEM лаборатория усуллари", "Тошкент вилояти ХТХҚТМОИ", "1-сонли мактаб"]
    for name in expected:
        assert name in html, name
    assert expected[0] in " ".join(text.split())
    assert "STEM laboratory methods" not in html and "Tashkent Regional IRO" not in html


def test_daily_task_starts_and_completes_idempotently(cluster, institute, school):
    from programs.tasks import programs_daily_all

    today = datetime.date.today()
    starting = ProgramFactory(cluster=cluster, lead_organization=institute, start_date=today, end_date=today)
    ended = ProgramFactory(cluster=cluster, lead_organization=institute, status="running", start_date=PAST,
                           end_date=today - datetime.timedelta(days=1), min_attendance_percent=0)
    SessionFactory(program=ended, date=PAST)
    attended = EnrollmentFactory(program=ended, organization=school, person=PersonFactory(organization=school))
    assert programs_daily_all.delay(today.isoformat()).get()[cluster.slug] == {"running": 1, "completed": 1}
    assert programs_daily_all.delay(today.isoformat()).get()[cluster.slug] == {"running": 0, "completed": 0}
    starting.refresh_from_db(), ended.refresh_from_db(), attended.refresh_from_db()
    assert (starting.status, ended.status, attended.status) == ("running", "completed", "completed")
    assert attended.certificate_code


def test_completion_before_the_end_date_is_refused(cluster, institute_admin, program):
    program.status = "running"
    program.save()
    with pytest.raises(ValidationError) as excinfo:
        services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk,
                                    to_status="completed")
    assert excinfo.value.message_dict["status"] == [
        f"The programme can be completed on or after its end date ({program.end_date.isoformat()})."]


def test_cancelling_withdraws_everyone(cluster, institute_admin, org_admin, program, teachers):
    for teacher in teachers[:4]:
        services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=teacher.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk,
                                    to_status="cancelled")
    assert excinfo.value.message_dict["reason"] == ["Give the reason for cancelling the programme."]
    services.program_transition(cluster=cluster, actor=institute_admin, program_id=program.pk,
                                to_status="cancelled", reason="The trainer is ill")
    assert set(Enrollment.objects.for_cluster(cluster).filter(program=program).values_list(
        "status", flat=True)) == {"withdrawn"}
    assert list(program.transitions.values_list("to_status", "comment")) == [("cancelled", "The trainer is ill")]


def test_attendance_refusals(cluster, institute_admin, program, org_admin, teachers):
    enrollment = services.enroll(cluster=cluster, actor=org_admin, program_id=program.pk, person_id=teachers[0].pk)
    session = program.sessions.get()
    with pytest.raises(ValidationError) as excinfo:
        services.attendance_record(cluster=cluster, actor=institute_admin, session_id=session.pk,
                                   marks={enrollment.pk: True})
    assert excinfo.value.message_dict["session"][0].startswith("Attendance is recorded on or after the day")
    session.date = datetime.date.today()
    session.save()
    with pytest.raises(ValidationError) as excinfo:
        services.attendance_record(cluster=cluster, actor=institute_admin, session_id=session.pk,
                                   marks={enrollment.pk: True, 999999: False})
    assert excinfo.value.message_dict["marks"] == ["Not participants of this programme: 999999."]
    assert not session.attendance.exists()
