"""Calendar links: the public iCalendar feed (by secret token) and the pages where people
create and revoke their links.

The feed answers without a login. The token from the URL is hashed and the hash looked up
through its unique index (the secret itself is never compared or stored); an unknown token, a
revoked link, a link of an inactive cluster and a link whose creator has lost the right to it
(calendar_permissions) all answer the same 404. Reads are rate-limited per address.

The full link is shown once, on the page that answers the creating POST (never stored, not
put in the session, not cacheable); a lost link is replaced by creating a new one, which
revokes the old.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django_ratelimit.decorators import ratelimit

from cluster_platform import rls
from cluster_platform.tenancy import roles_for
from members.models import Organization
from members.views.base import ClusterPage, paginate

from . import calendar_permissions, ical, permissions, services
from .forms_calendars import CalendarLinkForm
from .models import CalendarFeed
from .services.calendars import token_hash

DEFAULT_FEED_RATE = "120/h"


def feed_rate(group, request) -> str:
    # Read per request so the limit follows the settings (and test overrides).
    return getattr(settings, "CALENDAR_FEED_RATE_LIMIT", DEFAULT_FEED_RATE)


def feed_by_token(token: str) -> CalendarFeed | None:
    """The active feed of an active cluster with this secret token, or None. The token finds
    its cluster: this is the one lookup that cannot name the cluster first."""
    feed = (
        CalendarFeed.objects.unscoped()
        .select_related("cluster", "resource__owner", "organization", "created_by")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, cluster__is_active=True)
        .first()
    )
    if feed is not None:
        # The token found its cluster: the rest of the request works in it (row-level security).
        rls.use_cluster(feed.cluster_id)
    return feed


def feed_still_held(feed: CalendarFeed) -> bool:
    creator = feed.created_by
    if creator is None or not creator.is_active:
        return False
    return calendar_permissions.can_hold_feed(roles_for(creator, feed.cluster), feed)


@require_safe
@ratelimit(key="ip", rate=feed_rate, method=ratelimit.ALL, block=False)
def calendar_feed(request, token: str):
    if getattr(request, "limited", False):
        response = HttpResponse(_("Too many requests for calendar feeds; try again later."),
                                status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "3600"
        return response
    feed = feed_by_token(token)
    if feed is None or not feed_still_held(feed):
        raise Http404
    now = timezone.now()
    body = ical.feed_calendar(feed, now)
    services.feed_touch(feed=feed, now=now)
    response = HttpResponse(body.encode("utf-8"), content_type="text/calendar; charset=utf-8")
    kind = "resource" if feed.resource_id is not None else "organization"
    target_id = feed.resource_id or feed.organization_id
    response["Content-Disposition"] = f'inline; filename="bookings-{kind}-{target_id}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- Pages under /c/<slug>/calendars/ ------------------------------------------------------------


def feed_url(request, token: str) -> str:
    return request.build_absolute_uri(reverse("calendar_feed", kwargs={"token": token}))


class CalendarPage(ClusterPage):
    allowed = calendar_permissions.can_use_calendar_links
    nav_section = "resources"


class CalendarLinksView(CalendarPage):
    """The resources the user manages (a page of them: a coordinator manages every resource of
    the cluster) and the organizations they belong to, each with the state of the user's own
    link (a bounded number of queries whatever the number of rows)."""

    template_name = "resources/calendars/links.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        feeds = {
            (feed.resource_id, feed.organization_id): feed
            for feed in CalendarFeed.objects.for_cluster(self.cluster).filter(created_by=user, revoked_at__isnull=True)
        }
        page = paginate(self.request, permissions.managed_resources(self.cluster, self.roles)
                        .select_related("owner").order_by("name", "pk"))
        context["page_obj"] = page
        organizations = (Organization.objects.for_cluster(self.cluster)
                         .filter(pk__in=sorted(self.roles.organization_roles)).order_by("name", "pk"))
        context["resource_rows"] = [
            {"target": resource, "name": resource.name, "feed": feeds.get((resource.pk, None))}
            for resource in page.object_list]
        context["organization_rows"] = [
            {"target": organization, "name": organization.localized_name, "feed": feeds.get((None, organization.pk))}
            for organization in organizations]
        return context


@method_decorator(never_cache, name="dispatch")
class CalendarLinkCreateView(CalendarPage):
    """POST only: creates the link and answers with the page that shows it, once."""

    template_name = "resources/calendars/created.html"

    def get(self, request, *args, **kwargs):
        return redirect("calendar_links", cluster_slug=self.cluster.slug)

    def post(self, request, *args, **kwargs):
        form = CalendarLinkForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect("calendar_links", cluster_slug=self.cluster.slug)
        try:
            feed, token = services.feed_create(cluster=self.cluster, actor=request.user, **form.service_data())
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("calendar_links", cluster_slug=self.cluster.slug)
        url = feed_url(request, token)
        return self.render_to_response(self.get_context_data(
            feed=feed, target_name=ical.feed_target_name(feed), feed_url=url,
            webcal_url="webcal://" + url.split("://", 1)[1]))


class CalendarLinkRevokeView(CalendarPage):
    """GET asks first; only POST revokes."""

    template_name = "resources/calendars/revoke.html"

    def load(self) -> CalendarFeed:
        try:
            feed = (CalendarFeed.objects.for_cluster(self.cluster).select_related("resource__owner", "organization")
                    .get(pk=self.kwargs["feed_pk"], revoked_at__isnull=True))
        except CalendarFeed.DoesNotExist:
            raise Http404
        if not calendar_permissions.can_revoke_feed(self.roles, feed):
            raise PermissionDenied
        return feed

    def get(self, request, *args, **kwargs):
        feed = self.load()
        return self.render_to_response(self.get_context_data(feed=feed, target_name=ical.feed_target_name(feed)))

    def post(self, request, *args, **kwargs):
        feed = self.load()
        services.feed_revoke(cluster=self.cluster, actor=request.user, feed_id=feed.pk)
        messages.success(request, _("The calendar link for %(name)s no longer works.") % {
            "name": ical.feed_target_name(feed)})
        return redirect("calendar_links", cluster_slug=self.cluster.slug)
