"""The public certificate check, included at /verify/: no login, the code alone."""

urlpatterns = []
