"""Routes of the reports API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("reports", views.ReportViewSet, basename="api-report")

urlpatterns = router.urls
