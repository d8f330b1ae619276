"""Browser pages of innovations: pilots (see innovations/views/__init__.py).

Pilot sites with their measures, results, conclusion and status; adoptions with their source,
status and feedback; and, on the innovation page, the spread graph (innovations.spread).
Pilots, measures and adoptions are found through the innovations the reader may see
(permissions.visible_innovations), so another cluster's row and an unseen one answer 404 alike.
The forms check shapes only; services.pilots and services.adoptions hold the rules.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import Q, TextField, Value
from django.db.models.functions import Cast, JSONObject
from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from cluster_platform import names
from cluster_platform.forms import BootstrapFormMixin, ConfirmForm, DATE_WIDGET
from members.models import Organization

from .. import permissions, services, spread
from ..models import Adoption, Pilot, PilotMeasure, Stage
from ..services.adoptions import learning_sources
from ..services.pilots import PILOT_MOVES, PILOT_STAGES
from .base import InnovationActionView, InnovationPage

MEASURE_ROWS = 5
PilotStatus = Pilot.Status
STATUS_BUTTONS = {
    PilotStatus.RUNNING: (gettext_lazy("Start the pilot"), "btn-primary"),
    PilotStatus.COMPLETED: (gettext_lazy("Complete the pilot"), "btn-success"),
    PilotStatus.STOPPED: (gettext_lazy("Stop the pilot"), "btn-outline-danger"),
}


# --- Forms -----------------------------------------------------------------------------------------

def _measure_fields(prefix: str, required: bool) -> dict:
    return {
        f"{prefix}name": forms.CharField(label=_("Measure"), max_length=200, required=required),
        f"{prefix}unit": forms.CharField(label=_("Unit"), max_length=40, required=False),
        f"{prefix}baseline": forms.DecimalField(label=_("Baseline"), max_digits=12, decimal_places=2,
                                                required=required),
        f"{prefix}higher_is_better": forms.TypedChoiceField(
            label=_("Better when"), coerce=lambda value: value == "1", initial="1", required=False, empty_value=True,
            choices=[("1", _("higher")), ("0", _("lower"))]),
    }


class PilotForm(BootstrapFormMixin, forms.Form):
    """A pilot site with its period and up to five measure rows (at least one)."""

    organization = forms.TypedChoiceField(label=_("Pilot organization"), coerce=int, empty_value=None)
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET)
    participants = forms.IntegerField(label=_("Participants"), min_value=1, required=False,
                                      help_text=_("Teachers and pupils taking part, if known."))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("Choose…"))] + names.choices(organizations)
        for row in range(MEASURE_ROWS):
            self.fields.update(_measure_fields(f"m{row}_", required=False))
        self.style_fields()

    @property
    def measure_rows(self) -> list[list]:
        return [[self[f"m{row}_{name}"] for name in ("name", "unit", "baseline", "higher_is_better")]
                for row in range(MEASURE_ROWS)]

    def clean(self):
        data = super().clean()
        filled = 0
        for row in range(MEASURE_ROWS):
            name, baseline = data.get(f"m{row}_name"), data.get(f"m{row}_baseline")
            if name and baseline is None and f"m{row}_baseline" not in self.errors:
                self.add_error(f"m{row}_baseline", _("Give the baseline of this measure."))
            elif baseline is not None and not name:
                self.add_error(f"m{row}_name", _("Name this measure."))
            filled += bool(name)
        if not filled:
            raise forms.ValidationError(_("Give at least one measure with its baseline."))
        return data

    def service_data(self) -> dict:
        data = self.cleaned_data
        return {
            "organization_id": data["organization"], "start_date": data["start_date"], "end_date": data["end_date"],
            "participants": data.get("participants"),
            "measures": [
                {"name": data[f"m{row}_name"], "unit": data.get(f"m{row}_unit") or "",
                 "baseline": data[f"m{row}_baseline"], "higher_is_better": data[f"m{row}_higher_is_better"]}
                for row in range(MEASURE_ROWS) if data.get(f"m{row}_name")
            ],
        }


class PilotEditForm(BootstrapFormMixin, forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=DATE_WIDGET)
    end_date = forms.DateField(label=_("End date"), widget=DATE_WIDGET)
    participants = forms.IntegerField(label=_("Participants"), min_value=1, required=False)


class MeasureForm(BootstrapFormMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.update(_measure_fields("", required=True))
        self.style_fields()


class ResultsForm(BootstrapFormMixin, forms.Form):
    """A result per measure and the conclusion."""

    conclusion = forms.CharField(label=_("Conclusion"), required=False, max_length=5000,
                                 widget=forms.Textarea(attrs={"rows": 5}),
                                 help_text=_("What changed, for whom, and whether other members should take it up."))

    def __init__(self, *args, measures=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.measures = list(measures)
        for measure in self.measures:
            label = f"{measure.name} ({measure.unit})" if measure.unit else measure.name
            self.fields[f"result_{measure.pk}"] = forms.DecimalField(
                label=label, max_digits=12, decimal_places=2, required=False,
                help_text=_("Baseline: %(baseline)s") % {"baseline": measure.baseline})
        self.style_fields()

    def result_fields(self):
        return [self[f"result_{measure.pk}"] for measure in self.measures]

    def service_data(self) -> dict:
        return {"results": {measure.pk: self.cleaned_data.get(f"result_{measure.pk}") for measure in self.measures},
                "conclusion": self.cleaned_data["conclusion"]}


class StatusForm(BootstrapFormMixin, forms.Form):
    # Not "status": the service's errors about the status are shown above the form, not on a hidden field.
    to_status = forms.ChoiceField(choices=PilotStatus.choices, widget=forms.HiddenInput)


class AdoptionForm(BootstrapFormMixin, forms.Form):
    organization = forms.TypedChoiceField(label=_("Adopting organization"), coerce=int, empty_value=None)
    learned_from = forms.TypedChoiceField(label=_("Learned it from"), coerce=int, empty_value=None,
                                          help_text=_("The origin, a pilot site, or a member that adopted it before."))
    started_on = forms.DateField(label=_("Started on"), widget=DATE_WIDGET)
    status = forms.ChoiceField(label=_("Status"), choices=Adoption.Status.choices)
    feedback = forms.CharField(label=_("Feedback"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, organizations=(), sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [("", _("Choose…"))] + names.choices(organizations)
        self.fields["learned_from"].choices = [("", _("Choose…"))] + list(sources)


class AdoptionEditForm(BootstrapFormMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Adoption.Status.choices)
    started_on = forms.DateField(label=_("Started on"), widget=DATE_WIDGET)
    feedback = forms.CharField(label=_("Feedback"), required=False, max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 4}))


# --- Shared reads ----------------------------------------------------------------------------------

SOURCE_LABELS = {"origin": gettext_lazy("origin"), "pilot": gettext_lazy("pilot site"),
                 "adopter": gettext_lazy("adopter")}


def measure_change(measure) -> dict | None:
    """result − baseline, and whether that is better, worse or the same for this measure."""
    if measure.result is None:
        return None
    delta = measure.result - measure.baseline
    if delta == 0:
        verdict = "same"
    else:
        verdict = "better" if (delta > 0) == measure.higher_is_better else "worse"
    percent = None if measure.baseline == 0 else (delta / abs(measure.baseline) * 100).quantize(Decimal("0.1"))
    return {"delta": delta, "percent": percent, "verdict": verdict}


def pilot_moves(roles, pilot) -> list[dict]:
    if not permissions.can_record_pilot(roles, pilot) or pilot.innovation.stage not in PILOT_STAGES:
        return []
    piloting = pilot.innovation.stage == Stage.PILOTING  # a pilot runs only once the innovation is piloting
    return [{"status": target, "label": label, "button": button}
            for target, (label, button) in STATUS_BUTTONS.items()
            if (pilot.status, target) in PILOT_MOVES and (piloting or target == PilotStatus.STOPPED)]


def may_record_results(roles, pilot) -> bool:
    return (pilot.innovation.stage == Stage.PILOTING and pilot.status in (PilotStatus.RUNNING, PilotStatus.COMPLETED)
            and permissions.can_record_pilot(roles, pilot))


def may_change_measures(roles, pilot, measures) -> bool:
    return (pilot.innovation.stage in PILOT_STAGES and pilot.status in (PilotStatus.PLANNED, PilotStatus.RUNNING)
            and all(measure.result is None for measure in measures) and permissions.can_steer(roles, pilot.innovation))


def _active_members(cluster):
    return Organization.objects.for_cluster(cluster).filter(status=Organization.Status.ACTIVE).only(
        "pk", *Organization.NAME_FIELDS).order_by("name", "pk")


# A pilot's measures as the JSON objects of one array column of the pilot's row; the decimals
# as text, so that they come back exactly as stored.
_MEASURE_JSON = JSONObject(
    id="measures__id", name="measures__name", unit="measures__unit",
    baseline=Cast("measures__baseline", TextField()), result=Cast("measures__result", TextField()),
    higher_is_better="measures__higher_is_better",
)


def pilots_with_measures(cluster, innovation) -> list[Pilot]:
    """The innovation's pilots with their sites and `measure_rows` ((measure, change) pairs):
    one query, the measures aggregated into their pilot's row."""
    pilots = list(
        Pilot.objects.for_cluster(cluster).filter(innovation=innovation).select_related("organization")
        .annotate(measure_values=ArrayAgg(_MEASURE_JSON, filter=Q(measures__isnull=False),
                                          order_by="measures__id", default=Value([])))
    )
    fields = {name: PilotMeasure._meta.get_field(name) for name in ("baseline", "result")}
    for pilot in pilots:
        pilot.innovation = innovation
        measures = [PilotMeasure(cluster_id=pilot.cluster_id, pilot=pilot, **{
            name: fields[name].to_python(value) if name in fields else value for name, value in values.items()})
            for values in pilot.measure_values]
        pilot.measure_rows = [(measure, measure_change(measure)) for measure in measures]
    return pilots


def detail_context(view, innovation) -> dict:
    """The pilots, adoptions and spread graph of the innovation page: three queries whatever the
    number of pilots, measures and adoptions (the author grant check is cached per request)."""
    cluster, roles = view.cluster, view.roles
    pilots = pilots_with_measures(cluster, innovation)
    adoptions = list(Adoption.objects.for_cluster(cluster).filter(innovation=innovation)
                     .select_related("organization", "learned_from"))
    graph = spread.innovation_spread(cluster, innovation)
    return {
        "pilots": pilots,
        "adoptions": adoptions,
        "spread": graph,
        "spread_svg": spread.spread_svg(graph, title=_("How %(title)s spread through the cluster") % {
            "title": innovation.localized_title}) if graph.edges else "",
        "can_add_pilot": innovation.stage in PILOT_STAGES and permissions.can_steer(roles, innovation),
        "can_add_adoption": permissions.can_record_adoption(roles, innovation),
        "editable_adoption_ids": {adoption.pk for adoption in adoptions
                                  if permissions.can_record_adoption(roles, innovation, adoption.organization_id)},
    }


# --- Pilot pages ------------------------------------------------------------------------------------

class PilotMixin:
    """Loads the pilot of the URL through the innovations the reader may see."""

    pilot = None

    def load_pilot(self, pk=None) -> Pilot:
        visible = permissions.visible_innovation_filter(self.cluster, self.roles)
        try:
            self.pilot = (Pilot.objects.for_cluster(self.cluster).filter(visible)
                          .select_related("innovation__origin_organization", "organization")
                          .get(pk=self.kwargs["pk"] if pk is None else pk))
        except (Pilot.DoesNotExist, ValueError, TypeError):
            raise Http404
        self.innovation = self.pilot.innovation
        return self.pilot

    def pilot_url(self) -> str:
        return reverse("pilot_detail", args=[self.cluster.slug, self.pilot.pk])

    def get_success_url(self):
        return self.pilot_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pilot"] = self.pilot
        return context


class PilotCreateView(InnovationActionView):
    template_name = "innovations/pilot_form.html"
    form_class = PilotForm

    def load_target(self):
        self.require(permissions.can_steer(self.roles, self.innovation))

    def get_form_kwargs(self):
        return {"organizations": list(_active_members(self.cluster))}

    def perform(self, form):
        return services.pilot_add(cluster=self.cluster, actor=self.request.user, innovation_id=self.innovation.pk,
                                  **form.service_data())

    def get_success_message(self):
        return _("%(organization)s was added as a pilot site.") % {"organization": self.object.organization}

    def get_success_url(self):
        return reverse("pilot_detail", args=[self.cluster.slug, self.object.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["stage_open"] = self.innovation.stage in PILOT_STAGES
        return context


class PilotDetailView(PilotMixin, InnovationPage):
    template_name = "innovations/pilot_detail.html"

    def get_context_data(self, **kwargs):
        pilot = self.load_pilot()
        context = super().get_context_data(**kwargs)
        measures = list(PilotMeasure.objects.for_cluster(self.cluster).filter(pilot=pilot))
        roles = self.roles
        can_record = may_record_results(roles, pilot)
        context.update(
            measure_rows=[(measure, measure_change(measure)) for measure in measures],
            moves=pilot_moves(roles, pilot),
            can_record=can_record,
            results_form=ResultsForm(measures=measures, initial={
                "conclusion": pilot.conclusion,
                **{f"result_{m.pk}": m.result for m in measures}}) if can_record else None,
            can_edit=(pilot.innovation.stage in PILOT_STAGES and pilot.status in (PilotStatus.PLANNED,
                                                                                    PilotStatus.RUNNING)
                      and permissions.can_steer(roles, pilot.innovation)),
            can_change_measures=may_change_measures(roles, pilot, measures),
        )
        return context


class PilotActionView(PilotMixin, InnovationActionView):
    def load(self):
        self.load_pilot()
        self.load_target()


class PilotEditView(PilotActionView):
    template_name = "innovations/pilot_edit.html"
    form_class = PilotEditForm

    def load_target(self):
        self.require(permissions.can_steer(self.roles, self.innovation))

    def get_form_kwargs(self):
        pilot = self.pilot
        return {"initial": {"start_date": pilot.start_date, "end_date": pilot.end_date,
                            "participants": pilot.participants}}

    def perform(self, form):
        return services.pilot_update(cluster=self.cluster, actor=self.request.user, pilot_id=self.pilot.pk,
                                     **form.cleaned_data)

    def get_success_message(self):
        return _("The pilot was saved.")


class PilotStatusView(PilotActionView):
    """A status move, confirmed on its own page (stopping is final; completing closes the results)."""

    template_name = "innovations/pilot_status.html"
    form_class = StatusForm

    def load_target(self):
        self.require(permissions.can_record_pilot(self.roles, self.pilot))
        self.moves = pilot_moves(self.roles, self.pilot)
        wanted = self.request.POST.get("to_status") or self.request.GET.get("to")
        self.move = next((move for move in self.moves if move["status"] == wanted), None)

    def get_form_kwargs(self):
        return {"initial": {"to_status": self.move["status"] if self.move else ""}}

    def get_form(self, data=None):
        form = super().get_form(data)
        if data is not None and self.move is None:
            form.add_error(None, _("Choose one of the changes offered for this pilot."))
        return form

    def perform(self, form):
        return services.pilot_update(cluster=self.cluster, actor=self.request.user, pilot_id=self.pilot.pk,
                                     status=form.cleaned_data["to_status"])

    def get_success_message(self):
        return _("The pilot is now %(status)s.") % {"status": self.object.get_status_display().lower()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(moves=self.moves, move=self.move)
        return context


class PilotResultsView(PilotActionView):
    template_name = "innovations/pilot_results.html"
    form_class = ResultsForm

    def load_target(self):
        self.require(permissions.can_record_pilot(self.roles, self.pilot))
        self.measures = list(PilotMeasure.objects.for_cluster(self.cluster).filter(pilot=self.pilot))

    def get_form_kwargs(self):
        return {"measures": self.measures, "initial": {
            "conclusion": self.pilot.conclusion, **{f"result_{m.pk}": m.result for m in self.measures}}}

    def perform(self, form):
        return services.pilot_results_record(cluster=self.cluster, actor=self.request.user,
                                             pilot_id=self.pilot.pk, **form.service_data())

    def get_success_message(self):
        return _("The results were saved.")


class MeasureCreateView(PilotActionView):
    template_name = "innovations/pilot_measure_form.html"
    form_class = MeasureForm

    def load_target(self):
        self.require(permissions.can_steer(self.roles, self.innovation))

    def perform(self, form):
        data = form.cleaned_data
        services.measure_add(cluster=self.cluster, actor=self.request.user, pilot_id=self.pilot.pk, **data)
        return self.pilot

    def get_success_message(self):
        return _("The measure was added.")


class MeasureMixin:
    def load(self):
        try:
            pilot_id = PilotMeasure.objects.for_cluster(self.cluster).values_list("pilot_id", flat=True).get(
                pk=self.kwargs["pk"])
        except (PilotMeasure.DoesNotExist, ValueError, TypeError):
            raise Http404
        self.load_pilot(pilot_id)
        self.measure = PilotMeasure.objects.for_cluster(self.cluster).get(pk=self.kwargs["pk"])
        self.require(permissions.can_steer(self.roles, self.innovation))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["measure"] = self.measure
        return context


class MeasureEditView(MeasureMixin, PilotActionView):
    template_name = "innovations/pilot_measure_form.html"
    form_class = MeasureForm

    def get_form_kwargs(self):
        m = self.measure
        return {"initial": {"name": m.name, "unit": m.unit, "baseline": m.baseline,
                            "higher_is_better": "1" if m.higher_is_better else "0"}}

    def perform(self, form):
        services.measure_update(cluster=self.cluster, actor=self.request.user, measure_id=self.measure.pk,
                                **form.cleaned_data)
        return self.pilot

    def get_success_message(self):
        return _("The measure was saved.")




class MeasureRemoveView(MeasureMixin, PilotActionView):
    template_name = "innovations/pilot_measure_remove.html"
    form_class = ConfirmForm

    def perform(self, form):
        services.measure_remove(cluster=self.cluster, actor=self.request.user, measure_id=self.measure.pk)
        return self.pilot

    def get_success_message(self):
        return _("The measure was removed.")


# --- Adoptions ---------------------------------------------------------------------------------------

def source_choices(cluster, innovation) -> list[tuple[int, str]]:
    """Where an adopter may have learned it: the origin, pilot sites, adopters (the service checks
    the dates)."""
    sources = learning_sources(cluster, innovation)
    labels = {row["pk"]: names.localized(row, "name") for row in Organization.objects.for_cluster(cluster).filter(
        pk__in=list(sources)).values("pk", "name", "name_translations")}
    order = {"origin": 0, "pilot": 1, "adopter": 2}
    return [(pk, f"{labels.get(pk, pk)} ({SOURCE_LABELS[kind]})")
            for pk, kind in sorted(sources.items(), key=lambda item: (order[item[1]], str(labels.get(item[0]))))]


class AdoptionCreateView(InnovationActionView):
    template_name = "innovations/adoption_form.html"
    form_class = AdoptionForm

    def load_target(self):
        self.require(permissions.can_record_adoption(self.roles, self.innovation))

    def get_form_kwargs(self):
        taken = Adoption.objects.for_cluster(self.cluster).filter(innovation=self.innovation).values(
            "organization_id")
        organizations = _active_members(self.cluster).exclude(pk=self.innovation.origin_organization_id).exclude(
            pk__in=taken)
        if not self.roles.is_coordinator:
            organizations = organizations.filter(pk__in=list(self.roles.organizations_with("admin")))
        organizations = list(organizations)
        initial = {"status": Adoption.Status.PLANNED}
        if len(organizations) == 1:
            initial["organization"] = organizations[0].pk
        return {"organizations": organizations, "sources": source_choices(self.cluster, self.innovation),
                "initial": initial}

    def perform(self, form):
        data = form.cleaned_data
        return services.adoption_record(
            cluster=self.cluster, actor=self.request.user, innovation_id=self.innovation.pk,
            organization_id=data["organization"], learned_from_id=data["learned_from"],
            started_on=data["started_on"], status=data["status"], feedback=data["feedback"])

    def get_success_message(self):
        return _("The adoption by %(organization)s was recorded.") % {"organization": self.object.organization}

    def get_success_url(self):
        return reverse("adoption_detail", args=[self.cluster.slug, self.object.pk])


class AdoptionDetailView(InnovationActionView):
    """The adoption, and for those who may report it, its status, start and feedback form."""

    template_name = "innovations/adoption_detail.html"
    form_class = AdoptionEditForm

    def load(self):
        visible = permissions.visible_innovation_filter(self.cluster, self.roles)
        try:
            self.adoption = (Adoption.objects.for_cluster(self.cluster).filter(visible)
                             .select_related("innovation__origin_organization", "organization", "learned_from",
                                             "reported_by")
                             .get(pk=self.kwargs["pk"]))
        except (Adoption.DoesNotExist, ValueError, TypeError):
            raise Http404
        self.innovation = self.adoption.innovation
        self.can_update = permissions.can_record_adoption(self.roles, self.innovation, self.adoption.organization_id)
        if self.request.method == "POST":
            self.require(self.can_update)

    def get_form_kwargs(self):
        a = self.adoption
        return {"initial": {"status": a.status, "started_on": a.started_on, "feedback": a.feedback}}

    def perform(self, form):
        return services.adoption_update(cluster=self.cluster, actor=self.request.user, adoption_id=self.adoption.pk,
                                        **form.cleaned_data)

    def get_success_message(self):
        return _("The adoption was saved.")

    def get_success_url(self):
        return reverse("adoption_detail", args=[self.cluster.slug, self.adoption.pk])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(adoption=self.adoption, can_update=self.can_update)
        if not self.can_update:
            context.pop("form", None)
        return context


urlpatterns = [
    path("<int:pk>/pilots/new/", PilotCreateView.as_view(), name="pilot_create"),
    path("pilots/<int:pk>/", PilotDetailView.as_view(), name="pilot_detail"),
    path("pilots/<int:pk>/edit/", PilotEditView.as_view(), name="pilot_edit"),
    path("pilots/<int:pk>/status/", PilotStatusView.as_view(), name="pilot_status"),
    path("pilots/<int:pk>/results/", PilotResultsView.as_view(), name="pilot_results"),
    path("pilots/<int:pk>/measures/new/", MeasureCreateView.as_view(), name="pilot_measure_create"),
    path("measures/<int:pk>/edit/", MeasureEditView.as_view(), name="pilot_measure_edit"),
    path("measures/<int:pk>/remove/", MeasureRemoveView.as_view(), name="pilot_measure_remove"),
    path("<int:pk>/adoptions/new/", AdoptionCreateView.as_view(), name="adoption_create"),
    path("adoptions/<int:pk>/", AdoptionDetailView.as_view(), name="adoption_detail"),
]
