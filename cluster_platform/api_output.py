"""Lean output for API lists: a page of rows turned into JSON-ready dicts by a plan worked out
once per output serializer, instead of DRF's machinery run again for every row and field.

DRF builds a ModelSerializer's fields on every request and, for each row and each field, goes
through `get_attribute` (its exception handling, callables, mappings), the `SkipField` and
`PKOnlyObject` checks and `to_representation`. For a page of 50 people that is about a third of
the request. An output serializer whose fields only read model columns, directly or across
foreign keys (`organization.name`), or nest such a serializer, gets a plan instead: per field
the attribute path and the function that makes the value JSON-ready, the very function DRF
would call. Anything the plan cannot promise to render exactly as DRF does (method fields,
files, hyperlinks, a serializer with its own `to_representation`, `get_fields` or `__init__`)
leaves the whole serializer to DRF. Unusual values on the way (an empty foreign key in the
middle of a path) go through the field's own `get_attribute`, so defaults, `allow_null` and
skipped keys come out as DRF makes them. tests/test_api_output.py compares the two outputs
for every output serializer of the API.

A nested list that would otherwise be a prefetch (a query, and a model object per nested row)
can be rendered by the list's own query instead: `json_rows(serializer_class, queryset)` is an
ARRAY of JSON objects built by PostgreSQL from the same serializer's fields, and a
`RowsFromQuery` field serves it where the row carries it (and renders the relation with the
serializer where it does not). Only fields whose JSON PostgreSQL writes exactly as DRF does
qualify (text, integers, booleans, choices, dates, keys); anything else is refused when the
expression is built.
"""

from __future__ import annotations

import datetime
import functools
import json
import operator
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ObjectDoesNotExist
from django.db import models
from django.db.models import F, Func, Value
from django.db.models.functions import Cast
from django.utils import timezone
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import ISO_8601
from rest_framework import fields as drf_fields
from rest_framework import relations, renderers, serializers
from rest_framework.fields import SkipField, empty
from rest_framework.relations import PKOnlyObject
from rest_framework.settings import api_settings

# Field classes whose output depends on the value and the field's own options only (no request,
# no context, no parent): their to_representation is called as DRF calls it.
_VALUE_ONLY = (
    drf_fields.CharField, drf_fields.IntegerField, drf_fields.FloatField, drf_fields.DecimalField,
    drf_fields.BooleanField, drf_fields.ChoiceField, drf_fields.DateTimeField, drf_fields.DateField,
    drf_fields.TimeField, drf_fields.DurationField, drf_fields.UUIDField, drf_fields.JSONField,
    drf_fields.ReadOnlyField,
)


def _same_or(kind, field):
    to_representation = field.to_representation
    return lambda value: value if type(value) is kind else to_representation(value)


def _iso_in_current_zone(field) -> bool:
    """Whether a DateTimeField writes ISO 8601 in the current time zone (the default)."""
    return ((getattr(field, "format", api_settings.DATETIME_FORMAT) or "").lower() == ISO_8601
            and not hasattr(field, "timezone")
            and type(field).to_representation is drf_fields.DateTimeField.to_representation
            and type(field).enforce_timezone is drf_fields.DateTimeField.enforce_timezone)


def _datetime(field):
    """DRF's DateTimeField output (ISO 8601 in the current time zone, UTC as "Z") without its
    layers, for a field with the default format and time zone; anything else goes to DRF."""
    to_representation = field.to_representation
    if not _iso_in_current_zone(field):
        return to_representation

    def convert(value):
        if type(value) is not datetime.datetime or value.tzinfo is None or not settings.USE_TZ:
            return to_representation(value)
        try:
            text = value.astimezone(timezone.get_current_timezone()).isoformat()
        except OverflowError:
            return to_representation(value)
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return convert


def _converter(field) -> Callable | None:
    """The function DRF would apply to a field's value, with a shortcut where DRF's own
    conversion is the identity (a str for a CharField, an int for an IntegerField)."""
    kind = type(field)
    if not isinstance(field, _VALUE_ONLY):  # files, method fields, lists, dicts: left to DRF
        return None
    if kind.to_representation is drf_fields.CharField.to_representation:
        return _same_or(str, field)
    if kind.to_representation is drf_fields.IntegerField.to_representation:
        return _same_or(int, field)
    if kind.to_representation is drf_fields.BooleanField.to_representation:
        return _same_or(bool, field)
    if (kind.to_representation is drf_fields.DateTimeField.to_representation
            and kind.enforce_timezone is drf_fields.DateTimeField.enforce_timezone):
        return _datetime(field)
    return field.to_representation


def _model_path(model, attrs) -> tuple[list, object] | None:
    """The model fields `attrs` walks through (forward foreign keys, then a column), or None."""
    walked = []
    for position, attr in enumerate(attrs):
        try:
            field = model._meta.get_field(attr)
        except FieldDoesNotExist:
            return None
        if not field.concrete or field.many_to_many:
            return None
        walked.append(field)
        if position < len(attrs) - 1:
            if not field.is_relation:
                return None
            model = field.related_model
    return walked, model


def _chain(attrs) -> Callable:
    if len(attrs) == 1:
        return operator.attrgetter(attrs[0])
    return operator.attrgetter(".".join(attrs))  # AttributeError on an empty key: the slow path


@dataclass(frozen=True)
class _Step:
    name: str
    get: Callable  # instance -> value; may raise AttributeError/ObjectDoesNotExist (slow path)
    convert: Callable  # value (not None) -> JSON-ready
    field: object  # DRF's field, for the slow path
    pk_only: bool = False  # the slow path gives a PKOnlyObject: its pk is the value


class OutputPlan:
    def __init__(self, steps: list[_Step]):
        self.steps = tuple(steps)

    def row(self, instance) -> dict:
        out = {}
        for step in self.steps:
            try:
                value = step.get(instance)
            except (AttributeError, ObjectDoesNotExist):
                try:
                    value = step.field.get_attribute(instance)
                except SkipField:
                    continue
                if step.pk_only and isinstance(value, PKOnlyObject):
                    value = value.pk
            out[step.name] = None if value is None else step.convert(value)
        return out

    def rows(self, data) -> list[dict]:
        iterable = data.all() if isinstance(data, models.manager.BaseManager) else data
        row = self.row
        return [row(item) for item in iterable]


def _nested(field, model, attrs):
    """A nested output serializer (one object or `many=True`) read through `attrs`."""
    many = isinstance(field, serializers.ListSerializer)
    child_class = type(field.child if many else field)
    child = output_plan(child_class)
    if child is None:
        return None
    if many:
        if len(attrs) != 1:
            return None
        # A reverse or many-to-many manager: its prefetched rows, in their order.
        try:
            relation = model._meta.get_field(attrs[0])
        except FieldDoesNotExist:
            return None
        if not (relation.one_to_many or relation.many_to_many):
            return None
        return operator.attrgetter(attrs[0]), child.rows
    path = _model_path(model, attrs)
    if path is None or not path[0][-1].is_relation:
        return None
    return _chain(attrs), child.row


def _step(name, field, model) -> _Step | None:
    attrs = list(field.source_attrs)
    if not attrs or field.write_only:
        return None
    if isinstance(field, RowsFromQuery):
        # The rows the query rendered; a row without them goes through the field (slow path).
        return _Step(name, operator.attrgetter(field.annotation), lambda value: value, field)
    if isinstance(field, serializers.BaseSerializer):
        nested = _nested(field, model, attrs)
        return nested and _Step(name, nested[0], nested[1], field)
    if isinstance(field, relations.PrimaryKeyRelatedField):
        path = _model_path(model, attrs)
        if (path is None or not path[0][-1].is_relation or field.pk_field is not None
                or type(field).to_representation is not relations.PrimaryKeyRelatedField.to_representation):
            return None
        # The key's own column (organization_id): no related row is loaded, as DRF's pk-only read.
        return _Step(name, _chain([*attrs[:-1], path[0][-1].attname]), lambda value: value, field, pk_only=True)
    if isinstance(field, relations.RelatedField) or isinstance(field, relations.ManyRelatedField):
        return None
    convert = _converter(field)
    path = _model_path(model, attrs)
    if convert is None or path is None or path[0][-1].is_relation:
        return None
    return _Step(name, _chain(attrs), convert, field)


_BASE_METHODS = {
    "to_representation": serializers.Serializer.to_representation,
    "__init__": serializers.BaseSerializer.__init__,
}


@functools.cache
def output_plan(serializer_class) -> OutputPlan | None:
    """The plan for `serializer_class`, or None when DRF must render it (see the module)."""
    meta = getattr(serializer_class, "Meta", None)
    model = getattr(meta, "model", None)
    if model is None or not issubclass(serializer_class, serializers.ModelSerializer):
        return None
    for method, base in _BASE_METHODS.items():
        if getattr(serializer_class, method) is not base:
            return None
    if serializer_class.get_fields is not serializers.ModelSerializer.get_fields:
        return None
    steps = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        step = _step(name, field, model)
        if step is None:
            return None
        steps.append(step)
    return OutputPlan(steps)


class LeanListSerializer(serializers.ListSerializer):
    """A ListSerializer that renders its rows by the child's plan when there is one."""

    def to_representation(self, data):
        plan = output_plan(type(self.child))
        if plan is None:
            return super().to_representation(data)
        return plan.rows(data)


# --- Nested rows rendered by the database -----------------------------------------------------


class _AsLoaded(models.Field):
    """The value as psycopg loads it: PostgreSQL's `json` arrives as Python lists and dicts."""


class _JSONBuildObject(Func):
    function = "JSON_BUILD_OBJECT"  # json, not jsonb: the keys keep the serializer's order
    output_field = _AsLoaded()


# DRF fields whose output for a column of the given kinds is the value as PostgreSQL writes it
# in JSON (a date as YYYY-MM-DD): for these the database renders what DRF would.
_SAME_IN_JSON = (
    (drf_fields.CharField, (models.CharField, models.TextField)),
    (drf_fields.ChoiceField, (models.CharField, models.TextField)),
    (drf_fields.IntegerField, (models.IntegerField,)),
    (drf_fields.BigIntegerField, (models.IntegerField,)),
    (drf_fields.BooleanField, (models.BooleanField,)),
    (drf_fields.DateField, (models.DateField,)),
)


def _same_in_json(field, column) -> bool:
    for kind, columns in _SAME_IN_JSON:
        if type(field).to_representation is kind.to_representation and isinstance(column, columns):
            break
    else:
        return False
    if isinstance(field, drf_fields.DateField):
        return (getattr(field, "format", api_settings.DATE_FORMAT) or "").lower() == ISO_8601
    if isinstance(field, drf_fields.ChoiceField):
        return all(str(value) == value for value in field.choices)
    if isinstance(field, drf_fields.BigIntegerField):
        return not getattr(field, "coerce_to_string", api_settings.COERCE_BIGINT_TO_STRING)
    return True


def _json_value(field, model):
    """The expression for one field's JSON value, or None and the reason it has none."""
    if isinstance(field, RowsFromQuery):  # the array its query annotated (json_rows)
        return F(field.annotation), None
    attrs = list(field.source_attrs)
    path = _model_path(model, attrs) if attrs else None
    if path is None:
        return None, "not a column or foreign key path"
    walked, _last = path
    if any(step.null for step in walked[:-1]):
        # An empty key on the way: SQL gives NULL; DRF gives the default, or None, or no key.
        if not (field.default is None or (field.default is empty and field.allow_null)):
            return None, "an empty foreign key on the way would leave the key out"
    column = walked[-1]
    if isinstance(field, relations.PrimaryKeyRelatedField):
        if not column.is_relation or field.pk_field is not None:
            return None, "not a plain key"
        return F("__".join([*attrs[:-1], column.attname])), None
    value = F("__".join(attrs))
    if column.is_relation:
        return None, "a relation where a value was expected"
    if isinstance(column, models.DateTimeField):
        if not _iso_in_current_zone(field):
            return None, "a date and time in another format than DRF's ISO 8601"
        return _IsoDateTime(value), None
    if isinstance(column, models.DecimalField) and _decimal_as_text(field, column):
        return Cast(value, models.TextField()), None
    if isinstance(column, models.JSONField) and type(field) is drf_fields.JSONField and not field.binary:
        return value, None
    if not _same_in_json(field, column):
        kinds = f"{type(field).__name__} of {type(column).__name__}"
        return None, f"{kinds} is not written by PostgreSQL as DRF writes it"
    return value, None


def _decimal_as_text(field, column) -> bool:
    """A DecimalField DRF writes as a string with the column's own decimal places, which is how
    PostgreSQL writes a numeric(p, s) as text."""
    if type(field).to_representation is not drf_fields.DecimalField.to_representation:
        return False
    return (getattr(field, "coerce_to_string", api_settings.COERCE_DECIMAL_TO_STRING)
            and not getattr(field, "localize", False) and not getattr(field, "normalize_output", False)
            and field.decimal_places == column.decimal_places)


class _IsoDateTime(Func):
    """A timestamp with time zone as DRF's DateTimeField writes it: ISO 8601 in the current time
    zone (settings.TIME_ZONE, or the one activated), microseconds only when there are some, the
    offset as +HH:MM (+HH:MM:SS for an offset of odd seconds) and "Z" for UTC. The zone is
    read when the query is compiled, as DRF reads it when it renders."""

    output_field = models.TextField()

    def as_sql(self, compiler, connection):
        value_sql, value_params = compiler.compile(self.source_expressions[0])
        zone = timezone.get_current_timezone_name()
        local = f"(({value_sql}) AT TIME ZONE %s)"
        offset = f"EXTRACT(EPOCH FROM {local} - (({value_sql}) AT TIME ZONE 'UTC'))::int"
        sql = (
            f"(SELECT to_char(t.l, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
            " || CASE WHEN to_char(t.l, 'US') = '000000' THEN '' ELSE to_char(t.l, '.US') END"
            " || CASE WHEN t.o = 0 THEN 'Z' ELSE CASE WHEN t.o < 0 THEN '-' ELSE '+' END"
            " || to_char(abs(t.o) / 3600, 'FM00') || ':' || to_char(abs(t.o) %% 3600 / 60, 'FM00')"
            " || CASE WHEN abs(t.o) %% 60 = 0 THEN '' ELSE ':' || to_char(abs(t.o) %% 60, 'FM00') END END"
            f" FROM (SELECT {local} AS l, {offset} AS o) t)"
        )
        return sql, (*value_params, zone, *value_params, zone, *value_params)


def json_rows(serializer_class, queryset) -> ArraySubquery:
    """An ARRAY(SELECT json_build_object(...)) of `queryset`'s rows as `serializer_class` renders
    them, in the queryset's order (a correlated subquery: filter it by OuterRef). Raises
    ImproperlyConfigured naming a field PostgreSQL cannot render as DRF does."""
    return ArraySubquery(queryset.values(row=_JSONBuildObject(*_json_pairs(serializer_class))))


@functools.cache
def _json_pairs(serializer_class) -> tuple:
    """name, expression, name, expression...: worked out once per class (a ModelSerializer
    builds its fields, validators and all, each time it is made)."""
    model = serializer_class.Meta.model
    pairs = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        expression, reason = _json_value(field, model)
        if expression is None:
            raise ImproperlyConfigured(f"{serializer_class.__name__}.{name}: {reason}.")
        pairs += [Value(name), expression]
    return tuple(pairs)


class RowsFromQuery(serializers.Field):
    """A nested list (`serializer` with many=True) whose rows the list's query rendered with
    `json_rows` into the attribute `annotation`; where the row does not carry it (an object
    read another way), the serializer renders `source` as a nested serializer would. The API
    schema is the nested serializer's."""

    def __init__(self, serializer, *, annotation: str, **kwargs):
        self.serializer = serializer
        self.annotation = annotation
        super().__init__(read_only=True, **kwargs)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.serializer.bind(field_name, parent)

    def get_attribute(self, instance):
        try:
            return getattr(instance, self.annotation)
        except AttributeError:
            return self.serializer.to_representation(self.serializer.get_attribute(instance))

    def to_representation(self, value):
        return value


class RowsFromQuerySchema(OpenApiSerializerFieldExtension):
    target_class = RowsFromQuery

    def map_serializer_field(self, auto_schema, direction):
        return auto_schema._map_serializer_field(self.target.serializer, direction)


# --- A whole page written by the database ------------------------------------------------------

ROW_JSON = "row_json"


@functools.cache
def row_json(serializer_class) -> Cast | None:
    """An expression for one row of a list as `serializer_class` renders it, as JSON text, or
    None when some field is not one PostgreSQL writes as DRF does (the list is then rendered
    by DRF, or by the output plan)."""
    if output_plan(serializer_class) is None:  # its own methods: DRF's work, not a column's
        return None
    try:
        # json_build_object(...)::text: psycopg hands over the string PostgreSQL wrote.
        return Cast(_JSONBuildObject(*_json_pairs(serializer_class)), models.TextField())
    except ImproperlyConfigured:
        return None


class RawRows(list):
    """A page's rows as the database wrote them (row_json): `text` is the JSON array the
    renderer writes as it is; the list itself holds them parsed, for Python readers of
    `Response.data` (tests, the browsable API), at a fraction of rendering them."""

    def __init__(self, texts):
        self.text = "[" + ",".join(texts) + "]"
        super().__init__(json.loads(self.text))


class JSONRenderer(renderers.JSONRenderer):
    """DRF's JSON renderer that writes a RawRows value of the top-level object as it is: the
    rows are not parsed into Python and encoded again."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raw = {key: value for key, value in data.items() if isinstance(value, RawRows)} if isinstance(
            data, dict) else {}
        if not raw:
            return super().render(data, accepted_media_type, renderer_context)
        if self.get_indent(accepted_media_type, renderer_context or {}):  # a person reading: the parsed rows
            return super().render({key: list(value) if key in raw else value for key, value in data.items()},
                                  accepted_media_type, renderer_context)
        markers = {key: f"rows-{secrets.token_hex(16)}" for key in raw}
        body = super().render({key: markers.get(key, value) for key, value in data.items()},
                              accepted_media_type, renderer_context)
        for key, marker in markers.items():
            body = body.replace(f'"{marker}"'.encode(), raw[key].text.encode(), 1)
        return body
