"""Routes of the agreements API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("agreements", views.AgreementViewSet, basename="api-agreement")
router.register("obligations", views.ObligationViewSet, basename="api-obligation")

urlpatterns = router.urls
