"""The audit trail page: a cluster's history events, newest first, for coordinators."""

from __future__ import annotations

from members.views.base import ClusterPage, paginate

from . import permissions, selectors
from .forms import AuditFilterForm
from .sources import KINDS

PAGE_SIZE = 50


class AuditListView(ClusterPage):
    template_name = "audit/event_list.html"
    allowed = permissions.can_view
    nav_section = "audit"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = AuditFilterForm(self.request.GET or None,
                               users=selectors.actor_choices(cluster=self.cluster))
        filters = form.filters()
        page = paginate(self.request, selectors.event_list(cluster=self.cluster, filters=filters),
                        per_page=PAGE_SIZE)
        events = page.object_list
        subject = None
        if filters.object_id is not None:
            # One object's history: named after its newest event of the kind's own table
            # (the object may be gone; its events stay).
            main_source = KINDS[filters.kind].members[0][0]
            newest = next((event for event in events if event.source == main_source), None)
            subject = {
                "kind": KINDS[filters.kind].label,
                "label": newest.label if newest else f"#{filters.object_id}",
                "url": newest.url if newest else "",
            }
        context.update(
            form=form,
            page_obj=page,
            events=events,
            is_filtered=form.is_filtered,
            subject=subject,
        )
        return context
