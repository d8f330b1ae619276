"""Routes of the programmes API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls."""

urlpatterns = []
