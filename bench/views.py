"""The baseline of the benchmark: the same stack as the API (middleware, one transaction per
request, DRF with the API's authentication and permission classes) around exactly one indexed
query, so every page's latency can be read as a multiple of what the stack alone costs."""

from django.http import Http404
from rest_framework.response import Response
from rest_framework.views import APIView

from members.models import Cluster


class BaselineView(APIView):
    # The API's defaults (settings.REST_FRAMEWORK): token or session, authenticated users only.

    def get(self, request, cluster_slug: str):
        # members_cluster has no row-level security: one lookup by its unique slug.
        cluster = Cluster.objects.filter(slug=cluster_slug).values("id", "slug", "name", "region").first()
        if cluster is None:
            raise Http404
        return Response(cluster)
