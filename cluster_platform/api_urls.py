from django.urls import include, path

urlpatterns = [
    path("c/<slug:cluster_slug>/", include("members.api.urls")),
]
