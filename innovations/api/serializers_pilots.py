"""Serializers of the pilots and adoptions API.

Input serializers (`...In`) check the shape of a body only; who may do what, the stages, the
dates and where an adopter may have learned it are services.pilots' and services.adoptions'
rules, whose ValidationErrors reach the client as 400 answers naming the field. Ids in a body
are plain integers that the services look up in the cluster of the URL.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from agreements.api.serializers import ChoiceText
from members.api.serializers import InputSerializer

from ..models import Adoption, Pilot, PilotMeasure


# --- Output ------------------------------------------------------------------------------------

class MeasureOut(serializers.ModelSerializer):
    class Meta:
        model = PilotMeasure
        fields = ["id", "name", "unit", "baseline", "result", "higher_is_better"]
        read_only_fields = fields


class PilotOut(serializers.ModelSerializer):
    status = ChoiceText(choices=Pilot.Status.choices, read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)

    class Meta:
        model = Pilot
        fields = ["id", "innovation", "organization", "organization_name", "start_date", "end_date", "status",
                  "participants", "conclusion", "created_at", "updated_at"]
        read_only_fields = fields


class PilotDetailOut(PilotOut):
    measures = MeasureOut(many=True, read_only=True)

    class Meta(PilotOut.Meta):
        fields = [*PilotOut.Meta.fields, "measures"]
        read_only_fields = fields


class AdoptionOut(serializers.ModelSerializer):
    status = ChoiceText(choices=Adoption.Status.choices, read_only=True)
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    learned_from_name = serializers.CharField(source="learned_from.name", read_only=True)

    class Meta:
        model = Adoption
        fields = ["id", "innovation", "organization", "organization_name", "learned_from", "learned_from_name",
                  "started_on", "status", "feedback", "created_at", "updated_at"]
        read_only_fields = fields


class NodeOut(serializers.Serializer):
    organization = serializers.IntegerField(source="organization_id")
    name = serializers.CharField()
    generation = serializers.IntegerField(allow_null=True)
    role = serializers.ChoiceField(choices=["origin", "pilot", "adopter"])


class EdgeOut(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["pilot", "adoption"])
    id = serializers.IntegerField(help_text=_("The id of the pilot or the adoption."))
    source = serializers.IntegerField(source="source_id", help_text=_("Organization id it was learned from."))
    target = serializers.IntegerField(source="target_id", help_text=_("Organization id of the pilot site or adopter."))
    status = serializers.CharField()
    date = serializers.DateField()
    generation = serializers.IntegerField(allow_null=True)


class SpreadFiguresOut(serializers.Serializer):
    reach = serializers.IntegerField(help_text=_("Distinct adopting organizations (abandoned ones not counted)."))
    generations = serializers.IntegerField(help_text=_("The highest generation among the adopters."))
    days_to_first_adoption = serializers.IntegerField(
        allow_null=True, help_text=_("Days from the evaluation to the earliest adoption's start."))


class SpreadOut(serializers.Serializer):
    nodes = NodeOut(many=True)
    edges = EdgeOut(many=True)
    figures = SpreadFiguresOut()


# --- Input -------------------------------------------------------------------------------------

class MeasureIn(InputSerializer):
    name = serializers.CharField(max_length=200)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    baseline = serializers.DecimalField(max_digits=12, decimal_places=2)
    higher_is_better = serializers.BooleanField(required=False, default=True)


class PilotCreateIn(InputSerializer):
    innovation = serializers.IntegerField()
    organization = serializers.IntegerField(help_text=_("Organization id of the pilot site (an active member)."))
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    participants = serializers.IntegerField(required=False, allow_null=True, default=None)
    measures = MeasureIn(many=True, help_text=_("At least one measure with its baseline."))


class PilotUpdateIn(InputSerializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    participants = serializers.IntegerField(required=False, allow_null=True)
    status = ChoiceText(choices=Pilot.Status.choices, required=False,
                        help_text=_("planned → running → completed; planned or running → stopped."))


class PilotResultsIn(InputSerializer):
    results = serializers.DictField(child=serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True),
                                    help_text=_("{measure id: result}; null clears a result."))
    conclusion = serializers.CharField(allow_blank=True, max_length=5000)


class AdoptionCreateIn(InputSerializer):
    innovation = serializers.IntegerField()
    organization = serializers.IntegerField(help_text=_("Organization id of the adopter."))
    learned_from = serializers.IntegerField(
        help_text=_("Organization id of the origin, a pilot site, or an earlier adopter."))
    started_on = serializers.DateField()
    status = ChoiceText(choices=Adoption.Status.choices, required=False, default=Adoption.Status.PLANNED)
    feedback = serializers.CharField(required=False, allow_blank=True, default="", max_length=5000)


class AdoptionUpdateIn(InputSerializer):
    status = ChoiceText(choices=Adoption.Status.choices, required=False)
    started_on = serializers.DateField(required=False)
    feedback = serializers.CharField(required=False, allow_blank=True, max_length=5000)
