"""Serializers of the programmes API.

Input serializers (`...In`) check the shape of a body only; who may do what, the life cycle,
places and the waiting list, and which organizations, people, sessions and enrolments belong
where are programs.services' rules, whose ValidationErrors reach the client as 400 answers
naming the field. Ids in a body are plain integers: the service (or the view, for a session or
an enrolment of the programme in the URL) looks them up in the cluster, so another cluster's id
is reported like an unknown one. Output serializers (`...Out`) are read-only and touch only what
the selectors load.

Kinds, statuses and competences are documented as strings with their values listed
(agreements.api.serializers.ChoiceText): the same field names carry other choice sets in the
members, agreements and resources APIs.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agreements.api.serializers import ChoiceText
from members.api.serializers import InputSerializer, translations_in
from programs.models import Competence, EmployerNeed, Enrollment, Program, ProgramTransition, Session


def _choice_out(choices):
    return ChoiceText(choices=choices, read_only=True)


def _competences_out():
    return serializers.ListField(child=ChoiceText(choices=Competence.choices), read_only=True)


# --- Output ----------------------------------------------------------------------------------


class PartnerOut(serializers.Serializer):
    id = serializers.IntegerField(source="organization_id", read_only=True, help_text=_("Organization id."))
    name = serializers.CharField(source="organization.name", read_only=True)


class SessionOut(serializers.ModelSerializer):
    booking_status = serializers.CharField(source="booking.status", default=None, allow_null=True, read_only=True,
                                           help_text=_("The status of the session's booking, if it holds one."))

    class Meta:
        model = Session
        fields = ["id", "program", "topic", "date", "start_time", "end_time", "venue", "booking", "booking_status"]
        read_only_fields = fields


class ProgramOut(serializers.ModelSerializer):
    """A row of the catalogue with its lead organization, partners and places taken."""

    kind = _choice_out(Program.Kind.choices)
    status = _choice_out(Program.Status.choices)
    lead_organization_name = serializers.CharField(source="lead_organization.name", read_only=True)
    partners = PartnerOut(source="partner_links", many=True, read_only=True)
    competences = _competences_out()
    places_taken = serializers.IntegerField(read_only=True, help_text=_("Places held (confirmed or finished)."))
    reserved_places = serializers.IntegerField(read_only=True,
                                               help_text=_("Places kept for teachers of priority schools."))

    class Meta:
        model = Program
        fields = ["id", "title", "title_translations", "kind", "status", "lead_organization",
                  "lead_organization_name", "partners", "audience", "competences", "hours", "start_date", "end_date",
                  "capacity", "places_taken", "priority_share", "reserved_places", "created_at", "updated_at"]
        read_only_fields = fields


class CompletionRuleOut(serializers.Serializer):
    min_attendance_percent = serializers.IntegerField(read_only=True)
    requires_post_assessment = serializers.BooleanField(read_only=True)
    pass_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, read_only=True)


class NeedRefOut(serializers.Serializer):
    id = serializers.IntegerField(source="need_id", read_only=True)
    title = serializers.CharField(source="need.title", read_only=True)
    organization = serializers.IntegerField(source="need.organization_id", read_only=True)
    organization_name = serializers.CharField(source="need.organization.name", read_only=True)


class TransitionOut(serializers.ModelSerializer):
    from_status = serializers.CharField(read_only=True, help_text=_("Empty for the creation."))
    to_status = _choice_out(Program.Status.choices)
    actor_username = serializers.CharField(source="actor.username", default=None, allow_null=True, read_only=True)

    class Meta:
        model = ProgramTransition
        fields = ["id", "from_status", "to_status", "actor", "actor_username", "comment", "created_at"]
        read_only_fields = fields


class AssessmentFiguresOut(serializers.Serializer):
    assessed = serializers.IntegerField(read_only=True)
    mean_gain = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True, read_only=True)
    improved_share = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, read_only=True)


class ProgramDetailOut(ProgramOut):
    """One programme with its sessions, waiting list length, completion rule, the needs it
    answers, its timeline and its assessment figures (set by the view)."""

    description = serializers.CharField(read_only=True)
    cancellation_reason = serializers.CharField(read_only=True)
    sessions = SessionOut(many=True, read_only=True)
    waitlist_count = serializers.IntegerField(read_only=True)
    completion_rule = CompletionRuleOut(source="*", read_only=True)
    needs = NeedRefOut(source="need_refs", many=True, read_only=True)
    transitions = TransitionOut(source="timeline", many=True, read_only=True)
    assessment = AssessmentFiguresOut(source="figures", read_only=True)
    can_manage = serializers.BooleanField(read_only=True,
                                          help_text=_("May edit the programme, its sessions and its records."))

    class Meta(ProgramOut.Meta):
        fields = ProgramOut.Meta.fields + ["description", "cancellation_reason", "sessions", "waitlist_count",
                                           "completion_rule", "needs", "transitions", "assessment", "can_manage"]
        read_only_fields = fields


class EnrollmentOut(serializers.ModelSerializer):
    status = _choice_out(Enrollment.Status.choices)
    program_title = serializers.CharField(source="program.title", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Enrollment
        fields = ["id", "program", "program_title", "person", "person_name", "organization", "organization_name",
                  "status", "waitlist_position", "priority", "applied_at", "confirmed_at", "withdrawn_at",
                  "withdrawal_reason", "completed_at", "hours_attended", "pre_score", "post_score",
                  "certificate_code", "certificate_issued_at", "created_at"]
        read_only_fields = fields


class AttendanceRowOut(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment.pk", read_only=True)
    person = serializers.IntegerField(source="enrollment.person_id", read_only=True)
    person_name = serializers.CharField(source="enrollment.person.full_name", read_only=True)
    organization_name = serializers.CharField(source="enrollment.organization.name", read_only=True)
    status = _choice_out(Enrollment.Status.choices)
    marks = serializers.ListField(child=serializers.BooleanField(allow_null=True), read_only=True,
                                  help_text=_("Per session, in the order of `sessions`: present, absent, "
                                              "or null when not recorded."))
    attended = serializers.IntegerField(read_only=True)
    hours_attended = serializers.DecimalField(source="enrollment.hours_attended", max_digits=7, decimal_places=2,
                                              read_only=True)


class AttendanceSheetOut(serializers.Serializer):
    sessions = SessionOut(many=True, read_only=True)
    rows = AttendanceRowOut(many=True, read_only=True)


class AttendanceResultOut(serializers.Serializer):
    recorded = serializers.IntegerField(read_only=True, help_text=_("Marks written."))


class CompletionOut(serializers.Serializer):
    completed = serializers.IntegerField(read_only=True)
    not_completed = serializers.IntegerField(read_only=True)


class NeedProgramOut(serializers.Serializer):
    id = serializers.IntegerField(source="program_id", read_only=True)
    title = serializers.CharField(source="program.title", read_only=True)
    status = ChoiceText(choices=Program.Status.choices, source="program.status", read_only=True)


class NeedOut(serializers.ModelSerializer):
    status = _choice_out(EmployerNeed.Status.choices)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    competences = _competences_out()
    programs = NeedProgramOut(source="program_links", many=True, read_only=True)
    people_trained = serializers.IntegerField(read_only=True,
                                              help_text=_("People who completed a linked programme."))
    is_met = serializers.BooleanField(read_only=True)

    class Meta:
        model = EmployerNeed
        fields = ["id", "organization", "organization_name", "title", "competences", "people_needed", "deadline",
                  "description", "status", "programs", "people_trained", "is_met", "created_at"]
        read_only_fields = fields


# --- Input -----------------------------------------------------------------------------------


class ProgramCreateIn(InputSerializer):
    title = serializers.CharField(max_length=255)
    title_translations = translations_in("title")
    kind = ChoiceText(choices=Program.Kind.choices)
    lead_organization = serializers.IntegerField(min_value=1, help_text=_("Id of an organization of this cluster."))
    partners = serializers.ListField(child=serializers.IntegerField(min_value=1), default=list,
                                     help_text=_("Ids of partner organizations of this cluster."))
    description = serializers.CharField(allow_blank=True, default="")
    audience = serializers.CharField(allow_blank=True, max_length=255, default="")
    competences = serializers.ListField(child=ChoiceText(choices=Competence.choices), default=list)
    hours = serializers.IntegerField(help_text=_("Academic hours, at least 1."))
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    capacity = serializers.IntegerField(help_text=_("Places, at least 1."))
    priority_share = serializers.IntegerField(default=0, help_text=_("Percentage of places reserved for "
                                                                     "teachers of schools rated red or yellow."))
    min_attendance_percent = serializers.IntegerField(default=80)
    requires_post_assessment = serializers.BooleanField(default=False)
    pass_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, default=None,
                                          help_text=_("0–100; required with a post-assessment."))

    @staticmethod
    def to_service_kwargs(data: dict) -> dict:
        """The body as programs.services.program_create/program_update take it."""
        data = dict(data)
        if "lead_organization" in data:
            data["lead_organization_id"] = data.pop("lead_organization")
        if "partners" in data:
            data["partner_ids"] = data.pop("partners")
        return data


class ProgramUpdateIn(ProgramCreateIn):
    """Any of the fields (PATCH: read with partial=True, so the defaults above do not apply)."""


class ProgramTransitionIn(InputSerializer):
    to_status = ChoiceText(choices=Program.Status.choices)
    comment = serializers.CharField(allow_blank=True, default="")
    reason = serializers.CharField(allow_blank=True, default="",
                                   help_text=_("Required when the programme is cancelled."))


class SessionIn(InputSerializer):
    date = serializers.DateField()
    start_time = serializers.TimeField(help_text=_("Local time, HH:MM."))
    end_time = serializers.TimeField(help_text=_("Local time, HH:MM."))
    venue = serializers.CharField(allow_blank=True, max_length=255, default="")
    topic = serializers.CharField(allow_blank=True, max_length=255, default="")
    resources = serializers.ListField(child=serializers.IntegerField(min_value=1), default=list,
                                      help_text=_("Ids of shared resources to book for the session (requested "
                                                  "for the lead organization under the booking rules)."))


class SessionUpdateIn(InputSerializer):
    """Any of these fields (PATCH). A session holding a booking keeps its time."""

    date = serializers.DateField()
    start_time = serializers.TimeField()
    end_time = serializers.TimeField()
    venue = serializers.CharField(allow_blank=True, max_length=255)
    topic = serializers.CharField(allow_blank=True, max_length=255)


class EnrollIn(InputSerializer):
    person = serializers.IntegerField(min_value=1, help_text=_("Id of a person of an organization you administer."))


class AttendanceIn(InputSerializer):
    session = serializers.IntegerField(min_value=1, help_text=_("Id of a session of this programme."))
    present = serializers.ListField(child=serializers.IntegerField(min_value=1), default=list,
                                    help_text=_("Enrolment ids of the participants present."))
    absent = serializers.ListField(child=serializers.IntegerField(min_value=1), default=list,
                                   help_text=_("Enrolment ids of the participants absent."))

    def validate(self, data):
        both = sorted(set(data["present"]) & set(data["absent"]))
        if both:
            raise serializers.ValidationError({"absent": _("Marked both present and absent: %(ids)s.") % {
                "ids": ", ".join(str(i) for i in both)}})
        return data


class AssessmentIn(InputSerializer):
    enrollment = serializers.IntegerField(min_value=1, help_text=_("Id of an enrolment of this programme."))
    pre_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, required=False,
                                         help_text=_("0–100; null clears it; left out, unchanged."))
    post_score = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True, required=False,
                                          help_text=_("0–100; null clears it; left out, unchanged."))


class WithdrawIn(InputSerializer):
    reason = serializers.CharField(allow_blank=True, max_length=255, default="")


class NeedCreateIn(InputSerializer):
    organization = serializers.IntegerField(min_value=1, help_text=_("Id of an enterprise or an education "
                                                                     "authority you administer."))
    title = serializers.CharField(max_length=255)
    competences = serializers.ListField(child=ChoiceText(choices=Competence.choices))
    people_needed = serializers.IntegerField()
    deadline = serializers.DateField()
    description = serializers.CharField(allow_blank=True, default="")


class NeedLinkIn(InputSerializer):
    program = serializers.IntegerField(min_value=1, help_text=_("Id of a programme of this cluster."))
