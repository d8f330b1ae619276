"""Enrolment: an admin enrols their people, a person applies and their admin confirms, anyone
concerned withdraws; the management page of a programme's enrolments; "my programmes";
certificates as PDF, one or a programme's all in a zip.

Confirm is a POST that answers an htmx request with the replaced table row (and an
announcement for screen readers) and a plain form post with a redirect; withdrawing asks
for confirmation on a page of its own first.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from cluster_platform.forms import ConfirmForm
from members.views.base import redirect_back

from .. import certificates, permissions, selectors, services
from ..forms import WithdrawForm
from ..models import Enrollment, Program
from .base import ProgramActionView, ProgramPage
from .programmes import enrol_form_for

Status = Enrollment.Status
# The sections of the management page, in their order.
SECTIONS = (
    (Status.APPLIED, Status.APPLIED.label),
    (Status.CONFIRMED, Status.CONFIRMED.label),
    (Status.WAITLISTED, Status.WAITLISTED.label),
    (Status.COMPLETED, Status.COMPLETED.label),
    (Status.NOT_COMPLETED, Status.NOT_COMPLETED.label),
    (Status.WITHDRAWN, Status.WITHDRAWN.label),
)


def enrollment_actions(roles, program: Program, enrollment: Enrollment) -> dict:
    """What the user may do with one row (the services check again on POST)."""
    enrollment.program = program  # the predicates read the programme's status: the page's own row
    return {
        "enrollment": enrollment,
        "can_confirm": permissions.can_confirm(roles, enrollment),
        "can_withdraw": permissions.can_withdraw(roles, enrollment),
        "can_download": enrollment.has_certificate and permissions.can_download_certificate(roles, enrollment),
    }


class EnrolView(ProgramActionView):
    """Base of the enrolment forms posted from the programme page."""

    def get_success_url(self):
        fallback = self.program_url("#enrolment")
        return redirect_back(self.request, fallback).url


class EnrollView(EnrolView):
    template_name = "programs/enroll.html"

    def load_target(self):
        self.require(permissions.can_enroll_for(self.roles, None))

    def get_form(self, data=None):
        form = enrol_form_for(self, self.program, data)
        if form is None:
            raise Http404  # enrolment is closed: the page offers no form
        return form

    def perform(self, form):
        return services.enroll(cluster=self.cluster, actor=self.request.user, program_id=self.program.pk,
                               person_id=form.cleaned_data["person"])

    def get_success_message(self):
        return enrolment_message(self.object)


def enrolment_message(enrollment) -> str:
    values = {"name": enrollment.person.full_name, "position": enrollment.waitlist_position}
    if enrollment.status == Status.CONFIRMED:
        return _("%(name)s has a place in the programme.") % values
    if enrollment.status == Status.WAITLISTED:
        return _("The programme is full: %(name)s is on the waiting list, position %(position)s.") % values
    return _("%(name)s applied; their organization's administrator confirms the application.") % values


class ApplyView(EnrolView):
    template_name = "programs/apply.html"
    form_class = ConfirmForm

    def perform(self, form):
        return services.apply(cluster=self.cluster, actor=self.request.user, program_id=self.program.pk)

    def get_success_message(self):
        return _("Your application was sent. Your organization's administrator confirms it.")


class EnrollmentPage(ProgramPage):
    """A page about one enrolment the user may read; any other is 404."""

    def load_enrollment(self, get=selectors.enrollment_get) -> Enrollment:
        try:
            self.enrollment = get(cluster=self.cluster, roles=self.roles, pk=self.kwargs["pk"])
        except (Enrollment.DoesNotExist, ValueError):
            raise Http404
        self.program = self.enrollment.program
        return self.enrollment


class WithdrawView(EnrollmentPage, ProgramActionView):
    template_name = "programs/withdraw.html"
    form_class = WithdrawForm

    def load(self):
        self.load_enrollment()
        # Who may withdraw; whether this enrolment still can be is the service's refusal, which
        # says why (a 403 would not).
        self.require(permissions.acts_for(self.roles, self.enrollment))

    def perform(self, form):
        return services.withdraw(cluster=self.cluster, actor=self.request.user, enrollment_id=self.enrollment.pk,
                                 reason=form.cleaned_data.get("reason", ""))

    def get_success_message(self):
        return _("%(name)s was withdrawn from %(title)s.") % {"name": self.enrollment.person.full_name,
                                                             "title": self.program.localized_title}

    def get_success_url(self):
        return redirect_back(self.request, self.program_url("#enrolment")).url

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(enrollment=self.enrollment, next_url=self.request.POST.get("next") or self.request.GET.get(
            "next", ""))
        return context


class EnrollmentsView(ProgramPage):
    """A programme's enrolments by status: all of them for the lead organization's admins,
    coordinators and authorities; an organization admin's own people for the others."""

    template_name = "programs/enrollments.html"

    def get_context_data(self, **kwargs):
        program = self.program or self.load_program()
        roles = self.roles
        self.require(permissions.can_view_all_enrollments(roles, program) or roles.is_org_admin())
        context = super().get_context_data(**kwargs)
        rows = [enrollment_actions(roles, program, e)
                for e in selectors.enrollment_list(cluster=self.cluster, roles=roles, program=program)]
        sections = []
        for status, label in SECTIONS:
            members = [row for row in rows if row["enrollment"].status == status]
            if status == Status.WAITLISTED:
                members.sort(key=lambda row: (row["enrollment"].waitlist_position, row["enrollment"].pk))
            sections.append({"status": status, "label": label, "rows": members})
        can_manage = permissions.can_manage(roles, program)
        context.update(
            sections=sections,
            total=len(rows),
            sees_all=permissions.can_view_all_enrollments(roles, program),
            enrol_form=kwargs.get("enrol_form") or enrol_form_for(self, program),
            can_manage=can_manage,
            certificates=selectors.certificates_issued(cluster=self.cluster, program=program)
            if can_manage else 0,
            next_url=self.request.get_full_path(),
        )
        return context


class ConfirmApplicationView(EnrollmentPage):
    """POST only: the admin confirms an application; the row for htmx, a redirect otherwise."""

    http_method_names = ["post"]
    row_template = "programs/partials/enrollment_row.html"

    def post(self, request, *args, **kwargs):
        enrollment = self.load_enrollment()
        try:
            enrollment = services.confirm_application(cluster=self.cluster, actor=request.user,
                                                      enrollment_id=enrollment.pk)
        except ValidationError as error:
            return self.refused(error)
        announcement = enrolment_message(enrollment)
        if request.htmx:
            return self.row(announcement=announcement)
        messages.success(request, announcement)
        return redirect_back(request, reverse("program_enrollments", args=[self.cluster.slug, self.program.pk]))

    def refused(self, error):
        errors = error.messages
        if self.request.htmx:
            return self.row(errors=errors, status=422)
        view = EnrollmentsView(request=self.request, kwargs={"pk": self.program.pk}, args=())
        view.cluster, view.roles, view.program = self.cluster, self.roles, self.load_program(self.program.pk)
        context = view.get_context_data(action_errors=errors)
        context["action_errors"] = errors
        return TemplateResponse(self.request, view.template_name, context, status=422)

    def row(self, *, announcement="", errors=(), status=200):
        enrollment = self.load_enrollment()  # re-read: the service may have changed it, or someone else
        context = self.get_context_data(row=enrollment_actions(self.roles, self.program, enrollment),
                                        announcement=announcement, row_errors=errors,
                                        next_url=self.request.htmx.current_url_abs_path or "")
        return TemplateResponse(self.request, self.row_template, context, status=status)


class EnrollmentCertificateView(EnrollmentPage):
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        # With what the certificate shows: its partners are one query, not one each.
        enrollment = self.load_enrollment(selectors.enrollment_certificate_get)
        if not enrollment.has_certificate:
            raise Http404
        self.require(permissions.can_download_certificate(self.roles, enrollment))
        response = HttpResponse(certificates.certificate_pdf(enrollment), content_type="application/pdf")
        name = f"certificate-{enrollment.certificate_code}.pdf"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class CertificatesZipView(ProgramPage):
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        program = self.load_program()
        if not permissions.can_manage(self.roles, program):
            raise PermissionDenied
        if not selectors.certificates_issued(cluster=self.cluster, program=program):
            raise Http404
        response = HttpResponse(certificates.certificates_zip(program), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="certificates-{program.pk}.zip"'
        response["Cache-Control"] = "private, no-store"
        return response


class MyProgramsView(ProgramPage):
    template_name = "programs/program_mine.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        person = selectors.person_for_user(cluster=self.cluster, user=self.request.user)
        enrollments = selectors.my_enrollments(cluster=self.cluster, user=self.request.user) if person else []
        context.update(person=person, enrollments=[
            {"enrollment": e, "can_download": e.has_certificate,
             "can_withdraw": permissions.can_withdraw(self.roles, e)}
            for e in enrollments])
        return context
