"""The public check of certificates and periodic reports, included at /verify/: no login, the
code alone (a report's page also compares an uploaded PDF with its checksum)."""

from django.urls import path

from .views import verify

urlpatterns = [
    path("", verify.VerifyFormView.as_view(), name="certificate_verify_form"),
    # The certificate prints /verify/<code> without the slash; CommonMiddleware's APPEND_SLASH
    # would redirect, but the printed link answers directly.
    path("<str:code>", verify.VerifyView.as_view()),
    path("<str:code>/", verify.VerifyView.as_view(), name="certificate_verify"),
]
