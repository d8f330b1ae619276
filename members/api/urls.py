"""Routes of the members API, mounted at /api/v1/c/<cluster_slug>/ by cluster_platform.api_urls."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("organizations", views.OrganizationViewSet, basename="api-organization")
router.register("applications", views.ApplicationViewSet, basename="api-application")
router.register("people", views.PersonViewSet, basename="api-person")
router.register("school-ratings", views.SchoolRatingViewSet, basename="api-school-rating")

urlpatterns = router.urls + [
    # One object per cluster, the cluster's own: no id.
    path("branding/", views.BrandingViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
         name="api-branding"),
]
