"""The programmes API: thin viewsets over programs.services and programs.selectors.

The base class resolves the cluster of the URL and the caller's roles (404 for anyone without
a role there). Every detail route loads its object through the scoped queryset before it reads
the body, so another cluster's id never reaches a service, and an enrolment the caller may not
read (permissions.enrollment_scope) answers 404 like one that does not exist. Writes the
caller's roles do not allow are refused with 403 before the body is read (the predicates of
programs.permissions, which the services then check again); the services' ValidationErrors are
400 answers naming the field.

Completion: moving a running programme to completed (`transition`) applies the completion rule
and issues the certificates; `complete` applies the rule again afterwards (to those who did not
complete, after a late mark or score). Certificates are rendered on demand, never stored.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from agreements.api.views import DownloadContentNegotiation
from cluster_platform.api import ClusterScopedViewSet, ListMixin, error_responses, file_responses
from programs import permissions, selectors, services
from programs.certificates import certificate_pdf, certificates_zip
from programs.models import EmployerNeed, Enrollment, Program, ProgramNeed, ProgramTransition, Session

from .filters import EnrollmentFilter, NeedFilter, ProgramFilter
from .serializers import (
    AssessmentIn,
    AttendanceIn,
    AttendanceResultOut,
    AttendanceSheetOut,
    CompletionOut,
    EnrollIn,
    EnrollmentOut,
    NeedCreateIn,
    NeedLinkIn,
    NeedOut,
    ProgramCreateIn,
    ProgramDetailOut,
    ProgramOut,
    ProgramTransitionIn,
    ProgramUpdateIn,
    SessionIn,
    SessionOut,
    SessionUpdateIn,
    WithdrawIn,
)



def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class DetailUnfiltered:
    """List filters apply to lists: a detail route finds its object whatever the query says."""

    def filter_queryset(self, queryset):
        if self.detail:
            return queryset
        return super().filter_queryset(queryset)


# --- Programmes ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("The catalogue of programmes"),
                       description=_("Everyone with a role in the cluster reads the catalogue.")),
)
@extend_schema(tags=["programs"])
class ProgramViewSet(DetailUnfiltered, ListMixin, ClusterScopedViewSet):
    model = Program
    serializer_class = ProgramOut
    filterset_class = ProgramFilter
    ordering_fields = ["title", "kind", "status", "start_date", "end_date", "created_at"]
    ordering = ["-start_date"]

    # action (and method) -> the permissions.py action it needs on the programme
    OBJECT_ACTIONS = {
        "partial_update": "manage", "transition": "manage", "sessions": "manage", "assessments": "manage",
        "complete": "manage", "certificates": "manage",
    }
    INPUT = {
        "create": ProgramCreateIn, "partial_update": ProgramUpdateIn, "transition": ProgramTransitionIn,
        "sessions": SessionIn, "enroll": EnrollIn, "attendance": AttendanceIn, "assessments": AssessmentIn,
    }

    def scoped_queryset(self):
        if self.action == "list":
            return selectors.program_list(cluster=self.cluster)
        return Program.objects.for_cluster(self.cluster)

    def check_cluster_permission(self):
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "create", None)
        elif self.action == "enroll":
            permissions.require(self.request.user, self.cluster, "enroll", None)

    def check_cluster_object_permission(self, obj):
        needed = self.OBJECT_ACTIONS.get(self.action)
        if self.action == "attendance":
            needed = "manage" if self.request.method == "POST" else "view_enrollments"
        if needed:
            permissions.require(self.request.user, self.cluster, needed, obj)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return ProgramDetailOut
        if self.action == "attendance" and self.request.method == "GET":
            return AttendanceSheetOut
        return self.INPUT.get(self.action, ProgramOut)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        program = selectors.program_get(cluster=self.cluster, pk=pk)
        program.waitlist_count = selectors.waitlist(cluster=self.cluster, program=program).count()
        program.need_refs = list(ProgramNeed.objects.for_cluster(self.cluster).filter(program=program)
                                 .select_related("need__organization").order_by("need__deadline", "id"))
        program.timeline = list(ProgramTransition.objects.for_cluster(self.cluster).filter(program=program)
                                .select_related("actor"))
        program.figures = selectors.assessment_figures(cluster=self.cluster, program=program)
        program.can_manage = permissions.can_manage(self.roles, program)
        return Response(ProgramDetailOut(program, context=self.get_serializer_context()).data, status=status_code)

    def _enrollment(self, pk, *, status_code=status.HTTP_200_OK):
        enrollment = selectors.enrollment_get(cluster=self.cluster, roles=self.roles, pk=pk)
        return Response(EnrollmentOut(enrollment).data, status=status_code)

    @extend_schema(summary=_("One programme with its partners, sessions, places, waiting list, completion "
                             "rule, the needs it answers and its timeline"),
                   responses={200: ProgramDetailOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Create a planned programme (coordinators, or an admin of the lead organization)"),
                   request=ProgramCreateIn, responses={201: ProgramDetailOut, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        data = ProgramCreateIn.to_service_kwargs(self.validate_input(ProgramCreateIn))
        program = services.program_create(cluster=self.cluster, actor=request.user, **data)
        return self._detail(program.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Change a programme (coordinators, or an admin of the lead organization)"),
                   description=_("Any of the fields, until the programme is completed or cancelled. The places "
                                 "cannot drop below those taken; more places move the waiting list up."),
                   request=ProgramUpdateIn, responses={200: ProgramDetailOut, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        program = self.get_object()
        data = ProgramUpdateIn.to_service_kwargs(self.validate_input(ProgramUpdateIn, partial=True))
        services.program_update(cluster=self.cluster, actor=request.user, program_id=program.pk, **data)
        return self._detail(program.pk)

    @extend_schema(summary=_("Move the programme to another status"),
                   description=_("planned → open (with a session) → running (from the start date) → completed "
                                 "(from the end date: the completion rule is applied and certificates issued); "
                                 "open → planned while nobody is enrolled; cancelled with a reason."),
                   request=ProgramTransitionIn, responses={200: ProgramDetailOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def transition(self, request, *args, **kwargs):
        program = self.get_object()
        data = self.validate_input(ProgramTransitionIn)
        services.program_transition(cluster=self.cluster, actor=request.user, program_id=program.pk, **data)
        return self._detail(program.pk)

    @extend_schema(summary=_("Add a session, optionally booking shared resources for it"),
                   request=SessionIn, responses={201: SessionOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def sessions(self, request, *args, **kwargs):
        program = self.get_object()
        data = self.validate_input(SessionIn)
        session = services.session_add(cluster=self.cluster, actor=request.user, program_id=program.pk,
                                       resource_ids=data.pop("resources"), **data)
        session = Session.objects.for_cluster(self.cluster).select_related("booking").get(pk=session.pk)
        return Response(SessionOut(session).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Enrol a person of an organization you administer"),
                   description=_("Confirmed if a place is free for them, otherwise on the waiting list."),
                   request=EnrollIn, responses={201: EnrollmentOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def enroll(self, request, *args, **kwargs):
        program = self.get_object()
        data = self.validate_input(EnrollIn)
        enrollment = services.enroll(cluster=self.cluster, actor=request.user, program_id=program.pk,
                                     person_id=data["person"])
        return self._enrollment(enrollment.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("Apply for yourself; your organization's admin confirms"),
                   request=None, responses={201: EnrollmentOut, **error_responses(400, 404)})
    @action(detail=True, methods=["post"])
    def apply(self, request, *args, **kwargs):
        program = self.get_object()
        enrollment = services.apply(cluster=self.cluster, actor=request.user, program_id=program.pk)
        return self._enrollment(enrollment.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(methods=["GET"], summary=_("The attendance sheet: participants × sessions"),
                   request=None, responses={200: AttendanceSheetOut, **error_responses(403, 404)})
    @extend_schema(methods=["POST"],
                   summary=_("Record one session's attendance (all or nothing; marks already recorded "
                             "are replaced)"),
                   request=AttendanceIn, responses={200: AttendanceResultOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["get", "post"])
    def attendance(self, request, *args, **kwargs):
        program = self.get_object()
        if request.method == "GET":
            sheet = selectors.attendance_sheet(cluster=self.cluster, program=program)
            for row in sheet["rows"]:
                row["status"] = row["enrollment"].status
            return Response(AttendanceSheetOut(sheet).data)
        data = self.validate_input(AttendanceIn)
        session = Session.objects.for_cluster(self.cluster).filter(program=program, pk=data["session"]).first()
        if session is None:
            raise exceptions.ValidationError({"session": [_("Choose a session of this programme.")]})
        marks = {**{pk: False for pk in data["absent"]}, **{pk: True for pk in data["present"]}}
        recorded = services.attendance_record(cluster=self.cluster, actor=request.user, session_id=session.pk,
                                              marks=marks)
        return Response(AttendanceResultOut({"recorded": recorded}).data)

    @extend_schema(summary=_("Record a participant's pre- and/or post-assessment score"),
                   request=AssessmentIn, responses={200: EnrollmentOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def assessments(self, request, *args, **kwargs):
        program = self.get_object()
        data = self.validate_input(AssessmentIn)
        enrollment_id = data.pop("enrollment")
        if not Enrollment.objects.for_cluster(self.cluster).filter(program=program, pk=enrollment_id).exists():
            raise exceptions.ValidationError({"enrollment": [_("Choose an enrolment of this programme.")]})
        services.assessment_record(cluster=self.cluster, actor=request.user, enrollment_id=enrollment_id, **data)
        return self._enrollment(enrollment_id)

    @extend_schema(summary=_("Apply the completion rule again to those who did not complete"),
                   description=_("For a completed programme (the move to completed applies it the first time): "
                                 "whoever meets the rule now completes and gets a certificate."),
                   request=None, responses={200: CompletionOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def complete(self, request, *args, **kwargs):
        program = self.get_object()
        counts = services.completion_evaluate(cluster=self.cluster, actor=request.user, program_id=program.pk)
        return Response(CompletionOut(counts).data)

    @extend_schema(summary=_("Every issued certificate of the programme, one PDF each, in a zip archive"),
                   request=None, responses={**file_responses(["application/zip"], _("A zip archive.")), **error_responses(403, 404)})
    @action(detail=True, methods=["get"], renderer_classes=[JSONRenderer],
            content_negotiation_class=DownloadContentNegotiation)
    def certificates(self, request, *args, **kwargs):
        program = self.get_object()
        return _attachment(certificates_zip(program), "application/zip", f"certificates-{program.pk}.zip")


# --- Sessions --------------------------------------------------------------------------------


@extend_schema(tags=["programs"])
class SessionViewSet(mixins.RetrieveModelMixin, ClusterScopedViewSet):
    model = Session
    serializer_class = SessionOut

    def scoped_queryset(self):
        return Session.objects.for_cluster(self.cluster).select_related("program", "booking")

    def check_cluster_object_permission(self, obj):
        if self.action in ("partial_update", "destroy"):
            permissions.require(self.request.user, self.cluster, "manage", obj.program)

    def get_serializer_class(self):
        return SessionUpdateIn if self.action == "partial_update" else SessionOut

    @extend_schema(summary=_("One session of a programme"), responses={200: SessionOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(summary=_("Change a session's topic, venue, date or times (the programme's managers)"),
                   description=_("A session holding a booking keeps its time: remove it and add it again."),
                   request=SessionUpdateIn, responses={200: SessionOut, **error_responses(400, 403, 404)})
    def partial_update(self, request, *args, **kwargs):
        session = self.get_object()
        data = self.validate_input(SessionUpdateIn, partial=True)
        services.session_update(cluster=self.cluster, actor=request.user, session_id=session.pk, **data)
        return Response(SessionOut(self.get_object()).data)

    @extend_schema(summary=_("Remove a session without recorded attendance (the programme's managers)"),
                   request=None, responses={204: None, **error_responses(400, 403, 404)})
    def destroy(self, request, *args, **kwargs):
        session = self.get_object()
        services.session_remove(cluster=self.cluster, actor=request.user, session_id=session.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Enrolments ------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("The enrolments you may see"),
                       description=_("Coordinators and authorities see every enrolment; organization admins those "
                                     "of their people and of the programmes their organization leads; everyone "
                                     "their own (mine=true: only those).")),
)
@extend_schema(tags=["enrollments"])
class EnrollmentViewSet(DetailUnfiltered, ListMixin, ClusterScopedViewSet):
    model = Enrollment
    serializer_class = EnrollmentOut
    filterset_class = EnrollmentFilter
    ordering_fields = ["created_at", "status", "person__full_name", "program"]
    ordering = ["program", "person__full_name"]

    def scoped_queryset(self):
        return permissions.enrollment_scope(self.cluster, self.roles).select_related(
            "person", "organization", "program")

    def check_cluster_object_permission(self, obj):
        if self.action == "confirm":
            permissions.require(self.request.user, self.cluster, "enroll", obj.organization_id)
        elif self.action == "withdraw":
            permissions.require(self.request.user, self.cluster, "withdraw", obj)
        elif self.action == "certificate" and self.request.method == "POST":
            permissions.require(self.request.user, self.cluster, "manage", obj.program)

    def get_serializer_class(self):
        return WithdrawIn if self.action == "withdraw" else EnrollmentOut

    def _detail(self, pk):
        return Response(EnrollmentOut(selectors.enrollment_get(cluster=self.cluster, roles=self.roles, pk=pk)).data)

    @extend_schema(summary=_("One enrolment"), responses={200: EnrollmentOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Confirm an application (an admin of the person's organization)"),
                   description=_("A place if one is free for them, otherwise the waiting list."),
                   request=None, responses={200: EnrollmentOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def confirm(self, request, *args, **kwargs):
        enrollment = self.get_object()
        services.confirm_application(cluster=self.cluster, actor=request.user, enrollment_id=enrollment.pk)
        return self._detail(enrollment.pk)

    @extend_schema(summary=_("Withdraw (the person, their organization's admin or a coordinator)"),
                   description=_("A freed place goes to the waiting list."),
                   request=WithdrawIn, responses={200: EnrollmentOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        enrollment = self.get_object()
        data = self.validate_input(WithdrawIn)
        services.withdraw(cluster=self.cluster, actor=request.user, enrollment_id=enrollment.pk,
                          reason=data["reason"])
        return self._detail(enrollment.pk)

    @extend_schema(methods=["GET"], summary=_("The certificate as PDF, in the person's language"),
                   request=None, responses={**file_responses(["application/pdf"], _("The PDF.")), **error_responses(404)})
    @extend_schema(methods=["POST"], summary=_("Issue the certificate of a completed participant who has none "
                                               "(the programme's managers)"),
                   request=None, responses={200: EnrollmentOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["get", "post"], renderer_classes=[JSONRenderer],
            content_negotiation_class=DownloadContentNegotiation)
    def certificate(self, request, *args, **kwargs):
        enrollment = self.get_object()
        if request.method == "POST":
            services.certificate_issue(cluster=self.cluster, actor=request.user, enrollment_id=enrollment.pk)
            return self._detail(enrollment.pk)
        if not enrollment.has_certificate:
            raise exceptions.NotFound(_("No certificate has been issued for this enrolment."))
        permissions.require(request.user, self.cluster, "download_certificate", enrollment)
        loaded = selectors.with_certificate_details(Enrollment.objects.for_cluster(self.cluster), self.cluster) \
            .get(pk=enrollment.pk)
        return _attachment(certificate_pdf(loaded), "application/pdf",
                           f"certificate-{loaded.certificate_code}.pdf")


# --- Employer needs --------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Employer needs and the programmes that answer them"),
                       description=_("`people_trained`: people who completed a linked programme; `is_met` when "
                                     "that reaches the number needed.")),
)
@extend_schema(tags=["needs"])
class NeedViewSet(DetailUnfiltered, ListMixin, ClusterScopedViewSet):
    model = EmployerNeed
    serializer_class = NeedOut
    filterset_class = NeedFilter
    ordering_fields = ["deadline", "created_at", "people_needed", "status"]
    ordering = ["deadline"]

    def scoped_queryset(self):
        return selectors.need_list(cluster=self.cluster)

    def check_cluster_permission(self):
        if self.action == "create":
            permissions.require(self.request.user, self.cluster, "post_need", None)
        elif self.action in ("link", "unlink"):
            permissions.require(self.request.user, self.cluster, "link_needs", None)

    def check_cluster_object_permission(self, obj):
        if self.action == "close":
            permissions.require(self.request.user, self.cluster, "post_need", obj.organization_id)

    def get_serializer_class(self):
        return {"create": NeedCreateIn, "link": NeedLinkIn, "unlink": NeedLinkIn}.get(self.action, NeedOut)

    def _detail(self, pk, *, status_code=status.HTTP_200_OK):
        return Response(NeedOut(selectors.need_get(cluster=self.cluster, pk=pk)).data, status=status_code)

    @extend_schema(summary=_("One need with its linked programmes"), responses={200: NeedOut, **error_responses(404)})
    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    @extend_schema(summary=_("Post a need of an enterprise or an education authority you administer"),
                   request=NeedCreateIn, responses={201: NeedOut, **error_responses(400, 403)})
    def create(self, request, *args, **kwargs):
        data = self.validate_input(NeedCreateIn)
        need = services.need_create(cluster=self.cluster, actor=request.user,
                                    organization_id=data.pop("organization"), **data)
        return self._detail(need.pk, status_code=status.HTTP_201_CREATED)

    @extend_schema(summary=_("State that a programme answers the need (coordinators)"),
                   request=NeedLinkIn, responses={200: NeedOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def link(self, request, *args, **kwargs):
        need = self.get_object()
        data = self.validate_input(NeedLinkIn)
        services.need_link(cluster=self.cluster, actor=request.user, need_id=need.pk, program_id=data["program"])
        return self._detail(need.pk)

    @extend_schema(summary=_("Remove a programme's link to the need (coordinators)"),
                   request=NeedLinkIn, responses={200: NeedOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def unlink(self, request, *args, **kwargs):
        need = self.get_object()
        data = self.validate_input(NeedLinkIn)
        services.need_unlink(cluster=self.cluster, actor=request.user, need_id=need.pk, program_id=data["program"])
        return self._detail(need.pk)

    @extend_schema(summary=_("Close the need (its organization's admins or a coordinator)"),
                   request=None, responses={200: NeedOut, **error_responses(400, 403, 404)})
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        need = self.get_object()
        services.need_close(cluster=self.cluster, actor=request.user, need_id=need.pk)
        return self._detail(need.pk)
