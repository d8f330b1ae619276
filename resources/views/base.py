"""What every resources page shares: the section, the resource loaded through the cluster."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.urls import reverse

from members.views.base import ClusterPage

from .. import permissions, selectors
from ..models import Resource


class ResourcePage(ClusterPage):
    """A page of the resources section (anyone with a role in the cluster reads the
    catalogue); objects that cannot be found are 404."""

    allowed = permissions.can_view_catalogue
    nav_section = "resources"
    resource = None

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404

    def load_resource(self, get=selectors.resource_get) -> Resource:
        try:
            self.resource = get(cluster=self.cluster, pk=self.kwargs["pk"])
        except (Resource.DoesNotExist, ValueError):
            raise Http404
        return self.resource

    def resource_url(self, anchor: str = "") -> str:
        return reverse("resource_detail", args=[self.cluster.slug, self.resource.pk]) + anchor

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["resource"] = self.resource
        return context
