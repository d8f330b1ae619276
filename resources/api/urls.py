"""Routes of the resources API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("resources", views.ResourceViewSet, basename="api-resource")
router.register("bookings", views.BookingViewSet, basename="api-booking")

urlpatterns = router.urls
