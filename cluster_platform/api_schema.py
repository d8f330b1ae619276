"""The OpenAPI schema generator of the API (REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]).

drf-spectacular describes each operation from its view and serializers; a few answers the
project gives everywhere and a few value shapes it cannot see are added here, once, so that
the schema says what the API really sends (tests/test_api_fuzz.py checks every answer
against it):

* every route under /api/v1/c/<cluster_slug>/ may answer 404: the cluster is unknown or not
  the caller's (cluster_platform.tenancy.resolve_cluster), or a list page is out of range;
* a list with filters answers 400 when a filter value is invalid (django-filter), and every
  paged list when its `cursor` is not a position of its own (cluster_platform.pagination);
* an operation with a body answers 415 when the body's media type is not one it parses;
* a read-only field of a ModelSerializer whose model field is `blank=True` may be "" (DRF
  drops `allow_blank` from read-only fields, so "" would not match a format or a choice);
* a TimeField is a wall-clock time without a UTC offset ("09:00:00"), which the `time`
  format (RFC 3339 full-time) does not allow.
"""

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

# What DRF's TimeField writes and reads: HH:MM, HH:MM:SS or HH:MM:SS.ffffff.
TIME_PATTERN = r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?$"
# Query parameters of every list that are not filters (a wrong value is ignored or a 404).
NON_FILTER_PARAMETERS = {"page", "page_size", "ordering", "search"}


class ClusterAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        added = {}
        if "{cluster_slug}" in path:
            added["404"] = _("No such cluster, object or page, or not one you may see.")
        if getattr(self.view, "action", None) == "list" and any(
            parameter["in"] == "query" and parameter["name"] not in NON_FILTER_PARAMETERS
            for parameter in operation.get("parameters", [])
        ):
            added["400"] = _("A filter value is invalid; the answer names each parameter at fault.")
        elif any(parameter["in"] == "query" and parameter["name"] == "cursor"
                 for parameter in operation.get("parameters", [])):
            added["400"] = _("The cursor is not a position in this list; the answer names the parameter.")
        if "requestBody" in operation:
            added["415"] = _("The body's media type is not one this operation accepts.")
        for code, description in added.items():
            responses.setdefault(code, {"description": description})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        if field.read_only and not getattr(field, "allow_blank", True) and _model_field_is_blank(field):
            field.allow_blank = True  # read-only: changes the schema, never what is accepted
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.TimeField) and schema.get("format") == "time":
            schema["format"] = "partial-time"  # RFC 3339's time without an offset
            schema["pattern"] = TIME_PATTERN
        return schema


def _model_field_is_blank(field) -> bool:
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not isinstance(field.parent, serializers.ModelSerializer) or "." in (field.source or "."):
        return False
    try:
        return model._meta.get_field(field.source).blank
    except FieldDoesNotExist:  # a method or a property of the model
        return False
