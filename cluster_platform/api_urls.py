"""/api/v1/: the token endpoint, the OpenAPI schema and its offline docs, and each app's
cluster-scoped routes under c/<cluster_slug>/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from members.api.views import TokenObtainView

urlpatterns = [
    path("auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's files come from drf_spectacular_sidecar through /static/: no CDN.
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("c/<slug:cluster_slug>/", include("members.api.urls")),
    path("c/<slug:cluster_slug>/", include("agreements.api.urls")),
    path("c/<slug:cluster_slug>/", include("resources.api.urls")),
    path("c/<slug:cluster_slug>/", include("programs.api.urls")),
    path("c/<slug:cluster_slug>/", include("innovations.api.urls")),
    path("c/<slug:cluster_slug>/", include("reports.api.urls")),
    path("c/<slug:cluster_slug>/", include("audit.api")),
]
