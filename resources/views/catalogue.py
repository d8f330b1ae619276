"""The catalogue, the resource page with its calendar, and the photos served through the cluster."""

from __future__ import annotations

from functools import partial

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone

from members import selectors as member_selectors
from members.views.base import paginate

from .. import availability, permissions, selectors
from ..forms import ResourceFilterForm
from .base import ResourcePage
from .calendar import CalendarSpan, calendar_context, parse_date

RESULTS_ID = "resource-results"
CATALOGUE_PAGE_SIZE = 24


def _owners(cluster):
    return member_selectors.organization_choices(cluster=cluster)


class ResourceListView(ResourcePage):
    template_name = "resources/resource_list.html"

    def get_template_names(self):
        htmx = self.request.htmx
        if htmx and htmx.target == RESULTS_ID and not htmx.history_restore_request:
            return ["resources/partials/resource_results.html"]
        return [self.template_name]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = ResourceFilterForm(self.request.GET or None, organizations=_owners(self.cluster),
                                  organizations_url=reverse("organization_options_all", args=[self.cluster.slug]))
        filters = form.filters()
        resources = selectors.resource_list(cluster=self.cluster, filters=filters)
        page = paginate(self.request, resources.order_by(*form.ordering()), per_page=CATALOGUE_PAGE_SIZE)
        context.update(
            form=form,
            page_obj=page,
            resources=page.object_list,
            is_filtered=bool(filters) or bool(form.errors),
            results_id=RESULTS_ID,
            can_register=permissions.can_register(self.roles),
            can_request=permissions.can_request(self.roles),
        )
        return context


def hours_table(rows) -> list[dict]:
    """One line per weekday with its intervals, from the hours rows of selectors.resource_page."""
    by_day: dict[int, list] = {}
    for row in rows:
        by_day.setdefault(row["weekday"], []).append((row["opens"], row["closes"]))
    return [{"day": availability.weekday_name(weekday), "hours": availability.format_intervals(by_day[weekday])
             if weekday in by_day else ""} for weekday in range(7)]


class ResourceDetailView(ResourcePage):
    """The resource with its hours, photos, closed dates and calendar: read in one query
    (selectors.resource_page), and the managers in a second."""

    template_name = "resources/resource_detail.html"

    def get_context_data(self, **kwargs):
        roles = self.roles
        span = CalendarSpan.of(self.request.GET.get("view"),
                               parse_date(self.request.GET.get("date"), timezone.localdate()))
        resource = self.load_resource(
            get=partial(selectors.resource_page, roles=roles, start=span.start, end=span.end))
        context = super().get_context_data(**kwargs)
        base_url = reverse("resource_detail", args=[self.cluster.slug, resource.pk])
        context.update(
            hours=hours_table(resource.hours_rows),
            closed_dates=resource.closed_rows,
            photos=resource.photo_rows,
            managers=selectors.resource_managers(cluster=self.cluster, resource=resource),
            can_edit=permissions.can_edit(roles, resource),
            can_manage=permissions.can_manage(roles, resource),
            can_request=resource.is_active and permissions.can_request(roles),
            calendar=calendar_context(span=span, rows=resource.calendar_rows, base_url=base_url),
        )
        return context


class PhotoView(ResourcePage):
    """GET only: the image of a photo of this resource, for anyone who reads the catalogue.
    The content type is the one detected at upload; nosniff keeps the browser from guessing."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        resource = self.load_resource()
        photo = next((p for p in resource.photos.all() if p.pk == self.kwargs["photo_pk"]), None)
        if photo is None or not photo.image.name:
            raise Http404
        try:
            handle = photo.image.storage.open(photo.image.name, "rb")
        except (FileNotFoundError, OSError):
            raise Http404
        response = FileResponse(handle, content_type=photo.content_type)
        response["Content-Disposition"] = "inline"
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
        response["Cache-Control"] = "private, max-age=3600"
        return response
