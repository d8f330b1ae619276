"""What the audit trail reads and how it writes it for a reader.

Each `Source` is one history table that django-pghistory fills from database triggers
(`cluster_platform.tenancy.audited()`): how its object is named, which page it links to,
and which other rows that needs. Each `Kind` is what a coordinator filters by: one source,
or a main source with its children (an agreement with its parties, an innovation with its
stage changes), and the column that ties each of them to the object of "one object's
history".

Objects a page mentions (users, organizations, agreements...) are loaded by `References`
in one query per model for the whole page, each through its cluster, never one per row.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Callable

from django.apps import apps
from django.conf import settings
from django.contrib.postgres.fields import ArrayField, RangeField
from django.db import models
from django.db.models import Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

USER = settings.AUTH_USER_MODEL

# Columns every change touches or that say nothing to a reader.
SKIPPED_COLUMNS = frozenset({"id", "cluster_id", "created_at", "updated_at"})
LONG_VALUE = 300


# --- Objects named on a page -----------------------------------------------------------------

def _user_name(user) -> str:
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class Reference:
    fields: tuple[str, ...]
    name: Callable


# The models whose rows a page may name (a changed foreign key shows the row's name, not its
# id); any other foreign key shows "#id".
REFERENCES = {
    USER: Reference(("id", "username", "first_name", "last_name"), _user_name),
    "members.Organization": Reference(("id", "name"), lambda o: o.name),
    "members.Person": Reference(("id", "full_name"), lambda p: p.full_name),
    "members.ClusterRole": Reference(("id",), lambda r: f"#{r.pk}"),
    "agreements.Agreement": Reference(("id", "number", "title"), lambda a: f"{a.number} · {a.title}"),
    "resources.Resource": Reference(("id", "name"), lambda r: r.name),
    "resources.Booking": Reference(("id",), lambda b: _("Booking #%(number)s") % {"number": b.pk}),
    "innovations.Innovation": Reference(("id", "title"), lambda i: i.title),
}


# The text columns a reference is read with, at most (the user's three names).
_TEXT_COLUMNS = max(len(reference.fields) - 1 for reference in REFERENCES.values())


class References:
    """The rows a page names, collected first (`want`), then loaded (`load`): one query for
    them all, whatever the number of events and of models they belong to (tenant rows through
    `for_cluster`)."""

    def __init__(self, cluster):
        self.cluster = cluster
        self._wanted: dict[str, set[int]] = defaultdict(set)
        self._found: dict[str, dict[int, models.Model]] = {}

    def want(self, label: str, value) -> None:
        if label in REFERENCES and (pk := _as_id(value)) is not None:
            self._wanted[label].add(pk)

    def load(self) -> None:
        """A UNION ALL of one branch per model, each row as (model, id, its name's columns as
        text), made back into unsaved instances holding those columns."""
        branches = []
        for label, ids in self._wanted.items():
            model = apps.get_model(label)
            if label == USER:
                queryset = model._default_manager.filter(pk__in=ids)
            else:
                queryset = model.objects.for_cluster(self.cluster).filter(pk__in=ids)
            names = REFERENCES[label].fields[1:]
            texts = [Cast(name, models.TextField()) for name in names]
            texts += [Value("", output_field=models.TextField())] * (_TEXT_COLUMNS - len(names))
            branches.append(queryset.order_by().values_list(
                Value(label, output_field=models.TextField()), Cast("pk", models.BigIntegerField()), *texts))
            self._found[label] = {}
        if not branches:
            return
        rows = branches[0].union(*branches[1:], all=True) if len(branches) > 1 else branches[0]
        for label, pk, *texts in rows:
            model = apps.get_model(label)
            values = dict(zip(REFERENCES[label].fields[1:], texts))
            self._found[label][pk] = model(pk=pk, **values)

    def get(self, label: str, value):
        return self._found.get(label, {}).get(_as_id(value))

    def name(self, label: str, value) -> str:
        row = self.get(label, value)
        if row is not None:
            return REFERENCES[label].name(row)
        return "" if value is None else f"#{value}"

    def user_name(self, value) -> str:
        row = self.get(USER, value)
        return _user_name(row) if row is not None else _("user #%(id)s") % {"id": value}


def _as_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- The tracked tables ----------------------------------------------------------------------

def _choice(model_label: str, field_name: str, value) -> str:
    field = apps.get_model(model_label)._meta.get_field(field_name)
    return str(dict(field.flatchoices).get(value, value or "—"))


@dataclass(frozen=True)
class Source:
    key: str
    label: Promise
    model_label: str
    describe: Callable[[dict, References], str]
    # The page an event links to: URL name, the column holding that page's object id (None:
    # a page without one), and the model of that object (the link is shown while it exists;
    # "" for a page of the cluster itself, there as long as its trail can be read).
    link_name: str
    link_column: str
    link_model: str
    link_takes_id: bool = True
    # (column, model) pairs `describe` names.
    wants: tuple[tuple[str, str], ...] = ()
    # The column that holds the event's cluster: the cluster's own table has none but its id.
    cluster_column: str = "cluster_id"
    # The actions (pgh_label) read from the table; empty: all of them.
    actions: tuple[str, ...] = ()

    @property
    def model(self):
        return apps.get_model(self.model_label)

    @property
    def event_model(self):
        return self.model.pgh_event_model

    def want(self, data: dict, refs: References) -> None:
        refs.want(self.link_model, data.get(self.link_column))
        for column, label in self.wants:
            refs.want(label, data.get(column))

    def url(self, data: dict, refs: References, cluster) -> str:
        from django.urls import reverse

        object_id = data.get(self.link_column)
        if self.link_model and refs.get(self.link_model, object_id) is None:
            return ""
        args = [cluster.slug, object_id] if self.link_takes_id else [cluster.slug]
        return reverse(self.link_name, args=args)


def _organization_role(data, refs):
    return " · ".join([refs.user_name(data.get("user_id")),
                       _choice("members.OrganizationRole", "role", data.get("role")),
                       refs.name("members.Organization", data.get("organization_id"))])


def _stage_transition(data, refs):
    return _("%(innovation)s: %(from)s → %(to)s") % {
        "innovation": refs.name("innovations.Innovation", data.get("innovation_id")),
        "from": _choice("innovations.StageTransition", "from_stage", data.get("from_stage")),
        "to": _choice("innovations.StageTransition", "to_stage", data.get("to_stage")),
    }


SOURCES = {source.key: source for source in [
    # The cluster's own row: its branding (members.services.cluster_branding_update) and what the
    # platform's administrators change (name, region, languages). Its changes only: the row is
    # created by the platform before the cluster has anyone to read its trail.
    Source(
        "cluster", gettext_lazy("Cluster"), "members.Cluster",
        describe=lambda data, refs: data.get("name") or "",
        link_name="cluster_branding", link_column="pgh_obj_id", link_model="", link_takes_id=False,
        cluster_column="pgh_obj_id", actions=("update",),
    ),
    Source(
        "organization", gettext_lazy("Organization"), "members.Organization",
        describe=lambda data, refs: data.get("name") or "",
        link_name="organization_detail", link_column="pgh_obj_id", link_model="members.Organization",
    ),
    Source(
        "cluster_role", gettext_lazy("Cluster role"), "members.ClusterRole",
        describe=lambda data, refs: " · ".join([refs.user_name(data.get("user_id")),
                                                 _choice("members.ClusterRole", "role", data.get("role"))]),
        link_name="role_list", link_column="pgh_obj_id", link_model="members.ClusterRole", link_takes_id=False,
        wants=(("user_id", USER),),
    ),
    Source(
        "organization_role", gettext_lazy("Organization role"), "members.OrganizationRole",
        describe=_organization_role,
        link_name="organization_detail", link_column="organization_id", link_model="members.Organization",
        wants=(("user_id", USER),),
    ),
    Source(
        "agreement", gettext_lazy("Agreement"), "agreements.Agreement",
        describe=lambda data, refs: f"{data.get('number', '')} · {data.get('title', '')}",
        link_name="agreement_detail", link_column="pgh_obj_id", link_model="agreements.Agreement",
    ),
    Source(
        "agreement_party", gettext_lazy("Agreement party"), "agreements.AgreementParty",
        describe=lambda data, refs: " · ".join([
            refs.name("agreements.Agreement", data.get("agreement_id")),
            refs.name("members.Organization", data.get("organization_id")),
            _choice("agreements.AgreementParty", "role", data.get("role")),
        ]),
        link_name="agreement_detail", link_column="agreement_id", link_model="agreements.Agreement",
        wants=(("organization_id", "members.Organization"),),
    ),
    Source(
        "booking", gettext_lazy("Booking"), "resources.Booking",
        describe=lambda data, refs: " · ".join([
            _("Booking #%(number)s") % {"number": data.get("id")},
            refs.name("members.Organization", data.get("requester_id")),
        ]),
        link_name="booking_detail", link_column="pgh_obj_id", link_model="resources.Booking",
        wants=(("requester_id", "members.Organization"),),
    ),
    Source(
        "innovation", gettext_lazy("Innovation"), "innovations.Innovation",
        describe=lambda data, refs: data.get("title") or "",
        link_name="innovation_detail", link_column="pgh_obj_id", link_model="innovations.Innovation",
    ),
    Source(
        "stage_transition", gettext_lazy("Stage change"), "innovations.StageTransition",
        describe=_stage_transition,
        link_name="innovation_detail", link_column="innovation_id", link_model="innovations.Innovation",
    ),
]}


@dataclass(frozen=True)
class Kind:
    label: Promise
    # (source key, the event column that holds the id of "one object's history")
    members: tuple[tuple[str, str], ...]


KINDS = {
    "cluster": Kind(gettext_lazy("Cluster and branding"), (("cluster", "pgh_obj_id"),)),
    "organization": Kind(gettext_lazy("Organizations"),
                         (("organization", "pgh_obj_id"), ("organization_role", "organization_id"))),
    "cluster_role": Kind(gettext_lazy("Cluster roles"), (("cluster_role", "pgh_obj_id"),)),
    "organization_role": Kind(gettext_lazy("Organization roles"), (("organization_role", "pgh_obj_id"),)),
    "agreement": Kind(gettext_lazy("Agreements"),
                      (("agreement", "pgh_obj_id"), ("agreement_party", "agreement_id"))),
    "booking": Kind(gettext_lazy("Bookings"), (("booking", "pgh_obj_id"),)),
    "innovation": Kind(gettext_lazy("Innovations"),
                       (("innovation", "pgh_obj_id"), ("stage_transition", "innovation_id"))),
}

ACTIONS = {
    "insert": gettext_lazy("created"),
    "update": gettext_lazy("changed"),
    "delete": gettext_lazy("deleted"),
}


# --- Field values ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    field: str
    old: str
    new: str


def changed_fields(model, previous: dict | None, current: dict) -> list[models.Field]:
    """The model's fields whose recorded value differs from the previous event's, in the
    model's own order."""
    if not previous:
        return []
    return [
        field for field in model._meta.concrete_fields
        if field.column not in SKIPPED_COLUMNS and field.column in current
        and previous.get(field.column) != current.get(field.column)
    ]


def want_values(fields, previous: dict, current: dict, refs: References) -> None:
    for field in fields:
        if field.is_relation:
            refs.want(field.related_model._meta.label, previous.get(field.column))
            refs.want(field.related_model._meta.label, current.get(field.column))


def changes(fields, previous: dict, current: dict, refs: References) -> list[Change]:
    return [
        Change(str(capfirst(field.verbose_name)), display(field, previous.get(field.column), refs, new=False),
               display(field, current.get(field.column), refs))
        for field in fields
    ]


_RANGE = re.compile(r'^[\[(]"?([^",]*)"?,"?([^",]*)"?[\])]$')


def _datetime(value) -> str:
    moment = parse_datetime(str(value))
    if moment is None:
        return str(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "j E Y, H:i")


def display(field: models.Field, value, refs: References, *, new: bool = True) -> str:
    """A recorded value (as PostgreSQL wrote it to JSON) the way a page would show it; ""
    for no value. `new`: the value after the change, else the one before."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(field, models.FileField):
        # A stored file's name is generated and says nothing to a reader: that there was a file
        # before, or is one after (a logo uploaded, replaced or removed), does.
        return _("new file") if new else _("previous file")
    if field.is_relation:
        return refs.name(field.related_model._meta.label, value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, ArrayField):
        base = field.base_field
        labels = dict(base.flatchoices) if base.choices else {}
        return Truncator(", ".join(str(labels.get(item, item)) for item in value)).chars(LONG_VALUE)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.DateTimeField):
        return _datetime(value)
    if isinstance(field, models.DateField):
        day = parse_date(str(value))
        return date_format(day, "j E Y") if day else str(value)
    if isinstance(field, RangeField):
        match = _RANGE.match(str(value))
        if match:
            return " – ".join(_datetime(end) if end else "…" for end in match.groups())
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return Truncator(str(value)).chars(LONG_VALUE)
