"""Routes of the innovations API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls."""

from rest_framework.routers import SimpleRouter

from . import core, flow, pilots, reviews

router = SimpleRouter()
for part in (core, reviews, pilots, flow):
    part.register(router)

urlpatterns = [*flow.urlpatterns, *reviews.urlpatterns, *pilots.urlpatterns, *core.urlpatterns, *router.urls]
