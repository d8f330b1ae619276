"""Routes of the programmes API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls."""

from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("programs", views.ProgramViewSet, basename="api-program")
router.register("sessions", views.SessionViewSet, basename="api-session")
router.register("enrollments", views.EnrollmentViewSet, basename="api-enrollment")
router.register("needs", views.NeedViewSet, basename="api-need")

urlpatterns = router.urls
