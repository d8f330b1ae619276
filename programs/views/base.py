"""What every programmes page shares: the cluster gate, the programme loaded through the
cluster, and 404 for whatever cannot be found."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.urls import reverse

from members.views.base import ClusterPage, ServiceFormView

from .. import permissions, selectors
from ..models import Program


class ProgramPage(ClusterPage):
    """A page of the programmes section: everyone with a role in the cluster reads the catalogue."""

    allowed = permissions.can_view_catalogue
    nav_section = "programs"
    program = None

    def dispatch(self, request, *args, **kwargs):
        try:
            return super().dispatch(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404

    def load_program(self, pk=None) -> Program:
        try:
            self.program = selectors.program_get(cluster=self.cluster, pk=self.kwargs["pk"] if pk is None else pk)
        except (Program.DoesNotExist, ValueError, TypeError):
            raise Http404
        return self.program

    def program_url(self, anchor: str = "") -> str:
        return reverse("program_detail", args=[self.cluster.slug, self.program.pk]) + anchor

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = self.program
        return context


class ProgramActionView(ProgramPage, ServiceFormView):
    """A form about one programme: its own page on GET and after errors."""

    def load(self):
        self.load_program()
        self.load_target()

    def load_target(self):
        """Check the user may act (and load what the action is about)."""

    def get_success_url(self):
        return self.program_url()
