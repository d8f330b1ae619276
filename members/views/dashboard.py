"""The cluster dashboard: members by kind and status, school ratings, the application queue."""

from __future__ import annotations

from django.db.models import Count, Window

from agreements import selectors as agreement_selectors
from resources import selectors as resource_selectors

from .. import selectors
from ..models import MembershipApplication, Organization, RatingColour
from .base import ClusterPage

PENDING_SHOWN = 5
EXPIRING_WITHIN_DAYS = 30
EXPIRING_SHOWN = 10


def members_table(rows: list[dict]) -> dict:
    """Pivot (kind, status, count) rows into one line per kind with a column per status."""
    statuses = list(Organization.Status)
    by_kind: dict[str, dict[str, int]] = {}
    for row in rows:
        by_kind.setdefault(row["kind"], {})[row["status"]] = row["count"]
    lines = []
    for kind in Organization.Kind:
        if kind.value not in by_kind:
            continue
        counts = by_kind[kind.value]
        lines.append({
            "kind": kind.value,
            "label": kind.label,
            "cells": [{"status": s.value, "count": counts.get(s.value, 0)} for s in statuses],
            "total": sum(counts.values()),
        })
    totals = [{"status": s.value, "count": sum(line["cells"][i]["count"] for line in lines)}
              for i, s in enumerate(statuses)]
    return {
        "statuses": statuses,
        "lines": lines,
        "totals": totals,
        "total": sum(line["total"] for line in lines),
    }


class DashboardView(ClusterPage):
    template_name = "members/dashboard.html"
    nav_section = "dashboard"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ratings = selectors.rating_counts(cluster=self.cluster)
        context["members"] = members_table(selectors.members_by_kind_and_status(cluster=self.cluster))
        context["ratings"] = [
            {"colour": colour.value, "label": colour.label, "count": ratings.get(colour.value, 0)}
            for colour in RatingColour
        ]
        context["rated_schools"] = sum(ratings.values())
        if self.roles.is_coordinator:
            # One query: the requested bookings whose every resource the user manages.
            context["bookings_to_approve"] = resource_selectors.bookings_to_approve(self.cluster, self.roles).count()
            # The first few with the count of them all, in one query (a window over the whole
            # queue, computed before the LIMIT): no second query once the queue is long.
            pending = list(selectors.application_list(
                cluster=self.cluster, status=MembershipApplication.Status.SUBMITTED
            ).annotate(queue_length=Window(Count("pk")))[:PENDING_SHOWN])
            context["pending_applications"] = pending
            context["pending_count"] = pending[0].queue_length if pending else 0
            expiring = agreement_selectors.agreement_list(
                cluster=self.cluster, roles=self.roles, filters={"expiring_within_days": EXPIRING_WITHIN_DAYS}
            ).order_by("end_date", "number")
            # One more than shown, to know whether to offer the whole list.
            context["expiring_agreements"] = list(expiring[:EXPIRING_SHOWN + 1])
            context["expiring_more"] = len(context["expiring_agreements"]) > EXPIRING_SHOWN
            context["expiring_agreements"] = context["expiring_agreements"][:EXPIRING_SHOWN]
            context["expiring_within_days"] = EXPIRING_WITHIN_DAYS
        return context
