"""Browser URLs of programmes, included under /c/<slug:cluster_slug>/programs/."""

urlpatterns = []
