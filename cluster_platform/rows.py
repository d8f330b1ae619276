"""Helpers for pages of many rows: what a template would work out again for every row (a
reverse, a localized date) worked out once per page or once per value."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats


def url_for_pk(name: str, cluster_slug: str):
    """`pk -> reverse(name, args=[cluster_slug, pk])` at the cost of one reverse, for the URLs of
    many rows (a reverse takes some 15 µs; the board has hundreds of links). The pk is the last
    variable segment of every such route, so what follows it is fixed text."""
    head, tail = reverse(name, args=[cluster_slug, 0]).rsplit("/0/", 1)
    return lambda pk: f"{head}/{pk}/{tail}"


def date_labels(format_string: str):
    """`date -> {{ date|date:format_string }}` (in the active language), each date formatted
    once: the template filter looks the month names up in the catalogue on every call."""
    labels = {}

    def label(value) -> str:
        if value is None:
            return ""
        if value not in labels:
            labels[value] = formats.date_format(value, format_string)
        return labels[value]

    return label
