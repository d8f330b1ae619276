"""The bench settings' URLconf: the platform's own URLs and the baseline endpoint."""

from django.urls import include, path

from .views import BaselineView

urlpatterns = [
    path("bench/baseline/<slug:cluster_slug>/", BaselineView.as_view(), name="bench_baseline"),
    path("", include("cluster_platform.urls")),
]

handler500 = "cluster_platform.errors.server_error"
