from django.contrib import admin
from django.urls import include, path

from . import guide, health, views

urlpatterns = [
    path("", views.home, name="home"),
    # For load balancers and Docker's healthcheck; exempt from the HTTPS redirect in production.
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # The user guide, a page per role: public.
    path("guide/", guide.index, name="guide"),
    path("guide/<slug:role>/", guide.role_page, name="guide_role"),
    # Django's set_language that also keeps a signed-in user's choice on their profile; before the
    # include so the URL and the name "set_language" resolve to it.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # The sign-in pages with Bootstrap-styled forms; the rest of django.contrib.auth.urls as is.
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/password_change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("api/v1/", include("cluster_platform.api_urls")),
    # Before members' catch-all "c/<slug>/" include; the prefixes do not overlap either way.
    path("c/<slug:cluster_slug>/agreements/", include("agreements.urls")),
    path("c/<slug:cluster_slug>/resources/", include("resources.urls")),
    path("c/<slug:cluster_slug>/calendars/", include("resources.calendar_urls")),
    path("calendars/", include("resources.feed_urls")),
    path("c/<slug:cluster_slug>/programs/", include("programs.urls")),
    path("c/<slug:cluster_slug>/innovations/", include("innovations.urls")),
    path("c/<slug:cluster_slug>/reports/", include("reports.urls")),
    path("c/<slug:cluster_slug>/audit/", include("audit.urls")),
    path("verify/", include("programs.verify_urls")),
    path("", include("members.urls")),
]

# 503 when the database is unreachable, else the 500 page; JSON under /api/.
handler500 = "cluster_platform.errors.server_error"

