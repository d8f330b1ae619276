"""What every innovations page shares: the cluster gate, the innovation loaded through the
cluster and the reader's visibility, and 404 for whatever cannot be found or seen."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.utils.functional import cached_property
from django.http import Http404
from django.urls import reverse

from members.views.base import ClusterPage, ServiceFormView

from .. import permissions, selectors
from ..models import Innovation


class InnovationPage(ClusterPage):
    """A page of the innovations section, open to everyone with a role in the cluster; what
    each reader sees is narrowed by permissions.visible_innovations."""

    allowed = permissions.can_browse
    nav_section = "innovations"
    innovation = None

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404

    @cached_property
    def blind_reader(self) -> bool:
        """Whether the lists shown to this reader hide the innovations' origins (permissions.blind_reader)."""
        return permissions.blind_reader(self.roles, selectors.policy_for(self.cluster))

    def load_innovation(self, pk=None, queryset=None) -> Innovation:
        """The innovation of the URL among those the reader may see (404 otherwise)."""
        queryset = permissions.visible_innovations(self.cluster, self.roles) if queryset is None else queryset
        try:
            self.innovation = queryset.select_related("origin_organization").get(
                pk=self.kwargs["pk"] if pk is None else pk)
        except (Innovation.DoesNotExist, ValueError, TypeError):
            raise Http404
        return self.innovation

    def innovation_url(self, anchor: str = "") -> str:
        return reverse("innovation_detail", args=[self.cluster.slug, self.innovation.pk]) + anchor

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["innovation"] = self.innovation
        return context


class InnovationActionView(InnovationPage, ServiceFormView):
    """A form about one innovation: its own page on GET and after errors."""

    def load(self):
        self.load_innovation()
        self.load_target()

    def load_target(self):
        """Check the user may act (and load what the action is about)."""

    def get_success_url(self):
        return self.innovation_url()
