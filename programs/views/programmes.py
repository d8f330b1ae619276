"""The catalogue, the programme page, create and edit, status moves and sessions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cluster_platform.forms import ConfirmForm
from members import selectors as member_selectors
from members.views.base import paginate
from resources import selectors as resource_selectors

from .. import permissions, selectors, services
from ..forms import EnrollForm, ProgramFilterForm, ProgramForm, SessionForm, TransitionForm
from ..models import Competence, Enrollment, Program, Session
from ..services.programmes import MOVES
from .base import ProgramActionView, ProgramPage

Status = Program.Status
RESULTS_ID = "program-results"

# Moves that take effect only after a confirmation page: cancelling withdraws everyone,
# completing applies the completion rule and issues the certificates.
CONFIRMED_MOVES = {Status.CANCELLED, Status.COMPLETED}
MOVE_BUTTONS = {
    Status.PLANNED: (gettext_lazy("Back to planned"), "btn-outline-secondary"),
    Status.OPEN: (gettext_lazy("Open for enrolment"), "btn-primary"),
    Status.RUNNING: (gettext_lazy("Start the programme"), "btn-primary"),
    Status.COMPLETED: (gettext_lazy("Complete the programme"), "btn-success"),
    Status.CANCELLED: (gettext_lazy("Cancel the programme"), "btn-outline-danger"),
}


def available_moves(roles, program) -> list[dict]:
    """The moves the page offers (the service checks the guards, such as dates, on POST)."""
    if not permissions.can_manage(roles, program):
        return []
    moves = []
    for target in MOVE_BUTTONS:
        if (program.status, target) in MOVES:
            label, button = MOVE_BUTTONS[target]
            moves.append({"status": target, "label": label, "button": button, "confirm": target in CONFIRMED_MOVES})
    return moves


def competence_labels(codes) -> list[str]:
    return [Competence(code).label for code in codes if code in Competence.values]


def enrol_form_for(view, program, data=None):
    """The "enrol a person" form for an admin (their organizations' people) or a coordinator
    (anyone's), or None for whoever may not enrol or while enrolment is closed."""
    roles = view.roles
    if not permissions.enrolment_open(program) or not permissions.can_enroll_for(roles, None):
        return None
    organization_ids = None if roles.is_coordinator else roles.organizations_with("admin")
    people = selectors.enrolment_candidates(cluster=view.cluster, program=program, organization_ids=organization_ids)
    return EnrollForm(data, people=people)


class ProgramListView(ProgramPage):
    template_name = "programs/program_list.html"

    def get_template_names(self):
        htmx = self.request.htmx
        if htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request:
            return ["programs/partials/program_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ProgramFilterForm(self.request.GET or None,
                                 organizations=member_selectors.organization_choices(cluster=self.cluster),
                                 organizations_url=reverse("organization_options_all", args=[self.cluster.slug]))
        filters = form.filters()
        programs = selectors.program_catalogue(cluster=self.cluster, filters=filters).order_by(*form.ordering())
        page = paginate(self.request, programs)
        for program in page.object_list:
            program.places_left = max(0, program.capacity - program.places_taken)
        context.update(
            form=form, page_obj=page, programs=page.object_list, sort_columns=form.sort_columns(),
            is_filtered=bool(filters), results_id=RESULTS_ID,
            can_create=permissions.can_create(self.roles, None),
        )
        return context


class ProgramDetailView(ProgramPage):
    template_name = "programs/program_detail.html"

    def get_context_data(self, **kwargs):
        program = self.load_program()
        context = super().get_context_data(**kwargs)
        roles, cluster = self.roles, self.cluster
        sessions = list(program.sessions.all())
        resources = selectors.session_resources(sessions=sessions)
        for session in sessions:
            session.resources = resources.get(session.booking_id, [])
        figures = selectors.program_figures(cluster=cluster, program=program)
        can_manage = permissions.can_manage(roles, program)
        person = selectors.person_for_user(cluster=cluster, user=self.request.user)
        mine = None
        if person is not None:
            mine = selectors.my_enrollments(cluster=cluster, user=self.request.user).filter(
                program=program).exclude(status=Enrollment.Status.WITHDRAWN).first()
        context.update(
            partners=[link.organization for link in program.partner_links.all()],
            competence_labels=competence_labels(program.competences),
            sessions=sessions,
            places_left=max(0, program.capacity - program.places_taken),
            priority_taken=figures["priority"],
            waiting=figures["waiting"],
            needs=selectors.program_needs(cluster=cluster, program=program),
            transitions=selectors.program_timeline(cluster=cluster, program=program),
            moves=available_moves(roles, program),
            can_manage=can_manage,
            can_edit=can_manage and program.status not in Program.FINAL_STATUSES,
            can_see_enrollments=permissions.can_view_all_enrollments(roles, program) or roles.is_org_admin(),
            person=person,
            my_enrollment=mine,
            can_apply=person is not None and mine is None and permissions.enrolment_open(program),
            can_withdraw_mine=mine is not None and permissions.can_withdraw(roles, mine),
            enrol_form=kwargs.get("enrol_form") or enrol_form_for(self, program),
            certificates=figures["certificates"] if can_manage and program.status == Status.COMPLETED else 0,
        )
        return context


class ProgramFormMixin:
    template_name = "programs/program_form.html"
    form_class = ProgramForm

    def lead_choices(self, organizations):
        if self.roles.is_coordinator:
            return None
        return list(organizations.filter(pk__in=sorted(self.roles.organizations_with("admin"))))

    def get_form_kwargs(self):
        organizations = member_selectors.organization_choices(cluster=self.cluster, active_only=True)
        return {"organizations": organizations, "lead_choices": self.lead_choices(organizations),
                "organizations_url": reverse("organization_options_active", args=[self.cluster.slug]),
                **self.extra_form_kwargs()}

    def extra_form_kwargs(self):
        return {}


class ProgramCreateView(ProgramFormMixin, ProgramActionView):
    def check_cluster_permission(self):
        if not permissions.can_create(self.roles, None):
            raise PermissionDenied

    def load(self):
        pass

    def extra_form_kwargs(self):
        admin_of = self.roles.organizations_with("admin")
        if not self.roles.is_coordinator and len(admin_of) == 1:
            return {"initial": {"lead_organization": next(iter(admin_of)), "priority_share": 0,
                                "min_attendance_percent": 80}}
        return {}

    def perform(self, form):
        return services.program_create(cluster=self.cluster, actor=self.request.user, **form.service_data())

    def get_success_message(self):
        return _("%(title)s was created as planned. Add its sessions, then open it for enrolment.") % {
            "title": self.object.localized_title}

    def get_success_url(self):
        return reverse("program_detail", args=[self.cluster.slug, self.object.pk])


class ProgramEditView(ProgramFormMixin, ProgramActionView):
    def load_target(self):
        self.require(permissions.can_manage(self.roles, self.program))

    def lead_choices(self, organizations):
        choices = super().lead_choices(organizations)
        if choices is not None and not any(org.pk == self.program.lead_organization_id for org in choices):
            choices.append(self.program.lead_organization)
        return choices

    def extra_form_kwargs(self):
        partner_ids = [link.organization_id for link in self.program.partner_links.all()]
        return {"initial": ProgramForm.initial_for(self.program, partner_ids)}

    def perform(self, form):
        return services.program_update(cluster=self.cluster, actor=self.request.user, program_id=self.program.pk,
                                       **form.service_data())

    def get_success_message(self):
        return _("%(title)s was saved.") % {"title": self.object.localized_title}


class ProgramTransitionView(ProgramActionView):
    template_name = "programs/program_transition.html"
    form_class = TransitionForm

    def load_target(self):
        self.require(permissions.can_manage(self.roles, self.program))
        self.moves = available_moves(self.roles, self.program)
        wanted = self.request.POST.get("to_status") or self.request.GET.get("to")
        self.move = next((move for move in self.moves if move["status"] == wanted), None)

    def get_form_kwargs(self):
        return {"with_reason": bool(self.move and self.move["status"] == Status.CANCELLED),
                "initial": {"to_status": self.move["status"] if self.move else ""}}

    def get_form(self, data=None):
        form = super().get_form(data)
        if data is not None and self.move is None:
            form.add_error(None, _("Choose one of the changes offered for this programme."))
        return form

    def perform(self, form):
        return services.program_transition(
            cluster=self.cluster, actor=self.request.user, program_id=self.program.pk,
            to_status=form.cleaned_data["to_status"], comment=form.cleaned_data.get("comment", ""),
            reason=form.cleaned_data.get("reason", ""))

    def get_success_message(self):
        return _("The programme is now %(status)s.") % {"status": self.object.get_status_display().lower()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(moves=self.moves, move=self.move)
        return context


# --- Sessions ----------------------------------------------------------------------------------

class SessionCreateView(ProgramActionView):
    template_name = "programs/session_form.html"
    form_class = SessionForm

    def load_target(self):
        self.require(permissions.can_manage(self.roles, self.program))

    def get_form_kwargs(self):
        resources = resource_selectors.resource_list(cluster=self.cluster).order_by("name", "pk")
        return {"resources": list(resources), "initial": {"date": self.program.start_date}}

    def perform(self, form):
        return services.session_add(cluster=self.cluster, actor=self.request.user, program_id=self.program.pk,
                                    **form.service_data())

    def get_success_message(self):
        if self.object.booking_id:
            return _("The session of %(date)s was added; the booking was requested.") % {
                "date": self.object.date.isoformat()}
        return _("The session of %(date)s was added.") % {"date": self.object.date.isoformat()}

    def get_success_url(self):
        return self.program_url("#sessions")


class SessionActionView(ProgramActionView):
    def load(self):
        session = Session.objects.for_cluster(self.cluster).filter(pk=self.kwargs["session_pk"]).only(
            "program_id").first()
        if session is None:
            raise Http404
        self.load_program(session.program_id)
        self.session = next((s for s in self.program.sessions.all() if s.pk == session.pk), None)
        if self.session is None:
            raise Http404
        self.require(permissions.can_manage(self.roles, self.program))

    def get_success_url(self):
        return self.program_url("#sessions")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["session"] = self.session
        return context


class SessionEditView(SessionActionView):
    template_name = "programs/session_form.html"
    form_class = SessionForm

    def get_form_kwargs(self):
        session = self.session
        return {"initial": {"topic": session.topic, "date": session.date, "start_time": session.start_time,
                            "end_time": session.end_time, "venue": session.venue}}

    def perform(self, form):
        return services.session_update(cluster=self.cluster, actor=self.request.user, session_id=self.session.pk,
                                       **form.service_data())

    def get_success_message(self):
        return _("The session was saved.")


class SessionDeleteView(SessionActionView):
    template_name = "programs/session_delete.html"
    form_class = ConfirmForm

    def perform(self, form):
        services.session_remove(cluster=self.cluster, actor=self.request.user, session_id=self.session.pk)
        return self.session

    def get_success_message(self):
        return _("The session of %(date)s was removed.") % {"date": self.session.date.isoformat()}
